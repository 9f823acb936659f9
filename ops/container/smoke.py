#!/usr/bin/env python3
"""Smoke test of the container images and the compose stack (podman), end to end.

Builds the images (the product image cold, without the layer cache, then warm), starts the stack, and checks:
migrations ran in their one-shot container; /readyz answers 200 with the database, the broker and Cassandra; an
invoice submitted through the API is delivered converted to the recipient's format; a worker killed in the middle of
a batch is restarted by the stack and every document of the batch is still delivered; Prometheus scrapes its targets
and its alert rules pass `promtool check rules`; the stack goes down leaving its named volumes. Prints the timings.

Run with the project's virtualenv (it builds the test invoices with tests/exchange/factory.py):
    .venv/bin/python ops/container/smoke.py [--no-cold] [--keep-up] [--batch N]
ops/container/podman.sh installs nothing here: `podman.sh install` (or ops/container/ci-smoke.sh) does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "ops" / "container"
PODMAN_SH = HERE / "podman.sh"
PROJECT = os.environ.setdefault("COMPOSE_PROJECT_NAME", "pagero")
WEB = f"http://127.0.0.1:{os.environ.setdefault('WEB_PORT', '18000')}"
PROMETHEUS = f"http://127.0.0.1:{os.environ.setdefault('PROMETHEUS_PORT', '19090')}"
# A task lost with the killed worker (taken but its next step never published) is swept again after this long.
os.environ.setdefault("SWEEP_AFTER_SECONDS", "60")
os.environ["CONTAINERS_CONF"] = str(HERE / "containers.conf")
PRODUCT_IMAGE = os.environ.setdefault("PRODUCT_IMAGE", "localhost/pagero:latest")
SERVICE_IMAGES = [
    "localhost/pagero-postgres:latest",
    "localhost/pagero-rabbitmq:latest",
    "localhost/pagero-cassandra:5.0.8",
    "localhost/pagero-prometheus:latest",
]
VOLUMES = ["pgdata", "cassandradata", "prometheusdata"]
TERMINAL = {"delivered", "acknowledged", "rejected", "undeliverable", "failed", "delivery_failed"}
# Demo identifiers (seed_demo): Acme sends, Nordic receives CII in its inbox.
SELLER = ("0007", "5567321707")
BUYER = ("0192", "987654325")

timings: list[tuple[str, str]] = []


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def run(*argv: str, capture: bool = False, timeout: float = 1800) -> str:
    result = subprocess.run(argv, text=True, capture_output=capture, timeout=timeout)
    if result.returncode != 0:
        detail = (result.stderr or "")[-3000:] if capture else ""
        raise SmokeFailure(f"{' '.join(argv[:4])} ... exited with {result.returncode}\n{detail}")
    return result.stdout if capture else ""


def podman(*args: str) -> str:
    return run("podman", *args, capture=True).strip()


def stack(*args: str) -> str:
    return run(str(PODMAN_SH), *args)


def timed(label: str, action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    elapsed = time.monotonic() - started
    timings.append((label, f"{elapsed:.0f} s"))
    say(f"{label}: {elapsed:.0f} s")
    return elapsed


def container(service: str) -> str:
    return f"{PROJECT}_{service}_1"


def http(method: str, url: str, body: bytes | None = None, token: str | None = None, timeout: float = 20):
    """(status, body); the API is served behind the deployment's TLS proxy, which sets X-Forwarded-Proto."""
    headers = {"X-Forwarded-Proto": "https"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/xml"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(what: str, probe: Callable[[], object], seconds: float, every: float = 2.0):
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (OSError, ValueError) as exc:  # not up yet: connection refused, reset, half a JSON body
            last = exc
        if last:
            return last
        time.sleep(every)
    raise SmokeFailure(f"{what}: not within {seconds:.0f} s (last: {last!r})")


def image_size(name: str) -> str:
    return f"{int(podman('image', 'inspect', '--format', '{{.Size}}', name)) / 1e6:.0f} MB"


# --- the steps --------------------------------------------------------------------------------------------------


def build(cold: bool) -> None:
    timed("base image (mmdebstrap; 0 when present)", lambda: stack("base"))
    if cold:
        os.environ["BUILD_NO_CACHE"] = "1"
        timed("product image build, cold (no layer cache)", lambda: stack("image"))
        del os.environ["BUILD_NO_CACHE"]
    timed("product image build, warm", lambda: stack("image"))
    timed("service images build (cached after the first run)", lambda: stack("images"))
    for name in [PRODUCT_IMAGE, *SERVICE_IMAGES]:
        timings.append((f"image size {name}", image_size(name)))


def readiness() -> None:
    def ready():
        status, body = http("GET", f"{WEB}/readyz")
        return json.loads(body) if status == 200 else None

    answer = wait_until("/readyz 200", ready, 60)
    checks = answer["checks"]
    for dependency in ("database", "broker", "cassandra"):
        check(checks.get(dependency, {}).get("ok") is True, f"/readyz: {dependency} not ok: {answer}")
    details = ", ".join(f"{name}={result.get('detail')}" for name, result in checks.items())
    say(f"/readyz: 200, {details}")
    migrate = podman("inspect", "--format", "{{.State.ExitCode}} {{.State.Status}}", container("migrate"))
    check(migrate.startswith("0 "), f"the migrate container did not end with 0: {migrate}")
    # The workers' own probe (a Celery ping through the broker), as the compose file defines it.
    for service in ("worker", "shadow-worker"):
        wait_until(
            f"{service} answering its healthcheck",
            lambda service=service: (
                subprocess.run(["podman", "healthcheck", "run", container(service)], capture_output=True).returncode
                == 0
            ),
            90,
            every=3,
        )
    say("migrate exited 0; worker and shadow-worker answer their healthchecks")


def seed() -> dict[str, str]:
    output = podman("exec", container("web"), "python", "manage.py", "seed_demo")
    demo = json.loads(output)
    tokens = {org["slug"]: org["api_tokens"][0]["token"] for org in demo["organisations"]}
    check({"acme", "nordic"} <= tokens.keys(), f"seed_demo did not create acme and nordic: {list(tokens)}")
    return tokens


def invoice(number: str) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.exchange.factory import document

    return document("ubl", number=number, seller_endpoint=SELLER, buyer_endpoint=BUYER)


def submit(token: str, number: str) -> str:
    status, body = http("POST", f"{WEB}/api/v1/documents", invoice(number), token)
    check(status == 202, f"submitting {number}: {status} {body[:300]!r}")
    return json.loads(body)["id"]


def statuses(token: str, ids: list[str]) -> dict[str, dict]:
    found = {}
    for document_id in ids:
        status, body = http("GET", f"{WEB}/api/v1/documents/{document_id}", token=token)
        check(status == 200, f"GET document {document_id}: {status} {body[:300]!r}")
        found[document_id] = json.loads(body)
    return found


def wait_terminal(token: str, ids: list[str], seconds: float) -> dict[str, dict]:
    def all_done():
        found = statuses(token, ids)
        return found if all(d["status"] in TERMINAL for d in found.values()) else None

    return wait_until(f"{len(ids)} documents in a final status", all_done, seconds)


def drain_inbox(token: str) -> int:
    """Acknowledge what earlier runs left in the inbox (it lists at most 200 documents), as a recipient would."""
    drained = 0
    for _ in range(50):
        status, body = http("GET", f"{WEB}/api/v1/inbox", token=token)
        check(status == 200, f"GET inbox: {status} {body[:300]!r}")
        results = json.loads(body)["results"]
        if not results:
            return drained
        for document in results:
            status, body = http("POST", f"{WEB}/api/v1/inbox/{document['id']}/ack", None, token)
            check(status == 200, f"acknowledging {document['id']}: {status} {body[:300]!r}")
            drained += 1
    raise SmokeFailure("the inbox does not empty")


def one_document(tokens: dict[str, str], run_id: str) -> None:
    drain_inbox(tokens["nordic"])
    document_id = submit(tokens["acme"], f"SMOKE-{run_id}-1")
    started = time.monotonic()
    document = wait_terminal(tokens["acme"], [document_id], 120)[document_id]
    check(document["status"] == "delivered", f"the invoice ended {document['status']}: {document['status_reason']}")
    check(document["target_format"] == "cii", f"delivered as {document['target_format']}, Nordic receives CII")
    status, content = http("GET", f"{WEB}/api/v1/documents/{document_id}/content?format=cii", token=tokens["nordic"])
    check(status == 200 and b"CrossIndustryInvoice" in content[:600], f"CII for Nordic: {status} {content[:200]!r}")
    status, inbox = http("GET", f"{WEB}/api/v1/inbox", token=tokens["nordic"])
    check(status == 200 and document_id in {d["id"] for d in json.loads(inbox)["results"]}, "not in Nordic's inbox")
    timings.append(("one invoice, submitted to delivered", f"{time.monotonic() - started:.1f} s"))
    say(f"invoice {document_id}: delivered to Nordic's inbox as CII")


def worker_killed(tokens: dict[str, str], run_id: str, batch: int) -> None:
    name = container("worker")
    restarts_before = int(podman("inspect", "--format", "{{.RestartCount}}", name))
    ids = [submit(tokens["acme"], f"SMOKE-{run_id}-B{n}") for n in range(1, batch + 1)]
    # Kill once the worker is busy with the batch: some documents on their way, not all of them delivered.
    wait_until(
        "the worker started on the batch",
        lambda: any(d["status"] != "received" for d in statuses(tokens["acme"], ids).values()),
        60,
        every=0.2,
    )
    in_flight = sum(d["status"] not in TERMINAL for d in statuses(tokens["acme"], ids).values())
    pid = podman("inspect", "--format", "{{.State.Pid}}", name)
    run("kill", "-KILL", pid)
    say(f"killed the worker (pid {pid}) with {in_flight} of {batch} documents in flight")
    check(in_flight > 0, "the batch was finished before the kill: raise --batch")
    killed_at = time.monotonic()
    wait_until(
        "the worker restarted by its restart policy",
        lambda: (
            podman("inspect", "--format", "{{.RestartCount}} {{.State.Running}}", name).split()
            == [str(restarts_before + 1), "true"]
            or None
        ),
        60,
        every=0.5,
    )
    timings.append(("worker back after kill -9", f"{time.monotonic() - killed_at:.1f} s"))
    found = wait_terminal(tokens["acme"], ids, 60 + 3 * float(os.environ["SWEEP_AFTER_SECONDS"]) + 120)
    not_delivered = {i: (d["status"], d["status_reason"]) for i, d in found.items() if d["status"] != "delivered"}
    check(not not_delivered, f"documents of the batch not delivered after the kill: {not_delivered}")
    timings.append((f"batch of {batch} delivered after the kill", f"{time.monotonic() - killed_at:.0f} s"))
    say(f"all {batch} documents of the batch delivered; the worker restarted once")
    drain_inbox(tokens["nordic"])


def monitoring() -> None:
    status, _ = http("GET", f"{WEB}/metrics")
    check(status == 401, f"/metrics without the token answered {status}, not 401")

    def targets_up():
        data = json.loads(urllib.request.urlopen(f"{PROMETHEUS}/api/v1/targets", timeout=10).read())["data"]
        health = {t["labels"]["job"]: t["health"] for t in data["activeTargets"]}
        return health if health and all(h == "up" for h in health.values()) else None

    health = wait_until("Prometheus targets up", targets_up, 120, every=3)
    check({"web", "rabbitmq", "postgres"} <= health.keys(), f"Prometheus targets: {health}")

    def query(expr: str):
        url = f"{PROMETHEUS}/api/v1/query?query={urllib.request.quote(expr)}"
        return json.loads(urllib.request.urlopen(url, timeout=10).read())["data"]["result"]

    # The batch's documents are acknowledged by now (worker_killed empties the inbox, as a recipient would): a series
    # of delivered ones exists only until then, and a scrape may not have fallen in between.
    arrived = 'sum(pagero_documents_count{status=~"delivered|acknowledged"})'
    delivered = wait_until("delivered documents in Prometheus", lambda: query(arrived), 60, 3)
    check(float(delivered[0]["value"][1]) >= 1, f"{arrived}: {delivered}")
    check(query('rabbitmq_queue_messages_ready{queue="pagero"}'), "no depth of the pagero queue in Prometheus")
    check(query('pagero_http_requests_total{route="api/v1/documents"}'), "no request counts of web in Prometheus")
    check(query("pagero_payload_repair_log_pending"), "no payload repair log figure in Prometheus")
    mount = f"{HERE / 'prometheus'}:/etc/prometheus:ro"
    image = "localhost/pagero-prometheus:latest"
    # The configuration only for its syntax: the token file it names exists in the running container only.
    for what in (
        ["rules", "/etc/prometheus/alerts.yml"],
        ["config", "--syntax-only", "/etc/prometheus/prometheus.yml"],
    ):
        answer = podman("run", "--rm", "--network", "none", "-v", mount, image, "promtool", "check", *what)
        say(answer.replace("\n", " "))
    say(f"Prometheus: targets {health}; alert rules and configuration pass promtool")


def down() -> None:
    stack("down")
    left = podman("ps", "-a", "--filter", f"label=io.podman.compose.project={PROJECT}", "--format", "{{.Names}}")
    check(left == "", f"containers left after down: {left}")
    for volume in VOLUMES:
        podman("volume", "inspect", f"{PROJECT}_{volume}")
    say(f"stack down; volumes {', '.join(f'{PROJECT}_{v}' for v in VOLUMES)} kept")


def logs_on_failure() -> None:
    for service in ("migrate", "web", "worker", "beat", "cassandra", "prometheus"):
        result = subprocess.run(["podman", "logs", "--tail", "30", container(service)], capture_output=True, text=True)
        print(f"--- {container(service)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cold", action="store_true", help="skip the cold (no layer cache) product build")
    parser.add_argument("--no-build", action="store_true", help="use the images as they are")
    parser.add_argument("--keep-up", action="store_true", help="leave the stack running at the end")
    parser.add_argument("--batch", type=int, default=30, help="documents in flight when the worker is killed")
    args = parser.parse_args()
    run_id = time.strftime("%Y%m%d%H%M%S")
    started = time.monotonic()
    try:
        if not args.no_build:
            build(cold=not args.no_cold)
        stack("down")
        timed("stack start-up (services healthy, migrations, web ready)", lambda: stack("up"))
        readiness()
        tokens = seed()
        one_document(tokens, run_id)
        worker_killed(tokens, run_id, args.batch)
        monitoring()
        if not args.keep_up:
            timed("stack down", down)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        say(f"FAILED: {exc}")
        logs_on_failure()
        return 1
    finally:
        timings.append(("smoke in all", f"{time.monotonic() - started:.0f} s"))
        print("\nTimings and sizes:")
        for label, value in timings:
            print(f"  {label:<58} {value}")
    say("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
