"""The market's formats through the network (embedded default): a Factur-X PDF reaches its recipient as UBL with the
seller's PDF attached, and a UBL invoice reaches recipients who take Factur-X PDF or EDIFACT INVOIC D96A."""

from __future__ import annotations

import pytest

from pagero.documents import public as documents
from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.kernel.vocabulary import rendition_payload
from pagero.partners import public as partners
from tests.formats.test_market_conversion import CII, pdf_with

from .conftest import timeline
from .factory import document

pytestmark = pytest.mark.django_db(transaction=True)


def delivered(org, data: bytes, content_type: str) -> Document:
    response = org.post(data, content_type=content_type)
    assert response.status_code == 202, response.content
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "delivered", (done.status_reason, timeline(done))
    return done


def rendition(doc: Document) -> bytes:
    return documents.payload_store().get(str(doc.id), rendition_payload(doc.target_format))


def test_a_factur_x_pdf_reaches_its_recipient_as_ubl_with_the_pdf_attached(eager, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="ubl", channel="inbox")
    pdf = pdf_with({"factur-x.xml": CII})
    done = delivered(acme, pdf, "application/pdf")
    assert (done.original_syntax, done.target_format) == ("facturx", "ubl")
    ubl = formats.parse(rendition(done)).invoice
    assert any(d.reference == "original-pdf" for d in ubl.supporting_documents)
    original = nordic.client.get(f"/api/v1/documents/{done.id}/content", {"format": "original"})
    assert original.status_code == 200 and original.content == pdf and original["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("receive", "check"), [("facturx", b"%PDF"), ("edifact-d96a", b"INVOIC:D:96A")])
def test_a_ubl_invoice_reaches_a_recipient_in_factur_x_or_edifact_d96a(eager, acme, nordic, receive, check):
    partners.set_receive_preferences(nordic.id, format=receive, channel="inbox")
    done = delivered(acme, document("ubl", number=f"INV-{receive}"), "application/xml")
    assert done.target_format == receive
    data = rendition(done)
    assert check in data
    assert formats.detect(data).syntax == receive
    assert formats.parse(data).invoice.number == f"INV-{receive}"


def test_orders_are_not_received_as_factur_x(acme):
    with pytest.raises(ValueError, match="orders"):
        partners.set_receive_preferences(acme.id, order_format="facturx")
