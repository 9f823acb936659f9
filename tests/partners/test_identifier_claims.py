"""Identifier claims: validated, verified before they route (operator console or e-mail link), never hijacked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.formats.model import Contact
from pagero.partners import public as partners
from pagero.partners.models import Organisation, ParticipantIdentifier
from pagero.routing import public as routing
from pagero.routing.rules import EMAIL_SCHEMES, VAT_SCHEMES
from tests.exchange.factory import document, invoice

pytestmark = pytest.mark.django_db
CLAIMS = "/admin/partners/participantidentifier/"


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "http://testserver"
    return mail.outbox


def member_client(organisation_id: int, username: str) -> Client:
    partners.ensure_member(organisation_id, username, "pw-claims-test-1", email=f"{username}@example.com")
    client = Client()
    assert client.login(username=username, password="pw-claims-test-1")
    return client


def claim_of(organisation_id: int, value: str) -> partners.IdentifierClaim:
    (claim,) = [c for c in partners.identifier_claims(organisation_id) if c.value.lower() == value.lower()]
    return claim


def run_pipeline(sender, number: str, **kwargs) -> Document:
    document_id = pipeline.submit(sender.id, document("ubl", number=number, **kwargs)).document.id
    for step in (pipeline.validate_step, pipeline.route_step):
        step(document_id)
    return Document.objects.get(pk=document_id)


# -- schemes and values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value", "message"),
    [
        ("0088", "7300010000002", "the GLN check digit is wrong"),
        ("0088", "730001000000", "a GLN must be 13 digits"),
        ("0192", "987654321", "the organisation number check digit is wrong"),
        ("0007", "5567321708", "the organisation number check digit is wrong"),
        ("0208", "0403170702", "the enterprise number check digits are wrong"),
        ("9930", "SE123456789", "a 9930 VAT number starts with DE"),
        ("9930", "123456789", "two-letter country prefix"),
        ("vat", "DE12345678901234567890", "two-letter country prefix"),
        ("em", "not-an-address", "is not an e-mail address"),
        ("xyz", "123", "unknown identifier scheme 'xyz'"),
        ("12345678901234567890", "1", "unknown identifier scheme"),
        ("0060", "12345678\x00", "control characters"),
        ("0037", "0037\u200b12345678", "control characters"),
        ("0037", "x" * 65, "at most 64 characters"),
        ("0037", "x" * 5000, "at most 64 characters"),
        ("0037", "abc<script>", "letters, digits and . : _ / - only"),
        ("em", "a" * 250 + "@example.com", "at most 254 characters"),
    ],
)
def test_bad_schemes_and_values_are_refused_with_the_reason(nordic, scheme, value, message):
    with pytest.raises(partners.InvalidIdentifier, match=re.escape(message)):
        partners.add_identifier(nordic.id, scheme, value)
    assert {i.value for i in partners.list_identifiers(nordic.id)} == {"987654325", "NO987654325MVA"}


def test_the_portal_names_the_problem_with_a_bad_identifier(nordic):
    client = member_client(nordic.id, "bob")
    page = client.post("/settings/identifier", {"scheme": "0088", "value": "7300010000002"}, follow=True)
    assert page.status_code == 200 and b"the GLN check digit is wrong" in page.content


def test_every_scheme_routing_knows_can_be_claimed():
    from pagero.partners import identifiers

    assert VAT_SCHEMES == identifiers.VAT_SCHEMES and EMAIL_SCHEMES == identifiers.EMAIL_SCHEMES


# -- hijacking ---------------------------------------------------------------------------------------------------


def test_an_identifier_verified_for_another_organisation_cannot_be_claimed(nordic, outsider):
    for scheme, value in [("0192", "987654325"), ("9908", "no987654325mva"), ("vat", "NO987654325MVA")]:
        with pytest.raises(partners.IdentifierTaken, match="already verified for another organisation"):
            partners.add_identifier(outsider.id, scheme, value)
    assert {i.scheme for i in partners.list_identifiers(outsider.id)} == {"9930"}


def test_an_identifier_registered_verified_settles_the_competing_claims(nordic, outsider):
    """A trusted caller's registration is written verified at once; other organisations' open claims on it (under
    any scheme of its family) are rejected with it, and a second organisation cannot register it verified too."""
    for scheme, value in (("0088", "7080000000005"), ("9930", "de300000000")):
        assert partners.add_identifier(outsider.id, scheme, value).status == "pending"
    assert partners.add_identifier(nordic.id, "0088", "7080000000005", verified=True).status == "verified"
    assert partners.add_identifier(nordic.id, "vat", "DE300000000", verified=True).status == "verified"
    for value in ("7080000000005", "DE300000000"):
        assert claim_of(nordic.id, value).decided_by == "registered verified"
        competing = ParticipantIdentifier.objects.get(organisation_id=outsider.id, value__iexact=value)
        assert competing.status == "rejected"
        assert competing.decided_by == "verified for another organisation (registered verified)"
    with pytest.raises(partners.IdentifierTaken):
        partners.add_identifier(outsider.id, "0088", "7080000000005", verified=True)
    assert partners.find_organisation_by_identifier("0088", "7080000000005").id == nordic.id


def test_the_portal_refuses_a_hijack_with_a_clear_message(nordic, outsider):
    client = member_client(outsider.id, "carol")
    page = client.post("/settings/identifier", {"scheme": "0192", "value": "987 654 325"}, follow=True)
    assert b"already verified for another organisation" in page.content
    assert partners.find_organisation_by_identifier("0192", "987654325").id == nordic.id


def test_a_claim_on_an_unverified_identifier_routes_nothing_and_blocks_nobody(acme, nordic, outsider):
    """The outsider claims Nordic's GLN and its e-mail address before Nordic registered them: documents addressed
    there do not go to the outsider, and once Nordic's own claim is approved they go to Nordic, not "ambiguous"."""
    gln, address = "7080000000005", "ap@nordic.example"
    for scheme, value in (("0088", gln), ("em", address)):
        assert partners.add_identifier(outsider.id, scheme, value).status == "pending"
    by_gln = invoice(buyer_endpoint=("0088", gln), buyer_vat=None)
    by_email = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
    by_email.buyer.contact = Contact(email=address)
    for inv in (by_gln, by_email):
        assert not routing.resolve_recipient(inv).found
    stray = run_pipeline(acme, "HIJACK-1", buyer_endpoint=("0088", gln), buyer_vat=None)
    assert stray.status == "undeliverable" and stray.recipient_id is None
    assert "no organisation receives on endpoint id 0088:7080000000005" in stray.status_reason

    partners.add_identifier(nordic.id, "0088", gln)
    partners.add_identifier(nordic.id, "email", address)
    for value in (gln, address):
        partners.approve_identifier_claim(claim_of(nordic.id, value).id, "operator test")
        assert claim_of(outsider.id, value).status == "rejected"  # the competing claim is settled with it
    for inv in (by_gln, by_email):
        decision = routing.resolve_recipient(inv)
        assert decision.organisation_id == nordic.id and "ambiguous" not in decision.reason
    routed = run_pipeline(acme, "HIJACK-2", buyer_endpoint=("0088", gln), buyer_vat=None)
    assert routed.status == "routed" and routed.recipient_id == nordic.id
    with pytest.raises(partners.IdentifierTaken):  # asking again does not reopen it
        partners.add_identifier(outsider.id, "0088", gln)


