"""The phase4 peer harness, phase4 to phase4 on loopback, under the test PKI of as4_pki.

This proves the harness and the PKI before our own AS4 code uses them: a phase4 Peppol sender delivers a UBL
invoice to the phase4 receiver, which stores what arrived and answers with a signed receipt. The negative cases
pin down what the trust settings do: the receiver refuses a sender certificate from another CA, and phase4's
default Peppol trust (the OpenPeppol CAs) refuses the test CA, which is why the harness is told to trust it.

The harness (tests/peers/phase4, Java) is built by ops/peers/build-phase4.sh into .services/peers/phase4/. In CI a
failing build fails these tests; elsewhere a machine without Java 17 or Maven skips them and says why.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from tests.peers import as4_pki
from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "ops" / "peers" / "build-phase4.sh"
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT / "shared" / "corpus") if p.is_dir()), None)
INVOICE = "peppol-bis-billing-3/rules/examples/base-example.xml"
BUILD_TIMEOUT = 1800  # a cold build downloads about 50 MB from Maven Central
READY_TIMEOUT = 120
SEND_TIMEOUT = 180
JAVA = ["java", "-Xmx384m", "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-jar"]

SENDER = "0088:7300010000001"
RECEIVER = "0088:7300010000002"
DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
EB_NS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(scope="module")
def phase4_jar() -> str:
    if not (shutil.which("java") and shutil.which("mvn")) and os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("Java 17 and Maven are missing and cannot be installed (not root)")
        pytest.skip("Java 17 and Maven are not installed (ops/peers/build-phase4.sh installs them as root)")
    try:
        done = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{BUILD_SCRIPT.name} did not finish within {BUILD_TIMEOUT}s")
    if done.returncode != 0:
        # Java and Maven are there: a failing build is a broken harness, never a reason to skip.
        pytest.fail(f"{BUILD_SCRIPT.name} failed:\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> as4_pki.AS4TestPKI:
    return as4_pki.generate(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def invoice() -> bytes:
    if CORPUS is None or not (CORPUS / INVOICE).is_file():
        pytest.skip(f"the shared corpus with {INVOICE} is not here")
    return (CORPUS / INVOICE).read_bytes()


@dataclass
class Receiver:
    url: str
    inbox: Path
    process: subprocess.Popen[str]
    log: Path

    def messages(self) -> list[dict[str, str]]:
        return [json.loads(p.read_text()) for p in sorted(self.inbox.glob("*.json"))]

    def message(self, as4_message_id: str) -> tuple[dict[str, str], bytes]:
        """Metadata and the SBD as received, of one message."""
        for path in self.inbox.glob("*.json"):
            meta = json.loads(path.read_text())
            if meta["as4_message_id"] == as4_message_id:
                stem = path.name.removesuffix(".json")
                return meta, (self.inbox / f"{stem}.sbd.xml").read_bytes()
        raise AssertionError(f"{as4_message_id} was not stored; receiver log:\n{self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def receiver(phase4_jar: str, pki: as4_pki.AS4TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    """The phase4 receiver with the peer's key, trusting the test CA."""
    folder = tmp_path_factory.mktemp("phase4-receiver")
    inbox, log = folder / "inbox", folder / "receiver.log"
    command = [
        *JAVA, phase4_jar, "receive", "--port", str(free_port()), "--out", str(inbox),
        "--keystore", str(pki.peer.keystore), "--truststore", str(pki.truststore), "--password", pki.password,
    ]  # fmt: skip
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT
        ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line or time.monotonic() > deadline:
            pytest.fail(f"the phase4 receiver did not start within {READY_TIMEOUT}s:\n{log.read_text()[-3000:]}")
        yield Receiver(json.loads(line)["url"], inbox, process, log)
    finally:
        stop(process)


@dataclass
class Sent:
    outcome: dict[str, object]
    returncode: int
    log: str
    receipt: bytes | None


