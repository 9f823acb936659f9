"""What engineers read before a cutover: per-experiment figures, and the gate's verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from .compare import generalise, wilson_interval, wilson_upper
from .models import Experiment, Observation

FAILED = ("mismatch", "candidate_error", "timeout")


@dataclass(frozen=True)
class GateVerdict:
    allowed: bool
    comparisons: int
    failures: int
    upper_bound: float
    reasons: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


def gate(
    context: str, window_hours: float | None = None, min_comparisons: int | None = None, max_upper: float | None = None
) -> GateVerdict:
    """Cutover is allowed only with enough comparisons in the window and a low enough mismatch bound."""
    window_hours = window_hours if window_hours is not None else settings.SHADOW_GATE_WINDOW_HOURS
    min_comparisons = min_comparisons if min_comparisons is not None else settings.SHADOW_GATE_MIN_COMPARISONS
    max_upper = max_upper if max_upper is not None else settings.SHADOW_GATE_MAX_MISMATCH_UPPER
    since = timezone.now() - timedelta(hours=window_hours)
    rows = Observation.objects.filter(experiment__context=context, created_at__gte=since, replay=False)
    comparisons = rows.count()
    failures = rows.filter(outcome__in=FAILED).count()
    upper = wilson_upper(failures, comparisons)
    reasons = []
    if comparisons < min_comparisons:
        reasons.append(f"{comparisons} comparison(s) in the last {window_hours:g} h, {min_comparisons} needed")
    if upper >= max_upper:
        reasons.append(
            f"failure rate upper bound {upper:.2%} (95 %) is not below {max_upper:.2%} "
            f"({failures} of {comparisons} failed)"
        )
    return GateVerdict(not reasons, comparisons, failures, upper, reasons)


def known_context(context: str) -> bool:
    """A context the shadow layer has experiments for; anything else has no report."""
    return Experiment.objects.filter(context=context).exists()


def report(context: str, since: datetime | None = None) -> dict:
    experiments = []
    for experiment in Experiment.objects.filter(context=context).order_by("name"):
        rows = experiment.observations.filter(replay=False)
        if since:
            rows = rows.filter(created_at__gte=since)
        outcomes = dict(rows.values_list("outcome").annotate(n=Count("id")))
        total = sum(outcomes.values())
        failures = sum(outcomes.get(o, 0) for o in FAILED)
        paths: Counter = Counter()
        signatures: Counter = Counter()
        for row in rows.filter(outcome="mismatch").only("differences", "signature")[:2000]:
            signatures[row.signature] += 1
            for difference in row.differences:
                paths[(generalise(difference["path"]), difference.get("term"))] += 1
        hours = (
            rows.annotate(hour=TruncHour("created_at"))
            .values("hour", "outcome")
            .annotate(n=Count("id"))
            .order_by("hour")
        )
        timeline: dict[str, dict[str, int]] = {}
        for row in hours:
            timeline.setdefault(row["hour"].isoformat(), {})[row["outcome"]] = row["n"]
        experiments.append(
            {
                "name": experiment.name,
                "control": experiment.control,
                "candidate": experiment.candidate,
                "comparisons": total,
                "outcomes": outcomes,
                # The rate counts every failed comparison: mismatches, candidate errors and timeouts.
                "failures": failures,
                "mismatches": outcomes.get("mismatch", 0),
                "mismatch_rate": failures / total if total else 0.0,
                "mismatch_rate_interval": list(wilson_interval(failures, total)),
                "top_paths": [{"path": p, "term": t, "count": n} for (p, t), n in paths.most_common(10)],
                "signatures": [{"signature": s, "count": n} for s, n in signatures.most_common(10)],
                "examples": [
                    {"input_ref": o.input_ref, "differences": o.differences[:10], "at": o.created_at.isoformat()}
                    for o in rows.filter(outcome="mismatch")[:3]
                ],
                "candidate_errors": [
                    {"input_ref": o.input_ref, "outcome": o.outcome, "error": o.error}
                    for o in rows.filter(outcome__in=("candidate_error", "timeout"))[:5]
                ],
                "noise_paths": list(experiment.noise_paths.order_by("-seen").values("path", "seen")[:20]),
                "timeline": timeline,
                "latency_ms": {
                    "control_mean": _mean(rows, "control_ms"),
                    "candidate_mean": _mean(rows, "candidate_ms"),
                },
            }
        )
    return {
        "context": context,
        "since": since.isoformat() if since else None,
        "experiments": experiments,
        "gate": gate(context).as_dict(),
    }


def _mean(rows, field: str) -> float | None:
    value = rows.aggregate(mean=Avg(field))["mean"]
    return round(value, 2) if value is not None else None
