"""The REST API as a customer first meets it: the answer to a submission, the browsable docs, the schema, pages."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from pagero.documents import pipeline
from pagero.partners import public as partners
from tests.exchange.conftest import eager, make_org  # noqa: F401 - eager is a fixture (usefixtures)
from tests.exchange.factory import document


@pytest.fixture
def acme(db):
    return make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])


@pytest.fixture
def nordic(db):
    return make_org("Nordic Retail AS", "nordic", [("0192", "987654325")])


@pytest.mark.django_db(transaction=True)  # the pipeline runs inline once the submission commits
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_a_submission_answers_the_status_after_the_inline_pipeline(acme, nordic):
    response = acme.post(document("ubl", number="NOW-1"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "delivered"  # not the "received" snapshot taken before the pipeline ran
    assert body["recipient_id"] == nordic.id and body["channel"] == "inbox"
    assert acme.get(f"/api/v1/documents/{body['id']}").json()["status"] == "delivered"


@pytest.mark.django_db
def test_the_api_docs_are_served_from_our_own_static_files():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    bundle = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', html)
    assert bundle, html[:500]
    assert bundle.group(1).startswith("/static/drf_spectacular_sidecar/")
    served = Client().get(bundle.group(1))
    assert served.status_code == 200
    assert len(b"".join(served.streaming_content if served.streaming else [served.content])) > 100_000


@pytest.mark.django_db
def test_the_schema_declares_bearer_auth_the_error_answers_and_the_page_parameters():
    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    assert schema["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "an organisation API token: `Bearer pgr_...`",
    }
    paths = schema["paths"]
    submit = paths["/api/v1/documents"]["post"]
    assert {"401", "403", "413", "415", "422", "429"} <= set(submit["responses"])
    assert submit["responses"]["415"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert {"ApiToken": []} in submit["security"]
    for path in ("/api/v1/documents/{document_id}", "/api/v1/documents/{document_id}/content"):
        assert {"401", "404"} <= set(paths[path]["get"]["responses"]), path
    for path in ("/api/v1/documents", "/api/v1/inbox"):
        operation = paths[path]["get"]
        assert {"page", "page_size"} <= {p["name"] for p in operation.get("parameters", [])}, path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert {"count", "page", "next", "results"} <= set(schema["components"]["schemas"][page]["properties"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_the_inbox_comes_in_pages_with_the_same_shape(acme, nordic):
    for n in range(3):
        assert acme.post(document("ubl", number=f"PAGE-{n}")).json()["status"] == "delivered"
    everything = nordic.get("/api/v1/inbox").json()
    assert everything["count"] == 3 and len(everything["results"]) == 3 and everything["next"] is None
    assert everything["page"] == 1 and "content_url" in everything["results"][0]
    first = nordic.get("/api/v1/inbox", page_size=2).json()
    assert first["count"] == 3 and [r["number"] for r in first["results"]] == ["PAGE-0", "PAGE-1"]
    assert first["next"].endswith("page=2&page_size=2") or "page=2" in first["next"]
    second = nordic.client.get(first["next"]).json()
    assert second["page"] == 2 and [r["number"] for r in second["results"]] == ["PAGE-2"] and second["next"] is None
    beyond = nordic.get("/api/v1/inbox", page=9)
    assert beyond.status_code == 404 and beyond.json()["error"] == "not_found"


@pytest.mark.slow  # 201 submissions
@pytest.mark.django_db
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_a_page_holds_at_most_200_documents_whatever_is_asked(acme, monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)  # submissions stay `received`
    for n in range(201):
        assert acme.post(document("ubl", number=f"MANY-{n}")).status_code == 202
    page = acme.get("/api/v1/documents", page_size=10_000).json()
    assert page["count"] == 201 and len(page["results"]) == 200 and page["next"]
    assert len(acme.get("/api/v1/documents").json()["results"]) == 50  # the default page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_the_sender_reads_a_failed_delivery_without_the_recipients_channel_details(acme, nordic, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DELIVERY_MAX_ATTEMPTS = 2
    partners.rotate_webhook_secret(nordic.id)
    partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url="http://127.0.0.1:9/private-hook")
    body = acme.post(document("ubl", number="PRIV-1")).json()
    assert body["status"] == "delivery_failed"
    sender_view = acme.get(f"/api/v1/documents/{body['id']}")
    text = sender_view.content.decode()
    assert "private-hook" not in text and "Errno" not in text and "127.0.0.1:9" not in text
    detail = sender_view.json()
    assert (
        detail["status_reason"] == "the recipient's channel did not take the document; the details are the recipient's"
    )
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds.count("delivery_attempt_failed") == 1 and kinds[-1] == "delivery_failed"
    assert detail["timeline"][-1]["detail"] == {"attempt": 2}
    recipient_view = nordic.get(f"/api/v1/documents/{body['id']}").content.decode()
    assert "private-hook" in recipient_view and "Errno 111" in recipient_view  # the recipient's own channel
