"""Peppol outbound without a network: the SBD around a document's bytes, the SMP answer's reading, the AS4 message.

The SBD is checked by parsing what was written (header fields, the document's bytes inside unchanged); refusals name
what is missing. The user message is taken apart by the `as4` library's own receiving side under the test PKI
(what phase4 does in tests/peers/test_peppol_outbound.py): the SBD decrypts byte-identical, the receipt it answers
with verifies, and its PEPPOL:NOT_SERVICED error is a refusal naming it.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from as4 import AS4LocalPrivateKey, ParticipantNotServicedError
from as4.peppol import create_peppol_internal_party, parse_peppol_message, peppol_security_policy
from lxml import etree

from pagero.delivery.as4 import message as as4_message
from pagero.delivery.as4 import sbdh, smp
from pagero.delivery.as4.sbdh import DocumentNotSendable, build_sbd, read_ids
from tests.peers import as4_pki
from tests.peers.test_peppol_outbound import DOCTYPE, PROCESS, service_metadata

NS = {"sbdh": sbdh.SBDH_NS}
RECEIVER = "0088:7300010000002"
UBL_INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>Fäktura-7 &amp; co</cbc:ID>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  </cac:Party></cac:AccountingSupplierParty>
</Invoice>
""".encode()
CII_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty>
    <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
    <ram:URIUniversalCommunication><ram:URIID schemeID="0204">991-12345-67</ram:URIID></ram:URIUniversalCommunication>
  </ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def header(sbd: bytes) -> etree._Element:
    root = etree.fromstring(sbd)
    assert root.tag == f"{{{sbdh.SBDH_NS}}}StandardBusinessDocument"
    head = root.find("sbdh:StandardBusinessDocumentHeader", NS)
    assert head is not None
    return head


def scopes(head: etree._Element) -> dict[str, tuple[str | None, str | None]]:
    return {
        s.findtext("sbdh:Type", namespaces=NS): (
            s.findtext("sbdh:InstanceIdentifier", namespaces=NS),
            s.findtext("sbdh:Identifier", namespaces=NS),
        )
        for s in head.iterfind("sbdh:BusinessScope/sbdh:Scope", NS)
    }


def test_ubl_invoice_ids_come_from_the_document() -> None:
    ids = read_ids(UBL_INVOICE, RECEIVER)

    assert ids.sender == "0088:7300010000001"
    assert ids.receiver == RECEIVER
    assert ids.document_type == DOCTYPE
    assert ids.process == PROCESS
    assert ids.country_c1 == "SE"
    assert (ids.standard, ids.type, ids.type_version) == (
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        "Invoice",
        "2.1",
    )


def test_sbd_carries_the_header_and_the_document_bytes_unchanged() -> None:
    created = datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.UTC)

    sbd = build_sbd(UBL_INVOICE, read_ids(UBL_INVOICE, RECEIVER), "inst-1", created)

    head = header(sbd)
    assert head.findtext("sbdh:HeaderVersion", namespaces=NS) == "1.0"
    sender = head.find("sbdh:Sender/sbdh:Identifier", NS)
    assert (sender.get("Authority"), sender.text) == ("iso6523-actorid-upis", "0088:7300010000001")
    receiver = head.find("sbdh:Receiver/sbdh:Identifier", NS)
    assert (receiver.get("Authority"), receiver.text) == ("iso6523-actorid-upis", RECEIVER)
    ident = head.find("sbdh:DocumentIdentification", NS)
    assert ident.findtext("sbdh:Standard", namespaces=NS) == "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    assert ident.findtext("sbdh:TypeVersion", namespaces=NS) == "2.1"
    assert ident.findtext("sbdh:InstanceIdentifier", namespaces=NS) == "inst-1"
    assert ident.findtext("sbdh:Type", namespaces=NS) == "Invoice"
    assert ident.findtext("sbdh:CreationDateAndTime", namespaces=NS) == "2026-03-01T12:30:00Z"
    assert scopes(head) == {
        "DOCUMENTID": (DOCTYPE, "busdox-docid-qns"),
        "PROCESSID": (PROCESS, "cenbii-procid-ubl"),
        "COUNTRY_C1": ("SE", None),
    }
    # The document's bytes after its XML declaration, as they were (no re-serialisation: `&amp;`, ä, indentation).
    body = UBL_INVOICE.split(b"?>\n", 1)[1]
    assert body in sbd
    assert etree.fromstring(sbd)[1].tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"


def test_byte_order_mark_and_declaration_are_dropped() -> None:
    document = b"\xef\xbb\xbf" + UBL_INVOICE

    sbd = build_sbd(document, read_ids(document, RECEIVER), "inst-2")

    assert sbd.count(b"<?xml") == 1 and b"\xef\xbb\xbf" not in sbd
    assert UBL_INVOICE.split(b"?>\n", 1)[1] in sbd


