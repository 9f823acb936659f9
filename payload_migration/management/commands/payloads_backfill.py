"""payloads_backfill: copy older payloads from PostgreSQL to Cassandra (resumable, throttled)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payload_migration.payloads.backfill import BackfillOptions, BackfillRefused, run_backfill
from payload_migration.payloads.progress import Progress


class Command(BaseCommand):
    help = "Copy payloads written before dual writes to Cassandra; resumes from its checkpoint after a stop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--rate", type=float, default=None, help="at most N payloads per second")
        parser.add_argument("--mb-rate", type=float, default=None, help="at most N megabytes per second")
        parser.add_argument(
            "--max-latency-ms",
            type=float,
            default=100.0,
            help="back off when Cassandra's mean write latency exceeds this",
        )
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--restart", action="store_true", help="start a new pass instead of resuming")

    def handle(self, *args, **o) -> None:
        if o["batch_size"] < 1 or o["concurrency"] < 1:
            raise CommandError("--batch-size and --concurrency must be at least 1", returncode=2)
        for name in ("rate", "mb_rate"):
            if o[name] is not None and o[name] <= 0:
                raise CommandError(f"--{name.replace('_', '-')} must be more than 0", returncode=2)
        if o["max_latency_ms"] <= 0:
            raise CommandError("--max-latency-ms must be more than 0", returncode=2)
        options = BackfillOptions(
            batch_size=o["batch_size"],
            rate=o["rate"],
            mb_rate=o["mb_rate"],
            max_latency_ms=o["max_latency_ms"],
            concurrency=o["concurrency"],
            restart=o["restart"],
        )
        bar = Progress("backfill", self.stdout)
        try:
            report = run_backfill(options, progress=bar.update)
        except BackfillRefused as exc:
            raise CommandError(str(exc)) from exc
        bar.finish()
        rate = (report.copied + report.skipped) / report.seconds if report.seconds else 0.0
        self.stdout.write(
            f"backfill run {report.run_id} finished: {report.copied} copied, {report.skipped} skipped "
            f"(resumed from cursor {report.resumed_from}), {report.bytes_copied / 1e6:.1f} MB, "
            f"{rate:.0f} payloads/s, throttled {report.throttled_seconds:.1f}s"
        )
