"""Exchange pipeline benchmark on this machine's real services.

Starts gunicorn (the API, over HTTP on loopback) and a Celery worker on RabbitMQ, submits N invoices
from one organisation to another (UBL in, CII out, inbox channel) from C concurrent clients, and prints
submit latency p50/p99 and documents per second end to end (first submit to last delivery). With --orders,
Peppol orders go the same way (UBL in, EDIFACT ORDERS D96A out: the recipient's order format).

    python bench/pipeline.py [--documents 300] [--clients 4] [--web-workers 2] [--concurrency 2] [--orders]
                             [--baseline]

With --baseline the same run is made first with a new database connection per Celery task (CELERY_DB_REUSE_MAX=0,
Celery's default) and the ratio is printed. Each run also prints the CPU each kind of process used per document.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from _setup import ROOT, percentile, setup_django

QUEUE = "pagero-bench"


def prepare():
    """Bench organisations (sender -> recipient, CII by inbox) and a clean document table; returns the token."""
    from pagero.documents.models import Document, DocumentEvent
    from pagero.partners import public as partners

    DocumentEvent.objects.all().delete()
    Document.objects.all().delete()
    sender = partners.ensure_organisation("Bench Sender", "bench-sender")
    partners.add_identifier(sender.id, "0007", "5567321707", verified=True)
    recipient = partners.ensure_organisation("Bench Recipient", "bench-recipient")
    partners.add_identifier(recipient.id, "0192", "987654325", verified=True)
    partners.set_receive_preferences(recipient.id, format="cii", order_format="edifact", channel="inbox")
    return partners.issue_api_token(sender.id, "bench", plain="pgr_bench_token_0000000001").plain


def start_stack(
    web_workers: int, concurrency: int, queues: str = QUEUE, extra: list[list[str]] = (), env_extra: dict | None = None
):
    """gunicorn, a Celery worker and any extra commands, all in their own process groups."""
    from pagero.celery import worker_command

    env = {
        **os.environ,
        **(env_extra or {}),
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "SUBMISSION_RATE": "100000/min",
        "PAYLOAD_STORE": "database",
        "SHADOW_QUEUE": f"{QUEUE}-shadow",
        "CONTEXT_QUEUE_PREFIX": f"{QUEUE}.context.",
    }
    commands = [
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pagero.wsgi",
            "--bind",
            "127.0.0.1:8765",
            "--workers",
            str(web_workers),
            "--log-level",
            "warning",
        ],
        worker_command(queues, concurrency),
        *extra,
    ]
    processes = [subprocess.Popen(c, cwd=ROOT, env=env, start_new_session=True) for c in commands]
    for _ in range(100):
        try:
            urllib.request.urlopen("http://127.0.0.1:8765/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return processes


def stop_stack(processes) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def bodies_of(count: int, prefix: str, orders: bool) -> list[bytes]:
    from tests.exchange.factory import document, order_document

    if orders:  # from the bench sender (the buyer) to the bench recipient (the supplier)
        parties = {"buyer_endpoint": ("0007", "5567321707"), "seller_endpoint": ("0192", "987654325")}
        return [order_document("ubl", number=f"{prefix}-{n}", **parties) for n in range(count)]
    return [document("ubl", number=f"{prefix}-{n}") for n in range(count)]


def measure(
    token: str, count: int, clients: int, prefix: str, orders: bool = False
) -> tuple[list[float], float, float]:
    """Submit `count` documents over HTTP; (submit latencies in s, submit seconds, seconds until all delivered)."""
    from pagero.documents.models import Document

    bodies = bodies_of(count, prefix, orders)

    def submit(body: bytes) -> float:
        request = urllib.request.Request(
            "http://127.0.0.1:8765/api/v1/documents",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 202, response.status
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(submit, bodies))
    submitted = time.perf_counter() - started
    numbers = [f"{prefix}-{n}" for n in range(count)]
    while Document.objects.filter(number__in=numbers, status="delivered").count() < count:
        stuck = (
            Document.objects.filter(number__in=numbers)
            .exclude(status__in=["received", "validated", "routed", "converted", "delivered"])
            .count()
        )
        if stuck:
            sys.exit(f"{stuck} documents did not make it; see their status_reason")
        if time.perf_counter() - started > 900:
            sys.exit("timed out waiting for deliveries")
        time.sleep(0.2)
    return latencies, submitted, time.perf_counter() - started


KIND = {True: "orders (UBL in, EDIFACT ORDERS out", False: "invoices (UBL in, CII out"}
PROCESS_KINDS = {"gunicorn": "web", "celery": "celery", "postgres": "postgresql", "beam": "rabbitmq"}


def cpu_seconds_by_kind() -> dict[str, float]:
    """CPU seconds used so far by the live processes of each kind (web, Celery, PostgreSQL, RabbitMQ), from /proc."""
    used: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        kind = next((k for marker, k in PROCESS_KINDS.items() if marker in command), None)
        if kind:
            # utime + stime, and the children's that exited (a PostgreSQL backend per connection, reaped by the server)
            used[kind] = used.get(kind, 0.0) + sum(int(x) for x in fields[11:15]) / tick
    return used


def run(args, env_extra: dict | None = None) -> tuple[list[float], float, float, dict[str, float]]:
    token = prepare()
    processes = start_stack(args.web_workers, args.concurrency, env_extra=env_extra)
    try:
        measure(token, 5, 1, "WARMUP", args.orders)  # the first requests load the app in each process
        before = cpu_seconds_by_kind()
        latencies, submitted, elapsed = measure(token, args.documents, args.clients, "BENCH", args.orders)
        after = cpu_seconds_by_kind()
    finally:
        stop_stack(processes)
    cpu = {kind: after[kind] - before.get(kind, 0.0) for kind in after}
    return latencies, submitted, elapsed, cpu


def report(label: str, args, latencies: list[float], submitted: float, elapsed: float, cpu: dict[str, float]) -> None:
    ms = [x * 1000 for x in latencies]
    print(
        f"{label}: submit latency p50 {percentile(ms, 50):.1f} ms  p99 {percentile(ms, 99):.1f} ms  "
        f"({args.documents / submitted:.0f} submissions/s); end to end {args.documents / elapsed:.1f} documents/s "
        f"(submit -> validated -> routed -> converted -> delivered), {elapsed:.1f} s in all"
    )
    per_document = "  ".join(f"{kind} {1000 * seconds / args.documents:.1f}" for kind, seconds in sorted(cpu.items()))
    print(f"{label}: CPU ms per document: {per_document}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--orders", action="store_true", help="Peppol orders (UBL -> EDIFACT D96A) instead of invoices")
    parser.add_argument("--baseline", action="store_true", help="first run with a database connection per task")
    args = parser.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    print(
        f"{args.documents} {KIND[args.orders]}, inbox), "
        f"{args.clients} clients, {args.web_workers} web "
        f"workers, {args.concurrency} Celery processes; PostgreSQL, RabbitMQ on this machine (2 cores)"
    )
    baseline = None
    if args.baseline:
        baseline = run(args, {"CELERY_DB_REUSE_MAX": "0"})
        report("connection per task", args, *baseline)
    current = run(args)
    report("now", args, *current)
    if baseline is not None:
        print(f"end to end, now / connection per task: {baseline[2] / current[2]:.2f}x")


if __name__ == "__main__":
    main()