def send(
    jar: str,
    url: str,
    sender_keystore: Path,
    truststore: Path,
    receiver_cert: Path,
    work: Path,
    *,
    payload: Path | None = None,
    sbd: Path | None = None,
    extra: tuple[str, ...] = (),
    password: str = as4_pki.PASSWORD,
) -> Sent:
    receipt = work / f"receipt-{time.monotonic_ns()}.xml"
    document = ["--payload", str(payload)] if payload else ["--sbd", str(sbd)]
    command = [
        *JAVA, jar, "send", "--url", url, *document,
        "--sender", SENDER, "--receiver", RECEIVER, "--doctype", DOCTYPE, "--process", PROCESS,
        "--keystore", str(sender_keystore), "--truststore", str(truststore), "--password", password,
        "--receiver-cert", str(receiver_cert), "--receipt-out", str(receipt), *extra,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=SEND_TIMEOUT)
    lines = done.stdout.strip().splitlines()
    assert lines, f"the phase4 sender printed no outcome (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return Sent(json.loads(lines[-1]), done.returncode, done.stderr, receipt.read_bytes() if receipt.exists() else None)


def canonical(xml: bytes) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n2")


def assert_signed_receipt(receipt: bytes | None, message_id: str) -> None:
    """A SOAP envelope with an ebMS receipt for `message_id`, signed (WS-Security XML signature)."""
    assert receipt, "no receipt was kept"
    envelope = etree.fromstring(receipt, etree.XMLParser(resolve_entities=False, no_network=True))
    assert envelope.find(f".//{{{EB_NS}}}SignalMessage/{{{EB_NS}}}Receipt") is not None
    assert envelope.findtext(f".//{{{EB_NS}}}RefToMessageId") == message_id
    signature = envelope.find(f".//{{{DS_NS}}}Signature")
    assert signature is not None, "the receipt is not signed"
    assert signature.find(f".//{{{DS_NS}}}SignatureValue").text.strip()


