"""An e-mail recipient of a Factur-X/ZUGFeRD original gets the PDF the seller issued, byte for byte, beside the
converted document; other originals get our PDF rendering as before. Through the pipeline (embedded default, tasks
inline) to a real SMTP server on loopback (aiosmtpd, tests/conftest.py `SmtpSink`)."""

from __future__ import annotations

import pytest

from pagero.delivery import public as delivery
from pagero.documents import public as documents
from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.kernel.vocabulary import PDF, rendition_payload
from pagero.partners import public as partners
from tests.conftest import SmtpSink
from tests.exchange.conftest import eager, timeline  # noqa: F401 - eager: the fixture, used by name
from tests.exchange.factory import document
from tests.formats.test_market_conversion import CII, pdf_with

from .test_outcomes import use_smtp

pytestmark = pytest.mark.django_db(transaction=True)
SELLER_PDF = "the PDF the seller issued"


@pytest.fixture
def sink(settings):
    server = SmtpSink()
    use_smtp(settings, server.port)
    yield server
    server.stop()


def delivered_by_email(org, recipient, fmt: str, data: bytes, content_type: str, sink: SmtpSink):
    """Submit, check the document ended delivered, and return it with the one message the SMTP server accepted."""
    partners.set_receive_preferences(recipient.id, format=fmt, channel="email", email="ap@nordic.example")
    response = org.post(data, content_type=content_type)
    assert response.status_code == 202, response.content
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "delivered", (done.status_reason, timeline(done))
    [(recipients, message)] = sink.messages
    assert recipients == ["ap@nordic.example"]
    return done, message


def attachments(message) -> dict[str, tuple[bytes, str]]:
    found = {}
    for part in message.iter_attachments():
        content = part.get_content()
        found[part.get_filename()] = (
            content if isinstance(content, bytes) else content.encode(),
            part.get_content_type(),
        )
    return found


@pytest.mark.usefixtures("eager")
@pytest.mark.parametrize("fmt", ["ubl", "cii"])
def test_a_factur_x_original_reaches_an_email_recipient_with_the_sellers_pdf_and_the_converted_xml(
    acme, nordic, sink, fmt
):
    pdf = pdf_with({"factur-x.xml": CII})
    done, message = delivered_by_email(acme, nordic, fmt, pdf, "application/pdf", sink)
    assert (done.original_syntax, done.target_format) == ("facturx", fmt)
    number = done.number
    files = attachments(message)
    assert set(files) == {f"{number}.xml", f"{number}.pdf"}
    assert files[f"{number}.pdf"] == (pdf, "application/pdf")  # byte-identical: the seller's, not ours
    xml, content_type = files[f"{number}.xml"]
    report = formats.validate(xml)
    assert content_type == "application/xml" and report.syntax == fmt and report.valid
    assert formats.parse(xml).invoice.number == number
    assert SELLER_PDF in message.get_body().get_content()
    # The PDF the recipient downloads is the same one.
    stored = documents.payload_store().get(str(done.id), rendition_payload(PDF))
    assert stored == pdf


@pytest.mark.usefixtures("eager")
def test_a_factur_x_original_passed_on_as_received_is_attached_once(acme, nordic, sink):
    pdf = pdf_with({"factur-x.xml": CII})
    done, message = delivered_by_email(acme, nordic, "original", pdf, "application/pdf", sink)
    assert done.target_format == "facturx"
    assert attachments(message) == {f"{done.number}.pdf": (pdf, "application/pdf")}
    body = message.get_body().get_content()
    assert "(FACTURX)." in body and "rendering" not in body


@pytest.mark.usefixtures("eager")
def test_other_originals_still_get_our_rendering(acme, nordic, sink):
    data = document("ubl", number="INV-RENDER-1")
    _, message = delivered_by_email(acme, nordic, "cii", data, "application/xml", sink)
    files = attachments(message)
    assert set(files) == {"INV-RENDER-1.xml", "INV-RENDER-1.pdf"}
    rendering, _ = files["INV-RENDER-1.pdf"]
    assert rendering.startswith(b"%PDF") and rendering != data
    with pytest.raises(formats.FormatError):  # our rendering carries no invoice XML
        formats.detect(rendering)
    assert "a PDF rendering for reading" in message.get_body().get_content()


def test_beside_a_factur_x_document_the_rendering_gets_a_name_of_its_own(sink):
    factur_x = formats.convert(document("ubl", number="INV-FX-1"), "facturx").data
    rendering = formats.render_pdf(formats.parse(factur_x).invoice)
    parcel = delivery.Parcel("doc-1", "INV-FX-1", "Acme Supplies AB", "facturx", factur_x, rendering)
    outcome = delivery.deliver("email", parcel, email="ap@nordic.example")
    assert outcome.delivered, outcome.detail
    [(_, message)] = sink.messages
    assert attachments(message) == {
        "INV-FX-1.pdf": (factur_x, "application/pdf"),
        "INV-FX-1-readable.pdf": (rendering, "application/pdf"),
    }