def test_the_rightful_owners_documents_stay_routed_while_a_claim_is_pending(acme, nordic, outsider):
    """Even a pending claim written straight to the database (no refusal on the way) does not make Nordic's
    VAT number ambiguous."""
    ParticipantIdentifier.objects.create(organisation_id=outsider.id, scheme="vat", value="NO987654325MVA")
    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat="NO987654325MVA")
    decision = routing.resolve_recipient(inv)
    assert decision.organisation_id == nordic.id and decision.matched == "VAT id NO987654325MVA"
    routed = run_pipeline(acme, "OWNER-1", buyer_endpoint=("0088", "0000000000000"))
    assert routed.status == "routed" and routed.recipient_id == nordic.id


# -- e-mail confirmation -----------------------------------------------------------------------------------------


def confirmation_path(message) -> str:
    link = next(word for word in message.body.split() if "/identifiers/confirm/" in word)
    return link.removeprefix("http://testserver")


def test_an_email_identifier_is_verified_by_the_link_sent_to_it(nordic, outbox):
    claimed = partners.add_identifier(nordic.id, "em", "AP@nordic.example")
    assert claimed.status == "pending"
    assert len(outbox) == 1 and outbox[0].to == ["AP@nordic.example"]
    assert "Nordic Retail AS" in outbox[0].body
    path = confirmation_path(outbox[0])
    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
    inv.buyer.contact = Contact(email="ap@nordic.example")
    assert not routing.resolve_recipient(inv).found

    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(path)  # opening the link (or a mail scanner doing so) confirms nothing yet
    assert page.status_code == 200 and b"asks to receive e-documents addressed to AP@nordic.example" in page.content
    assert claim_of(nordic.id, "ap@nordic.example").status == "pending"
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    done = anonymous.post(path, {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and b"Confirmed" in done.content
    claim = claim_of(nordic.id, "ap@nordic.example")
    assert (claim.status, claim.decided_by) == ("verified", "e-mail confirmation")
    assert routing.resolve_recipient(inv).organisation_id == nordic.id
    again = Client().post(path)  # used once
    assert again.status_code == 400 and b"no longer valid" in again.content


def test_a_bad_expired_or_foreign_link_confirms_nothing(nordic, outsider, outbox, settings):
    partners.add_identifier(nordic.id, "em", "ap@nordic.example")
    path = confirmation_path(outbox[-1])
    token = path.split("/")[-2]
    client = Client()
    tampered = client.post(path.replace(token, token[:-2] + ("aa" if token[-2:] != "aa" else "bb")))
    assert tampered.status_code == 400 and b"not valid" in tampered.content
    assert client.get("/identifiers/confirm/" + "x" * 2000 + "/").status_code == 400
    settings.IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS = -1
    expired = client.post(path)
    assert expired.status_code == 400 and b"expired" in expired.content
    settings.IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS = 3600
    partners.reject_identifier_claim(claim_of(nordic.id, "ap@nordic.example").id, "operator test")
    assert client.post(path).status_code == 400  # decided meanwhile
    assert claim_of(nordic.id, "ap@nordic.example").status == "rejected"
    # The outsider's link for the same address does not confirm once Nordic holds it.
    partners.add_identifier(outsider.id, "em", "ap@nordic.example")
    outsider_path = confirmation_path(outbox[-1])
    partners.add_identifier(nordic.id, "em", "ap@nordic.example", verified=True)
    refused = client.post(outsider_path)
    assert refused.status_code == 400
    assert claim_of(outsider.id, "ap@nordic.example").status == "rejected"


# -- the operator console ----------------------------------------------------------------------------------------


def test_operator_approves_a_pending_claim_in_the_console(admin_client, acme, nordic, outsider):
    partners.add_identifier(outsider.id, "0088", "7080000000005")
    partners.add_identifier(nordic.id, "0088", "7080000000005")
    page = admin_client.get(CLAIMS)
    assert page.status_code == 200
    content = page.content.decode()
    assert "7080000000005" in content and "Outsider GmbH (claims it, 0088:7080000000005)" in content
    assert "Nordic Retail AS (claims it, 0088:7080000000005)" in content
    claim = claim_of(nordic.id, "7080000000005")
    response = admin_client.post(CLAIMS, {"action": "approve", "_selected_action": [claim.id]}, follow=True)
    assert response.status_code == 200 and b"1 claim(s) approved." in response.content
    approved = partners.identifier_claim(claim.id)
    assert approved.status == "verified" and approved.decided_by == "operator admin"
    assert claim_of(outsider.id, "7080000000005").status == "rejected"
    assert partners.find_organisation_by_identifier("0088", "7080000000005").id == nordic.id
    assert run_pipeline(acme, "CONSOLE-1", buyer_endpoint=("0088", "7080000000005")).recipient_id == nordic.id


def test_operator_cannot_approve_over_a_verified_holder_and_can_reject(admin_client, nordic, outsider):
    # A claim that predates the holder's verification (written straight to the database) cannot be approved.
    stale = ParticipantIdentifier.objects.create(organisation_id=outsider.id, scheme="0192", value="987654325")
    page = admin_client.get(CLAIMS).content.decode()
    assert "Nordic Retail AS (holds it verified, 0192:987654325)" in page
    refused = admin_client.post(CLAIMS, {"action": "approve", "_selected_action": [stale.pk]}, follow=True)
    assert b"already verified for another organisation" in refused.content
    assert partners.identifier_claim(stale.pk).status == "pending"
    admin_client.post(CLAIMS, {"action": "reject", "_selected_action": [stale.pk]}, follow=True)
    assert partners.identifier_claim(stale.pk).status == "rejected"
    assert partners.find_organisation_by_identifier("0192", "987654325").id == nordic.id
    assert Client().get(CLAIMS).status_code == 302  # operators only


def test_the_console_never_shows_a_webhook_secret(admin_client, acme, nordic):
    secret = partners.rotate_webhook_secret(nordic.id)
    Organisation.objects.filter(pk=nordic.id).update(webhook_url="https://hooks.nordic.example/in")
    listing = admin_client.get("/admin/partners/organisation/").content.decode()
    change_url = f"/admin/partners/organisation/{nordic.id}/change/"
    change = admin_client.get(change_url).content.decode()
    assert secret not in listing and secret not in change
    assert "not set" in listing  # Acme has none
    assert '<div class="readonly">set</div>' in change and 'name="webhook_secret"' not in change
    # Saving the form keeps the secret; the rotate action replaces it without showing the new one.
    saved = admin_client.post(
        change_url,
        {
            "name": "Nordic Retail AS",
            "slug": "nordic",
            "receive_format": "cii",
            "receive_channel": "inbox",
            "webhook_url": "https://hooks.nordic.example/in",
            "delivery_email": "",
            "identifiers-TOTAL_FORMS": "0",
            "identifiers-INITIAL_FORMS": "0",
        },
    )
    assert saved.status_code == 302
    assert partners.receive_profile(nordic.id).webhook_secret == secret
    rotated = admin_client.post(
        "/admin/partners/organisation/",
        {"action": "rotate_webhook_secret", "_selected_action": [nordic.id]},
        follow=True,
    )
    new_secret = partners.receive_profile(nordic.id).webhook_secret
    assert new_secret and new_secret != secret
    assert b"Webhook secret rotated for 1 organisation(s)." in rotated.content
    assert (
        new_secret not in rotated.content.decode() and new_secret not in admin_client.get(change_url).content.decode()
    )


def test_the_console_refuses_an_internal_webhook_url(admin_client, nordic, webhooks_strict):
    response = admin_client.post(
        f"/admin/partners/organisation/{nordic.id}/change/",
        {
            "name": "Nordic Retail AS",
            "slug": "nordic",
            "receive_format": "cii",
            "receive_channel": "inbox",
            "webhook_url": "https://169.254.169.254/latest/meta-data/",
            "delivery_email": "",
            "identifiers-TOTAL_FORMS": "0",
            "identifiers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and b"is not a public address" in response.content
    assert partners.receive_profile(nordic.id).webhook_url == ""


def test_claims_are_bounded(nordic, outbox):
    partners.add_identifier(nordic.id, "em", "ap@nordic.example")
    partners.add_identifier(nordic.id, "em", "ap@nordic.example")  # asking again at once sends nothing more
    assert len(outbox) == 1
    ParticipantIdentifier.objects.filter(value="ap@nordic.example").update(
        claimed_at=ParticipantIdentifier.objects.get(value="ap@nordic.example").claimed_at - timedelta(minutes=20)
    )
    partners.add_identifier(nordic.id, "em", "ap@nordic.example")  # later: a fresh link
    assert len(outbox) == 2
    for n in range(partners.MAX_PENDING_CLAIMS - 1):
        partners.add_identifier(nordic.id, "0037", f"0037{n:08d}")
    with pytest.raises(partners.InvalidIdentifier, match="20 identifier claims are already waiting"):
        partners.add_identifier(nordic.id, "0037", "003799999999")
    assert len(partners.pending_identifier_claims()) == partners.MAX_PENDING_CLAIMS
