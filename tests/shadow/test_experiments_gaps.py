"""Recording a candidate's run without a worker: timeouts, errors, ignored and learned noise, mismatches.

The candidate here is a registered implementation the test controls; a slow candidate waits on an event the test
sets only after the verdict, so the timeout does not depend on how fast the machine is.
"""

from __future__ import annotations

import threading

import pytest

from shadow.compare import Difference, signature
from shadow.experiments import run_candidate
from shadow.implementations import REGISTRY
from shadow.models import Experiment, NoisePath

pytestmark = [pytest.mark.django_db]

CONTROL = b"<Inv><Ref>PO-1</Ref><Stamp>10:00</Stamp><Total>100.00</Total></Inv>"


@pytest.fixture
def candidate(monkeypatch):
    """Register `test.candidate` answering what the test puts in `answer` (bytes, or an exception to raise)."""
    answer: dict = {}

    def implementation(payload: bytes, params: dict) -> bytes:
        value = answer["value"]
        if isinstance(value, BaseException):
            raise value
        if isinstance(value, threading.Event):
            value.wait(timeout=30)
            return CONTROL
        return value

    monkeypatch.setitem(REGISTRY, "test.candidate", implementation)
    monkeypatch.setitem(REGISTRY, "test.control", lambda payload, params: CONTROL)
    return answer


def experiment(**fields) -> Experiment:
    values = {
        "name": "formats.convert",
        "context": "formats",
        "control": "test.control",
        "candidate": "test.candidate",
        "noise_sample_rate": 0.0,
    }
    return Experiment.objects.create(**(values | fields))


def observe(**extra):
    return run_candidate("formats.convert", None, "doc-1", b"input", {"to": "cii"}, CONTROL, 12.5, **extra)


def test_a_candidate_slower_than_its_budget_is_recorded_as_a_timeout(candidate):
    experiment(time_budget_seconds=0.05)
    release = threading.Event()
    candidate["value"] = release
    try:
        observation = observe()
    finally:
        release.set()  # the candidate could not have answered before this: the verdict cannot be a race
    assert observation.outcome == "timeout"
    assert observation.error == "no answer within 0.05s"
    assert observation.candidate_ms == pytest.approx(50)
    assert observation.differences == [] and observation.signature == ""


def test_a_candidate_that_raises_is_recorded_with_its_exception_and_never_raises(candidate):
    experiment()
    candidate["value"] = ValueError("amount out of range")
    observation = observe()
    assert observation.outcome == "candidate_error"
    assert observation.error == "ValueError: amount out of range"
    assert observation.differences == [] and observation.signature == ""


def test_the_same_output_is_a_match(candidate):
    experiment()
    candidate["value"] = CONTROL.replace(b"100.00", b"100.0")
    observation = observe()
    assert (observation.outcome, observation.error, observation.differences) == ("match", "", [])
    assert (observation.control_ms, observation.input_ref, observation.params) == (12.5, "doc-1", {"to": "cii"})
    assert observation.replay is False


def test_a_difference_is_a_mismatch_with_its_path_values_and_signature(candidate):
    experiment()
    candidate["value"] = CONTROL.replace(b"PO-1", b"PO-2")
    observation = observe()
    assert observation.outcome == "mismatch"
    assert observation.differences == [{"path": "/Inv/Ref", "control": "PO-1", "candidate": "PO-2", "term": None}]
    assert observation.signature == signature([Difference("/Inv/Ref", "PO-1", "PO-2")])


def test_ignored_and_learned_noise_paths_do_not_make_a_mismatch_but_are_kept(candidate):
    exp = experiment(ignore_paths=["/Inv/Stamp"])
    NoisePath.objects.create(experiment=exp, path="/Inv/Total")
    candidate["value"] = CONTROL.replace(b"10:00", b"10:01").replace(b"100.00", b"99")
    observation = observe()
    assert observation.outcome == "match"
    assert {d["path"] for d in observation.noise} == {"/Inv/Stamp", "/Inv/Total"}
    # noise does not hide a real difference next to it
    candidate["value"] = CONTROL.replace(b"10:00", b"10:01").replace(b"PO-1", b"PO-9")
    observation = observe()
    assert observation.outcome == "mismatch"
    assert [d["path"] for d in observation.differences] == ["/Inv/Ref"]
    assert [d["path"] for d in observation.noise] == ["/Inv/Stamp"]


def test_a_replay_is_marked_as_one(candidate):
    experiment()
    candidate["value"] = CONTROL
    assert observe(replay=True).replay is True


def test_edifact_outputs_are_compared_element_by_element(candidate, monkeypatch):
    control = b"UNH+1+INVOIC'\nBGM+380+X'\nMOA+9:100'\nMOA+125:80'\n"  # one segment a line, as the writer puts it
    monkeypatch.setitem(REGISTRY, "test.control", lambda payload, params: control)
    experiment()
    candidate["value"] = control.replace(b"9:100", b"9:101").replace(b"125:80", b"125:80?+1")
    observation = run_candidate("formats.convert", None, "doc-1", b"input", {}, control, 1.0)
    assert observation.outcome == "mismatch"
    assert [(d["path"], d["control"], d["candidate"]) for d in observation.differences] == [
        ("/MOA[1]/1", "9:100", "9:101"),
        ("/MOA[2]/1", "125:80", "125:80?+1"),  # a released + is data, not a new element
    ]
