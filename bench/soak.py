"""Soak run of the exchange on this machine's real services, with faults.

Starts gunicorn (the API on a free loopback port), two Celery worker processes on RabbitMQ queues of
their own, and a signed-webhook receiver on loopback; seeds organisations in a database of its own
(`pagero_soak`, dropped and migrated at start); then for `--minutes` concurrent clients submit a mix of
valid invoices (UBL and CII, routed to webhook recipients), invoices failing EN 16931 rules, hostile
input and unroutable invoices, while a worker is SIGKILLed and restarted every `--kill-every` seconds
and RabbitMQ is restarted once half-way (`--no-broker-restart` to skip). Then it stops submitting,
waits until no document is in flight (running the sweeper when nothing moves), prints what happened
and exits 1 if a promise of the product was broken. docs/soak.md explains the figures.

    python bench/soak.py [--minutes 5] [--clients 8] [--kill-every 45] [--no-broker-restart] [--cassandra]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _setup import ROOT, free_port, percentile, setup_django

NAME = "pagero_soak"
QUEUE = "pagero-soak"
# The RabbitMQ node ops/services.sh starts, and the folder holding its Erlang cookie.
RABBIT_NODE = "pagero@localhost"
RABBIT_HOME = Path(os.environ.get("SERVICES_DIR", ROOT / ".services")) / "rabbitmq"
RABBITMQCTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"

# The largest document the API accepts during the soak: small, so that oversized bodies stay cheap to send.
MAX_DOCUMENT_BYTES = 1024 * 1024
# Short delivery backoff so that a retried delivery ends within the drain.
DELIVERY_RETRY_BASE_SECONDS = 2
DELIVERY_MAX_ATTEMPTS = 5
SWEEP_AFTER_SECONDS = 20
IN_FLIGHT = ("received", "validated", "routed", "converted")
DELIVERED = {"delivered", "acknowledged"}
EXPECTED = {"valid": DELIVERED, "invalid": {"rejected"}, "hostile": {"rejected"}, "unroutable": {"undeliverable"}}
# Share of each kind in the submitted mix.
MIX = {"valid": 55, "invalid": 15, "hostile": 20, "unroutable": 10}
HOSTILE = (
    "malformed_xml",
    "deep_nesting",
    "huge_number",
    "nan_amount",
    "edifact_uno_length",
    "oversized",
    "oversized_far",
    "garbage_bytes",
)
CLIENT_TIMEOUT = 60.0
CONNECT_TRIES = 5


# -- organisations and bodies ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    slug: str
    name: str
    endpoint: tuple[str, str]
    format: str
    secret: str


RECIPIENTS = (
    Recipient("soak-nordic", "Soak Nordic Retail AS", ("0192", "987654325"), "cii", "nordic-soak-secret"),
    Recipient("soak-baltic", "Soak Baltic Trade OU", ("0088", "7300010000001"), "ubl", "baltic-soak-secret"),
    Recipient("soak-alpine", "Soak Alpine Handel AG", ("0088", "7080000000005"), "edifact", "alpine-soak-secret"),
)
SLUG_OF = {r.format: r.slug for r in RECIPIENTS}
SENDERS = (
    ("soak-acme", "Soak Acme Supplies AB", ("0007", "5567321707")),
    ("soak-delta", "Soak Delta Parts BV", ("0106", "12345678")),
)
PLACEHOLDER = "SOAKNUMBER"


def seed(receiver_url: str) -> list[str]:
    """Sender and recipient organisations; recipients take webhooks on the receiver. Returns senders' tokens."""
    from pagero.partners import public as partners

    tokens = []
    # Seeded by the operator, so verified at once: an identifier claim routes nothing until it is verified.
    for slug, name, (scheme, value) in SENDERS:
        org = partners.ensure_organisation(name, slug)
        partners.add_identifier(org.id, scheme, value, verified=True)
        tokens.append(partners.issue_api_token(org.id, "soak").plain)
    for recipient in RECIPIENTS:
        org = partners.ensure_organisation(recipient.name, recipient.slug)
        partners.add_identifier(org.id, *recipient.endpoint, verified=True)
        partners.set_receive_preferences(
            org.id,
            format=recipient.format,
            channel="webhook",
            webhook_url=f"{receiver_url}/{recipient.slug}",
            webhook_secret=recipient.secret,
        )
    return tokens