def test_identifier_values_are_escaped() -> None:
    ids = read_ids(UBL_INVOICE, RECEIVER)
    odd = type(ids)(**{**ids.__dict__, "process": 'urn:x:<a & "b">'})

    head = header(build_sbd(UBL_INVOICE, odd, "i<&>"))

    assert scopes(head)["PROCESSID"][0] == 'urn:x:<a & "b">'
    assert head.findtext("sbdh:DocumentIdentification/sbdh:InstanceIdentifier", namespaces=NS) == "i<&>"


def test_cii_invoice_ids() -> None:
    ids = read_ids(CII_INVOICE, RECEIVER)

    assert ids.sender == "0204:991-12345-67"
    assert ids.country_c1 == "DE"
    assert ids.document_type == (
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100::CrossIndustryInvoice"
        "##urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0::D16B"
    )
    assert ids.process == PROCESS


@pytest.mark.parametrize(
    ("change", "receiver", "reason"),
    [
        ((b' schemeID="0088"', b""), RECEIVER, "sender endpoint id has no schemeID"),
        ((b'<cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>', b""), RECEIVER, "no sender endpoint id"),
        ((b"cbc:CustomizationID>", b"cbc:Note>"), RECEIVER, "no customization id"),
        ((b"cbc:ProfileID>", b"cbc:Note>"), RECEIVER, "no process id"),
        ((b">SE<", b">Sweden<"), RECEIVER, "country code 'Sweden' is not a two-letter code"),
        ((b"", b""), "7300010000002", "receiver participant id '7300010000002' is not of the form"),
        ((b"</Invoice>\n", b""), RECEIVER, "not well-formed XML"),
        ((b'encoding="UTF-8"', b'encoding="ISO-8859-1"'), RECEIVER, "encoded in ISO-8859-1"),
    ],
)
def test_documents_peppol_cannot_carry_are_refused_naming_why(
    change: tuple[bytes, bytes], receiver: str, reason: str
) -> None:
    document = UBL_INVOICE.replace(*change) if change[0] else UBL_INVOICE
    if b"ISO-8859-1" in document:
        document = document.replace("ä".encode(), "ä".encode("latin-1"))

    with pytest.raises(DocumentNotSendable, match=reason):
        build_sbd(document, read_ids(document, receiver), "i")


def test_other_roots_are_refused() -> None:
    with pytest.raises(DocumentNotSendable, match="neither UBL nor CII"):
        read_ids(b"<Invoice/>", RECEIVER)
    with pytest.raises(DocumentNotSendable, match="UBL Catalogue is not a document type sent over Peppol"):
        read_ids(b'<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>', RECEIVER)


def test_oversized_document_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sbdh, "MAX_DOCUMENT_BYTES", len(UBL_INVOICE) - 1)

    with pytest.raises(DocumentNotSendable, match="larger than"):
        sbdh.document_body(UBL_INVOICE)


# --- the SMP answer ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> as4_pki.AS4TestPKI:
    return as4_pki.generate(tmp_path_factory.mktemp("pki"))


def test_smp_url_encodes_both_identifiers() -> None:
    url = smp.metadata_url("https://smp.example.com/", RECEIVER, DOCTYPE)

    assert url == (
        "https://smp.example.com/iso6523-actorid-upis%3A%3A0088%3A7300010000002/services/busdox-docid-qns%3A%3A"
        "urn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3AInvoice-2%3A%3AInvoice%23%23urn%3Acen.eu%3A"
        "en16931%3A2017%23compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1"
    )


def test_signed_metadata_gives_the_endpoint(pki: as4_pki.AS4TestPKI) -> None:
    document = service_metadata(RECEIVER, "https://ap.example.com/as4", pki.peer.certificate, pki.smp)

    endpoint = smp.read_signed_metadata(document, pki.ca_pem, RECEIVER, DOCTYPE, PROCESS)

    assert endpoint.url == "https://ap.example.com/as4"
    assert endpoint.certificate == pki.peer.certificate


def test_metadata_changed_after_signing_is_refused(pki: as4_pki.AS4TestPKI) -> None:
    document = service_metadata(RECEIVER, "https://ap.example.com/as4", pki.peer.certificate, pki.smp)
    forged = document.replace(b"https://ap.example.com/as4", b"https://evil.example.com/as4")

    with pytest.raises(smp.SmpLookupFailed, match="not validly signed") as refused:
        smp.read_signed_metadata(forged, pki.ca_pem, RECEIVER, DOCTYPE, PROCESS)
    assert not refused.value.retryable


def test_metadata_for_another_process_is_refused(pki: as4_pki.AS4TestPKI) -> None:
    document = service_metadata(RECEIVER, "https://ap.example.com/as4", pki.peer.certificate, pki.smp)

    with pytest.raises(smp.SmpLookupFailed, match="not registered in the SMP for process urn:other"):
        smp.read_signed_metadata(document, pki.ca_pem, RECEIVER, DOCTYPE, "urn:other")


