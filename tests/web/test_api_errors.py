"""Under /api/ every error is JSON in the API's shape, a server error included; elsewhere Django's pages stay."""

from __future__ import annotations

import pytest
from django.test import Client

from pagero.documents import queries
from pagero.partners import public as partners

pytestmark = pytest.mark.django_db


def api_client() -> Client:
    org = partners.ensure_organisation("Acme Supplies AB", "acme")
    token = partners.issue_api_token(org.id, "tests", scope="write").plain
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def test_an_unexpected_failure_in_the_api_is_json_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(queries, "list_documents", broken)
    response = api_client().get("/api/v1/documents")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "server_error"
    assert "database went away" not in response.content.decode()  # no internals to the caller


def test_unknown_api_urls_are_json_even_without_a_token():
    response = Client().get("/api/v1/documents/not-a-uuid")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_pages_outside_the_api_keep_html_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")
