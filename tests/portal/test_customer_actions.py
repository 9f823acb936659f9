"""Everyday actions of a new customer: who receives a file before it is sent, settings that keep what was typed,
a timeline each side can read, downloads named and laid out for people, dates and amounts in the reader's language.

The pipeline runs inline here (the embedded default: no broker), so a submitted document really is validated,
routed, converted and delivered (or not) before the page is read.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pagero.documents import public as documents
from pagero.partners import public as partners
from tests.exchange.conftest import eager  # noqa: F401 - a fixture (usefixtures)
from tests.exchange.factory import document

pytestmark = pytest.mark.django_db
# The pipeline publishes each next step when the transaction commits: these tests let it commit.
runs_the_pipeline = pytest.mark.django_db(transaction=True)


def member(org_name: str, slug: str, username: str, identifiers=()) -> tuple[int, Client]:
    org = partners.ensure_organisation(org_name, slug)
    for scheme, value in identifiers:
        partners.add_identifier(org.id, scheme, value, verified=True)
    partners.ensure_member(org.id, username, "pw-portal-test-1", email=f"{username}@{slug}.example")
    client = Client()
    assert client.login(username=username, password="pw-portal-test-1")
    return org.id, client


@pytest.fixture
def acme():
    return member("Acme Supplies AB", "acme", "alice", [("0007", "5567321707")])


@pytest.fixture
def nordic():
    org_id, client = member("Nordic Retail AS", "nordic", "bob", [("0192", "987654325")])
    partners.set_receive_preferences(org_id, format="cii", channel="inbox")
    return org_id, client


def upload(data: bytes, name: str = "invoice.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/xml")


# -- 1. who will receive a file, before it is sent --------------------------------------------------------------
def test_the_recipient_look_up_names_who_receives_and_how_and_stores_nothing(acme, nordic):
    acme_id, client = acme
    found = client.post("/send/recipient", {"file": upload(document("ubl", number="LOOK-1"))}).json()
    assert found["found"] is True
    assert found["text"] == "to Nordic Retail AS, as CII, by inbox"
    assert found["syntax"] == "ubl" and found["warning"] == ""
    assert documents.document_page(acme_id, "sent").total == 0  # a look-up, not a submission


def test_the_recipient_look_up_warns_when_nobody_receives_the_document(acme):
    _, client = acme
    data = document("ubl", number="LOOK-2", buyer_endpoint=("0192", "999999999"), buyer_vat=None)
    found = client.post("/send/recipient", {"file": upload(data)}).json()
    assert found["found"] is False
    assert found["warning"].startswith("Nobody on the network receives this document")
    assert "0192:999999999" in found["warning"]


def test_the_recipient_look_up_of_a_file_that_is_no_document_says_why(acme):
    _, client = acme
    answer = client.post("/send/recipient", {"file": upload(b"\x00\x01", "x.bin")})
    assert answer.status_code == 200 and answer.json()["found"] is False
    assert "neither XML nor EDIFACT" in answer.json()["error"]
    assert client.get("/send/recipient").status_code == 405
    assert Client().post("/send/recipient").status_code == 302


def test_the_send_page_looks_up_each_file_and_never_leaves_a_file_without_an_answer(acme):
    _, client = acme
    page = client.get("/send/").content.decode()
    assert "/send/recipient" in page
    # Submissions that fail (an HTTP error, a body that is not JSON, no answer at all) end with a visible error.
    assert "showProblem(entry, data.error || labels.noAnswer)" in page
    assert ".catch(() => ({ok: false, status: 0" in page


# -- 2. settings ------------------------------------------------------------------------------------------------
def test_choosing_a_signed_webhook_keeps_the_url_and_makes_the_secret_on_first_save(acme, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    acme_id, client = acme
    assert partners.receive_profile(acme_id).webhook_secret == ""
    saved = client.post(
        "/settings/receive",
        {"format": "ubl", "channel": "webhook", "webhook_url": "https://hooks.acme.example/in"},
        follow=True,
    )
    profile = partners.receive_profile(acme_id)
    assert profile.channel == "webhook" and profile.webhook_url == "https://hooks.acme.example/in"
    assert profile.webhook_secret
    page = saved.content.decode()
    assert "Receive preferences saved." in page
    assert f'<code id="new-secret">{profile.webhook_secret}</code>' in page  # shown once, with a copy button
    assert 'data-copy="new-secret"' in page
    # A second save keeps the secret.
    client.post("/settings/receive", {"format": "cii", "channel": "webhook", "webhook_url": profile.webhook_url})
    assert partners.receive_profile(acme_id).webhook_secret == profile.webhook_secret


def test_an_identifier_can_be_removed_and_then_routes_nothing(acme, nordic):
    _, client = nordic
    client.post("/settings/identifier", {"scheme": "0088", "value": "7080000000005"})
    assert any(i.value == "7080000000005" for i in partners.list_identifiers(nordic[0]))
    page = client.get("/settings/").content.decode()
    assert 'action="/settings/remove-identifier"' in page and "data-confirm=" in page
    removed = client.post("/settings/remove-identifier", {"scheme": "0192", "value": "987654325"}, follow=True)
    assert "Identifier removed" in removed.content.decode()
    assert [str(i) for i in partners.list_identifiers(nordic[0])] == ["0088:7080000000005"]
    assert partners.find_organisation_by_identifier("0192", "987654325") is None
    again = client.post("/settings/remove-identifier", {"scheme": "0192", "value": "987654325"}, follow=True)
    assert "No such identifier." in again.content.decode()
    malformed = client.post("/settings/remove-identifier", {"scheme": "nope", "value": "x"}, follow=True)
    assert malformed.status_code == 200 and b'class="error"' in malformed.content


def test_revoking_a_token_asks_first_and_a_new_token_can_be_copied(acme):
    _, client = acme
    response = client.post("/settings/token", {"name": "erp", "scope": "write"}, follow=True)
    created = response.content.decode()
    assert 'data-copy="new-token"' in created and "navigator.clipboard" in created
    nonce = re.search(r'<script nonce="([^"]+)">', created)
    assert nonce and f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"]  # the script may run
    assert re.search(r'<form method="post" action="/settings/revoke" data-confirm="Revoke the token', created)
    assert "window.confirm(form.dataset.confirm)" in created


# -- 3. the timeline, each side its own -------------------------------------------------------------------------
@pytest.fixture
def unreachable_webhook(nordic, settings):
    """Nordic receives by a signed webhook nobody listens on; two delivery attempts in all."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DELIVERY_MAX_ATTEMPTS = 2
    partners.rotate_webhook_secret(nordic[0])
    partners.set_receive_preferences(nordic[0], channel="webhook", webhook_url="http://127.0.0.1:9/hook")
    return "http://127.0.0.1:9/hook"


