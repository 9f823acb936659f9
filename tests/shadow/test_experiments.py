"""Shadow experiments on the real pipeline: RabbitMQ, a real worker on the shadow queue, PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pagero.partners import public as partners
from shadow.models import Experiment, Observation
from shadow.public import KNOWN_NOISE
from shadow.report import gate, report
from tests.conftest import ROOT, subprocess_env
from tests.exchange.conftest import wait_for
from tests.exchange.factory import document

pytestmark = [pytest.mark.django_db(transaction=True)]  # `celery_worker` marks the tests `services`


def run(acme, count: int, prefix: str) -> list[str]:
    ids = []
    for n in range(count):
        response = acme.post(document("ubl", number=f"{prefix}-{n}"))
        assert response.status_code == 202
        ids.append(response.json()["id"])
    for document_id in ids:
        assert wait_for(document_id).status == "delivered"
    return ids


def wait_observations(count: int, timeout: float = 60) -> list[Observation]:
    deadline = time.monotonic() + timeout
    while Observation.objects.count() < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return list(Observation.objects.all())


def test_identical_candidate_matches_and_noise_is_learned(celery_worker, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="edifact", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="formats.convert.local",
        noise_sample_rate=1.0,
        ignore_paths=KNOWN_NOISE,  # the EDIFACT preparation time (minute resolution)
    )
    run(acme, 4, "SH")
    observations = wait_observations(4)
    assert [o.outcome for o in observations] == ["match"] * 4
    # Observed for the tenant the call is made for: the sender, as canary routing is sticky per sender.
    assert all(o.tenant_id == acme.id and o.params == {"target": "edifact"} for o in observations)
    data = report("formats")
    experiment = data["experiments"][0]
    assert experiment["comparisons"] == 4 and experiment["outcomes"] == {"match": 4}
    noise = {n["path"] for n in experiment["noise_paths"]}
    assert "/UNB[*]/5" in noise  # the interchange control reference differs on every run of the control
    assert any(o.noise for o in observations)  # ...and is reported as noise, not as a mismatch
    assert len(hook.requests) == 4


def test_a_different_candidate_is_caught_by_bt_and_path_and_the_gate_refuses(celery_worker, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="rehearsal.formats.convert.drops_buyer_reference",
        noise_sample_rate=0.0,
    )
    run(acme, 3, "DIFF")
    observations = wait_observations(3)
    assert {o.outcome for o in observations} == {"mismatch"}
    assert len({o.signature for o in observations}) == 1  # grouped: the same paths differ every time
    top = report("formats")["experiments"][0]["top_paths"][0]
    assert top["path"].endswith("/BuyerReference") and top["term"] == "BT-10" and top["count"] == 3
    verdict = gate("formats", min_comparisons=3, max_upper=0.5)
    assert not verdict.allowed and "upper bound" in verdict.reasons[0]
    assert len(hook.requests) == 3  # the candidate delivered nothing: only the control's deliveries


def test_same_values_written_differently_match(celery_worker, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="rehearsal.formats.convert.reformats_amounts",
        noise_sample_rate=0.0,
    )
    run(acme, 2, "DEC")
    assert [o.outcome for o in wait_observations(2)] == ["match", "match"]


def test_candidate_errors_are_recorded_and_reported(celery_worker, acme, nordic):
    # The timeout is checked without a worker, deterministically: test_experiments_gaps.py.
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="rehearsal.formats.convert.fails",
        noise_sample_rate=0.0,
    )
    run(acme, 1, "ERR")
    observation = wait_observations(1)[0]
    assert observation.outcome == "candidate_error" and "candidate not implemented" in observation.error
    errors = report("formats")["experiments"][0]["candidate_errors"]
    assert errors and errors[0]["error"] == "RuntimeError: candidate not implemented"


def test_report_cli_json_page_and_replay(celery_worker, acme, nordic, admin_client):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="formats.convert.local",
        noise_sample_rate=0.0,
    )
    run(acme, 2, "REP")
    wait_observations(2)
    env = subprocess_env()
    text = subprocess.run(
        [sys.executable, "manage.py", "shadow_report", "--context", "formats"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert text.returncode == 0 and "2 comparisons: match 2" in text.stdout and "cutover gate SHUT" in text.stdout
    as_json = json.loads(
        subprocess.run(
            [sys.executable, "manage.py", "shadow_report", "--context", "formats", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert as_json["experiments"][0]["comparisons"] == 2
    assert admin_client.get("/api/shadow/formats").json()["experiments"][0]["comparisons"] == 2
    page = admin_client.get("/shadow/formats/")
    assert page.status_code == 200 and b"formats.convert.local vs formats.convert.local" in page.content
    same = subprocess.run(
        [sys.executable, "manage.py", "shadow_replay", "--context", "formats"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert same.returncode == 0 and "replayed 2 input(s) of context formats: 0 differ" in same.stdout
    differ = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shadow_replay",
            "--context",
            "formats",
            "--candidate",
            "rehearsal.formats.convert.drops_buyer_reference",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert differ.returncode == 1 and "BuyerReference BT-10" in differ.stdout


def test_reports_need_staff(client):
    assert client.get("/shadow/formats/").status_code == 302
    assert client.get("/api/shadow/formats").status_code == 302
