"""Lossy conversions follow the recipient's policy, national rules can be lenient, invalid output is never delivered."""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.kernel.vocabulary import rendition_payload
from pagero.partners import public as partners
from tests.formats.corpus import CORPUS, needs_corpus

from .conftest import make_org, timeline, wait_for
from .factory import invoice

FACTURX = CORPUS / "factur-x" / "tests" / "fixtures" / "xml" if CORPUS else None
SWEDISH_VAT_TOO_SHORT = "SE5567321707"  # fails SE-R-001 (14 characters) and no other rule


def submit(org, data: bytes) -> str:
    response = org.post(data)
    assert response.status_code == 202, response.content
    return response.json()["id"]


def facturx(profile: str) -> bytes:
    return (FACTURX / f"factur-x-{profile}.xml").read_bytes()


def swedish_invoice(number: str, **changes) -> bytes:
    """A Peppol UBL invoice from a Swedish seller whose VAT number fails only Sweden's rule SE-R-001."""
    model = invoice(number=number)
    model = dataclasses.replace(model, seller=dataclasses.replace(model.seller, vat_id=SWEDISH_VAT_TOO_SHORT))
    data, warnings = formats.write(model, "ubl")
    assert warnings == []
    for old, new in changes.items():
        assert old.encode() in data
        data = data.replace(old.encode(), new.encode())
    return data


@pytest.fixture
def french_buyer(db):
    """The buyer of the Factur-X examples (legal registration id SIREN 0002:987654321)."""
    return make_org("Le Client SA", "le-client", [("0002", "987654321")])


def event(document: Document, kind: str):
    return document.events.get(kind=kind)


# -- 1. lossy conversions, real worker ----------------------------------------------------------
@needs_corpus
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_lossy_conversion_is_delivered_with_what_was_not_carried(celery_worker, acme, french_buyer, receiver):
    hook = receiver()
    # Strict for CII only: the policy is per receive format, and UBL keeps the default.
    partners.set_receive_preferences(
        french_buyer.id,
        format="ubl",
        channel="webhook",
        webhook_url=hook.url,
        webhook_secret="k",
        conversion_policies={"cii": "strict"},
    )
    data = facturx("extended")
    expected = [w.path for w in formats.convert(data, "ubl").warnings]
    assert len(expected) == 18  # line note subject codes, extra buyer ids, ... EN 16931 has no place for
    document_id = submit(acme, data)
    done = wait_for(document_id)
    assert done.status == "delivered", done.status_reason
    assert timeline(done) == ["received", "validated", "routed", "converted", "original_not_attached", "delivered"]
    # What was delivered is valid UBL, without an attached original: application/xml is not an allowed MIME code.
    assert len(hook.requests) == 1
    delivered = hook.requests[0]["body"]
    assert formats.validate(delivered).valid
    carried = formats.parse(delivered).invoice
    assert carried.number == "F20260023"
    assert pipeline.ORIGINAL_REFERENCE not in [d.reference for d in carried.supporting_documents]
    not_attached = event(done, "original_not_attached").detail["reason"]
    assert "application/xml" in not_attached and "BR-CL-24" in not_attached
    converted = event(done, "converted").detail
    assert converted["lossless"] is False and [d["path"] for d in converted["dropped"]] == expected
    # Sender and recipient see the same list in the API detail and on the timeline.
    for org, direction in ((acme, "sent"), (french_buyer, "received")):
        detail = org.get(f"/api/v1/documents/{document_id}").json()
        assert detail["direction"] == direction
        assert [d["path"] for d in detail["dropped"]] == expected
        assert all(d["message"] for d in detail["dropped"])
        kinds = [e["kind"] for e in detail["timeline"]]
        assert "original_not_attached" in kinds
    # The portal's document page lists them too.
    partners.ensure_member(french_buyer.id, "claire", "pw-portal-test-1")
    portal = Client()
    assert portal.login(username="claire", password="pw-portal-test-1")
    page = portal.get(f"/documents/{document_id}/").content.decode()
    assert "Not carried by the conversion (18)" in page and "ram:GlobalID[2]" in page


