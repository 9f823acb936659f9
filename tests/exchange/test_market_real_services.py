"""The market's formats end to end on the real services: API -> PostgreSQL -> RabbitMQ -> a real Celery worker ->
delivery, with Cassandra configured (the `celery_worker` fixture needs PostgreSQL, RabbitMQ and Cassandra).

A Factur-X PDF from the corpus, submitted by organisation A, reaches B as valid UBL; a UBL invoice reaches C as a
Factur-X PDF and D as EDIFACT INVOIC D96A; a UBL invoice correcting three earlier ones reaches E as CII D22B with all
three. Each ends `delivered`, and its rendition passes its checks. test_market_formats.py runs the same journeys on
the embedded default (tasks inline, SQLite)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from lxml import etree

from pagero.documents import public as documents
from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.formats.conversion import check_output
from pagero.formats.model import PrecedingInvoice
from pagero.kernel.vocabulary import rendition_payload
from pagero.partners import public as partners
from tests.formats.corpus import CORPUS, needs_corpus

from .conftest import Org, make_org, timeline, wait_for
from .factory import invoice

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
HAPPY_PATH = ["received", "validated", "routed", "converted", "delivered"]
# Factur-X's own example (profile EN 16931): invoice F20260023 from LE FOURNISSEUR to LE CLIENT, whose electronic
# address (BT-49) is me@buyer.com.
FACTURX_PDF = "factur-x/tests/fixtures/pdf/invoice_EN16931.pdf"

NS = {  # CII's prefixes, as the paths below use them
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@pytest.fixture
def seller(db) -> Org:
    return make_org("Le Fournisseur SARL", "fournisseur", [("0009", "12345678200077")])


def recipient(name: str, slug: str, identifier: tuple[str, str], receive: str) -> Org:
    org = make_org(name, slug, [identifier])
    partners.set_receive_preferences(org.id, format=receive, channel="inbox")
    return org


def delivered(sender: Org, data: bytes, content_type: str) -> Document:
    response = sender.post(data, content_type=content_type)
    assert response.status_code == 202, response.content
    done = wait_for(response.json()["id"], timeout=120)
    assert done.status == "delivered", (done.status_reason, timeline(done))
    assert timeline(done) == HAPPY_PATH
    return done


def rendition(done: Document) -> bytes:
    return documents.payload_store().get(str(done.id), rendition_payload(done.target_format))


def fetched(org: Org, done: Document) -> bytes:
    """The rendition as the recipient fetches it from its inbox."""
    content = org.client.get(f"/api/v1/documents/{done.id}/content", {"format": done.target_format})
    assert content.status_code == 200, content.content
    return content.content


@needs_corpus
def test_a_corpus_factur_x_pdf_reaches_b_as_valid_ubl(celery_worker, seller):
    b = recipient("Le Client SA", "le-client", ("EM", "me@buyer.com"), "ubl")
    pdf = (CORPUS / FACTURX_PDF).read_bytes()
    done = delivered(seller, pdf, "application/pdf")
    assert (done.original_syntax, done.recipient_id, done.target_format) == ("facturx", b.id, "ubl")
    ubl = fetched(b, done)
    assert ubl == rendition(done)
    report = formats.validate(ubl)
    assert (report.syntax, report.valid) == ("ubl", True), [f.message for f in report.fatal]
    converted = formats.parse(ubl).invoice
    assert converted.number == formats.parse(pdf).invoice.number == "F20260023"
    # The seller's PDF travels with it, byte for byte (BG-24), and the original is kept unchanged.
    [original_pdf] = [d for d in converted.supporting_documents if d.reference == "original-pdf"]
    assert original_pdf.attachment is not None and original_pdf.attachment.content == pdf
    original = b.client.get(f"/api/v1/documents/{done.id}/content", {"format": "original"})
    assert original.status_code == 200 and original.content == pdf


@pytest.mark.parametrize("receive", ["facturx", "edifact-d96a"])
def test_a_ubl_invoice_reaches_c_as_factur_x_and_d_as_edifact_d96a(celery_worker, seller, receive):
    c_or_d = recipient(f"Recipient {receive}", f"recipient-{receive}", ("0192", "987654325"), receive)
    number = f"INV-RS-{receive}"
    done = delivered(seller, formats.write(invoice(number=number), "ubl")[0], "application/xml")
    assert (done.recipient_id, done.target_format) == (c_or_d.id, receive)
    data = fetched(c_or_d, done)
    assert data == rendition(done)
    assert formats.detect(data).syntax == receive
    # The checks a conversion's output passes before it is delivered, run again on what was delivered: for
    # Factur-X the XML against its profile's XSD and Schematron, the XMP and EN 16931; for D96A the EN 16931 rules
    # on its CII rendering.
    report = check_output(data, receive, business_rules=True)
    assert report.valid and report.rule_sets
    assert formats.parse(data).invoice.number == number


def test_a_ubl_invoice_with_three_preceding_invoices_reaches_e_as_cii_d22b_with_all_three(celery_worker, seller):
    e = recipient("Recipient D22B", "recipient-d22b", ("0192", "987654325"), "cii-d22b")
    corrective = dataclasses.replace(
        invoice(number="INV-RS-D22B"),
        preceding_invoices=[PrecedingInvoice(f"INV-2026-{n}", date(2026, 9, n)) for n in (1, 2, 3)],
    )
    done = delivered(seller, formats.write(corrective, "ubl")[0], "application/xml")
    assert (done.recipient_id, done.target_format, done.dropped) == (e.id, "cii-d22b", [])
    data = fetched(e, done)
    report = check_output(data, "cii-d22b", business_rules=True)
    assert report.valid and any("D22B" in note for note in report.notes)
    root = etree.fromstring(data)
    references = root.findall(
        "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument", NS
    )
    assert [r.findtext("ram:IssuerAssignedID", namespaces=NS) for r in references] == [
        "INV-2026-1",
        "INV-2026-2",
        "INV-2026-3",
    ]


@needs_corpus
def test_a_corpus_factur_x_pdf_reaches_an_email_recipient_with_the_sellers_pdf(celery_worker, seller, smtp_server):
    b = make_org("Le Client SA", "le-client", [("EM", "me@buyer.com")])
    partners.set_receive_preferences(b.id, format="ubl", channel="email", email="ap@client.example")
    before = len(smtp_server.messages)
    pdf = (CORPUS / FACTURX_PDF).read_bytes()
    done = delivered(seller, pdf, "application/pdf")
    [(recipients, message)] = smtp_server.messages[before:]
    assert recipients == ["ap@client.example"]
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(files) == {f"{done.number}.xml", f"{done.number}.pdf"}
    assert files[f"{done.number}.pdf"] == pdf  # the seller's PDF, byte for byte
    ubl = files[f"{done.number}.xml"]
    report = formats.validate(ubl if isinstance(ubl, bytes) else ubl.encode())
    assert (report.syntax, report.valid) == ("ubl", True)