@runs_the_pipeline
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_each_side_reads_the_timeline_in_plain_words_and_only_its_own_details(acme, nordic, unreachable_webhook):
    _, alice = acme
    submitted = alice.post("/send/submit", {"file": upload(document("ubl", number="TL-1"))}).json()
    assert submitted["ok"] is True
    status = alice.get(submitted["status_url"]).json()
    assert status["status"] == "delivery_failed"
    assert "Errno" not in status["reason"] and "127.0.0.1" not in status["reason"]

    sender_page = alice.get(submitted["url"]).content.decode()
    timeline = sender_page[sender_page.index('id="timeline"') :]
    assert "Received by the network" in timeline
    assert "Addressed to Nordic Retail AS, as CII, by webhook" in timeline
    assert "Delivery failed, next try at" in timeline and "UTC" in timeline
    assert "Delivery failed after 2 attempts" in timeline
    assert not re.search(r'class="kind">[a-z]+_[a-z_]+<', sender_page)  # no snake_case labels
    for private in (unreachable_webhook, "127.0.0.1", "Errno", "ConnectionRefusedError"):
        assert private not in sender_page, private
    assert "the receiving server could not be reached" in sender_page

    _, bob = nordic
    recipient_page = bob.get(submitted["url"]).content.decode()
    assert "Addressed to you, as CII, by webhook" in recipient_page
    assert "ConnectionRefusedError" in recipient_page  # the recipient's own endpoint's answer stays visible to it


@runs_the_pipeline
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_a_delivered_document_reads_delivered_to_the_recipient_by_its_channel(acme, nordic):
    _, alice = acme
    submitted = alice.post("/send/submit", {"file": upload(document("ubl", number="TL-2"))}).json()
    page = alice.get(submitted["url"]).content.decode()
    assert "Delivered to Nordic Retail AS by inbox" in page
    assert not re.search(r'class="kind">[a-z]+_[a-z_]+<', page)  # no snake_case event kinds


