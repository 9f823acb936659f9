"""The `peppol` channel against phase4's receiver, with a signed SMP on loopback, under the test PKI of as4_pki.

Our channel reads the Peppol identifiers from a UBL invoice, writes the SBD around its bytes, asks a small SMP
(http.server on loopback, metadata signed with the SMP certificate by signxml) for the receiver's AS4 endpoint and
certificate, sends the signed, encrypted, compressed user message to phase4's receiver and verifies its signed
receipt. The negative cases are the outcomes the pipeline acts on: a participant the SMP does not list and an access
point certificate from another CA are final, a receiver that is down is tried again, an ebMS error is final.
"""

from __future__ import annotations

import base64
import http.server
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from as4.peppol import parse_peppol_receipt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import XMLSigner, methods

from pagero.delivery import public as delivery
from pagero.delivery.as4 import sbdh, smp
from pagero.documents import public as documents
from pagero.kernel.vocabulary import DELIVERY_EVIDENCE_PAYLOAD
from pagero.partners import public as partners
from tests.exchange.conftest import acme, eager, nordic  # noqa: F401
from tests.exchange.factory import document
from tests.peers import as4_pki
from tests.peers import test_phase4_harness as harness
from tests.peers.test_phase4_harness import Receiver
from tests.processes import close, free_port, serve_in_thread

# phase4 (built once), the test PKI, the receiver and the Peppol BIS base example: the harness's own fixtures.
phase4_jar = harness.phase4_jar
pki = harness.pki
receiver = harness.receiver
invoice = harness.invoice

RECEIVER_ID = "0088:7300010000002"
SELLER_ID = "0088:9482348239847239874"  # the base example's seller EndpointID
DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


def service_metadata(participant: str, url: str, certificate: x509.Certificate, signer: as4_pki.Party) -> bytes:
    """A Peppol SMP 1.x SignedServiceMetadata with one AS4 endpoint, signed (enveloped) by `signer`."""
    der = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    xml = f"""<smp:SignedServiceMetadata xmlns:smp="{smp.SMP_NS}" xmlns:id="{smp.IDS_NS}" xmlns:wsa="{smp.WSA_NS}">
  <smp:ServiceMetadata>
    <smp:ServiceInformation>
      <id:ParticipantIdentifier scheme="iso6523-actorid-upis">{participant}</id:ParticipantIdentifier>
      <id:DocumentIdentifier scheme="busdox-docid-qns">{DOCTYPE}</id:DocumentIdentifier>
      <smp:ProcessList>
        <smp:Process>
          <id:ProcessIdentifier scheme="cenbii-procid-ubl">{PROCESS}</id:ProcessIdentifier>
          <smp:ServiceEndpointList>
            <smp:Endpoint transportProfile="peppol-transport-as4-v2_0">
              <wsa:EndpointReference><wsa:Address>{url}</wsa:Address></wsa:EndpointReference>
              <smp:RequireBusinessLevelSignature>false</smp:RequireBusinessLevelSignature>
              <smp:Certificate>{der}</smp:Certificate>
              <smp:ServiceDescription>test access point</smp:ServiceDescription>
              <smp:TechnicalContactUrl>mailto:ap@example.com</smp:TechnicalContactUrl>
            </smp:Endpoint>
          </smp:ServiceEndpointList>
        </smp:Process>
      </smp:ProcessList>
    </smp:ServiceInformation>
  </smp:ServiceMetadata>
</smp:SignedServiceMetadata>"""
    signed = XMLSigner(
        method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=C14N
    ).sign(
        etree.fromstring(xml.encode()),
        key=signer.key,
        cert=[signer.certificate.public_bytes(serialization.Encoding.PEM).decode()],
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@dataclass
class SmpServer:
    url: str
    answers: dict[str, bytes | int] = field(default_factory=dict)  # path -> metadata or a status; others: 404
    requests: list[str] = field(default_factory=list)

    def publish(self, participant: str, document: bytes | int) -> None:
        path = urlsplit(smp.metadata_url(self.url, participant, DOCTYPE)).path
        self.answers[path] = document


@pytest.fixture
def test_smp() -> Iterator[SmpServer]:
    state = SmpServer("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(unquote(self.path))
            answer = state.answers.get(self.path, 404)
            self.send_response(answer if isinstance(answer, int) else 200)
            payload = answer if isinstance(answer, bytes) else b"<error/>"
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    serve_in_thread(server)
    try:
        yield state
    finally:
        close(server)


@pytest.fixture
def peppol_settings(settings, pki: as4_pki.AS4TestPKI, test_smp: SmpServer):
    settings.PEPPOL_SMP_URL = test_smp.url
    settings.PEPPOL_SMP_TRUST_ANCHORS = str(pki.ca_pem)
    settings.PEPPOL_AP_TRUST_ANCHORS = str(pki.ca_pem)
    settings.PEPPOL_AP_CERTIFICATE = str(pki.ours.cert_pem)
    settings.PEPPOL_AP_KEY = str(pki.ours.key_pem)
    settings.PEPPOL_CONNECT_TIMEOUT_SECONDS = 5
    settings.PEPPOL_TIMEOUT_SECONDS = 60
    settings.WEBHOOK_ALLOW_HTTP = True  # phase4's receiver and the SMP listen on plain HTTP on loopback
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8"]
    return settings


def send(parcel: delivery.Parcel, participant: str = "") -> delivery.DeliveryOutcome:
    """Through the delivery port, as the pipeline sends: the channel the settings register under "peppol"."""
    return delivery.deliver("peppol", parcel, address=delivery.Address(peppol_participant=participant), attempt=1)


def parcel(document: bytes) -> delivery.Parcel:
    return delivery.Parcel("doc-1", "Snippet1", "Acme", "ubl", document)


def test_invoice_is_delivered_byte_identical_with_a_verified_receipt(
    peppol_settings,
    pki: as4_pki.AS4TestPKI,
    receiver: Receiver,
    invoice: bytes,
    test_smp: SmpServer,
) -> None:
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, receiver.url, pki.peer.certificate, pki.smp))

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert outcome.delivered, outcome.detail
    assert outcome.detail == f"delivered to access point {pki.peer.seat_id}"
    assert outcome.evidence and outcome.reference
    # The kept receipt is phase4's, signed by the peer's certificate, for our message, acknowledging what we signed.
    receipt = parse_peppol_receipt(outcome.evidence, pki.peer.certificate)
    assert receipt.original_message_id == outcome.reference
    assert receipt.success and receipt.error is None
    meta, stored = receiver.message(outcome.reference)
    # The invoice's own bytes travel inside our SBDH: signed, encrypted, compressed and back, not one byte changed.
    assert sbdh.document_body(invoice) in stored
    assert stored.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<StandardBusinessDocument')
    assert meta["sender"] == f"iso6523-actorid-upis::{SELLER_ID}"
    assert meta["receiver"] == f"iso6523-actorid-upis::{RECEIVER_ID}"
    assert meta["document_type"] == f"busdox-docid-qns::{DOCTYPE}"
    assert meta["process"] == f"cenbii-procid-ubl::{PROCESS}"
    assert meta["country_c1"] == "GB"  # the seller's country in the base example
    assert (meta["from_party"], meta["to_party"]) == (pki.ours.seat_id, pki.peer.seat_id)
    assert meta["signing_certificate_subject"].startswith(f"CN={pki.ours.seat_id},")
    assert meta["compression"] == "gzip"
    assert any("/services/" in path for path in test_smp.requests)


