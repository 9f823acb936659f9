"""The operator console: readable document pages that cannot be edited, and the pipeline overview.

Documents go through the real pipeline (inline) between two organisations; the console is read as an operator.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from pagero.documents.models import Document
from tests.exchange.conftest import eager, make_org  # noqa: F401 - eager is a fixture (usefixtures)
from tests.exchange.factory import document

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the pipeline publishes each next step when its transaction commits
    pytest.mark.usefixtures("eager"),  # the pipeline inline, as on the embedded default
]
LIST = "/admin/documents/document/"


@pytest.fixture
def acme(db):
    return make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])


@pytest.fixture
def nordic(db):
    return make_org("Nordic Retail AS", "nordic", [("0192", "987654325"), ("9908", "NO987654325MVA")])


def sent(org, number: str, data: bytes | None = None) -> Document:
    response = org.post(data or document("ubl", number=number))
    assert response.status_code in (200, 201, 202), response.content
    return Document.objects.get(pk=response.json()["id"])


def not_adding_up(number: str) -> bytes:
    """An invoice whose amount due is not its total with VAT: rejected by the EN 16931 rules."""
    data = document("ubl", number=number).decode()
    changed = re.sub(r"(<cbc:PayableAmount[^>]*>)[^<]+", r"\g<1>999.99", data)
    assert changed != data
    return changed.encode()


def test_the_documents_list_names_the_organisations_and_reads_dates(admin_client, acme, nordic):
    doc = sent(acme, "CON-1")
    assert doc.status == "delivered"
    html = admin_client.get(LIST).content.decode()
    row = html[html.index("CON-1") :]
    row = row[: row.index("</tr>")]
    assert "Acme Supplies AB" in row and "Nordic Retail AS" in row
    assert f">{acme.id}<" not in row and f">{nordic.id}<" not in row  # names, not ids
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d UTC", row), row


def test_an_archived_document_has_no_save_or_delete_and_refuses_a_post(admin_client, acme, nordic):
    doc = sent(acme, "CON-2")
    page = admin_client.get(f"{LIST}{doc.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html and "deletelink" not in html
    # The operations stay, as buttons posting the list's actions.
    assert 'value="reprocess"' in html and 'value="redeliver"' in html
    assert "Nordic Retail AS" in html and "Acme Supplies AB" in html

    changed = admin_client.post(f"{LIST}{doc.pk}/change/", {"number": "FORGED", "status": "rejected"})
    assert changed.status_code == 403
    deleted = admin_client.post(f"{LIST}{doc.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    bulk = admin_client.post(LIST, {"action": "delete_selected", "_selected_action": [str(doc.pk)], "post": "yes"})
    assert bulk.status_code in (200, 302)
    doc.refresh_from_db()
    assert (doc.number, doc.status) == ("CON-2", "delivered")
    assert Document.objects.filter(pk=doc.pk).exists()


def test_an_operation_button_on_the_document_page_runs_it(admin_client, acme, nordic):
    doc = sent(acme, "CON-3")
    page = admin_client.get(f"{LIST}{doc.pk}/change/").content.decode()
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(?:(?!</form>).)*value="redeliver"', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(action|_selected_action)" value="([^"]+)"', form.group(0)))
    assert fields == {"action": "redeliver", "_selected_action": str(doc.pk)}
    response = admin_client.post(form.group(1), fields, follow=True)
    assert "Re-delivery: 1 document(s)" in response.content.decode()
    assert doc.events.filter(kind="redelivery_requested").exists()


def test_the_validation_report_is_a_table(admin_client, acme, nordic):
    doc = sent(acme, "CON-4", not_adding_up("CON-4"))
    assert doc.status == "rejected"
    html = admin_client.get(f"{LIST}{doc.pk}/change/").content.decode()
    table = html[html.index('class="validation-report"') :]
    table = table[: table.index("</table>")]
    assert "<th>Rule</th>" in table and "<th>Message</th>" in table
    rule = doc.validation_report["findings"][0]["rule_id"]
    assert f"<code>{rule}</code>" in table and "fatal" in table
    assert "not valid" in html


def test_the_overview_is_linked_from_the_index_and_shows_how_long_documents_waited(admin_client, acme, nordic):
    index = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/pipeline/"' in index
    assert "<title>Operations | E-document exchange console</title>" in index
    assert "E-document exchange · operator console" in index

    stuck = sent(acme, "CON-5")
    delivered = sent(acme, "CON-6")
    Document.objects.filter(pk=stuck.pk).update(status="routed", updated_at=timezone.now() - timedelta(hours=3))
    html = admin_client.get("/admin/pipeline/").content.decode()
    assert "<title>Pipeline overview | E-document exchange console</title>" in html
    table = html[html.index('id="per-status"') :]
    table = table[: table.index("</table>")]
    routed = table[table.index(">routed<") :]
    routed = routed[: routed.index("</tr>")]
    assert "in flight" in routed and re.search(r"<td class=\"waited\">3 h( 0 min)?</td>", routed), routed
    done = table[table.index(">delivered<") :]
    done = done[: done.index("</tr>")]
    assert "done" in done and '<td class="waited">—</td>' in done
    assert delivered.status == "delivered"


def test_the_console_pages_need_staff(client):
    for path in (LIST, "/admin/pipeline/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], path


def test_the_partners_pages_read_dates_with_their_time_zone(admin_client, acme):
    html = admin_client.get("/admin/partners/organisation/").content.decode()
    row = html[html.index("Acme Supplies AB") :]
    row = row[: row.index("</tr>")]
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d UTC", row), row
    tokens = admin_client.get("/admin/partners/apitoken/").content.decode()
    assert "never" in tokens and "p.m." not in tokens and "a.m." not in tokens
