"""Shadow reports for engineers (staff): an HTML page per context and the same data as JSON."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pagero.console import moment

from .report import known_context, report

# Hours a chart fills with empty bars between its first and last observation; a longer span shows only the hours
# that have observations (a week of hours is already 168 bars).
MAX_FILLED_HOURS = 24 * 14
# Chart geometry, in the SVG's own units (it scales to the page's width).
PLOT_LEFT, PLOT_TOP, PLOT_HEIGHT, SLOT, BAR = 44, 18, 120, 16, 12
# At least this wide, so that a chart of a few hours is not blown up to the page's width (its text with it).
MIN_WIDTH = 360


OUTCOME_WORDS = {
    "match": "matched",
    "mismatch": "mismatched",
    "candidate_error": "candidate errors",
    "timeout": "timed out",
}


def _outcome(outcome: str, n: int) -> str:
    word = OUTCOME_WORDS.get(outcome, outcome)
    return f"{n} {word}s" if outcome == "candidate_error" and n != 1 else f"{n} {word}"


class BadSince(ValueError):
    pass


def _since(request: HttpRequest) -> datetime | None:
    value = request.GET.get("since")
    if not value:
        return None
    try:
        parsed = parse_datetime(value[:64])
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadSince(f"since={value[:64]!r} is not an ISO date and time, e.g. 2026-11-29T14:00:00Z")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _known(context: str) -> None:
    if not known_context(context):
        raise Http404(f"no shadow experiments for context {context!r}")


def percent(part: int, whole: int) -> str:
    """A share as a percentage that is never rounded to 0 % when something failed, nor to 100 % when not all did."""
    if whole == 0:
        return "—"
    value = 100 * part / whole
    if 0 < value < 0.01:
        return "< 0.01 %"
    if part < whole and value > 99.99:
        return "> 99.99 %"
    return f"{value:.2f} %"


def _share(value: float) -> str:
    """A rate in [0, 1] (an interval bound) as a percentage, with the same rounding rule."""
    if 0 < value < 0.0001:
        return "< 0.01 %"
    return f"{100 * value:.2f} %"


def _ticks(peak: int) -> list[int]:
    """Up to five round values from 0 to at least the peak, for the y axis."""
    raw = max(peak, 1) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    top = step * math.ceil(max(peak, 1) / step)
    return list(range(0, top + 1, step))


def chart(timeline: dict[str, dict[str, int]]) -> dict | None:
    """The per-hour chart: stacked bars (failed at the bottom, matched above), a y axis of comparisons with round
    ticks, and an x axis of hours (UTC)."""
    if not timeline:
        return None
    hours = sorted(datetime.fromisoformat(hour) for hour in timeline)
    span = int((hours[-1] - hours[0]).total_seconds() // 3600) + 1
    if span <= MAX_FILLED_HOURS:
        hours = [hours[0] + timedelta(hours=n) for n in range(span)]
    counts = {datetime.fromisoformat(hour): values for hour, values in timeline.items()}
    totals = [sum(counts.get(hour, {}).values()) for hour in hours]
    ticks = _ticks(max(totals))
    top = ticks[-1]
    label_every = max(1, math.ceil(len(hours) / 12))
    bars = []
    for index, hour in enumerate(hours):
        values = counts.get(hour, {})
        total = sum(values.values())
        matched = values.get("match", 0)
        failed = total - matched
        x = PLOT_LEFT + index * SLOT + (SLOT - BAR) / 2
        fail_height = PLOT_HEIGHT * failed / top
        match_height = PLOT_HEIGHT * matched / top
        bottom = PLOT_TOP + PLOT_HEIGHT
        bars.append(
            {
                "x": round(x, 2),
                "centre": round(x + BAR / 2, 2),
                "hour": hour.strftime("%H:%M"),
                "day": hour.strftime("%-d %b"),
                "label": index % label_every == 0,
                "match": matched,
                "fail": failed,
                "fail_y": round(bottom - fail_height, 2),
                "fail_height": round(fail_height, 2),
                "match_y": round(bottom - fail_height - match_height, 2),
                "match_height": round(match_height, 2),
            }
        )
    width = PLOT_LEFT + len(hours) * SLOT + 8
    return {
        "bars": bars,
        "ticks": [{"value": t, "y": round(PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * t / top, 2)} for t in ticks],
        "width": max(width, MIN_WIDTH),
        "max_px": int(max(width, MIN_WIDTH) * 1.5),
        "left": PLOT_LEFT,
        "right": PLOT_LEFT + len(hours) * SLOT,
        "top": PLOT_TOP,
        "bottom": PLOT_TOP + PLOT_HEIGHT,
        "label_y": PLOT_TOP + PLOT_HEIGHT + 14,
        "title_y": PLOT_TOP + PLOT_HEIGHT + 34,
        "first": moment(hours[0]),
        "last": moment(hours[-1] + timedelta(hours=1)),
    }


@staff_member_required
def report_page(request: HttpRequest, context: str) -> HttpResponse:
    _known(context)
    try:
        since = _since(request)
    except BadSince as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    data = report(context, since)
    for experiment in data["experiments"]:
        experiment["chart"] = chart(experiment["timeline"])
        experiment["rate_text"] = percent(experiment["failures"], experiment["comparisons"])
        experiment["errors"] = experiment["failures"] - experiment["mismatches"]
        experiment["outcome_text"] = ", ".join(
            _outcome(outcome, n) for outcome, n in sorted(experiment["outcomes"].items())
        )
        low, high = experiment["mismatch_rate_interval"]
        experiment["interval_text"] = f"{_share(low)} to {_share(high)}"
        for error in experiment["candidate_errors"]:
            error["outcome_text"] = OUTCOME_WORDS.get(error["outcome"], error["outcome"])
        for example in experiment["examples"]:
            example["when"] = moment(datetime.fromisoformat(example["at"]))
    gate = data["gate"]
    gate_text = {"upper_text": _share(gate["upper_bound"])}
    return render(
        request,
        "shadow/report.html",
        {
            **admin.site.each_context(request),
            "title": f"Shadow traffic: {context}",
            "report": data,
            "context": context,
            "gate_text": gate_text,
            "since": moment(since) if since else "",
        },
    )


@staff_member_required
def report_json(request: HttpRequest, context: str) -> JsonResponse:
    if not known_context(context):
        return JsonResponse(
            {"error": "not_found", "detail": f"no shadow experiments for context {context!r}"}, status=404
        )
    try:
        since = _since(request)
    except BadSince as exc:
        return JsonResponse({"error": "bad_request", "detail": str(exc)}, status=400)
    return JsonResponse(report(context, since))
