"""shadow_report --context formats [--since ISO] [--json]: the shadow report in the terminal."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from shadow.report import report


class Command(BaseCommand):
    help = "Comparisons, mismatch rate with its interval, top differing paths and the cutover gate."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--context", required=True)
        parser.add_argument("--since", help="ISO 8601 date-time")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, context: str, since: str | None, as_json: bool, **options) -> None:
        since_dt = parse_datetime(since) if since else None
        if since and since_dt is None:
            raise CommandError(f"--since {since!r} is not an ISO 8601 date-time", returncode=2)
        data = report(context, since_dt)
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, default=str))
            return
        w = self.stdout.write
        gate = data["gate"]
        w(
            f"context {context}: cutover gate {'OPEN' if gate['allowed'] else 'SHUT'} "
            f"({gate['comparisons']} comparisons, {gate['failures']} failed, upper bound {gate['upper_bound']:.4f})"
        )
        for reason in gate["reasons"]:
            w(f"  - {reason}")
        for e in data["experiments"]:
            low, high = e["mismatch_rate_interval"]
            w(f"\n{e['name']}: {e['control']} vs {e['candidate']}")
            w(f"  {e['comparisons']} comparisons: " + ", ".join(f"{k} {v}" for k, v in sorted(e["outcomes"].items())))
            w(f"  mismatch rate {e['mismatch_rate']:.4f} (95 % interval {low:.4f}-{high:.4f})")
            for p in e["top_paths"]:
                w(f"  differs: {p['path']} {p['term'] or ''} x{p['count']}")
            for n in e["noise_paths"]:
                w(f"  noise:   {n['path']} x{n['seen']}")
            for err in e["candidate_errors"]:
                w(f"  error:   {err['input_ref']}: {err['error']}")