@needs_corpus
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_strict_recipient_refuses_a_lossy_conversion_and_the_sender_is_told(
    celery_worker, acme, french_buyer, receiver
):
    hook = receiver()
    partners.set_receive_preferences(
        french_buyer.id,
        format="ubl",
        channel="webhook",
        webhook_url=hook.url,
        webhook_secret="k",
        conversion_policies={"ubl": "strict"},
    )
    document_id = submit(acme, facturx("extended"))
    done = wait_for(document_id)
    assert done.status == "failed"
    assert "strict" in done.status_reason and "cannot hold 18 part(s)" in done.status_reason
    assert "ram:BuyerTradeParty/ram:GlobalID[2]" in str(event(done, "conversion_failed").detail["dropped"])
    assert hook.requests == []
    assert not pipeline.payload_store().exists(document_id, rendition_payload("ubl"))
    sent = acme.get(f"/api/v1/documents/{document_id}").json()
    assert sent["status"] == "failed" and len(sent["dropped"]) == 18


# -- 3. invalid output is never delivered, real worker ------------------------------------------
@needs_corpus
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_document_below_en16931_is_refused_naming_its_profile_and_never_delivered(
    celery_worker, acme, french_buyer, receiver
):
    """Factur-X MINIMUM is below EN 16931 (no invoice lines): as UBL it would break the UBL schema."""
    hook = receiver()
    partners.set_receive_preferences(
        french_buyer.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    data = facturx("minimum")
    assert formats.validate(data).valid  # the input itself is a valid MINIMUM profile invoice
    done = wait_for(submit(acme, data))
    assert done.status == "failed"
    assert "Factur-X MINIMUM" in done.status_reason and "below EN 16931" in done.status_reason
    assert event(done, "conversion_failed")
    assert hook.requests == []
    assert not pipeline.payload_store().exists(str(done.id), rendition_payload("ubl"))


@pytest.mark.django_db(transaction=True)
def test_a_rendition_that_fails_its_checks_is_never_delivered(eager, monkeypatch, acme, nordic):
    """The pipeline validates every rendition itself: a converter that returned invalid output (here UBL without
    its invoice lines) fails the document with the findings and keeps nothing to deliver."""
    partners.set_receive_preferences(nordic.id, format="ubl", channel="inbox")
    real = formats.convert

    def without_lines(data, target, **options):
        converted = real(data, target, **options)
        broken = converted.data.split(b"<cac:InvoiceLine>")[0] + b"</Invoice>"
        return dataclasses.replace(converted, data=broken)

    monkeypatch.setattr(formats, "convert", without_lines)
    data, warnings = formats.write(invoice(number="INV-BROKEN-OUTPUT"), "cii")
    assert warnings == []
    done = Document.objects.get(pk=submit(acme, data))
    assert done.status == "failed"
    assert done.status_reason.startswith("the UBL rendition fails its checks and is not delivered")
    failure = event(done, "conversion_failed").detail
    assert failure["format"] == "ubl" and "XSD" in {f["rule_id"] for f in failure["findings"]}
    assert not pipeline.payload_store().exists(str(done.id), rendition_payload("ubl"))


# -- 2. lenient national rules --------------------------------------------------------------------
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_lenient_recipient_receives_a_document_failing_only_national_rules(celery_worker, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id,
        format="cii",
        channel="webhook",
        webhook_url=hook.url,
        webhook_secret="k",
        lenient_national_rules=True,
    )
    document_id = submit(acme, swedish_invoice("INV-SE-LENIENT"))
    done = wait_for(document_id)
    assert done.status == "delivered", done.status_reason
    assert timeline(done)[:3] == ["received", "national_rules_accepted", "validated"]
    accepted = event(done, "national_rules_accepted").detail
    assert [f["rule_id"] for f in accepted["findings"]] == ["SE-R-001"]
    assert accepted["findings"][0]["rule_set"] == "Peppol BIS Billing 3.0"
    assert "SE-R-001" in accepted["reason"] and "Nordic Retail AS" in accepted["reason"]
    assert done.national_rules_accepted_by == nordic.id
    assert len(hook.requests) == 1 and formats.validate(hook.requests[0]["body"]).valid
    for org in (acme, nordic):
        detail = org.get(f"/api/v1/documents/{document_id}").json()
        assert detail["validation_report"]["valid"] is False  # the findings stay on record
        assert "national_rules_accepted" in [e["kind"] for e in detail["timeline"]]


@pytest.mark.django_db(transaction=True)
def test_national_rules_are_strict_by_default(eager, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="cii")
    assert partners.receive_profile(nordic.id).lenient_national_rules is False
    done = Document.objects.get(pk=submit(acme, swedish_invoice("INV-SE-STRICT")))
    assert done.status == "rejected"
    assert "SE-R-001" in done.status_reason
    assert "the recipient Nordic Retail AS does not accept documents failing them" in done.status_reason
    assert done.national_rules_accepted_by is None and "national_rules_accepted" not in timeline(done)


@pytest.mark.django_db(transaction=True)
def test_lenient_national_rules_do_not_excuse_any_other_rule(eager, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="cii", lenient_national_rules=True)
    data = swedish_invoice(
        "INV-SE-BAD", **{'<cbc:PayableAmount currencyID="EUR">250.00': '<cbc:PayableAmount currencyID="EUR">999.00'}
    )
    done = Document.objects.get(pk=submit(acme, data))
    assert done.status == "rejected" and "only national rules" not in done.status_reason
    rules = {f["rule_id"] for f in done.validation_report["findings"] if f["severity"] == "fatal"}
    assert {"SE-R-001", "BR-CO-16"} <= rules


@pytest.mark.django_db(transaction=True)
def test_routing_checks_the_lenient_recipient_again(acme, nordic, monkeypatch):
    """Accepted on the recipient's lenient setting at validation; turned strict before routing: not delivered."""
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)
    partners.set_receive_preferences(nordic.id, format="cii", lenient_national_rules=True)
    document_id = pipeline.submit(acme.id, swedish_invoice("INV-SE-RACE")).document.id
    pipeline.validate_step(document_id)
    assert Document.objects.get(pk=document_id).status == "validated"
    partners.set_receive_preferences(nordic.id, lenient_national_rules=False)
    pipeline.route_step(document_id)
    done = Document.objects.get(pk=document_id)
    assert done.status == "failed" and "does not accept them now" in done.status_reason
    # Re-processing validates again against the current setting: rejected, as for any strict recipient.
    pipeline.reprocess(document_id, actor="operator")
    pipeline.validate_step(document_id)
    again = Document.objects.get(pk=document_id)
    assert again.status == "rejected" and again.national_rules_accepted_by is None