class Bodies:
    """Documents of each kind, from templates built once (the client threads only substitute a number)."""

    def __init__(self) -> None:
        from tests.exchange.factory import document

        self.valid = {
            (syntax, r.slug): document(syntax, number=PLACEHOLDER, buyer_endpoint=r.endpoint, buyer_vat=None)
            for syntax in ("ubl", "cii")
            for r in RECIPIENTS
        }
        self.unroutable = {
            syntax: document(syntax, number=PLACEHOLDER, buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
            for syntax in ("ubl", "cii")
        }
        self.edifact = document("edifact", number=PLACEHOLDER)
        self.payable = {"ubl": b'<cbc:PayableAmount currencyID="EUR">250.00<', "cii": b"<ram:DuePayableAmount>250.00<"}

    def amount(self, syntax: str, number: str, value: bytes) -> bytes:
        """A routable invoice whose amount due is `value` (the other totals stay as they were)."""
        data = self.valid[(syntax, RECIPIENTS[0].slug)].replace(PLACEHOLDER.encode(), number.encode())
        old = self.payable[syntax]
        assert old in data, syntax
        return data.replace(old, old.replace(b"250.00", value))

    def make(self, kind: str, number: str, rng: random.Random) -> tuple[str, bytes, str]:
        """(variant, body, content type) of a document of this kind."""
        syntax = rng.choice(("ubl", "cii"))
        if kind == "valid":
            recipient = rng.choice(RECIPIENTS)
            data = self.valid[(syntax, recipient.slug)]
            body = data.replace(PLACEHOLDER.encode(), number.encode())
            return f"{syntax}->{recipient.format}", body, "application/xml"
        if kind == "unroutable":
            return syntax, self.unroutable[syntax].replace(PLACEHOLDER.encode(), number.encode()), "application/xml"
        if kind == "invalid":  # BR-CO-16: the amount due does not follow from the totals
            return f"{syntax}-br-co-16", self.amount(syntax, number, b"999.00"), "application/xml"
        variant = rng.choice(HOSTILE)
        return (
            variant,
            self.hostile(variant, syntax, number, rng),
            ("application/edifact" if variant == "edifact_uno_length" else "application/xml"),
        )

    def hostile(self, variant: str, syntax: str, number: str, rng: random.Random) -> bytes:
        valid = self.valid[(syntax, RECIPIENTS[0].slug)].replace(PLACEHOLDER.encode(), number.encode())
        if variant == "malformed_xml":
            return valid[: rng.randrange(len(valid) // 3, len(valid) - 20)]  # cut in the middle of an element
        if variant == "deep_nesting":
            depth = rng.choice((300, 5000, 100_000))
            return valid.replace(b"</Invoice>", b"<x>" * depth + b"</x>" * depth + b"</Invoice>").replace(
                b"</rsm:CrossIndustryInvoice>", b"<x>" * depth + b"</x>" * depth + b"</rsm:CrossIndustryInvoice>"
            )
        if variant == "huge_number":
            return self.amount(syntax, number, rng.choice((b"9" * 400 + b".00", b"1E+999999", b"1" + b"0" * 30)))
        if variant == "nan_amount":
            return self.amount(syntax, number, rng.choice((b"NaN", b"Infinity", b"-sNaN", b"+inf")))
        if variant == "edifact_uno_length":
            # A package object whose declared length is negative, beyond the end, or not a number.
            edifact = self.edifact.replace(PLACEHOLDER.encode(), number.encode())
            length = rng.choice((b"-40", b"-1", b"99999999999", b"4x"))
            end = edifact.rfind(b"UNZ+")
            package = b"UNO+P1+1:REF+13:application/pdf:a.pdf+" + length + b"'abcUNP+3+P1'\n"
            return edifact[:end] + package + edifact[end:]
        if variant == "oversized":
            return valid.replace(b"PO-77", b"P" * (MAX_DOCUMENT_BYTES + 10))
        if variant == "oversized_far":  # beyond the request-size limit too
            return valid.replace(b"PO-77", b"P" * (MAX_DOCUMENT_BYTES + 3 * 1024 * 1024))
        return os.urandom(rng.randrange(1, 4096))  # garbage_bytes


# -- the webhook receiver ----------------------------------------------------------------------------------
@dataclass
class Delivery:
    received: float
    answered: float
    slug: str
    attempt: str
    format: str  # what the body is: ubl, cii, edifact or unknown


def body_format(body: bytes) -> str:
    head = body[:2048]
    if b"CrossIndustryInvoice" in head:
        return "cii"
    if b"<Invoice" in head or b":Invoice" in head or b"<CreditNote" in head:
        return "ubl"
    if head.lstrip().startswith((b"UNA", b"UNB")):
        return "edifact"
    return "unknown"


class Receiver:
    """A real HTTP server on loopback: checks the HMAC signature, records each delivery by X-Document-Id."""

    def __init__(self) -> None:
        self.secrets = {r.slug: r.secret.encode() for r in RECIPIENTS}
        self.deliveries: dict[str, list[Delivery]] = defaultdict(list)
        self.bad_signatures: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received = time.time()
                slug = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 64 * 1024 * 1024))
                secret = receiver.secrets.get(slug)
                expected = "sha256=" + hmac.new(secret or b"", body, hashlib.sha256).hexdigest()
                ok = secret is not None and hmac.compare_digest(expected, self.headers.get("X-Signature", ""))
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                document_id = self.headers.get("X-Document-Id", "")
                with receiver.lock:
                    if ok:
                        receiver.deliveries[document_id].append(
                            Delivery(
                                received,
                                time.time(),
                                slug,
                                self.headers.get("X-Delivery-Attempt", ""),
                                body_format(body),
                            )
                        )
                    else:
                        receiver.bad_signatures.append((document_id, slug))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- processes ---------------------------------------------------------------------------------------------
class Stack:
    """gunicorn and two Celery workers, each in its own process group; everything is killed on close()."""

    def __init__(self, env: dict[str, str], logs: Path, web_workers: int) -> None:
        self.env, self.logs = env, logs
        self.port = free_port()
        self.web_workers = web_workers
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen | None] = [None, None]
        self.generation = 0

    def spawn(self, argv: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.logs / log_name, "ab")
        try:
            return subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()

    def start(self) -> None:
        self.web = self.spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "pagero.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            "gunicorn.log",
        )
        for slot in range(len(self.workers)):
            self.start_worker(slot)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                connection.close()
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.web.returncode}; see {self.logs / 'gunicorn.log'}")
            time.sleep(0.3)
        else:
            raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.logs / 'gunicorn.log'}")
        self.wait_workers()

    def start_worker(self, slot: int) -> None:
        from pagero.celery import worker_command

        self.generation += 1
        self.workers[slot] = self.spawn(
            worker_command(f"{QUEUE},{QUEUE}-shadow", 1, name=f"soak-{slot}-{self.generation}@%h", log_level="info"),
            f"worker-{slot}.log",
        )

    def wait_workers(self, timeout: float = 90.0) -> None:
        """Until a worker answers a ping over the broker (both share one queue)."""
        from celery.exceptions import TimeoutError as ResultTimeout

        from pagero.celery import ping

        deadline = time.monotonic() + timeout
        result = ping.apply_async(args=["ready"], queue=QUEUE)
        while time.monotonic() < deadline:
            try:
                result.get(timeout=1)
                return
            except ResultTimeout:
                continue
        raise RuntimeError(f"no Celery worker answered within {timeout} s; see {self.logs}/worker-*.log")

    def kill_worker(self, slot: int) -> int:
        """SIGKILL the worker's whole process group (parent and pool child); returns the parent's pid."""
        process = self.workers[slot]
        assert process is not None
        kill_group(process, signal.SIGKILL)
        self.workers[slot] = None
        return process.pid

    def close(self) -> None:
        for process in [self.web, *self.workers]:
            if process is not None:
                kill_group(process, signal.SIGTERM)
        self.web, self.workers = None, [None, None]


