"""The Peppol AS4 inbound parser and endpoint without any peer: messages are built with the `as4` library as the
sending access point (the test PKI's peer), received by `as4_inbound.receive` and by the `/as4` view through the
test client. phase4 against the live server is tests/peers/test_peppol_inbound.py."""

from __future__ import annotations

import gzip
import io

import pytest
from as4 import AS4LocalPrivateKey, AS4References
from as4.peppol import build_peppol_message, create_peppol_external_party, create_peppol_internal_party
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import include, path
from lxml import etree

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.intake import as4_inbound, as4_views
from pagero.intake.as4_inbound import AccessPoint, DocumentRefused, NotConfigured, RequestTooLarge
from pagero.intake.models import InboundAS4Message
from pagero.partners import public as partners
from pagero.urls import handler500 as handler500
from pagero.urls import urlpatterns as product
from tests.peers import as4_pki

urlpatterns = [path("as4", include("pagero.intake.as4_urls")), *product]

EB_NS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
SENDER = "0192:810034882"
RECEIVER = "0192:987654325"
DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ID>INV-1</cbc:ID>
</Invoice>
"""
LIMIT = 1_000_000


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> as4_pki.AS4TestPKI:
    return as4_pki.generate(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def ours(pki: as4_pki.AS4TestPKI) -> AccessPoint:
    return AccessPoint.from_files(pki.ours.cert_pem, pki.ours.key_pem, pki.ca_pem)


def message(
    pki: as4_pki.AS4TestPKI,
    document: bytes = UBL,
    party: as4_pki.Party | None = None,
    receiver: str = RECEIVER,
    message_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """An AS4 user message from `party` (the peer by default) to our access point: (HTTP headers, body)."""
    party = party or pki.peer
    local = create_peppol_internal_party(party.seat_id, party.certificate, AS4LocalPrivateKey(party.key))
    remote = create_peppol_external_party(pki.ours.seat_id, pki.ours.certificate)
    built = build_peppol_message(
        document,
        local_party=local,
        remote_party=remote,
        sender=SENDER,
        recipient=receiver,
        document_type_identifier_scheme="busdox-docid-qns",
        document_type_identifier_value=DOCTYPE,
        process_identifier=PROCESS,
        sender_country_id="SE",
        references=AS4References(message_id=message_id) if message_id else None,
    )
    body, boundary = built.get_request_data()
    return built.get_http_headers(boundary), body


def receive(ours: AccessPoint, headers: dict[str, str], body: bytes, *, serviced: bool = True, limit: int = LIMIT):
    return as4_inbound.receive(headers, body, ours, is_participant=lambda _: serviced, max_sbd_bytes=limit)


def signal_parts(signal: bytes) -> tuple[etree._Element, str, str]:
    """The SignalMessage, and the error code and detail when it is an ebMS error."""
    envelope = etree.fromstring(signal, etree.XMLParser(resolve_entities=False, no_network=True))
    signal_message = envelope.find(f".//{{{EB_NS}}}SignalMessage")
    assert signal_message is not None, signal[:1000]
    error = signal_message.find(f"{{{EB_NS}}}Error")
    if error is None:
        return signal_message, "", ""
    # ebMS 3's schema requires it; phase4 refuses an error signal without it.
    assert error.find(f"{{{EB_NS}}}Description").get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    return signal_message, error.get("errorCode", ""), (error.findtext(f"{{{EB_NS}}}ErrorDetail") or "").strip()


# -- the parser ----------------------------------------------------------------------------------
def test_a_verified_message_gives_its_sbd_and_a_signed_receipt(pki, ours):
    headers, body = message(pki)
    seen: list[str] = []

    inbound = as4_inbound.receive(
        headers, body, ours, is_participant=lambda p: seen.append(p) or True, max_sbd_bytes=LIMIT
    )

    assert inbound.accepted, inbound.reason
    assert seen == [RECEIVER]
    assert (inbound.sender, inbound.receiver, inbound.sending_ap) == (SENDER, RECEIVER, pki.peer.seat_id)
    assert (inbound.document_type, inbound.process) == (DOCTYPE, PROCESS)
    sbd = etree.fromstring(inbound.sbd)
    assert sbd.tag == f"{{{SBDH_NS}}}StandardBusinessDocument"
    signal_message, code, _ = signal_parts(inbound.signal)
    assert code == "" and signal_message.find(f"{{{EB_NS}}}Receipt") is not None
    assert signal_message.findtext(f".//{{{EB_NS}}}RefToMessageId") == inbound.message_id
    assert b"SignatureValue" in inbound.signal
    # The business document comes out whole, without the SBDH's namespace.
    document = as4_inbound.business_document(inbound.sbd)
    assert etree.tostring(etree.fromstring(document), method="c14n2") == etree.tostring(
        etree.fromstring(UBL), method="c14n2"
    )
    assert SBDH_NS.encode() not in document


def test_a_receiver_we_do_not_serve_is_answered_peppol_not_serviced(pki, ours):
    inbound = receive(ours, *message(pki), serviced=False)

    assert not inbound.accepted and not inbound.sbd
    assert inbound.error_code == "EBMS:0004"
    _, code, detail = signal_parts(inbound.signal)
    assert (code, detail) == ("EBMS:0004", "PEPPOL:NOT_SERVICED")


def test_a_failing_participant_lookup_is_raised_not_blamed_on_the_message(pki, ours):
    def directory_down(participant_id: str) -> bool:
        raise ConnectionError("the directory is unreachable")

    with pytest.raises(ConnectionError, match="unreachable"):
        as4_inbound.receive(*message(pki), ours, is_participant=directory_down, max_sbd_bytes=LIMIT)


def test_a_sender_certificate_of_another_ca_fails_authentication(pki, ours, tmp_path):
    ca_key, ca = as4_pki.make_ca("Rogue Peppol CA")
    key, certificate = as4_pki.issue(ca_key, ca, pki.peer.seat_id, "PEPPOL TEST AP")
    rogue = as4_pki.write_party(tmp_path, "rogue", pki.peer.seat_id, "ap", key, certificate, ca)

    inbound = receive(ours, *message(pki, party=rogue))

    assert not inbound.accepted and inbound.error_code == "EBMS:0101"
    assert signal_parts(inbound.signal)[1] == "EBMS:0101"


def test_a_message_id_too_long_to_keep_is_refused(pki, ours):
    inbound = receive(ours, *message(pki, message_id="m" * 300 + "@example"))

    assert not inbound.accepted and inbound.error_code == "EBMS:0003"
    assert "at most 255" in inbound.reason


def test_a_tampered_attachment_is_refused(pki, ours):
    headers, body = message(pki)
    # The attachment is the last MIME part: change a byte of its ciphertext.
    at = body.rindex(b"\r\n--") - 10
    tampered = body[:at] + bytes([body[at] ^ 0xFF]) + body[at + 1 :]

    inbound = receive(ours, headers, tampered)

    assert not inbound.accepted
    assert inbound.error_code in {"EBMS:0101", "EBMS:0102"}, inbound.reason


def test_an_attachment_decompressing_past_the_bound_is_refused(pki, ours):
    big = UBL.replace(b"<cbc:ID>", b"<cbc:Note>" + b"a" * 200_000 + b"</cbc:Note><cbc:ID>")
    headers, body = message(pki, document=big)
    assert len(body) < 50_000  # it compresses well: only decompression reaches the size

    inbound = receive(ours, headers, body, limit=100_000)

    assert not inbound.accepted and inbound.error_code == "EBMS:0303"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/soap+xml", b""),
        ("application/soap+xml", b"<not-soap/>"),
        ("application/soap+xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>"),
        ("application/soap+xml", b"<S:Envelope xmlns:S='http://www.w3.org/2003/05/soap-envelope'><S:Body/>"),
        ('multipart/related; boundary="b"', b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"),
        ('multipart/related; boundary="b"', b"--b\r\n\r\n"),
        ("multipart/related", bytes(range(256)) * 8),
        ("", gzip.compress(b"x" * 10_000, mtime=0)),
        ("text/plain; charset=\x00", b"\xff\xfe"),
    ],
    ids=["empty", "not-soap", "entity", "empty-body", "text-part", "no-part-headers", "binary", "gzip", "nul-charset"],
)
def test_malformed_input_is_an_ebms_error_not_an_exception(ours, content_type, body):
    inbound = receive(ours, {"Content-Type": content_type}, body)

    assert not inbound.accepted and not inbound.sbd
    assert inbound.error_code.startswith("EBMS:")
    _, code, _ = signal_parts(inbound.signal)
    assert code == inbound.error_code


def test_a_soap_envelope_of_a_real_message_without_its_attachment_is_refused(pki, ours):
    headers, body = message(pki)
    boundary = headers["Content-Type"].split('boundary="')[1].rstrip('"').encode()
    parts = body.split(b"--" + boundary)
    without_attachment = b"--".join([b"", boundary]).join(parts[:2]) + b"--" + boundary + b"--\r\n"

    inbound = receive(ours, headers, without_attachment)

    assert not inbound.accepted and inbound.error_code.startswith("EBMS:")


@pytest.mark.parametrize(("declared", "accepted"), [("1000", True), ("0", True), ("1001", False)])
def test_the_declared_length_is_checked_against_the_limit(declared, accepted):
    if accepted:
        assert as4_inbound.check_length(declared, 1000) == int(declared)
    else:
        with pytest.raises(RequestTooLarge, match="1001 bytes; the limit is 1000 bytes"):
            as4_inbound.check_length(declared, 1000)


@pytest.mark.parametrize("declared", [None, "", "-5", "ten", "1e3"])
def test_a_missing_or_malformed_length_is_refused(declared):
    with pytest.raises(RequestTooLarge) as refused:
        as4_inbound.check_length(declared, 1000)
    assert refused.value.length == -1


def test_an_sbd_with_two_documents_is_refused():
    sbd = (
        f'<StandardBusinessDocument xmlns="{SBDH_NS}"><StandardBusinessDocumentHeader/>'
        "<a xmlns='urn:a'/><b xmlns='urn:b'/></StandardBusinessDocument>"
    ).encode()
    with pytest.raises(DocumentRefused, match="2 business documents"):
        as4_inbound.business_document(sbd)


def test_credentials_that_cannot_be_read_are_not_configured(pki, tmp_path):
    with pytest.raises(NotConfigured, match="cannot be read"):
        AccessPoint.from_files(pki.ours.cert_pem, tmp_path / "missing.pem", pki.ca_pem)
    ec_key = tmp_path / "ec.pem"
    ec_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(NotConfigured, match="not an RSA key"):
        AccessPoint.from_files(pki.ours.cert_pem, ec_key, pki.ca_pem)


# -- the endpoint ----------------------------------------------------------------------------------
class CountingStream(io.RawIOBase):
    """An endless request body that counts what the server reads of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"-" * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@pytest.fixture