def test_only_national_rules_count_as_national():
    def finding(rule_id: str, rule_set: str = "Peppol BIS Billing 3.0") -> formats.Finding:
        return formats.Finding(rule_id, "fatal", "message", None, None, rule_set)

    for rule_id in ("SE-R-001", "NO-R-002", "GR-R-001-1", "GR-S-011", "PEPPOL-COMMON-R049", "PEPPOL-COMMON-R041"):
        assert pipeline.national_rule(finding(rule_id)), rule_id
    for rule_id in ("PEPPOL-EN16931-R001", "PEPPOL-COMMON-R040", "BR-CO-16", "PEPPOL-EN16931-CL001"):
        assert not pipeline.national_rule(finding(rule_id)), rule_id
    assert pipeline.national_rule(finding("BR-DE-15", "XRechnung 3.0.2"))
    assert not pipeline.national_rule(finding("PEPPOL-EN16931-R001", "XRechnung 3.0.2"))
    assert not pipeline.national_rule(finding("SE-R-001", "EN16931"))  # a national id, but not a national rule set
    mixed = formats.ValidationReport("ubl", "invoice", None, findings=[finding("SE-R-001"), finding("BR-CO-16")])
    assert pipeline.national_only(mixed) == []
    only = formats.ValidationReport("ubl", "invoice", None, findings=[finding("SE-R-001")])
    assert [f.rule_id for f in pipeline.national_only(only)] == ["SE-R-001"]
    only.omitted_fatal = 1  # a finding beyond the report's limit could be any rule
    assert pipeline.national_only(only) == []


