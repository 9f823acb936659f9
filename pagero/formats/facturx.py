"""Factur-X / ZUGFeRD 2 out: a PDF/A-3 whose visible part is our rendering of the invoice and which embeds the
invoice's CII D16B XML as `factur-x.xml` (AFRelationship Data) with the Factur-X XMP metadata naming its profile.

The `factur-x` library (akretion) does the PDF/A-3 embedding and the XMP; the check of the output is ours: the XML
is extracted back from the PDF, validated against the Factur-X XSD and Schematron of its profile (artefacts/facturx,
the files the library ships) and against the EN 16931 rules (and the CIUS it declares), as any CII output is.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from .cii.writer import write_cii
from .errors import ConversionNote, ConversionWarning, UnsupportedFormat
from .hybrid import HYBRID_SYNTAX, detect_hybrid
from .model import Invoice
from .schema_files import FACTURX_ARTEFACTS, xsd_findings
from .validation import rules
from .validation.report import Finding, ValidationReport

if TYPE_CHECKING:
    pass

ARTEFACTS = FACTURX_ARTEFACTS
FACTURX_XML_NAME = "factur-x.xml"


@dataclass(frozen=True)
class Level:
    """A Factur-X profile we write and check: its guideline ID (BT-24), the XMP's fx:ConformanceLevel, its XSD and
    its compiled Schematron (vendored unmodified)."""

    name: str
    guideline: str
    xmp: str
    xsd: Path
    schematron: rules.RuleSet


def _level(folder: str, guideline: str, xmp: str, xsd: str, xslt: str) -> Level:
    schematron = rules.RuleSet(f"Factur-X {xmp}", ARTEFACTS / folder / xslt)
    return Level(folder, guideline, xmp, ARTEFACTS / folder / xsd, schematron)


EN16931 = "urn:cen.eu:en16931:2017"
LEVELS = {
    "basic": _level(
        "basic",
        f"{EN16931}#compliant#urn:factur-x.eu:1p0:basic",
        "BASIC",
        "Factur-X_BASIC.xsd",
        "Factur-X_1.09_BASIC.xsl",
    ),
    "en16931": _level("en16931", EN16931, "EN 16931", "Factur-X_EN16931.xsd", "FACTUR-X_EN16931.xslt"),
    "extended": _level(
        "extended",
        f"{EN16931}#conformant#urn:factur-x.eu:1p0:extended",
        "EXTENDED",
        "Factur-X_EXTENDED.xsd",
        "FACTUR-X_EXTENDED.xslt",
    ),
}
# The guideline IDs each Factur-X profile accepts (its Schematron's code list 1; ZUGFeRD 2 wrote its own).
ACCEPTED_GUIDELINES = {
    "basic": {LEVELS["basic"].guideline, f"{EN16931}#compliant#urn:zugferd.de:2p0:basic"},
    "en16931": {EN16931},
    "extended": {LEVELS["extended"].guideline, f"{EN16931}#conformant#urn:zugferd.de:2p0:extended"},
}


def level_for(specification_id: str | None) -> Level:
    """The Factur-X profile an invoice is written and checked in, from its BT-24: EXTENDED when it declares the
    Factur-X/ZUGFeRD EXTENDED profile, BASIC for BASIC, otherwise EN 16931 (which Peppol, XRechnung and other CIUS
    build on: Factur-X carries them in its EN 16931 profile)."""
    spec = (specification_id or "").lower()
    if spec.endswith(("1p0:minimum", "2p0:minimum", "1p0:basicwl", "2p0:basicwl")):
        raise UnsupportedFormat(
            f"a Factur-X document is not written in a profile below EN 16931 ({specification_id}): the invoice "
            "declares MINIMUM or BASIC WL"
        )
    if "extended" in spec and ("factur-x" in spec or "zugferd" in spec):
        return LEVELS["extended"]
    if spec.endswith(("1p0:basic", "2p0:basic")):
        return LEVELS["basic"]
    return LEVELS["en16931"]


def write_facturx(invoice: Invoice, render: Callable[[Invoice], bytes]) -> tuple[bytes, list[ConversionWarning]]:
    """The invoice as a Factur-X PDF: `render` draws the visible part from the model, the CII XML is embedded."""
    from facturx import generate_from_binary  # type: ignore[import-untyped]

    level = level_for(invoice.process.specification_id)
    warnings: list[ConversionWarning] = []
    declared = invoice.process.specification_id
    if declared not in ACCEPTED_GUIDELINES[level.name]:
        # Factur-X accepts only its own guideline IDs (Peppol BIS, XRechnung and other CIUS IDs are refused by its
        # Schematron): the document declares the Factur-X profile its content is checked in.
        invoice = dataclasses.replace(
            invoice, process=dataclasses.replace(invoice.process, specification_id=level.guideline)
        )
        # A note, not a loss: every term is carried, and a Factur-X recipient can only ever read a Factur-X profile
        # here (the identifier belongs to the format, as CustomizationID belongs to UBL's CIUS).
        warnings.append(
            ConversionNote(
                path="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
                message=f"the specification identifier {declared!r} is written as the Factur-X {level.xmp} "
                f"profile {level.guideline!r}: Factur-X accepts only its own profiles' identifiers",
                term="BT-24",
            )
        )
    xml, cii_warnings = write_cii(invoice)
    warnings.extend(cii_warnings)
    visible = with_output_intent(render(invoice))
    facturx_log = logging.getLogger("factur-x")
    previous = facturx_log.level
    facturx_log.setLevel(logging.WARNING)  # the library logs every step at INFO
    try:
        pdf = generate_from_binary(
            visible,
            xml,
            flavor="factur-x",
            level=level.name,
            check_xsd=False,  # checked after embedding, on the XML read back from the PDF (check_facturx)
            check_schematron=False,
            pdf_metadata=pdf_metadata(invoice),
            lang="en-GB",
            afrelationship="data",
        )
    finally:
        facturx_log.setLevel(previous)
    return bytes(pdf), warnings


def with_output_intent(pdf: bytes) -> bytes:
    """The PDF with an sRGB output intent, which PDF/A requires for device colours (the rendering uses RGB). The ICC
    profile is littleCMS's built-in sRGB, made by Pillow's ImageCms."""
    from io import BytesIO

    from PIL import ImageCms
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

    writer = PdfWriter(clone_from=BytesIO(pdf))
    profile = StreamObject()
    profile.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_metadata(invoice: Invoice) -> dict[str, str]:
    """The PDF's title, author, subject and keywords from the model (the library would read them from the XML and
    fails when the seller's name or the number is missing, which the checks then report)."""
    kind = "Credit note" if invoice.is_credit_note else "Invoice"
    seller, number = invoice.seller.name or "", invoice.number or ""
    issued = invoice.issue_date.isoformat() if invoice.issue_date else ""
    return {
        "author": seller,
        "keywords": f"{kind}, Factur-X",
        "title": f"{seller}: {kind} {number}".strip(),
        "subject": f"Factur-X {kind.lower()} {number} dated {issued} issued by {seller}".strip(),
    }


