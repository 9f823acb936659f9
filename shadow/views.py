"""Shadow reports for engineers (staff): an HTML page per context and the same data as JSON."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from .report import report


def _since(request: HttpRequest):
    value = request.GET.get("since")
    return parse_datetime(value) if value else None


@staff_member_required
def report_page(request: HttpRequest, context: str) -> HttpResponse:
    data = report(context, _since(request))
    for experiment in data["experiments"]:
        hours = experiment["timeline"]
        peak = max([1, *(sum(v.values()) for v in hours.values())])
        bars = []
        for hour, counts in sorted(hours.items()):
            total, failed = sum(counts.values()), sum(counts.values()) - counts.get("match", 0)
            height, fail_height = 100 * total // peak, 100 * failed // peak
            bars.append(
                {
                    "hour": hour[11:16],
                    "match": counts.get("match", 0),
                    "fail": failed,
                    "height": height,
                    "top": 100 - height,
                    "fail_height": fail_height,
                    "top_fail": 100 - fail_height,
                    "fail_top": 100 - fail_height,
                }
            )
        experiment["bars"] = bars
    return render(request, "shadow/report.html", {"report": data, "context": context})


@staff_member_required
def report_json(request: HttpRequest, context: str) -> JsonResponse:
    return JsonResponse(report(context, _since(request)))
