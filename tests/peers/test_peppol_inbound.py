"""Our `/as4` endpoint receiving from phase4's Peppol sender, on loopback, under the test PKI of as4_pki.

phase4 (the Java AS4 implementation Peppol access points run) sends a UBL invoice to Django's live server; its
exit code and JSON say whether our signed receipt verified. The invoice must then be a document of the
pipeline, submitted by the organisation standing for phase4's access point and routed by its own endpoint id to
the receiving organisation. The same message sent again (the exact bytes phase4 sent, replayed through a recording
proxy: phase4 makes a new message id per send) gets the same receipt and submits nothing. Refusals: a receiver we
do not serve (PEPPOL:NOT_SERVICED), a sender certificate from another CA (EBMS:0101), a body that is not AS4.

The phase4 harness is built by ops/peers/build-phase4.sh (see test_phase4_harness.py: skipped without Java 17 and
Maven outside CI). The pipeline runs inline (eager tasks) on the embedded database.
"""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import include, path
from lxml import etree

from pagero.documents.models import Document
from pagero.documents.public import payload_store
from pagero.intake import as4_views
from pagero.intake.models import InboundAS4Message
from pagero.partners import public as partners
from pagero.urls import handler500 as handler500
from pagero.urls import urlpatterns as product
from tests.exchange.conftest import (
    eager,  # noqa: F401 - fixture
    receiver,  # noqa: F401 - fixture
    wait_for,
)
from tests.peers import as4_pki
from tests.peers.test_phase4_harness import (  # noqa: F401 - fixtures
    SENDER,
    Sent,
    assert_signed_receipt,
    canonical,
    invoice,
    phase4_jar,
    pki,
    send,
)
from tests.processes import close, serve_in_thread

# The product's URLs with the AS4 endpoint mounted where pagero/urls.py mounts it.
urlpatterns = [path("as4", include("pagero.intake.as4_urls")), *product]

EB_NS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
RECEIVER = "0192:987654325"  # the harness's default receiver id has a wrong GLN check digit: our directory refuses it
SCHEME, VALUE = RECEIVER.split(":")


def serve_as4(settings, pki: as4_pki.AS4TestPKI, live_server) -> str:  # noqa: F811
    """`/as4` on the live server, with our access point's credentials from the test PKI."""
    settings.ROOT_URLCONF = __name__
    settings.PEPPOL_AP_CERTIFICATE = str(pki.ours.cert_pem)
    settings.PEPPOL_AP_KEY = str(pki.ours.key_pem)
    settings.PEPPOL_AP_TRUST_ANCHORS = str(pki.ca_pem)
    as4_views._access_point.cache_clear()
    return f"{live_server.url}/as4"


@pytest.fixture
def endpoint(settings, pki: as4_pki.AS4TestPKI, eager, transactional_db, live_server) -> str:  # noqa: F811
    return serve_as4(settings, pki, live_server)


@pytest.fixture
def recipient(transactional_db) -> partners.OrganisationRef:
    """The receiving organisation: it holds the SBDH receiver's id, which is also the invoice's buyer endpoint."""
    org = partners.ensure_organisation("Nordic Buyer AB", "nordic-buyer")
    partners.add_identifier(org.id, SCHEME, VALUE, verified=True)
    return org


@pytest.fixture
def addressed_invoice(invoice: bytes, tmp_path: Path) -> Path:  # noqa: F811
    """The Peppol BIS base example with its buyer's endpoint id set to the SBDH receiver: the document routes itself."""
    root = etree.fromstring(invoice, etree.XMLParser(resolve_entities=False, no_network=True))
    endpoint_id = root.find(f"{{{UBL_CAC}}}AccountingCustomerParty/{{{UBL_CAC}}}Party/{{{UBL_CBC}}}EndpointID")
    assert endpoint_id is not None
    endpoint_id.text, endpoint_id.attrib["schemeID"] = VALUE, SCHEME
    target = tmp_path / "invoice.xml"
    target.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return target