def check_facturx(pdf: bytes, max_bytes: int, business_rules: bool = True) -> ValidationReport:
    """A Factur-X PDF's embedded XML against the Factur-X XSD and Schematron of its profile and (business_rules)
    the EN 16931 rules plus the CIUS it declares; the PDF must carry the Factur-X XMP naming the same profile."""
    detected, xml_detected, embedded, root = detect_hybrid(pdf, max_bytes)
    report = ValidationReport(HYBRID_SYNTAX, detected.document_type, detected.customization)
    level = level_for(detected.customization)
    report.rule_sets.append(f"Factur-X {level.name} XSD")
    report.add(_xsd_findings(root, level))
    xmp = _xmp_values(pdf)
    expected = {"ConformanceLevel": level.xmp, "DocumentFileName": FACTURX_XML_NAME, "part": "3"}
    report.add(
        Finding(
            rule_id="FACTURX-XMP",
            severity="fatal",
            message=f"the PDF's XMP metadata has {name} {xmp.get(name)!r}; Factur-X {level.xmp} requires {value!r}",
            location=f"/Metadata/{name}",
            term=None,
            rule_set="Factur-X",
        )
        for name, value in expected.items()
        if xmp.get(name) != value
    )
    if embedded.name != FACTURX_XML_NAME or embedded.relationship not in {"Data", "Alternative"}:
        report.notes.append(
            f"the XML is embedded as {embedded.name} (AFRelationship {embedded.relationship}); Factur-X names it "
            f"{FACTURX_XML_NAME} with AFRelationship Data or Alternative"
        )
    if business_rules:
        sets, notes = rules.rule_sets_for("cii", xml_detected.document_type, xml_detected.customization)
        report.notes.extend(notes)
        node = rules.RUNNER.parse(root, embedded.data)
        for rule_set in [level.schematron, *sets]:
            report.rule_sets.append(rule_set.name)
            report.add(rules.RUNNER.run(rule_set, node))
    return report


def _xsd_findings(root: etree._Element, level: Level) -> list[Finding]:
    return xsd_findings(root, level.xsd, f"Factur-X {level.name} XSD")


FX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
PDFAID_NS = "http://www.aiim.org/pdfa/ns/id/"
XMP_NAMES = {f"{{{FX_NS}}}ConformanceLevel", f"{{{FX_NS}}}DocumentFileName", f"{{{PDFAID_NS}}}part"}


def _xmp_values(pdf: bytes) -> dict[str, str]:
    """fx:ConformanceLevel, fx:DocumentFileName and pdfaid:part of the PDF's XMP metadata, each written as an
    element or as an attribute (writers differ)."""
    from io import BytesIO

    from pypdf import PdfReader

    metadata = PdfReader(BytesIO(pdf)).root_object.get("/Metadata")
    if metadata is None:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(metadata.get_object().get_data(), parser)
    found: dict[str, str] = {}
    for element in root.iter():
        if element.tag in XMP_NAMES and element.text:
            found[etree.QName(element).localname] = str(element.text).strip()
        for name, value in element.attrib.items():
            if name in XMP_NAMES:
                found[etree.QName(name).localname] = str(value).strip()
    return found
