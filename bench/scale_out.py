"""Scale-out of an extracted context: remote conversion + validation throughput with N = 1, 2 and 4
`serve_context formats` processes consuming the same queue on the real RabbitMQ.

For each N the processes are started, the client waits until discovery lists all N as live, warms them up (each
loads its schemas and rules on its first requests), then a pool of client threads (each with its own RPC client
and connection) keeps sending documents for a fixed time: one document is a remote `formats.validate` of a UBL
invoice and a remote `formats.convert` of it to CII, each reply checked (a valid report, CII out). The processes are
stopped with SIGTERM (and withdraw their heartbeat). Blocks alternate over the Ns and repeat for `--rounds`, so the
ratios compare blocks measured under the same machine load. Prints docs/s per N and the ratio to N = 1, and the CPU
the service processes used (from /proc): on a machine shared with other work, more processes also take a larger
share of the CPU, which docs per CPU-second tells apart from scaling. Linux only.

    python bench/scale_out.py [--seconds 20] [--rounds 2] [--clients 8] [--counts 1,2,4]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing

from _setup import ROOT, setup_django

QUEUE_PREFIX = "pagero-bench-scale.context."
OUTPUTS: dict[int, typing.IO[str]] = {}


def start_services(count: int) -> list[subprocess.Popen]:
    """N processes, each writing its output to a file of its own (shown if it exits early)."""
    env = {**os.environ, "CONTEXT_QUEUE_PREFIX": QUEUE_PREFIX, "PYTHONUNBUFFERED": "1"}
    processes = []
    for _ in range(count):
        output = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve_context", "formats"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        OUTPUTS[process.pid] = output
        processes.append(process)
    return processes


def output_of(process: subprocess.Popen) -> str:
    output = OUTPUTS[process.pid]
    output.seek(0)
    return output.read()[-2000:]


def stop_services(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        OUTPUTS.pop(process.pid).close()


def cpu_seconds(processes: list[subprocess.Popen]) -> float:
    """User + system CPU the processes have used so far (Linux /proc), to tell scaling from a bigger CPU share."""
    total = 0
    for process in processes:
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def client_cpu() -> float:
    """CPU this (client) process has used so far: its threads encode, send, wait for and decode every call."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_until_live(count: int, processes: list[subprocess.Popen], limit: float = 120.0) -> None:
    from strangler.discovery import live_instances

    pids = {p.pid for p in processes}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if pids <= {i.pid for i in live_instances("formats")}:
            return
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"a serve_context process exited at start:\n{output_of(process)}")
        time.sleep(0.2)
    raise SystemExit(f"the {count} instances did not all announce themselves within {limit:g}s")


def drive(clients: int, seconds: float, data: bytes) -> tuple[int, list[float], int]:
    """(documents done, per-document seconds, failed calls) with `clients` threads sending for `seconds`."""
    from django.db import connection

    from pagero.formats import public as formats
    from strangler.registry import METHODS
    from strangler.rpc import RpcClient

    validate, convert = METHODS["formats.validate"], METHODS["formats.convert"]
    done: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop() -> None:
        client = RpcClient()
        try:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    reply = client.call("formats", "formats.validate", validate.encode_request(data), 60.0)
                    report = typing.cast(formats.ValidationReport, validate.decode_reply(reply, data))
                    reply = client.call("formats", "formats.convert", convert.encode_request(data, "cii"), 60.0)
                    converted = typing.cast(formats.Conversion, convert.decode_reply(reply, data, "cii"))
                    if not report.valid or formats.detect(converted.data).syntax != "cii":
                        raise ValueError("a reply was not the expected valid report and CII document")
                except Exception as exc:  # counted and shown: a benchmark that hides failures measures nothing
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                with lock:
                    done.append(time.perf_counter() - started)
        finally:
            client.reset()
            connection.close()

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"    {len(failures)} failed calls, e.g. {failures[0]}")
    return len(done), done, len(failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per block")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the Ns (blocks alternate)")
    parser.add_argument("--clients", type=int, default=8, help="client threads sending at once (same for every N)")
    parser.add_argument("--counts", default="1,2,4", help="numbers of serve_context processes")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    if not 1 <= args.clients <= 64 or not all(1 <= c <= 16 for c in counts) or not 1 <= args.rounds <= 10:
        raise SystemExit("--clients 1..64, --counts of 1..16, --rounds 1..10")
    setup_django("pagero_bench_scale")
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    from tests.exchange.factory import document

    settings.CONTEXT_QUEUE_PREFIX = QUEUE_PREFIX
    data = document("ubl", number="SCALE-1")
    rates: dict[int, list[float]] = {n: [] for n in counts}
    latencies: dict[int, list[float]] = {n: [] for n in counts}
    cores: dict[int, list[float]] = {n: [] for n in counts}  # CPU the services obtained, in cores
    per_cpu: dict[int, list[float]] = {n: [] for n in counts}  # documents per CPU-second of the services
    print(
        f"{os.cpu_count()} cores; {args.clients} client threads; {args.seconds:g} s per block; load at start "
        f"{os.getloadavg()[0]:.1f}"
    )
    for round_number in range(args.rounds):
        for count in counts:
            processes = start_services(count)
            try:
                wait_until_live(count, processes)
                drive(args.clients, max(3.0, 2.0 * count), data)  # warm-up: every process loads schemas and rules
                load = os.getloadavg()[0]
                cpu_before, client_before = cpu_seconds(processes), client_cpu()
                documents, took, failed = drive(args.clients, args.seconds, data)
                cpu, client = cpu_seconds(processes) - cpu_before, client_cpu() - client_before
            finally:
                stop_services(processes)
            rate = documents / args.seconds
            rates[count].append(rate)
            latencies[count].extend(took)
            cores[count].append(cpu / args.seconds)
            per_cpu[count].append(documents / cpu if cpu else float("nan"))
            print(
                f"  round {round_number + 1}, N={count}: {documents} documents in {args.seconds:g} s "
                f"= {rate:.2f} docs/s; the services used {cpu / args.seconds:.2f} cores, "
                f"{documents / cpu if cpu else float('nan'):.1f} docs per CPU-second; the client "
                f"{client / args.seconds:.2f} cores (load {load:.1f}, {failed} failed)"
            )
    base = statistics.fmean(rates[counts[0]])
    print(f"\nremote validate + convert (UBL -> CII) per document, mean of {args.rounds} blocks per N:")
    for count in counts:
        mean = statistics.fmean(rates[count])
        took = sorted(latencies[count])
        p50 = took[len(took) // 2] * 1000 if took else float("nan")
        print(
            f"  N={count}: {mean:6.2f} docs/s  ({', '.join(f'{r:.2f}' for r in rates[count])})  "
            f"ratio to N={counts[0]}: {mean / base:.2f}x  p50 per document {p50:.0f} ms; "
            f"{statistics.fmean(cores[count]):.2f} cores used, "
            f"{statistics.fmean(per_cpu[count]):.1f} docs per CPU-second"
        )
    print(
        "On a machine shared with other work, more processes also win a bigger share of the CPU: compare the cores "
        "used and the docs per CPU-second (constant when the work scales out) as well as docs/s."
    )


if __name__ == "__main__":
    main()
