"""Payload storage benchmark on the real PostgreSQL and Cassandra.

Prints:
- payload write latency (the store step of a submission) p50/p99 in postgres_only and in dual_write,
  measured in the same run in alternating blocks, and their ratio;
- backfill rate (payloads/s, MB/s) for N payloads of realistic sizes.

    python bench/payloads.py [--payloads 2000] [--writes 600]
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
    args = parser.parse_args()
    setup_django()

    from django.conf import settings

    from pagero import cassandra_session
    from pagero.documents import public as documents
    from pagero.documents.models import PayloadRecord
    from payload_migration.models import BackfillRun, PayloadMigrationState, PhaseChange, RepairEntry
    from payload_migration.payloads.backfill import BackfillOptions, run_backfill

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
    store = documents.payload_store()

    # 1. Write latency, postgres_only vs dual_write, alternating blocks of 50 so drift hits both alike.
    reset("postgres_only")
    samples: dict[str, list[float]] = {"postgres_only": [], "dual_write": []}
    typical = [os.urandom(rng.randint(5_000, 40_000)) for _ in range(64)]
    n = 0
    while min(len(v) for v in samples.values()) < args.writes:
        for phase in samples:
            set_phase(phase)
            for _ in range(50):
                data = typical[n % len(typical)]
                started = time.perf_counter()
                store.put(f"lat-{n}", "original", data)
                samples[phase].append(time.perf_counter() - started)
                n += 1
    print(f"payload write, postgres_only: {summary_ms(samples['postgres_only'])}")
    print(f"payload write, dual_write:    {summary_ms(samples['dual_write'])}")
    from _setup import percentile

    p50 = percentile(samples["dual_write"], 50) / percentile(samples["postgres_only"], 50)
    p99 = percentile(samples["dual_write"], 99) / percentile(samples["postgres_only"], 99)
    print(f"dual_write / postgres_only ratio: p50 {p50:.2f}x  p99 {p99:.2f}x")

    # 2. Backfill of N payloads of realistic sizes written in postgres_only.
    reset("postgres_only")
    database = documents.database_payload_store()
    total_bytes = 0
    for i in range(args.payloads):
        data = os.urandom(realistic_size(rng))
        total_bytes += len(data)
        database.put(f"bf-{i}", "original", data)
    set_phase("backfill")
    report = run_backfill(BackfillOptions(batch_size=200, concurrency=8, max_latency_ms=1000))
    rate = report.copied / report.seconds
    mb_rate = report.bytes_copied / 1e6 / report.seconds
    print(
        f"backfill: {report.copied} payloads, {total_bytes / 1e6:.1f} MB in {report.seconds:.1f} s: "
        f"{rate:.0f} payloads/s, {mb_rate:.1f} MB/s (throttle off, 8 writers, batch 200)"
    )
    rerun = run_backfill(BackfillOptions(batch_size=200, restart=True))
    print(
        f"backfill rerun (everything present): {rerun.skipped} skipped in {rerun.seconds:.1f} s, "
        f"{rerun.skipped / rerun.seconds:.0f} payloads/s"
    )
    cassandra_session.shutdown()


if __name__ == "__main__":
    main()
