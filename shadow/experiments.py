"""Running experiments: publish the candidate's work off the request path, run it, compare, record."""

from __future__ import annotations

import base64
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .compare import Difference, compare_outputs, diff_flat, generalise, matches, signature
from .implementations import REGISTRY
from .models import Experiment, NoisePath, Observation

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="shadow-candidate")


def output_kind(output: bytes) -> str:
    return "xml" if output.lstrip()[:1] == b"<" else "text"


def compare(control: bytes, candidate: bytes) -> list[Difference]:
    if output_kind(control) == "xml" and output_kind(candidate) == "xml":
        return compare_outputs(control, candidate, "xml")
    return diff_flat(flatten_segments(control), flatten_segments(candidate))


def flatten_segments(data: bytes) -> dict[str, str]:
    """EDIFACT (one segment per line): {"/UNB[1]/4": "20261126:1200", ...}, so noise can be one element."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.rstrip("'")
        if not line:
            continue
        elements = re.split(r"(?<!\?)\+", line)
        tag = elements[0][:6]
        seen[tag] = seen.get(tag, 0) + 1
        for index, element in enumerate(elements[1:], start=1):
            out[f"/{tag}[{seen[tag]}]/{index}"] = element
    return out


def observe(
    name: str,
    *,
    tenant_id: int | None,
    input_ref: str,
    payload: bytes,
    params: dict,
    control_output: bytes,
    control_ms: float,
) -> bool:
    """Called on the request path after the control answered: schedules the candidate, returns at once."""
    sample_rate = Experiment.objects.filter(name=name, enabled=True).values_list("sample_rate", flat=True).first()
    if sample_rate is None or random.random() >= sample_rate:
        return False
    from .tasks import run_candidate

    args = [
        name,
        tenant_id,
        input_ref,
        base64.b64encode(payload).decode(),
        params,
        base64.b64encode(control_output).decode(),
        control_ms,
    ]
    transaction.on_commit(lambda: run_candidate.apply_async(args=args, queue=settings.SHADOW_QUEUE))
    return True


def run_with_budget(name: str, payload: bytes, params: dict, budget: float):
    """(output, ms, error, timed_out): the candidate runs in a thread so a slow one is cut off."""
    started = time.perf_counter()
    future = _pool.submit(REGISTRY[name], payload, params)
    try:
        output = future.result(timeout=budget)
        return output, (time.perf_counter() - started) * 1000, "", False
    except FutureTimeout:
        return None, budget * 1000, f"no answer within {budget:g}s", True
    except Exception as exc:  # the candidate's exceptions are recorded, never raised
        return None, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}", False


def learn_noise(experiment: Experiment, payload: bytes, params: dict, control_output: bytes) -> None:
    """Run the control again: what differs between two runs of the same code is noise."""
    again = REGISTRY[experiment.control](payload, params)
    for difference in compare(control_output, again):
        path = generalise(difference.path)
        updated = NoisePath.objects.filter(experiment=experiment, path=path).update(seen=F("seen") + 1)
        if not updated:
            NoisePath.objects.get_or_create(experiment=experiment, path=path)


def separate_noise(experiment: Experiment, differences: list[Difference]) -> tuple[list[Difference], list[Difference]]:
    """(real differences, noise): noise is on the experiment's ignored paths or the paths learned from the control
    differing from itself. The live comparison and the offline replay judge by the same rule."""
    noise_paths = list(experiment.noise_paths.values_list("path", flat=True))
    real: list[Difference] = []
    noise: list[Difference] = []
    for difference in differences:
        if matches(difference.path, experiment.ignore_paths) or matches(difference.path, noise_paths):
            noise.append(difference)
        else:
            real.append(difference)
    return real, noise


def run_candidate(
    name: str,
    tenant_id: int | None,
    input_ref: str,
    payload: bytes,
    params: dict,
    control_output: bytes,
    control_ms: float,
    replay: bool = False,
) -> Observation:
    experiment = Experiment.objects.get(name=name)
    if random.random() < experiment.noise_sample_rate:
        learn_noise(experiment, payload, params, control_output)
    output, candidate_ms, error, timed_out = run_with_budget(
        experiment.candidate, payload, params, experiment.time_budget_seconds
    )
    differences: list[Difference] = []
    noise: list[Difference] = []
    if timed_out:
        outcome = "timeout"
    elif error:
        outcome = "candidate_error"
    else:
        differences, noise = separate_noise(experiment, compare(control_output, output))
        outcome = "mismatch" if differences else "match"
    return Observation.objects.create(
        experiment=experiment,
        tenant_id=tenant_id,
        input_ref=input_ref,
        params=params,
        outcome=outcome,
        control_ms=control_ms,
        candidate_ms=candidate_ms,
        differences=[d.as_dict() for d in differences[:50]],
        noise=[d.as_dict() for d in noise[:20]],
        signature=signature(differences) if differences else "",
        error=error,
        replay=replay,
    )
