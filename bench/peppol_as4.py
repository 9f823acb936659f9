"""Peppol AS4 on loopback: documents per second our `peppol` channel delivers to phase4's receiver, and how long one
delivery takes (SMP lookup, SBD, signing, encryption, compression, HTTP, phase4's processing, receipt verification).

Needs Java 17 and Maven (the phase4 harness is built by ops/peers/build-phase4.sh) and the shared corpus (the Peppol
BIS base example). No database: the channel is called through the delivery port, as the pipeline's deliver step
calls it.

    .venv/bin/python bench/peppol_as4.py [--documents 200] [--threads 1 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, free_port, summary_ms


def start_receiver(jar: str, pki, folder: Path) -> tuple[subprocess.Popen[str], str]:
    from tests.peers.test_phase4_harness import JAVA

    command = [
        *JAVA, jar, "receive", "--port", str(free_port()), "--out", str(folder / "inbox"),
        "--keystore", str(pki.peer.keystore), "--truststore", str(pki.truststore), "--password", pki.password,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=(folder / "receiver.log").open("w"), text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"the phase4 receiver did not start: {(folder / 'receiver.log').read_text()[-2000:]}")
    return process, json.loads(line)["url"]


def start_smp(metadata: dict[str, bytes]) -> str:
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = metadata.get(self.path)
            self.send_response(200 if answer else 404)
            body = answer or b"<error/>"
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from urllib.parse import urlsplit

    from tests.peers import as4_pki
    from tests.peers.test_phase4_harness import CORPUS, INVOICE

    jar = subprocess.run(
        [str(ROOT / "ops/peers/build-phase4.sh")], capture_output=True, text=True, check=True
    ).stdout.strip().splitlines()[-1]
    folder = Path(tempfile.mkdtemp(prefix="bench-as4-"))
    pki = as4_pki.generate(folder / "pki")
    receiver, receiver_url = start_receiver(jar, pki, folder)
    metadata: dict[str, bytes] = {}
    smp_url = start_smp(metadata)
    # The embedded default's settings, pointed at the test PKI, the SMP and the receiver on loopback.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CASSANDRA_HOSTS"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="pagero.settings",
        PEPPOL_SMP_URL=smp_url,
        PEPPOL_SMP_TRUST_ANCHORS=str(pki.ca_pem),
        PEPPOL_AP_TRUST_ANCHORS=str(pki.ca_pem),
        PEPPOL_AP_CERTIFICATE=str(pki.ours.cert_pem),
        PEPPOL_AP_KEY=str(pki.ours.key_pem),
        WEBHOOK_ALLOW_HTTP="1",
        WEBHOOK_ALLOWED_HOSTS="127.0.0.0/8",
        LOG_LEVEL="WARNING",  # one line per delivery otherwise
    )
    import django

    django.setup()
    from pagero.delivery import public as delivery
    from pagero.delivery.as4 import smp
    from tests.peers.test_peppol_outbound import DOCTYPE, RECEIVER_ID, service_metadata

    path = urlsplit(smp.metadata_url(smp_url, RECEIVER_ID, DOCTYPE)).path
    metadata[path] = service_metadata(RECEIVER_ID, receiver_url, pki.peer.certificate, pki.smp)
    invoice = (CORPUS / INVOICE).read_bytes()
    address = delivery.Address(peppol_participant=RECEIVER_ID)

    def deliver_one(n: int) -> float:
        parcel = delivery.Parcel(f"bench-{n}", f"BENCH-{n}", "Acme", "ubl", invoice)
        started = time.perf_counter()
        outcome = delivery.deliver("peppol", parcel, address=address, attempt=1)
        if not outcome.delivered:
            raise SystemExit(f"delivery {n} failed: {outcome.detail}")
        return time.perf_counter() - started

    try:
        for _ in range(10):  # warm-up: both JVM and Python paths compiled, connections made
            deliver_one(0)
        print(f"Peppol AS4 to phase4 on loopback, {len(invoice)} bytes per invoice, {args.documents} per run")
        for threads in args.threads:
            started = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                samples = list(pool.map(deliver_one, range(args.documents)))
            elapsed = time.perf_counter() - started
            print(f"  {threads} sending thread(s): {args.documents / elapsed:6.1f} documents/s, {summary_ms(samples)}")
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)


if __name__ == "__main__":
    main()