def endpoint(settings, pki, db, monkeypatch) -> Client:
    settings.ROOT_URLCONF = __name__
    settings.PEPPOL_AP_CERTIFICATE = str(pki.ours.cert_pem)
    settings.PEPPOL_AP_KEY = str(pki.ours.key_pem)
    settings.PEPPOL_AP_TRUST_ANCHORS = str(pki.ca_pem)
    as4_views._access_point.cache_clear()
    # The pipeline's next steps are not this test's subject: the submission is.
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)
    return Client()


@pytest.fixture
def recipient(db) -> partners.OrganisationRef:
    org = partners.ensure_organisation("Nordic Buyer AB", "nordic-buyer")
    scheme, value = RECEIVER.split(":")
    partners.add_identifier(org.id, scheme, value, verified=True)
    return org


def post(client: Client, headers: dict[str, str], body: bytes, **extra):
    return client.generic("POST", "/as4", body, content_type=headers["Content-Type"], **extra)


def test_the_endpoint_submits_once_and_answers_a_duplicate_with_the_kept_receipt(endpoint, pki, recipient):
    headers, body = message(pki)

    first = post(endpoint, headers, body)
    second = post(endpoint, headers, body)

    assert first.status_code == 200, first.content[:1000]
    assert first["Content-Type"].startswith("application/soap+xml")
    signal_message, code, _ = signal_parts(first.content)
    assert code == "" and signal_message.find(f"{{{EB_NS}}}Receipt") is not None
    assert second.status_code == 200 and second.content == first.content
    stored = InboundAS4Message.objects.get()
    assert (stored.sending_ap, stored.sender, stored.receiver, stored.duplicates) == (
        pki.peer.seat_id,
        SENDER,
        RECEIVER,
        1,
    )
    document = Document.objects.get()
    assert str(document.id) == stored.document_id
    assert partners.get_organisation(document.sender_id).name == f"Peppol access point {pki.peer.seat_id}"


