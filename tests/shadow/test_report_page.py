"""The shadow report page as engineers read it, and the offline replay's verdict.

Observations are recorded here directly (how a worker records them is tests/shadow/test_experiments.py); the page,
the JSON and the replay command run for real.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from io import StringIO
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pagero.documents import public as documents
from shadow.implementations import REGISTRY
from shadow.models import Experiment, NoisePath, Observation

pytestmark = [pytest.mark.django_db]


def experiment(name: str = "formats.convert", **fields) -> Experiment:
    values = {"context": "formats", "control": "formats.convert.local", "candidate": "formats.convert.local"}
    return Experiment.objects.create(name=name, **(values | fields))


def observed(exp: Experiment, outcome: str, n: int = 1, hours_ago: float = 0, **fields) -> None:
    rows = Observation.objects.bulk_create(
        [
            Observation(
                experiment=exp,
                input_ref=f"doc-{uuid.uuid4()}",
                outcome=outcome,
                control_ms=3.0,
                candidate_ms=4.0,
                differences=[{"path": "/Invoice/BuyerReference", "control": "PO-1", "candidate": None, "term": "BT-10"}]
                if outcome == "mismatch"
                else [],
                error="RuntimeError: candidate not implemented" if outcome == "candidate_error" else "",
                **fields,
            )
            for _ in range(n)
        ]
    )
    if hours_ago:  # created_at is set on insert: moved afterwards, as if observed then
        at = timezone.now() - timedelta(hours=hours_ago)
        Observation.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=at)


def page(admin_client, path: str = "/shadow/formats/") -> str:
    response = admin_client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_an_unknown_context_is_404_on_the_page_and_in_the_json(admin_client):
    experiment()
    assert admin_client.get("/shadow/formats/").status_code == 200
    assert admin_client.get("/shadow/no-such-context/").status_code == 404
    answer = admin_client.get("/api/shadow/no-such-context")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_a_malformed_since_is_a_400_naming_it(admin_client):
    experiment()
    response = admin_client.get("/shadow/formats/?since=yesterday-ish")
    assert response.status_code == 400 and "yesterday-ish" in response.content.decode()
    assert admin_client.get("/api/shadow/formats?since=2026-13-45T99:00").status_code == 400
    assert admin_client.get("/api/shadow/formats?since=2026-11-01T00:00:00Z").status_code == 200


def test_the_page_is_the_consoles_with_its_brand(admin_client):
    experiment()
    html = page(admin_client)
    assert "<title>Shadow traffic: formats | E-document exchange console</title>" in html
    assert "E-document exchange · operator console" in html and "Django administration" not in html


def test_the_chart_has_axes_and_a_legend(admin_client):
    exp = experiment()
    observed(exp, "match", 8, hours_ago=3)
    observed(exp, "match", 3)
    observed(exp, "mismatch", 2)
    html = page(admin_client)
    start = html.index('<svg class="shadow-chart"')
    svg = html[start : html.index("</svg>", start)]
    # y axis: round ticks from 0 to at least the busiest hour (8), and its title; x axis: hours and its title
    ticks = [int(t) for t in re.findall(r'text-anchor="end" dominant-baseline="middle">(\d+)</text>', svg)]
    assert ticks[0] == 0 and ticks[-1] >= 8 and ticks == sorted(ticks) and len(ticks) >= 3
    assert ">comparisons</text>" in svg and ">hour (UTC)</text>" in svg
    assert len(re.findall(r'text-anchor="middle">\d\d:00</text>', svg)) >= 2
    # four hours from the first to the last observation: the empty ones are drawn too (bars of height 0)
    assert svg.count('fill="#2f6fb8"') == 4
    legend = html[html.index('class="legend"') : html.index("</ul>", html.index('class="legend"'))]
    assert "matched" in legend and "failed (mismatch, candidate error or timeout)" in legend


def test_candidate_errors_alone_do_not_read_as_no_mismatches(admin_client):
    exp = experiment()
    observed(exp, "match", 3)
    observed(exp, "candidate_error", 1)
    html = page(admin_client)
    assert "failure rate 25.00 %: 1 of 4 failed (0 mismatches, 1 candidate error or timeout)" in html
    section = html[html.index("<h3>Mismatches</h3>") :]
    assert "No mismatches: the 1 failed comparison is a candidate error or timeout (below)." in section
    assert "No mismatches." not in html


@pytest.mark.slow  # 10,002 observations
def test_a_rare_mismatch_is_not_rounded_away(admin_client):
    exp = experiment()
    observed(exp, "match", 10_001)  # 1 in 10,002: below the 0.01 % that two decimals show
    observed(exp, "mismatch", 1)
    html = page(admin_client)
    assert "failure rate &lt; 0.01 %: 1 of 10002 failed (1 mismatch, 0 candidate errors or timeouts)" in html
    assert "No mismatches" not in html and "BT-10" in html


def test_all_matching_says_so_with_a_zero_rate(admin_client):
    exp = experiment()
    observed(exp, "match", 5)
    html = page(admin_client)
    assert "failure rate 0.00 %: 0 of 5 failed" in html and "No mismatches: all 5 comparisons matched." in html


# -- replay -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def stamping_control(monkeypatch):
    """A control whose output carries a per-run value (as the EDIFACT preparation time does): two runs differ."""
    runs = count()
    monkeypatch.setitem(
        REGISTRY,
        "test.stamping",
        lambda payload, params: b"<Inv><Ref>%s</Ref><Stamp>%d</Stamp></Inv>" % (payload[:20], next(runs)),
    )
    return "test.stamping"


def replay_setup(control: str, inputs: int = 2) -> Experiment:
    exp = experiment(control=control, candidate="rehearsal.formats.convert.fails")
    store = documents.payload_store()
    for n in range(inputs):
        document_id = str(uuid.uuid4())
        store.put(document_id, "original", f"PO-{n}".encode())
        Observation.objects.create(
            experiment=exp, input_ref=document_id, outcome="match", control_ms=1.0, params={"target": "cii"}
        )
    return exp


def replay(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("shadow_replay", "--context", "formats", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_a_control_replayed_against_itself_differs_in_nothing_once_its_noise_is_learned(stamping_control):
    exp = replay_setup(stamping_control)
    out, error = replay("--candidate", stamping_control)
    assert error is not None and "replayed 2 input(s) of context formats: 2 differ" in out  # the stamp, unlearned

    NoisePath.objects.create(experiment=exp, path="/Inv/Stamp")
    out, error = replay("--candidate", stamping_control)
    assert error is None and "replayed 2 input(s) of context formats: 0 differ" in out


def test_ignored_paths_apply_to_the_replay_too_and_a_real_difference_still_shows(stamping_control, monkeypatch):
    exp = replay_setup(stamping_control)
    exp.ignore_paths = ["/Inv/Stamp"]
    exp.save()
    monkeypatch.setitem(REGISTRY, "test.other", lambda payload, params: b"<Inv><Ref>other</Ref><Stamp>0</Stamp></Inv>")
    out, error = replay("--candidate", "test.other")
    assert error is not None and "2 differ" in out and "/Inv/Ref" in out and "/Inv/Stamp" not in out


def test_replay_refuses_bad_arguments_with_a_message(stamping_control):
    replay_setup(stamping_control, inputs=1)
    for args, message in (
        (["--since", "last tuesday"], "is not an ISO date and time"),
        (["--limit", "0"], "--limit must be between 1 and"),
        (["--candidate", "nobody"], "unknown candidate 'nobody'"),
    ):
        _, error = replay(*args)
        assert error is not None and message in str(error), args
    out = StringIO()
    with pytest.raises(CommandError, match="no experiments for context 'routing'"):
        call_command("shadow_replay", "--context", "routing", stdout=out)


def test_the_console_lists_experiments_with_their_report_and_bounds_their_settings(admin_client):
    exp = experiment()
    listing = admin_client.get("/admin/shadow/experiment/").content.decode()
    assert 'href="/shadow/formats/"' in listing
    url = f"/admin/shadow/experiment/{exp.pk}/change/"
    form = {"enabled": "on", "sample_rate": "5", "noise_sample_rate": "0.1", "time_budget_seconds": "10"}
    refused = admin_client.post(url, form | {"ignore_paths": "[]"})
    assert refused.status_code == 200 and "less than or equal to 1" in refused.content.decode()
    refused = admin_client.post(url, form | {"sample_rate": "0.5", "ignore_paths": '{"a": 1}'})
    assert refused.status_code == 200 and "a list of paths" in refused.content.decode()
    saved = admin_client.post(url, form | {"sample_rate": "0.5", "ignore_paths": '["/UNB[*]/4"]'})
    assert saved.status_code == 302
    exp.refresh_from_db()
    assert (exp.sample_rate, exp.ignore_paths, exp.control) == (0.5, ["/UNB[*]/4"], "formats.convert.local")