def kill_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the process group (the pool children too) and reap the leader; SIGKILL after 20 s."""
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except ProcessLookupError:
        process.wait(timeout=10)  # the whole group is gone already
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def rabbitmqctl(*args: str) -> None:
    env = {**os.environ, "HOME": str(RABBIT_HOME), "ERL_EPMD_ADDRESS": "127.0.0.1"}
    subprocess.run(
        [RABBITMQCTL, "-n", RABBIT_NODE, *args],
        env=env,
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def purge_queues() -> None:
    """Messages left by an earlier run name documents of a database that no longer exists."""
    from pagero.celery import app

    with app.connection_for_write() as connection:
        for queue in (QUEUE, f"{QUEUE}-shadow"):
            channel = connection.channel()
            try:
                channel.queue_purge(queue)
            except connection.channel_errors:
                pass  # the queue does not exist yet: nothing to purge
            finally:
                try:
                    channel.close()
                except connection.channel_errors:
                    pass  # the broker closed the channel when it refused the purge


# -- the run -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    variant: str
    key: str
    started: float
    status: int | None = None  # None: no answer after every connection attempt
    latency: float | None = None
    body: dict | str = ""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def document_id(self) -> str | None:
        return self.body.get("id") or self.body.get("document_id") if isinstance(self.body, dict) else None


@dataclass
class Run:
    started: float = field(default_factory=time.time)
    outcomes: list[Outcome] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)  # the fault timeline
    kills: list[float] = field(default_factory=list)
    broker_down: list[tuple[float, float]] = field(default_factory=list)
    max_in_flight: int = 0
    paused_seconds: float = 0.0  # clients held back by the in-flight limit
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self, what: str) -> None:
        with self.lock:
            self.events.append((time.time(), what))
        print(f"[{time.time() - self.started:7.1f}s] {what}", flush=True)


def post(port: int, token: str, body: bytes, content_type: str, key: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type, "Idempotency-Key": key}
        try:
            connection.request("POST", "/api/v1/documents", body=body, headers=headers)
        except OSError:
            if connection.sock is None:
                raise  # never connected
            # The server may answer (413, 400) and close before it has read a large body: read that answer.
            response = connection.getresponse()
            return response.status, response.read(64 * 1024)
        response = connection.getresponse()
        return response.status, response.read(64 * 1024)
    finally:
        connection.close()


def client(
    run: Run,
    port: int,
    tokens: list[str],
    bodies: Bodies,
    stop: threading.Event,
    gate: threading.Event,
    seq: int,
    limit: list[int],
) -> None:
    rng = random.Random(seq)
    kinds, weights = zip(*MIX.items(), strict=True)
    n = 0
    while not stop.is_set():
        gate.wait(timeout=1)  # closed while too many documents are in flight (back-pressure)
        if stop.is_set():
            break
        if not gate.is_set():
            continue
        with run.lock:
            if limit[0] <= 0:
                break
            limit[0] -= 1
        n += 1
        kind = rng.choices(kinds, weights)[0]
        number = f"SOAK-{seq}-{n}"
        variant, body, content_type = bodies.make(kind, number, rng)
        outcome = Outcome(kind, variant, f"soak-{kind}-{seq}-{n}-{uuid.uuid4().hex[:8]}", time.time())
        token = rng.choice(tokens)
        # Only a connection error is retried, with the same Idempotency-Key: an answer of any status is final.
        for attempt in range(1, CONNECT_TRIES + 1):
            outcome.attempts = attempt
            began = time.perf_counter()
            try:
                status, raw = post(port, token, body, content_type, outcome.key)
            except (OSError, http.client.HTTPException) as exc:
                outcome.errors.append(f"{type(exc).__name__}: {exc}")
                if stop.is_set() and attempt >= 2:
                    break
                time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
                continue
            outcome.status, outcome.latency = status, time.perf_counter() - began
            try:
                outcome.body = json.loads(raw)
            except ValueError:
                outcome.body = raw[:500].decode("utf-8", "replace")
            break
        with run.lock:
            run.outcomes.append(outcome)


def in_flight_count() -> int:
    from pagero.documents.models import Document

    return Document.objects.filter(status__in=IN_FLIGHT).count()


def faults(run: Run, stack: Stack, args: argparse.Namespace, stop: threading.Event, end: float) -> None:
    """Kill a worker every --kill-every seconds (alternating) and restart it; restart the broker once."""
    slot = 0
    next_kill = time.time() + args.kill_every
    broker_at = run.started + args.minutes * 60 / 2 if args.broker_restart else None
    while not stop.wait(0.5) and time.time() < end:
        now = time.time()
        if broker_at is not None and now >= broker_at:
            broker_at = None
            try:
                restart_broker(run, args.broker_down_seconds)
            except (subprocess.SubprocessError, OSError) as exc:
                stderr = getattr(exc, "stderr", b"") or b""
                run.event(f"broker restart failed: {exc} {stderr.decode(errors='replace').strip()[:300]}")
        if now >= next_kill:
            with run.lock:
                run.kills.append(time.time())
            pid = stack.kill_worker(slot)
            stack.start_worker(slot)
            run.event(f"worker {slot} (pid {pid}) SIGKILLed with its pool; restarted")
            slot = 1 - slot
            next_kill = now + args.kill_every


def restart_broker(run: Run, down_seconds: float) -> None:
    run.event(f"rabbitmqctl -n {RABBIT_NODE} stop_app")
    down = time.time()
    try:
        rabbitmqctl("stop_app")
        time.sleep(down_seconds)
    finally:
        # Other people's tests share this broker: it comes back whatever happened above.
        rabbitmqctl("start_app")
        with run.lock:
            run.broker_down.append((down, time.time()))
        run.event(f"rabbitmqctl -n {RABBIT_NODE} start_app: broker back after {time.time() - down:.1f} s")


def monitor(run: Run, gate: threading.Event, stop: threading.Event, max_in_flight: int) -> None:
    from django.db import connection

    try:
        while not stop.wait(1.0):
            count = in_flight_count()
            run.max_in_flight = max(run.max_in_flight, count)
            if count > max_in_flight:
                gate.clear()
                run.paused_seconds += 1.0
            else:
                gate.set()
    finally:
        gate.set()
        connection.close()


def drain(run: Run, stack: Stack, minutes: float) -> list[str]:
    """Wait until no document is in flight; when nothing moved for 30 s, run the sweeper. Returns what was done."""
    from pagero.documents import pipeline
    from pagero.documents.models import Document

    notes: list[str] = []
    for slot, process in enumerate(stack.workers):
        if process is None or process.poll() is not None:
            stack.start_worker(slot)
    deadline = time.time() + minutes * 60
    last_change, last_state = time.time(), None
    while time.time() < deadline:
        state = sorted(Document.objects.filter(status__in=IN_FLIGHT).values_list("id", "status", "updated_at"))
        if not state:
            break
        if state != last_state:
            last_state, last_change = state, time.time()
        elif time.time() - last_change > 30:
            # The product's own sweep (what the periodic documents.sweep_stuck task runs), sooner than its default.
            requeued = pipeline.sweep(older_than_seconds=SWEEP_AFTER_SECONDS)
            notes.append(f"sweep at +{time.time() - run.started:.0f}s requeued {requeued} document(s)")
            run.event(notes[-1])
            last_change = time.time()
        time.sleep(2)
    return notes


def next_attempt(document_id: str) -> str | None:
    """When something will move this in-flight document on, if anything is scheduled: a delivery retry (its
    backoff after the last failed attempt) or the sweeper's next visit (`next_sweep_at`)."""
    from django.utils import timezone

    from pagero.documents.models import Document, DocumentEvent

    now = timezone.now()
    document = Document.objects.get(pk=document_id)
    last = DocumentEvent.objects.filter(document_id=document_id).order_by("-at", "-id").first()
    if last is not None and last.kind == "delivery_attempt_failed":
        attempt = int((last.detail or {}).get("attempt", 1))
        latest = last.at + timedelta(seconds=DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempt - 1) * 1.25)
        if latest > now and attempt < DELIVERY_MAX_ATTEMPTS:
            return f"delivery retry {attempt + 1} by {latest:%H:%M:%S}"
    next_sweep = getattr(document, "next_sweep_at", None)
    if next_sweep is not None and next_sweep > now:
        return f"sweeper visit at {next_sweep:%H:%M:%S}"
    return None