def test_participant_missing_in_the_smp_is_final(
    peppol_settings,
    receiver: Receiver,
    invoice: bytes,
    test_smp: SmpServer,
) -> None:
    before = len(receiver.messages())

    outcome = send(parcel(invoice), "0088:7300010000099")

    assert not outcome.delivered and not outcome.retryable
    assert "participant 0088:7300010000099 is not in the SMP" in outcome.detail
    assert len(receiver.messages()) == before


def test_receiver_down_is_retried(
    peppol_settings,
    pki: as4_pki.AS4TestPKI,
    invoice: bytes,
    test_smp: SmpServer,
) -> None:
    down = f"http://127.0.0.1:{free_port()}/as4"  # nothing listens there
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, down, pki.peer.certificate, pki.smp))

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and outcome.retryable
    assert "ConnectionRefusedError" in outcome.detail


def test_access_point_certificate_of_another_ca_is_final(
    peppol_settings,
    receiver: Receiver,
    invoice: bytes,
    test_smp: SmpServer,
    tmp_path: Path,
    pki,
) -> None:
    rogue_ca_key, rogue_ca = as4_pki.make_ca("Rogue Peppol CA")
    _, rogue_cert = as4_pki.issue(rogue_ca_key, rogue_ca, "POP000999", "PEPPOL TEST AP")
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, receiver.url, rogue_cert, pki.smp))
    before = len(receiver.messages())

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and not outcome.retryable
    assert "access point certificate (POP000999) is not trusted" in outcome.detail
    assert "does not chain to a configured anchor" in outcome.detail
    assert len(receiver.messages()) == before, "a message went to an access point whose certificate is not trusted"


def test_smp_answer_signed_by_an_untrusted_certificate_is_final(
    peppol_settings,
    pki: as4_pki.AS4TestPKI,
    receiver: Receiver,
    invoice: bytes,
    test_smp: SmpServer,
    tmp_path: Path,
) -> None:
    rogue_ca_key, rogue_ca = as4_pki.make_ca("Rogue SMP CA")
    key, cert = as4_pki.issue(rogue_ca_key, rogue_ca, "PSG000999", "PEPPOL TEST SMP")
    rogue_smp = as4_pki.write_party(tmp_path, "rogue-smp", "PSG000999", "smp", key, cert, rogue_ca)
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, receiver.url, pki.peer.certificate, rogue_smp))
    before = len(receiver.messages())

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and not outcome.retryable
    assert "SMP's signing certificate is not trusted" in outcome.detail
    assert len(receiver.messages()) == before


