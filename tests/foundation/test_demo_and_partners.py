"""Demo data, API tokens and the placeholder portal."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from pagero.partners import public as partners
from pagero.partners.models import ApiToken, Organisation, ParticipantIdentifier

pytestmark = pytest.mark.django_db


def seed() -> dict:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return json.loads(out.getvalue())


def test_seed_demo_is_idempotent_and_prints_logins_and_tokens():
    first = seed()
    counts = (Organisation.objects.count(), ParticipantIdentifier.objects.count(), ApiToken.objects.count())
    second = seed()
    assert first == second
    assert counts == (
        Organisation.objects.count(),
        ParticipantIdentifier.objects.count(),
        ApiToken.objects.count(),
    )
    names = [o["organisation"] for o in first["organisations"]]
    assert len(names) == 2
    for org in first["organisations"]:  # the demo organisations route to each other
        assert {i["status"] for i in org["identifiers"]} == {"verified"}
        for ident in org["identifiers"]:
            assert partners.find_organisation_by_identifier(ident["scheme"], ident["value"]).name == org["organisation"]
    for org in first["organisations"]:
        assert org["identifiers"] and org["users"][0]["password"]
        principal = partners.authenticate_token(org["api_tokens"][0]["token"])
        assert principal is not None
        assert partners.get_organisation(principal.organisation_id).name == org["organisation"]


def test_tokens_are_hashed_at_rest_and_revocable():
    org = partners.ensure_organisation("Token Test Ltd", "token-test")
    issued = partners.issue_api_token(org.id, "ci", scope="read")
    stored = ApiToken.objects.get(pk=issued.id)
    assert issued.plain not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == partners.hash_token(issued.plain)
    principal = partners.authenticate_token(issued.plain)
    assert principal is not None and principal.can_write is False
    assert partners.revoke_api_token(org.id, issued.id) is True
    assert partners.authenticate_token(issued.plain) is None
    assert partners.authenticate_token("pgr_unknown") is None


def test_identifier_belongs_to_one_organisation():
    a = partners.ensure_organisation("A", "a")
    b = partners.ensure_organisation("B", "b")
    partners.add_identifier(a.id, "0088", " 7300010000001 ", verified=True)
    assert partners.find_organisation_by_identifier("0088", "7300010000001") == a
    with pytest.raises(partners.IdentifierTaken, match="already verified for another organisation"):
        partners.add_identifier(b.id, "0088", "7300010000001")


def test_portal_login_page_and_home(client):
    seed()
    anonymous = client.get("/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/login/?next=/"
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    refused = client.post("/login/", {"username": "alice", "password": "not-the-password"}, follow=True)
    assert refused.redirect_chain == [] and not refused.wsgi_request.user.is_authenticated
    assert b'name="password"' in refused.content and b"Acme Supplies AB" not in refused.content
    response = client.post("/login/", {"username": "alice", "password": "acme-demo-2026"}, follow=True)
    assert response.redirect_chain == [("/", 302)]  # to the home page
    assert response.status_code == 200 and response.wsgi_request.user.username == "alice"
    assert b"Acme Supplies AB" in response.content


def test_admin_login_page_is_served(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"<title>Log in | E-document exchange console</title>" in response.content
    for field in (b'action="/admin/login/"', b'name="username"', b'name="password"'):
        assert field in response.content


def test_identifier_lookup_ignores_case_and_blanks():
    a = partners.ensure_organisation("A", "a")
    b = partners.ensure_organisation("B", "b")
    stored = partners.add_identifier(a.id, "9955", "SE 5567 3217 0701", verified=True)
    assert stored.value == "SE556732170701"
    assert partners.find_organisation_by_identifier("9955", "se556732170701") == a
    with pytest.raises(partners.IdentifierTaken):
        partners.add_identifier(b.id, "9955", "se556732170701")