def log_errors(folder: Path) -> dict[str, Counter]:
    """Error lines of each log, document ids and timestamps blanked so that alike lines count together."""
    import re

    ids = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    stamp = re.compile(r"^\[[^]]*\]\s*")
    found: dict[str, Counter] = {}
    for path in sorted(folder.glob("*.log")):
        lines: Counter[str] = Counter()
        in_traceback = False
        with open(path, errors="replace") as log:
            for raw in log:
                line = ids.sub("<id>", stamp.sub("", raw.strip()))[:220]
                if raw.startswith("Traceback"):
                    in_traceback = True
                elif in_traceback:
                    # A traceback is counted by its last line, the exception (after any chained ones).
                    if raw[:1] not in (" ", "\n", "^") and not raw.startswith("During handling"):
                        if not raw.startswith("The above exception"):
                            lines[f"Traceback: {line}"] += 1
                            in_traceback = False
                elif "ERROR" in raw or "CRITICAL" in raw:
                    lines[line] += 1
        found[path.name] = lines
    return found


# -- the report --------------------------------------------------------------------------------------------
def report(run: Run, receiver: Receiver, submit_seconds: float, sweeps: list[str], args: argparse.Namespace) -> int:
    from pagero.documents.models import Document, DocumentEvent

    t0 = run.started
    broken: list[str] = []
    lines: list[str] = []
    out = lines.append
    outcomes = run.outcomes
    by_key = {o.key: o for o in outcomes}
    docs = {
        str(d["id"]): d
        for d in Document.objects.filter(idempotency_key__startswith="soak-").values(
            "id", "idempotency_key", "status", "status_reason", "updated_at", "created_at"
        )
    }
    kind_of = {doc_id: d["idempotency_key"].split("-")[1] for doc_id, d in docs.items()}
    delivered_at = {
        str(e["document_id"]): e["at"].timestamp()
        for e in DocumentEvent.objects.filter(kind="delivered", document_id__in=list(docs)).values("document_id", "at")
    }

    def timeline(doc_id: str) -> str:
        events = DocumentEvent.objects.filter(document_id=doc_id).order_by("at", "id")
        return ", ".join(f"{e.kind}@+{e.at.timestamp() - t0:.1f}s" for e in events)

    out(
        f"== soak: {args.minutes:g} min, {args.clients} clients, 2 Celery worker processes, {args.web_workers} web "
        f"workers, payloads in {'Cassandra' if args.cassandra else 'the database'}; worker SIGKILL every "
        f"{args.kill_every:g} s; broker restart {'once' if args.broker_restart else 'skipped'}"
    )
    out("fault timeline:")
    for at, what in run.events:
        out(f"  +{at - t0:7.1f}s  {what}")

    out("documents submitted (by kind):")
    for kind in MIX:
        mine = [o for o in outcomes if o.kind == kind]
        variants = Counter(o.variant for o in mine)
        created = sum(1 for k in kind_of.values() if k == kind)
        out(
            f"  {kind:<10} {len(mine):>6} submissions, {created:>6} documents kept   "
            + ", ".join(f"{v} {c}" for v, c in sorted(variants.items()))
        )

    out("terminal states by kind (documents kept):")
    for kind in MIX:
        states = Counter(d["status"] for doc_id, d in docs.items() if kind_of[doc_id] == kind)
        out(f"  {kind:<10} " + (", ".join(f"{s} {c}" for s, c in sorted(states.items())) or "-"))
    out("hostile input, by variant: answers -> final states of the documents kept")
    for variant in HOSTILE:
        mine = [o for o in outcomes if o.kind == "hostile" and o.variant == variant]
        answers = Counter(str(o.status) if o.status is not None else "no answer" for o in mine)
        states = Counter(docs[o.document_id]["status"] for o in mine if o.document_id in docs)
        out(
            f"  {variant:<19} "
            + (", ".join(f"{s} {c}" for s, c in sorted(answers.items())) or "-")
            + " -> "
            + (", ".join(f"{s} {c}" for s, c in sorted(states.items())) or "nothing kept")
        )
    out(
        f"documents in flight during the run: at most {run.max_in_flight} (limit {args.max_in_flight}; clients paused "
        f"{run.paused_seconds:.0f} s)"
    )

    in_flight = [doc_id for doc_id, d in docs.items() if d["status"] in IN_FLIGHT]
    out(f"documents still in flight: {len(in_flight)}")
    for doc_id in in_flight:
        scheduled = next_attempt(doc_id)
        out(
            f"  {doc_id} {kind_of[doc_id]} {docs[doc_id]['status']} "
            f"{'next attempt ' + scheduled if scheduled else 'NOTHING SCHEDULED'}: {timeline(doc_id)}"
        )
        if not scheduled:
            broken.append(
                f"document {doc_id} ({kind_of[doc_id]}) stuck {docs[doc_id]['status']} with nothing scheduled"
            )

    statuses = Counter(str(o.status) if o.status is not None else "no answer" for o in outcomes)
    out("responses by status code: " + ", ".join(f"{s} {c}" for s, c in sorted(statuses.items())))
    retried = [o for o in outcomes if o.attempts > 1]
    if retried:
        out(
            f"  {len(retried)} submission(s) retried after a connection error (same Idempotency-Key); answers: "
            + ", ".join(f"{s} {c}" for s, c in sorted(Counter(str(o.status) for o in retried).items()))
        )
    server_errors = [o for o in outcomes if o.status is not None and o.status >= 500]
    out(f"5xx responses: {len(server_errors)}")
    for o in server_errors:
        out(f"  +{o.started - t0:.1f}s {o.status} {o.kind}/{o.variant} key {o.key}: {str(o.body)[:300]}")
        broken.append(f"{o.status} for {o.kind}/{o.variant} (key {o.key})")
    for o in (o for o in outcomes if o.status is None):
        out(
            f"  no answer: +{o.started - t0:.1f}s {o.kind}/{o.variant} key {o.key} after {o.attempts} connection "
            f"attempt(s): {o.errors[-1] if o.errors else ''}"
        )
        broken.append(f"no answer for {o.kind}/{o.variant} (key {o.key})")

    # Each kind ends where the product promises: valid routable invoices delivered (and seen by the receiver),
    # invalid ones rejected by the rules, hostile ones refused with a reason, unroutable ones undeliverable.
    out("broken outcomes by kind:")
    count_before = len(broken)
    for o in outcomes:
        if o.status is None or o.status >= 500:
            continue
        doc_id = o.document_id
        doc = docs.get(doc_id) if doc_id else None
        message = o.body.get("message", "") if isinstance(o.body, dict) else ""
        if o.kind == "hostile" and 400 <= o.status < 500:
            if not message:
                broken.append(f"hostile {o.variant} answered {o.status} without a message: {str(o.body)[:200]}")
            elif doc is not None and doc["status"] != "rejected":
                broken.append(f"hostile {o.variant} answered {o.status} but document {doc_id} is {doc['status']}")
            continue
        if o.status not in (200, 202) or doc is None:
            broken.append(f"{o.kind}/{o.variant} answered {o.status}: {str(o.body)[:200]}")
            continue
        if doc["status"] in IN_FLIGHT:
            continue  # counted above
        if doc["status"] not in EXPECTED[o.kind] or (o.kind != "valid" and not doc["status_reason"]):
            broken.append(
                f"{o.kind}/{o.variant} document {doc_id} ended {doc['status']}: "
                f"{doc['status_reason'][:200] or 'no reason'}"
            )
        elif o.kind == "valid" and doc_id not in receiver.deliveries:
            broken.append(f"valid document {doc_id} is {doc['status']} but the receiver never got it")
        elif o.kind == "valid":
            target = o.variant.split("->")[1]
            got = {(d.slug, d.format) for d in receiver.deliveries[doc_id]}
            if got != {(SLUG_OF[target], target)}:
                broken.append(f"valid document {doc_id} ({o.variant}) reached the receiver as {sorted(got)}")
    for line in broken[count_before:]:
        out(f"  {line}")
    if len(broken) == count_before:
        out("  none")
    unknown = [doc_id for doc_id, d in docs.items() if d["idempotency_key"] not in by_key]
    if unknown:
        out(
            f"  {len(unknown)} document(s) kept for submissions whose answer never arrived: "
            + ", ".join(f"{d} {docs[d]['status']}" for d in unknown[:10])
        )

    out(
        f"webhook deliveries: {sum(len(v) for v in receiver.deliveries.values())} to {len(receiver.deliveries)} "
        f"documents; bad signatures: {len(receiver.bad_signatures)}"
    )
    for document_id, slug in receiver.bad_signatures[:10]:
        broken.append(f"bad webhook signature for {document_id} ({slug})")
        out(f"  bad signature: {document_id} ({slug})")
    strangers = [d for d in receiver.deliveries if d not in docs]
    if strangers:
        out(f"  deliveries for documents not submitted by this run: {strangers[:10]}")
    seconds_deliveries = {d: v for d, v in receiver.deliveries.items() if len(v) > 1}
    out(f"second deliveries (receiver dedupes on X-Document-Id): {len(seconds_deliveries)}")
    for doc_id, deliveries in sorted(seconds_deliveries.items(), key=lambda item: item[1][0].received):
        first = deliveries[0].answered
        recorded = delivered_at.get(doc_id)
        window_end = recorded if recorded is not None else deliveries[-1].received
        kills = [k for k in run.kills if first <= k <= window_end]
        outages = [d for d, u in run.broker_down if d <= window_end and u >= first]
        why = (
            f"worker kill at +{kills[0] - t0:.1f}s"
            if kills
            else f"broker restart at +{outages[0] - t0:.1f}s"
            if outages
            else "NO kill or broker restart in the window"
        )
        out(
            f"  {doc_id}: {len(deliveries)} deliveries (attempts {','.join(d.attempt for d in deliveries)}), first "
            f"answered +{first - t0:.2f}s, delivered recorded "
            f"{f'+{recorded - t0:.2f}s' if recorded is not None else 'never'}; {why}"
        )

    latencies = [o.latency * 1000 for o in outcomes if o.latency is not None]
    accepted = sum(1 for o in outcomes if o.status == 202)
    terminal = [d for d in docs.values() if d["status"] not in IN_FLIGHT]
    last = max((d["updated_at"].timestamp() for d in terminal), default=t0)
    out(
        f"submit latency: p50 {percentile(latencies, 50):.1f} ms  p99 {percentile(latencies, 99):.1f} ms  "
        f"max {max(latencies, default=float('nan')):.1f} ms  (n={len(latencies)})"
    )
    out(
        f"throughput: {len(outcomes) / submit_seconds:.1f} submissions/s ({accepted / submit_seconds:.1f} accepted/s "
        f"over {submit_seconds:.0f} s); {len(terminal) / max(1.0, last - t0):.1f} documents/s reached a final state "
        f"({len(terminal)} in {last - t0:.0f} s from the first submission)"
    )
    for note in sweeps:
        out(f"sweeper: {note}")
    out("errors in the logs (lines with ERROR, CRITICAL or Traceback, by file):")
    for name, found in log_errors(Path(args.logs)).items():
        out(f"  {name}: {sum(found.values())}")
        for line, count in found.most_common(8):
            out(f"    {count} x {line}")
    out(f"logs: {args.logs}")
    if broken:
        out(f"BROKEN PROMISES: {len(broken)}")
        for line in list(dict.fromkeys(broken))[:60]:
            out(f"  {line}")
    else:
        out("all promises kept")
    text = "\n".join(lines)
    print(text, flush=True)
    (Path(args.logs) / "report.txt").write_text(text + "\n")
    return 1 if broken else 0