def test_metadata_for_another_participant_is_refused(pki: as4_pki.AS4TestPKI) -> None:
    document = service_metadata("0088:1111", "https://ap.example.com/as4", pki.peer.certificate, pki.smp)

    with pytest.raises(smp.SmpLookupFailed, match="answered for '0088:1111'"):
        smp.read_signed_metadata(document, pki.ca_pem, RECEIVER, DOCTYPE, PROCESS)


# --- the user message and the answer to it -----------------------------------------------------------------------


def peer_receives(pki: as4_pki.AS4TestPKI, message: as4_message.UserMessage, serviced: bool = True):
    """The as4 library's Peppol receiver, with the peer's key, trusting the test CA."""
    local = create_peppol_internal_party(pki.peer.seat_id, pki.peer.certificate, AS4LocalPrivateKey(pki.peer.key))

    def accept(participant: str) -> None:
        if not serviced:
            raise ParticipantNotServicedError(participant)

    return parse_peppol_message(
        message.headers,
        message.body,
        local,
        accept_participant=accept,
        security_policy=peppol_security_policy(pki.ca_certificate),
    )


def build(pki: as4_pki.AS4TestPKI) -> tuple[bytes, as4_message.UserMessage]:
    sbd = build_sbd(UBL_INVOICE, read_ids(UBL_INVOICE, RECEIVER), "inst-3")
    ours = as4_message.Credentials.from_pem_files(pki.ours.cert_pem, pki.ours.key_pem)
    return sbd, as4_message.build_user_message(sbd, read_ids(UBL_INVOICE, RECEIVER), ours, pki.peer.certificate)


def test_user_message_carries_the_sbd_byte_identical_and_its_receipt_verifies(pki: as4_pki.AS4TestPKI) -> None:
    sbd, message = build(pki)

    exchange = peer_receives(pki, message)

    assert exchange.successful, exchange.message.parse_error if exchange.message else None
    assert exchange.message_id == message.message_id
    assert list(exchange.message.decrypted_data.values()) == [sbd]
    assert exchange.message.signer_certificate == pki.ours.certificate
    _, answer = exchange.build_signal()
    assert as4_message.verify_answer(answer, message, pki.peer.certificate) == answer


def test_receipt_for_another_message_proves_nothing(pki: as4_pki.AS4TestPKI) -> None:
    _, first = build(pki)
    _, second = build(pki)
    _, answer = peer_receives(pki, first).build_signal()

    with pytest.raises(as4_message.ReceiverRefused, match="receipt names message"):
        as4_message.verify_answer(answer, second, pki.peer.certificate)


def test_receipt_signed_by_another_certificate_is_refused(pki: as4_pki.AS4TestPKI) -> None:
    _, message = build(pki)
    _, answer = peer_receives(pki, message).build_signal()

    with pytest.raises(as4_message.ReceiverRefused, match="receipt could not be verified"):
        as4_message.verify_answer(answer, message, pki.smp.certificate)


def test_not_serviced_is_a_refusal_naming_it(pki: as4_pki.AS4TestPKI) -> None:
    _, message = build(pki)
    exchange = peer_receives(pki, message, serviced=False)
    _, answer = exchange.build_signal()

    with pytest.raises(as4_message.ReceiverRefused, match=r"ebMS error EBMS:0004 .*PEPPOL:NOT_SERVICED"):
        as4_message.verify_answer(answer, message, pki.peer.certificate)


def test_receiver_certificate_must_chain_to_the_trusted_ca(pki: as4_pki.AS4TestPKI, tmp_path: Path) -> None:
    as4_message.check_trusted(pki.peer.certificate, [pki.ca_certificate])
    rogue_key, rogue_ca = as4_pki.make_ca("Rogue Peppol CA")
    _, rogue = as4_pki.issue(rogue_key, rogue_ca, "POP000999", "PEPPOL TEST AP")

    with pytest.raises(as4_message.CertificateNotTrusted, match="does not chain to a configured anchor"):
        as4_message.check_trusted(rogue, [pki.ca_certificate])


@pytest.mark.parametrize(
    "answer",
    [
        b"not xml at all",
        b"<smp:SignedServiceMetadata xmlns:smp='http://busdox.org/serviceMetadata/publishing/1.0/'/>",
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x"><!ENTITY f "&e;&e;&e;&e;">]><a>&f;</a>',
    ],
)
def test_unsigned_or_malformed_metadata_is_refused(pki: as4_pki.AS4TestPKI, answer: bytes) -> None:
    with pytest.raises(smp.SmpLookupFailed) as refused:
        smp.read_signed_metadata(answer, pki.ca_pem, RECEIVER, DOCTYPE, PROCESS)
    assert not refused.value.retryable