def test_ebms_error_from_the_receiver_is_final(
    peppol_settings,
    pki: as4_pki.AS4TestPKI,
    receiver: Receiver,
    invoice: bytes,
    test_smp: SmpServer,
) -> None:
    # A trusted certificate that is not the receiver's: phase4 cannot decrypt what was encrypted to it.
    _, other = as4_pki.issue(pki.ca_key, pki.ca_certificate, pki.peer.seat_id, "PEPPOL TEST AP")
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, receiver.url, other, pki.smp))
    before = len(receiver.messages())

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and not outcome.retryable
    assert "ebMS error EBMS:" in outcome.detail, outcome.detail
    assert len(receiver.messages()) == before


def test_access_point_url_inside_our_network_is_refused(
    peppol_settings, pki: as4_pki.AS4TestPKI, invoice: bytes, test_smp: SmpServer
) -> None:
    # Only the SMP's loopback address is allowed, as a deployment would list its own SMP; the metadata points the
    # access point at the cloud metadata address, which anyone registering in an SMP could write.
    peppol_settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    internal = "http://169.254.169.254/as4"
    test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, internal, pki.peer.certificate, pki.smp))

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and not outcome.retryable
    assert f"the access point URL {internal} is refused" in outcome.detail
    assert "not a public address" in outcome.detail


def test_recipient_without_a_participant_id_is_final(peppol_settings, invoice: bytes, test_smp: SmpServer) -> None:
    outcome = send(parcel(invoice))

    assert not outcome.delivered and not outcome.retryable
    assert outcome.detail == "Peppol: the recipient has no Peppol participant id"
    assert test_smp.requests == []


def test_smp_failing_is_retried(peppol_settings, invoice: bytes, test_smp: SmpServer) -> None:
    test_smp.publish(RECEIVER_ID, 503)

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and outcome.retryable
    assert "the SMP answered HTTP 503" in outcome.detail


def test_silent_access_point_times_out_and_is_retried(
    peppol_settings, pki: as4_pki.AS4TestPKI, invoice: bytes, test_smp: SmpServer
) -> None:
    peppol_settings.PEPPOL_TIMEOUT_SECONDS = 1
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/as4"
        test_smp.publish(RECEIVER_ID, service_metadata(RECEIVER_ID, url, pki.peer.certificate, pki.smp))

        outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and outcome.retryable
    assert outcome.detail.endswith(f"access point {pki.peer.seat_id} at {url}: timed out")


def test_channel_without_its_settings_is_final(settings, invoice: bytes) -> None:
    settings.PEPPOL_SMP_URL = ""

    outcome = send(parcel(invoice), RECEIVER_ID)

    assert not outcome.delivered and not outcome.retryable
    assert "Peppol is not configured: PEPPOL_SMP_URL" in outcome.detail


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")
def test_the_pipeline_delivers_over_peppol_and_keeps_the_signed_receipt(
    peppol_settings,
    pki: as4_pki.AS4TestPKI,
    receiver: Receiver,
    test_smp: SmpServer,
    acme,  # noqa: F811
    nordic,  # noqa: F811
) -> None:
    """A recipient taking delivery over Peppol: the document goes to its access point (found in the SMP), the
    timeline names that access point and our AS4 message id, and phase4's signed receipt is kept with the document."""
    nordic_participant = "0192:987654325"
    test_smp.publish(
        nordic_participant, service_metadata(nordic_participant, receiver.url, pki.peer.certificate, pki.smp)
    )
    partners.set_receive_preferences(nordic.id, format="ubl", channel="peppol", peppol_participant=nordic_participant)
    body = acme.post(document("ubl", number="PEPPOL-J1")).json()
    assert body["status"] == "delivered", body
    timeline = nordic.get(f"/api/v1/documents/{body['id']}").json()["timeline"]
    [delivered] = [event["detail"] for event in timeline if event["kind"] == "delivered"]
    assert delivered["detail"] == f"delivered to access point {pki.peer.seat_id}"
    reference = delivered["reference"]
    sender_view = acme.get(f"/api/v1/documents/{body['id']}").json()["timeline"]
    assert "reference" not in next(e["detail"] for e in sender_view if e["kind"] == "delivered")  # the recipient's
    meta, stored = receiver.message(reference)
    assert meta["receiver"] == f"iso6523-actorid-upis::{nordic_participant}" and b"PEPPOL-J1" in stored
    kept = documents.payload_store().get(body["id"], DELIVERY_EVIDENCE_PAYLOAD)
    assert parse_peppol_receipt(kept, pki.peer.certificate).original_message_id == reference
