"""The candidate's Celery task, on its own queue (SHADOW_QUEUE) so it never delays the pipeline."""

from __future__ import annotations

import base64

from celery import shared_task

from . import experiments


@shared_task(name="shadow.run_candidate", acks_late=False, ignore_result=True)
def run_candidate(
    name: str, tenant_id, input_ref: str, payload_b64: str, params: dict, control_b64: str, control_ms: float
) -> str:
    observation = experiments.run_candidate(
        name, tenant_id, input_ref, base64.b64decode(payload_b64), params, base64.b64decode(control_b64), control_ms
    )
    return observation.outcome
