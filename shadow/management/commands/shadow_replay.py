"""shadow_replay --context formats [--since ISO] [--candidate NAME] [--limit N]: rerun stored inputs offline."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pagero.documents import public as documents
from shadow.experiments import compare, separate_noise
from shadow.implementations import REGISTRY
from shadow.models import Experiment, Observation

# Observations replayed per experiment at most: a replay runs the control and the candidate on each, inline.
MAX_LIMIT = 100_000


class Command(BaseCommand):
    help = "Run the inputs the shadow layer saw through a candidate and report the differences; exit 1 if any."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--context", required=True)
        parser.add_argument("--since")
        parser.add_argument("--candidate", help="implementation name (default: each experiment's candidate)")
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, context: str, since: str | None, candidate: str | None, limit: int, **options) -> None:
        if candidate and candidate not in REGISTRY:
            raise CommandError(f"unknown candidate {candidate!r}; known: {', '.join(sorted(REGISTRY))}", returncode=2)
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}", returncode=2)
        since_at = None
        if since:
            try:
                since_at = parse_datetime(since)
            except ValueError:
                since_at = None
            if since_at is None:
                raise CommandError(f"--since {since!r} is not an ISO date and time (2026-11-29T14:00)", returncode=2)
            if timezone.is_naive(since_at):
                since_at = timezone.make_aware(since_at)
        experiments = Experiment.objects.filter(context=context)
        if not experiments:
            raise CommandError(f"no experiments for context {context!r}", returncode=2)
        store = documents.payload_store()
        failures = total = 0
        for experiment in experiments:
            rows = Observation.objects.filter(experiment=experiment, replay=False)
            if since_at:
                rows = rows.filter(created_at__gte=since_at)
            seen: set[tuple] = set()
            for row in rows[:limit]:
                key = (row.input_ref, tuple(sorted(row.params.items())))
                if key in seen:
                    continue
                seen.add(key)
                document_id, _, kind = row.input_ref.partition(":")
                try:
                    payload = store.get(document_id, kind or "original")
                except documents.PayloadNotFound:
                    self.stdout.write(f"{row.input_ref}: skipped, its input is no longer stored")
                    continue
                started = time.perf_counter()
                control = REGISTRY[experiment.control](payload, row.params)
                name = candidate or experiment.candidate
                try:
                    # Learned noise and ignored paths are not differences here either: the control replayed
                    # against itself differs in its per-run values (an EDIFACT preparation time) only.
                    differences, _noise = separate_noise(
                        experiment, compare(control, REGISTRY[name](payload, row.params))
                    )
                except Exception as exc:
                    differences = None
                    self.stdout.write(f"{row.input_ref}: candidate error {type(exc).__name__}: {exc}")
                total += 1
                if differences:
                    failures += 1
                    for d in differences[:5]:
                        self.stdout.write(f"{row.input_ref}: {d.path} {d.term or ''}: {d.control!r} -> {d.candidate!r}")
                elif differences is None:
                    failures += 1
                verdict = "differs" if differences or differences is None else "same"
                self.stdout.write(f"{row.input_ref}: {verdict} ({(time.perf_counter() - started) * 1000:.0f} ms)")
        self.stdout.write(f"replayed {total} input(s) of context {context}: {failures} differ")
        if failures:
            raise CommandError(f"{failures} of {total} replayed input(s) differ")