def test_invoice_arrives_with_its_sbdh_and_a_signed_receipt(
    phase4_jar: str, pki: as4_pki.AS4TestPKI, receiver: Receiver, invoice: bytes, tmp_path: Path
) -> None:
    payload = tmp_path / "invoice.xml"
    payload.write_bytes(invoice)

    sent = send(
        phase4_jar, receiver.url, pki.ours.keystore, pki.truststore, pki.peer.cert_pem, tmp_path, payload=payload
    )

    assert sent.outcome["result"] == "success", sent.log[-3000:]
    assert sent.returncode == 0
    assert sent.outcome["receiver_certificate_check"] == "valid"
    assert sent.outcome["receipt"] is True
    assert sent.outcome["receipt_ref_to_message_id"] == sent.outcome["message_id"]
    assert_signed_receipt(sent.receipt, str(sent.outcome["message_id"]))

    meta, sbd = receiver.message(str(sent.outcome["message_id"]))
    assert meta["sender"] == f"iso6523-actorid-upis::{SENDER}"
    assert meta["receiver"] == f"iso6523-actorid-upis::{RECEIVER}"
    assert meta["document_type"] == f"busdox-docid-qns::{DOCTYPE}"
    assert meta["process"] == f"cenbii-procid-ubl::{PROCESS}"
    assert meta["country_c1"] == "SE"
    # Peppol AS4: C2 and C3 are named by their certificates' CNs; the payload travels gzip-compressed.
    assert (meta["from_party"], meta["to_party"]) == (pki.ours.seat_id, pki.peer.seat_id)
    assert meta["signing_certificate_subject"].startswith(f"CN={pki.ours.seat_id},")
    assert meta["compression"] == "gzip"
    # phase4 wrote the SBDH around the invoice it parsed: the invoice is the same XML, not the same bytes.
    root = etree.fromstring(sbd, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == f"{{{SBDH_NS}}}StandardBusinessDocument"
    assert canonical(etree.tostring(root[1])) == canonical(invoice)


def sbd_around(invoice: bytes, instance_id: str) -> bytes:
    """A Peppol SBD with the invoice's own bytes inside (its XML declaration dropped), as our channel will send."""
    body = invoice.split(b"?>", 1)[1].lstrip() if invoice.startswith(b"<?xml") else invoice
    header = f"""<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="{SBDH_NS}">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">{SENDER}</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">{RECEIVER}</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>{instance_id}</InstanceIdentifier>
      <Type>Invoice</Type>
      <CreationDateAndTime>2026-01-01T12:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{DOCTYPE}</InstanceIdentifier>
        <Identifier>busdox-docid-qns</Identifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>{PROCESS}</InstanceIdentifier>
        <Identifier>cenbii-procid-ubl</Identifier></Scope>
      <Scope><Type>COUNTRY_C1</Type><InstanceIdentifier>SE</InstanceIdentifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
"""
    return header.encode() + body + b"\n</StandardBusinessDocument>\n"


def test_ready_sbd_arrives_byte_identical(
    phase4_jar: str, pki: as4_pki.AS4TestPKI, receiver: Receiver, invoice: bytes, tmp_path: Path
) -> None:
    document = sbd_around(invoice, "a1b2c3d4-0000-4000-8000-000000000001")
    sbd = tmp_path / "sbd.xml"
    sbd.write_bytes(document)

    sent = send(phase4_jar, receiver.url, pki.ours.keystore, pki.truststore, pki.peer.cert_pem, tmp_path, sbd=sbd)

    assert sent.outcome["result"] == "success", sent.log[-3000:]
    assert_signed_receipt(sent.receipt, str(sent.outcome["message_id"]))
    meta, received = receiver.message(str(sent.outcome["message_id"]))
    assert received == document  # signed, encrypted, compressed and back: not one byte changed
    assert meta["instance_identifier"] == "a1b2c3d4-0000-4000-8000-000000000001"
    assert meta["document_type"] == f"busdox-docid-qns::{DOCTYPE}"


def test_receiver_refuses_a_sender_certificate_of_another_ca(
    phase4_jar: str, pki: as4_pki.AS4TestPKI, receiver: Receiver, invoice: bytes, tmp_path: Path
) -> None:
    # Same seat-id shape, but issued by a CA the receiver does not trust.
    rogue_ca_key, rogue_ca = as4_pki.make_ca("Rogue Peppol CA")
    key, cert = as4_pki.issue(rogue_ca_key, rogue_ca, "POP000999", "PEPPOL TEST AP")
    rogue = as4_pki.write_party(tmp_path, "rogue", "POP000999", "ap", key, cert, rogue_ca)
    # The rogue sender itself trusts the real CA, so that it gets as far as sending.
    trust = as4_pki.write_truststore(tmp_path / "rogue-trust.p12", [pki.ca_certificate, rogue_ca])
    payload = tmp_path / "invoice.xml"
    payload.write_bytes(invoice)
    before = len(receiver.messages())

    sent = send(phase4_jar, receiver.url, rogue.keystore, trust, pki.peer.cert_pem, tmp_path, payload=payload)

    assert sent.outcome["result"] != "success"
    assert sent.returncode != 0
    assert sent.outcome["receipt"] is False
    assert len(receiver.messages()) == before, "the receiver stored a message signed under an untrusted CA"


def test_phase4_default_peppol_trust_refuses_the_test_ca(
    phase4_jar: str, pki: as4_pki.AS4TestPKI, receiver: Receiver, invoice: bytes, tmp_path: Path
) -> None:
    """Without the harness's trust settings phase4 accepts only OpenPeppol AP certificates, and says so."""
    payload = tmp_path / "invoice.xml"
    payload.write_bytes(invoice)
    before = len(receiver.messages())

    sent = send(
        phase4_jar, receiver.url, pki.ours.keystore, pki.truststore, pki.peer.cert_pem, tmp_path,
        payload=payload, extra=("--ap-ca", "openpeppol"),
    )  # fmt: skip

    assert sent.outcome["result"] == "transport-error-no-retry"
    assert sent.outcome["receiver_certificate_check"] == "unsupportedissuer"
    assert "is not in the list of trusted issuers" in sent.log
    assert len(receiver.messages()) == before