# -- 4. downloads -----------------------------------------------------------------------------------------------
@runs_the_pipeline
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_downloads_are_named_by_format_and_renditions_are_indented_for_people(acme, nordic):
    _, alice = acme
    submitted = alice.post("/send/submit", {"file": upload(document("ubl", number="ACME-2002"))}).json()
    page = alice.get(submitted["url"]).content.decode()
    for fmt in ("original", "cii", "edifact", "pdf"):
        assert f'href="/documents/{submitted["id"]}/download/{fmt}/"' in page, fmt
    original = alice.get(f"/documents/{submitted['id']}/download/original/")
    cii = alice.get(f"/documents/{submitted['id']}/download/cii/")
    edifact = alice.get(f"/documents/{submitted['id']}/download/edifact/")
    assert 'filename="ACME-2002-original.xml"' in original["Content-Disposition"]
    assert 'filename="ACME-2002-cii.xml"' in cii["Content-Disposition"]
    assert 'filename="ACME-2002-edifact.edi"' in edifact["Content-Disposition"]
    assert cii.content.count(b"\n") > 20 and b"\n  <" in cii.content  # one element a line, indented
    # Only the download is indented: the stored rendition (what the recipient fetched) is as it was made.
    stored = documents.document_content(nordic[0], submitted["id"], "cii")
    assert stored is not None and stored.data != cii.content
    assert edifact.content.startswith(b"UN") and b"'" in edifact.content


# -- 5. dates, amounts, codes and languages ---------------------------------------------------------------------
@runs_the_pipeline
@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_amounts_dates_rates_and_codes_follow_the_language(acme, nordic):
    _, alice = acme
    submitted = alice.post("/send/submit", {"file": upload(document("ubl", number="L10N-1"))}).json()
    english = alice.get(submitted["url"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert re.search(r"\d{1,3}(,\d{3})*\.\d{2} ", english)  # e.g. 250.00 EUR
    assert "25%" in english and "standard rate" in english and "credit transfer" in english
    assert " UTC" in english
    swedish = alice.get(submitted["url"], HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9").content.decode()
    assert '<html lang="sv">' in swedish
    assert "Tidslinje" in swedish and "Mottagen av nätverket" in swedish
    assert re.search(r"\d+,\d{2} EUR", swedish)  # decimal comma
    assert "25 %" in swedish and "normalskattesats" in swedish
    sent_list = alice.get("/sent/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "levererad" in sent_list and "faktura" in sent_list


def test_the_committed_swedish_catalogue_is_the_compiled_po(tmp_path):
    """The .mo is committed (no build step at install); it must be exactly what msgfmt makes of the .po."""
    import shutil
    import subprocess
    from pathlib import Path

    import pagero.portal

    catalogue = Path(pagero.portal.__file__).parent / "locale" / "sv" / "LC_MESSAGES"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed: apt-get install -y gettext")
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(compiled), str(catalogue / "django.po")], check=True)
    assert compiled.read_bytes() == (catalogue / "django.mo").read_bytes(), "run msgfmt on the .po and commit the .mo"
    assert "#, fuzzy" not in (catalogue / "django.po").read_text(encoding="utf-8")


def test_one_number_and_date_format_per_language():
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from pagero.portal.templatetags import portal_format as fmt

    moment = datetime(2026, 11, 29, 14, 5, tzinfo=ZoneInfo("UTC"))
    with translation.override("en"):
        assert fmt.amount(Decimal("2337.5")) == "2,337.50"
        assert fmt.amount(Decimal("12.3456")) == "12.3456"  # a unit price keeps its decimals
        assert fmt.rate(Decimal("12.50")) == "12.5%" and fmt.rate(Decimal("25")) == "25%"
        assert fmt.day(date(2026, 11, 2)) == "Nov. 2, 2026"
        assert fmt.when(moment) == "Nov. 29, 2026, 2:05 p.m. UTC"
        assert fmt.code_name("C62", "unit") == "unit" and fmt.code_name("58", "payment_means") == "SEPA credit transfer"
        assert fmt.code_name("S", "vat_category") == "standard rate" and fmt.code_name("XYZ", "unit") == "XYZ"
    with translation.override("sv"):
        assert fmt.amount(Decimal("2337.5")) == "2\xa0337,50"
        assert fmt.rate(Decimal("25")) == "25 %"
        assert fmt.day(date(2026, 11, 2)) == "2 november 2026"
        assert fmt.when(moment) == "29 november 2026 14:05 UTC"
        assert fmt.code_name("HUR", "unit") == "timme" and fmt.status_label("delivery_failed") == "leverans misslyckad"


@pytest.mark.parametrize(
    "detail",
    [
        "SFTP ap@files.nordic.example:2222: host key mismatch: the server did not present the host key on file",
        "unusable SFTP server ap@files.nordic.example:22: the host is inside our network",
    ],
)
def test_an_sftp_failure_reads_in_words_and_the_sender_learns_nothing_of_the_server(detail):
    from pagero.portal.timeline import plain_delivery_problem

    own, sender = str(plain_delivery_problem(detail)), str(plain_delivery_problem(detail, own=False))
    assert own.startswith("the SFTP server could not take the document: ") and "2222:" not in own
    assert sender == "the recipient's SFTP server could not take the document"
    assert "nordic.example" not in sender