def test_a_message_to_a_participant_we_do_not_serve_submits_nothing(endpoint, pki, recipient):
    response = post(endpoint, *message(pki, receiver="0192:810034882"))

    assert response.status_code == 400
    assert signal_parts(response.content)[1:] == ("EBMS:0004", "PEPPOL:NOT_SERVICED")
    assert not InboundAS4Message.objects.exists() and not Document.objects.exists()


def test_a_document_over_the_document_limit_is_refused_and_kept_nowhere(endpoint, pki, recipient, settings):
    settings.MAX_DOCUMENT_BYTES = 100  # the SBD around it still decompresses (limit + SBDH allowance)

    response = post(endpoint, *message(pki))

    assert response.status_code == 400
    _, code, detail = signal_parts(response.content)
    assert code == "EBMS:0004" and "the limit is 100 bytes" in detail
    assert not InboundAS4Message.objects.exists() and not Document.objects.exists()


def test_a_request_over_the_limit_is_413_before_its_body_is_read(endpoint, settings):
    settings.AS4_MAX_REQUEST_BYTES = 1000
    stream = CountingStream()

    response = endpoint.generic(
        "POST",
        "/as4",
        content_type='multipart/related; boundary="b"',
        CONTENT_LENGTH="5000",
        **{"wsgi.input": stream},
    )

    assert response.status_code == 413
    assert b"5000 bytes; the limit is 1000 bytes" in response.content
    assert stream.read_bytes == 0


def test_garbage_gets_an_ebms_error_and_other_methods_405(endpoint):
    response = endpoint.post("/as4", b"\x00garbage", content_type="application/soap+xml")
    assert response.status_code == 400 and signal_parts(response.content)[1].startswith("EBMS:")

    assert endpoint.get("/as4").status_code == 405
    assert not Document.objects.exists()


def test_an_endpoint_without_credentials_says_so(endpoint, settings):
    settings.PEPPOL_AP_KEY = ""

    response = endpoint.post("/as4", b"<x/>", content_type="application/soap+xml")

    assert response.status_code == 503 and b"does not receive AS4" in response.content