class RecordingProxy:
    """Forwards each POST to the endpoint unchanged and keeps what was sent, so that it can be sent again."""

    def __init__(self, target: str) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.target = target
        parsed = urllib.parse.urlsplit(target)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {"Content-Type": self.headers.get("Content-Type", "")}
                proxy.requests.append((headers, body))
                status, answer_headers, answer = post(parsed.netloc, parsed.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Type", answer_headers.get("Content-Type", "application/octet-stream"))
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/as4"
        serve_in_thread(self.server)

    def stop(self) -> None:
        close(self.server)


def post(netloc: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(netloc, timeout=60)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture
def proxy(endpoint: str) -> Iterator[RecordingProxy]:
    recorder = RecordingProxy(endpoint)
    yield recorder
    recorder.stop()


def send_invoice(jar: str, url: str, pki: as4_pki.AS4TestPKI, payload: Path, work: Path, **kwargs) -> Sent:  # noqa: F811
    keystore = kwargs.pop("keystore", pki.peer.keystore)
    receiver_id = kwargs.pop("receiver", RECEIVER)
    # A later --receiver overrides the harness's default one.
    extra = ("--receiver", receiver_id)
    return send(jar, url, keystore, pki.truststore, pki.ours.cert_pem, work, payload=payload, extra=extra, **kwargs)


def error_of(signal: bytes | None) -> tuple[str, str]:
    """The ebMS error code and detail of a signal."""
    assert signal, "no signal came back"
    envelope = etree.fromstring(signal, etree.XMLParser(resolve_entities=False, no_network=True))
    error = envelope.find(f".//{{{EB_NS}}}SignalMessage/{{{EB_NS}}}Error")
    assert error is not None, signal[:2000]
    return error.get("errorCode", ""), (error.findtext(f"{{{EB_NS}}}ErrorDetail") or "").strip()


def test_phase4_delivers_an_invoice_that_is_routed_and_a_resend_submits_nothing(
    phase4_jar: str,  # noqa: F811
    pki: as4_pki.AS4TestPKI,  # noqa: F811
    proxy: RecordingProxy,
    recipient: partners.OrganisationRef,
    addressed_invoice: Path,
    tmp_path: Path,
) -> None:
    sent = send_invoice(phase4_jar, proxy.url, pki, addressed_invoice, tmp_path)

    # phase4 verified our receipt: signed by our AP certificate, over what it signed.
    assert sent.outcome["result"] == "success", sent.log[-3000:]
    assert sent.returncode == 0
    assert sent.outcome["receipt"] is True and sent.outcome["errors"] is None
    message_id = str(sent.outcome["message_id"])
    assert sent.outcome["receipt_ref_to_message_id"] == message_id
    assert_signed_receipt(sent.receipt, message_id)

    stored = InboundAS4Message.objects.get()
    assert (stored.message_id, stored.sending_ap) == (message_id, pki.peer.seat_id)
    assert (stored.sender, stored.receiver) == (SENDER, RECEIVER)
    document = wait_for(stored.document_id)
    sending_ap = partners.get_organisation(document.sender_id)
    assert sending_ap.name == f"Peppol access point {pki.peer.seat_id}"
    assert document.recipient_id == recipient.id, document.status_reason
    kept = payload_store().get(str(document.id), "original")
    assert canonical(kept) == canonical(addressed_invoice.read_bytes())

    # The same message again, byte for byte: the kept receipt, nothing submitted.
    headers, body = proxy.requests[0]
    target = urllib.parse.urlsplit(proxy.target)
    status, _, answer = post(target.netloc, target.path, headers, body)
    assert status == 200
    assert answer == bytes(stored.receipt) == sent.receipt
    assert Document.objects.count() == 1
    stored.refresh_from_db()
    assert stored.duplicates == 1


def test_a_receiver_we_do_not_serve_gets_peppol_not_serviced(
    phase4_jar: str,  # noqa: F811
    pki: as4_pki.AS4TestPKI,  # noqa: F811
    endpoint: str,
    recipient: partners.OrganisationRef,
    addressed_invoice: Path,
    tmp_path: Path,
) -> None:
    sent = send_invoice(phase4_jar, endpoint, pki, addressed_invoice, tmp_path, receiver="0192:810034882")

    assert sent.outcome["result"] != "success" and sent.returncode != 0
    assert sent.outcome["receipt"] is not True
    assert error_of(sent.receipt) == ("EBMS:0004", "PEPPOL:NOT_SERVICED")
    assert sent.outcome["errors"] == "PEPPOL:NOT_SERVICED", sent.log[-4000:]
    assert InboundAS4Message.objects.count() == 0
    assert Document.objects.count() == 0


def test_a_sender_certificate_of_another_ca_is_refused(
    phase4_jar: str,  # noqa: F811
    pki: as4_pki.AS4TestPKI,  # noqa: F811
    endpoint: str,
    recipient: partners.OrganisationRef,
    addressed_invoice: Path,
    tmp_path: Path,
) -> None:
    rogue_ca_key, rogue_ca = as4_pki.make_ca("Rogue Peppol CA")
    key, certificate = as4_pki.issue(rogue_ca_key, rogue_ca, pki.peer.seat_id, "PEPPOL TEST AP")
    rogue = as4_pki.write_party(tmp_path, "rogue", pki.peer.seat_id, "ap", key, certificate, rogue_ca)

    sent = send_invoice(phase4_jar, endpoint, pki, addressed_invoice, tmp_path, keystore=rogue.keystore)

    assert sent.outcome["result"] != "success" and sent.returncode != 0
    assert error_of(sent.receipt)[0] == "EBMS:0101"
    assert sent.outcome["errors"] == error_of(sent.receipt)[1], sent.log[-3000:]  # phase4 read our error signal
    assert InboundAS4Message.objects.count() == 0
    assert Document.objects.count() == 0


def test_a_body_that_is_not_as4_gets_an_ebms_error(endpoint: str) -> None:
    parsed = urllib.parse.urlsplit(endpoint)
    for content_type, body in (
        ("application/soap+xml", b"<not-soap/>"),
        ('multipart/related; boundary="x"', b"--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"),
        ("application/octet-stream", bytes(range(256)) * 4),
    ):
        status, headers, answer = post(parsed.netloc, parsed.path, {"Content-Type": content_type}, body)
        assert status == 400, answer[:500]
        assert headers["Content-Type"].startswith("application/soap+xml")
        assert error_of(answer)[0].startswith("EBMS:")
    assert Document.objects.count() == 0


@pytest.fixture
def endpoint_on_workers(settings, pki: as4_pki.AS4TestPKI, celery_worker, transactional_db, live_server) -> str:  # noqa: F811
    """`/as4` on the live server with the pipeline on real Celery workers (RabbitMQ, PostgreSQL, Cassandra)."""
    return serve_as4(settings, pki, live_server)


def test_on_the_real_services_a_phase4_invoice_reaches_a_webhook_recipient_as_cii(
    phase4_jar: str,  # noqa: F811
    pki: as4_pki.AS4TestPKI,  # noqa: F811
    endpoint_on_workers: str,
    recipient: partners.OrganisationRef,
    addressed_invoice: Path,
    receiver,  # noqa: F811
    tmp_path: Path,
) -> None:
    """phase4 sends a UBL invoice over AS4; the workers validate, route, convert it to CII and deliver it by the
    recipient's signed webhook."""
    hook = receiver()
    partners.set_receive_preferences(
        recipient.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="as4-hook"
    )
    sent = send_invoice(phase4_jar, endpoint_on_workers, pki, addressed_invoice, tmp_path)
    assert sent.outcome["result"] == "success", sent.log[-3000:]
    done = wait_for(InboundAS4Message.objects.get().document_id)
    assert done.status == "delivered", done.status_reason
    assert done.recipient_id == recipient.id and done.target_format == "cii"
    [request] = hook.requests
    assert b"CrossIndustryInvoice" in request["body"]
    assert request["headers"]["X-Document-Id"] == str(done.id)