# -- the attached original ------------------------------------------------------------------------
def test_an_attached_original_travels_as_an_additional_supporting_document():
    """Where the target allows the original's MIME code, it rides along as BG-24 with the original bytes."""
    original = b"%PDF-1.4 the original as received"
    model = pipeline.attach_original(invoice(number="INV-ATT"), original, "pdf", "application/pdf", "INV-ATT.pdf")
    for syntax in ("ubl", "cii", "edifact"):
        data, warnings = formats.write(model, syntax)
        assert warnings == []
        report = formats.validate(data)
        assert report.valid, (syntax, [(f.rule_id, f.message) for f in report.fatal])
        attached = [d for d in formats.parse(data).invoice.supporting_documents if d.reference == "original"]
        assert len(attached) == 1, syntax
        assert attached[0].description == "Original document as received (pdf)"
        assert attached[0].attachment.content == original
        assert attached[0].attachment.mime_code == "application/pdf"


def test_xml_is_not_a_mime_code_en16931_allows_for_an_attachment():
    """Why an XML original is not attached: the rendition would fail BR-CL-24 and never be delivered."""
    assert "application/xml" not in pipeline.ATTACHMENT_MIME_CODES
    model = pipeline.attach_original(invoice(number="INV-XML"), b"<Invoice/>", "ubl", "application/xml", "x.xml")
    data, _ = formats.write(model, "ubl")
    assert "BR-CL-24" in {f.rule_id for f in formats.validate(data).fatal}


# -- 4. the settings: partners port and portal ----------------------------------------------------
@pytest.mark.django_db
def test_receive_preferences_take_both_choices_and_check_them(acme, nordic):
    profile = partners.receive_profile(nordic.id)
    assert profile.conversion_policy("ubl") == "deliver-with-original"  # the default
    assert profile.lenient_national_rules is False
    profile = partners.set_receive_preferences(
        nordic.id, format="ubl", conversion_policies={"ubl": "strict"}, lenient_national_rules=True
    )
    assert profile.conversion_policy("ubl") == "strict" and profile.conversion_policy("cii") == "deliver-with-original"
    assert profile.lenient_national_rules is True
    profile = partners.set_receive_preferences(nordic.id, conversion_policies={"cii": "strict"})
    assert profile.conversion_policy("ubl") == "strict" and profile.conversion_policy("cii") == "strict"
    for bad, named in (
        ({"conversion_policies": {"ubl": "lossy"}}, "'lossy'"),
        ({"conversion_policies": {"pdf": "strict"}}, "'pdf'"),
        ({"conversion_policies": {"original": "strict"}}, "'original'"),
        ({"conversion_policies": ["strict"]}, "must map a receive format"),
        ({"lenient_national_rules": "yes"}, "'yes'"),
    ):
        with pytest.raises(ValueError, match=named):
            partners.set_receive_preferences(nordic.id, format="cii", **bad)
        unchanged = partners.receive_profile(nordic.id)
        assert unchanged.format == "ubl" and unchanged.conversion_policy("ubl") == "strict"
        assert unchanged.lenient_national_rules is True


@pytest.mark.django_db
def test_the_settings_page_sets_both_choices(nordic, monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)
    partners.ensure_member(nordic.id, "nora", "pw-portal-test-1")
    client = Client()
    assert client.login(username="nora", password="pw-portal-test-1")
    page = client.get("/settings/").content.decode()
    assert 'name="policy_ubl"' in page and 'name="national_rules"' in page
    form = {"format": "edifact", "channel": "inbox", "policy_edifact": "strict", "national_rules": "lenient"}
    client.post("/settings/receive", form)
    profile = partners.receive_profile(nordic.id)
    assert profile.format == "edifact" and profile.conversion_policy("edifact") == "strict"
    assert profile.lenient_national_rules is True
    for field, value in (("policy_edifact", "sometimes"), ("national_rules", "maybe")):
        refused = client.post("/settings/receive", {**form, field: value, "format": "cii"}, follow=True)
        assert value in refused.content.decode()
        assert partners.receive_profile(nordic.id).format == "edifact"  # nothing saved
    client.post("/settings/receive", {**form, "policy_edifact": "deliver-with-original", "national_rules": "strict"})
    profile = partners.receive_profile(nordic.id)
    assert profile.conversion_policy("edifact") == "deliver-with-original" and not profile.lenient_national_rules