# -- main --------------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the clients submit")
    parser.add_argument("--clients", type=int, default=8, help="concurrent submitting clients")
    parser.add_argument("--kill-every", type=float, default=45.0, help="seconds between worker SIGKILLs")
    parser.add_argument(
        "--no-broker-restart", dest="broker_restart", action="store_false", help="do not restart RabbitMQ half-way"
    )
    parser.add_argument("--broker-down-seconds", type=float, default=5.0)
    parser.add_argument("--drain-minutes", type=float, default=5.0, help="longest wait for documents in flight")
    parser.add_argument("--max-in-flight", type=int, default=300, help="clients pause above this many in flight")
    parser.add_argument("--max-documents", type=int, default=50_000, help="submissions in all, at most")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--cassandra", action="store_true", help="payloads in Cassandra (keyspace pagero_soak)")
    args = parser.parse_args()
    args.logs = tempfile.mkdtemp(prefix="pagero-soak-")
    # Celery puts the working directory first on sys.path: from bench/, bench/shadow.py would hide the shadow app.
    os.chdir(ROOT)

    os.environ.update(
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        SHADOW_QUEUE=f"{QUEUE}-shadow",
        CONTEXT_QUEUE_PREFIX=f"{QUEUE}.context.",
        PAYLOAD_STORE="cassandra" if args.cassandra else "database",
        # Webhooks go to the receiver on loopback over plain HTTP, which production settings refuse.
        WEBHOOK_ALLOW_HTTP="1",
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        # The sweeper (run by the drain) re-queues after 20 s, not 10 minutes, and backs off from there.
        SWEEP_AFTER_SECONDS=str(SWEEP_AFTER_SECONDS),
    )
    if not args.cassandra:
        os.environ["CASSANDRA_HOSTS"] = ""  # no Cassandra at all: readiness and payloads stay off it
    setup_django(NAME, fresh=True)
    if args.cassandra:
        from pagero.documents import public as documents

        documents.create_cassandra_schema(NAME)
        from pagero import cassandra_session

        for table in ("payload_meta", "payload_chunks"):  # like the database, the keyspace starts empty
            cassandra_session.get_session().execute(f"TRUNCATE {NAME}.{table}", timeout=60)
    purge_queues()
    env = {
        **os.environ,
        "SUBMISSION_RATE": "1000000/min",
        "MAX_DOCUMENT_BYTES": str(MAX_DOCUMENT_BYTES),
        "DELIVERY_RETRY_BASE_SECONDS": str(DELIVERY_RETRY_BASE_SECONDS),
        "DELIVERY_MAX_ATTEMPTS": str(DELIVERY_MAX_ATTEMPTS),
        "WEBHOOK_TIMEOUT_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
    }
    receiver = Receiver()
    tokens = seed(receiver.url)
    bodies = Bodies()
    stack = Stack(env, Path(args.logs), args.web_workers)
    run = Run()
    stop, gate = threading.Event(), threading.Event()
    gate.set()
    broker_thread: threading.Thread | None = None

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        print(f"soak: logs in {args.logs}; starting gunicorn and 2 Celery workers", flush=True)
        stack.start()
        run.started = time.time()
        end = run.started + args.minutes * 60
        run.event(f"submitting for {args.minutes:g} min from {args.clients} clients on 127.0.0.1:{stack.port}")
        limit = [args.max_documents]
        clients = [
            threading.Thread(target=client, args=(run, stack.port, tokens, bodies, stop, gate, seq, limit), daemon=True)
            for seq in range(args.clients)
        ]
        watch = threading.Thread(target=monitor, args=(run, gate, stop, args.max_in_flight), daemon=True)
        broker_thread = threading.Thread(target=faults, args=(run, stack, args, stop, end), daemon=True)
        for thread in (*clients, watch, broker_thread):
            thread.start()
        while time.time() < end and any(t.is_alive() for t in clients):
            time.sleep(0.5)
        stop.set()
        run.event("submissions stopped; waiting for the answers in progress")
        for thread in clients:
            thread.join(timeout=CLIENT_TIMEOUT * 2)
        broker_thread.join(timeout=300)  # a broker restart in progress finishes first
        submit_seconds = time.time() - run.started
        run.event("draining: waiting until no document is in flight")
        sweeps = drain(run, stack, args.drain_minutes)
        run.event("drained" if in_flight_count() == 0 else "drain deadline reached")
        time.sleep(1)  # the last webhook answers reach the receiver's records
        return report(run, receiver, submit_seconds, sweeps, args)
    finally:
        stop.set()
        if broker_thread is not None and broker_thread.is_alive():
            broker_thread.join(timeout=300)
        stack.close()
        receiver.stop()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: main() has stopped every process it started
        print("soak: interrupted; gunicorn, the workers and the receiver are stopped", file=sys.stderr)
        sys.exit(130)
