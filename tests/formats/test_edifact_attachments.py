"""EDIFACT attachments (BG-24) in the CEN binding: EFI 1508 is the file name, COM ...:AO the external location
(BT-124), the UNO package carries the MIME code; and a profile code in FTX+DOC is a note, not a loss."""

from __future__ import annotations

import base64

from pagero.formats import conversion
from pagero.formats.errors import ConversionNote
from pagero.formats.model import BinaryObject, SupportingDocument
from pagero.formats.ubl.writer import write_ubl

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def ubl_with_attachment() -> bytes:
    parsed = conversion.parse_document((CORPUS / "cen-en16931/ubl/examples/ubl-tc434-example1.xml").read_bytes())
    invoice = parsed.invoice
    invoice.supporting_documents = [
        SupportingDocument(
            reference="Doc1",
            description="Timesheet",
            external_location="https://example.com/timesheets/doc1.pdf",
            attachment=BinaryObject(PDF, "application/pdf", "timesheet.pdf"),
        )
    ]
    data, warnings = write_ubl(invoice)
    assert warnings == []
    return data


def test_writer_puts_name_in_efi_location_in_com_ao_and_mime_in_uno():
    edifact = conversion.convert_document(ubl_with_attachment(), "edifact").data
    assert b"EFI+timesheet.pdf:Timesheet'" in edifact
    assert b"COM+https?://example.com/timesheets/doc1.pdf:AO'" in edifact
    assert b"RFF+ATS:Doc1'" in edifact
    content = base64.b64encode(PDF)
    assert b"UNO+P1+1:Doc1+13:application/pdf+" + str(len(content)).encode() + b"'" + content in edifact


def test_round_trip_ubl_edifact_ubl_keeps_name_mime_content_and_location():
    source = ubl_with_attachment()
    edifact = conversion.convert_document(source, "edifact")
    assert edifact.warnings == []
    back = conversion.convert_document(edifact.data, "ubl")
    assert back.warnings == [] and back.lossless
    original = conversion.parse_document(source).invoice.supporting_documents
    again = conversion.parse_document(back.data).invoice.supporting_documents
    assert again == original
    assert again[0].attachment == BinaryObject(PDF, "application/pdf", "timesheet.pdf")
    assert again[0].external_location == "https://example.com/timesheets/doc1.pdf"


def test_cen_binding_segments_are_read_in_their_places():
    data = (CORPUS / "cen-en16931/edifact/examples/EDIFACT_EXAMPLE5.TXT").read_bytes()
    data = data.replace(b"EFI+:your sales slip'", b"EFI+slip.pdf:your sales slip'COM+https?://x.example/s:AO'")
    data = data.replace(b"UNO+P1+1:sales slip+13:+", b"UNO+P1+1:sales slip+13:application/pdf+")
    parsed = conversion.parse_document(data)
    [document] = [d for d in parsed.invoice.supporting_documents if d.reference == "sales slip"]
    assert document.description == "your sales slip"
    assert document.external_location == "https://x.example/s"
    assert document.attachment.filename == "slip.pdf" and document.attachment.mime_code == "application/pdf"
    assert [w for w in parsed.warnings if w.term == "BT-125"] == []


def test_cen_example5_without_mime_code_or_name_is_read_with_warnings_naming_each():
    parsed = conversion.parse_document((CORPUS / "cen-en16931/edifact/examples/EDIFACT_EXAMPLE5.TXT").read_bytes())
    [document] = [d for d in parsed.invoice.supporting_documents if d.reference == "sales slip"]
    assert document.external_location is None  # EFI's first component is a file name, never BT-124
    assert document.attachment is not None and document.attachment.filename == "attachment"
    messages = [w.message for w in parsed.warnings if w.term == "BT-125"]
    assert any("no MIME code" in m for m in messages) and any("names no file" in m for m in messages)


def test_a_file_name_without_a_package_is_reported():
    data = (CORPUS / "cen-en16931/edifact/examples/EDIFACT_EXAMPLE5.TXT").read_bytes()
    data = data.replace(b"EFI+:your sales slip'", b"EFI+slip.pdf:your sales slip'")
    data = data[: data.index(b"UNO+")] + data[data.index(b"UNZ+") :]
    parsed = conversion.parse_document(data)
    assert any("'slip.pdf' names no attached content" in w.message for w in parsed.warnings)


def test_ftx_doc_profile_code_is_a_note_not_a_loss():
    data = (CORPUS / "cen-en16931/edifact/examples/EDIFACT_EXAMPLE1.TXT").read_bytes()
    assert b"FTX+DOC++P1+" in data
    converted = conversion.convert_document(data.replace(b"FTX+DOC++P1+", b"FTX+DOC++P2+"), "ubl")
    notes = [w for w in converted.warnings if isinstance(w, ConversionNote)]
    assert [n.message for n in notes] == ["document profile code P2 has no EN 16931 term and is not kept"]
    assert converted.warnings == notes and converted.lossless
    assert conversion.convert_document(data, "ubl").data == converted.data  # the code changes nothing else
