"""Payload storage benchmark on the real PostgreSQL and Cassandra.

Prints:
- payload write latency (the store step of a submission) p50/p99 in postgres_only and in dual_write,
  both the sequential dual write (PostgreSQL, then Cassandra: the previous path) and the concurrent one
  (the Cassandra write in flight while PostgreSQL writes), measured in the same run in alternating blocks,
  and their ratios to postgres_only;
- backfill rate (payloads/s, MB/s) for N payloads of realistic sizes, the previous path (thread pool,
  reads then writes per group) and the pipelined one, on the same data in the same run.

    python bench/payloads.py [--payloads 2000] [--writes 600] [--sequential]

--sequential measures the previous paths only. On the 3-node cluster: CASSANDRA_HOSTS=127.0.0.2,127.0.0.3,127.0.0.4
CASSANDRA_REPLICATION="{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}" python bench/payloads.py
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _setup import setup_django, summary_ms

# Sizes seen in e-invoicing: most UBL/CII documents are 5-40 KB, some carry lines or attachments up to
# a few hundred KB, and a few embed PDFs (Factur-X) of a few MB.
SIZE_MIX = [(0.70, 5_000, 40_000), (0.25, 40_000, 300_000), (0.05, 1_000_000, 3_000_000)]


def realistic_size(rng: random.Random) -> int:
    roll = rng.random()
    for share, low, high in SIZE_MIX:
        if roll < share:
            return rng.randint(low, high)
        roll -= share
    return SIZE_MIX[-1][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payloads", type=int, default=2000, help="payloads to backfill")
    parser.add_argument("--writes", type=int, default=600, help="writes per phase for the latency comparison")
    parser.add_argument("--sequential", action="store_true", help="only the previous (sequential) paths")
    args = parser.parse_args()
    setup_django("pagero_bench_payloads")

    from django.conf import settings

    from pagero import cassandra_session
    from pagero.documents import public as documents
    from pagero.documents.models import PayloadRecord
    from payload_migration.models import BackfillRun, PayloadMigrationState, PhaseChange, RepairEntry
    from payload_migration.payloads.backfill import BackfillOptions, run_backfill
    from payload_migration.payloads.store import PhasedPayloadStore

    settings.PAYLOAD_STORE = "migration"
    keyspace = documents.create_cassandra_schema()
    session = cassandra_session.get_session()

    def reset(phase: str) -> None:
        PayloadRecord.objects.all().delete()
        for model in (BackfillRun, PhaseChange, RepairEntry):
            model.objects.all().delete()
        for table in ("payload_meta", "payload_chunks"):
            session.execute(f"TRUNCATE {keyspace}.{table}", timeout=120)
        PayloadMigrationState.objects.update_or_create(pk=1, defaults={"phase": phase})

    def set_phase(phase: str) -> None:
        PayloadMigrationState.objects.filter(pk=1).update(phase=phase)

    rng = random.Random(2026)
    stores = {"postgres_only": PhasedPayloadStore(), "dual_write (sequential)": PhasedPayloadStore(concurrent=False)}
    if not args.sequential:
        stores["dual_write (concurrent)"] = PhasedPayloadStore(concurrent=True)

    # 1. Write latency, alternating blocks of 50 so that drift hits every variant alike.
    reset("postgres_only")
    samples: dict[str, list[float]] = {name: [] for name in stores}
    typical = [os.urandom(rng.randint(5_000, 40_000)) for _ in range(64)]
    n = 0
    while min(len(v) for v in samples.values()) < args.writes:
        for name, store in stores.items():
            set_phase(name.split(" ")[0])
            for _ in range(50):
                data = typical[n % len(typical)]
                started = time.perf_counter()
                store.put(f"lat-{n}", "original", data)
                samples[name].append(time.perf_counter() - started)
                n += 1
    from _setup import percentile

    base50, base99 = percentile(samples["postgres_only"], 50), percentile(samples["postgres_only"], 99)
    for name, values in samples.items():
        ratio = (
            ""
            if name == "postgres_only"
            else (
                f"  ratio to postgres_only: p50 {percentile(values, 50) / base50:.2f}x"
                f"  p99 {percentile(values, 99) / base99:.2f}x"
            )
        )
        print(f"payload write, {name + ':':26} {summary_ms(values)}{ratio}")

    # 2. Backfill of N payloads of realistic sizes written in postgres_only: each path on the same data.
    reset("postgres_only")
    database = documents.database_payload_store()
    total_bytes = 0
    for i in range(args.payloads):
        data = os.urandom(realistic_size(rng))
        total_bytes += len(data)
        database.put(f"bf-{i}", "original", data)
    set_phase("backfill")
    paths = [("sequential", True)] + ([] if args.sequential else [("pipelined", False)])
    rates = {}
    for label, sequential in paths:
        for table in ("payload_meta", "payload_chunks"):
            session.execute(f"TRUNCATE {keyspace}.{table}", timeout=120)
        options = BackfillOptions(
            batch_size=200, concurrency=8, max_latency_ms=1000, restart=True, sequential=sequential
        )
        report = run_backfill(options)
        rates[label] = report.bytes_copied / 1e6 / report.seconds
        print(
            f"backfill, {label + ':':11} {report.copied} payloads, {total_bytes / 1e6:.1f} MB "
            f"in {report.seconds:.1f} s: "
            f"{report.copied / report.seconds:.0f} payloads/s, {rates[label]:.1f} MB/s (throttle off, batch 200)"
        )
    if "pipelined" in rates:
        print(f"backfill pipelined / sequential: {rates['pipelined'] / rates['sequential']:.2f}x")
    rerun = run_backfill(BackfillOptions(batch_size=200, restart=True))
    print(
        f"backfill rerun (everything present): {rerun.skipped} skipped in {rerun.seconds:.1f} s, "
        f"{rerun.skipped / rerun.seconds:.0f} payloads/s"
    )
    cassandra_session.shutdown()


if __name__ == "__main__":
    main()
