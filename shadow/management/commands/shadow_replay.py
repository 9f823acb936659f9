"""shadow_replay --context formats [--since ISO] [--candidate NAME] [--limit N]: rerun stored inputs offline."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from pagero.documents import public as documents
from shadow.experiments import compare
from shadow.implementations import REGISTRY
from shadow.models import Experiment, Observation


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
        experiments = Experiment.objects.filter(context=context)
        if not experiments:
            raise CommandError(f"no experiments for context {context!r}", returncode=2)
        store = documents.payload_store()
        failures = total = 0
        for experiment in experiments:
            rows = Observation.objects.filter(experiment=experiment, replay=False)
            if since:
                rows = rows.filter(created_at__gte=parse_datetime(since))
            seen: set[tuple] = set()
            for row in rows[:limit]:
                key = (row.input_ref, tuple(sorted(row.params.items())))
                if key in seen:
                    continue
                seen.add(key)
                document_id, _, kind = row.input_ref.partition(":")
                payload = store.get(document_id, kind or "original")
                started = time.perf_counter()
                control = REGISTRY[experiment.control](payload, row.params)
                name = candidate or experiment.candidate
                try:
                    differences = compare(control, REGISTRY[name](payload, row.params))
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
