"""The shadow layer's port: observe a control's answer, read reports, ask the cutover gate."""

from __future__ import annotations

from .experiments import observe
from .implementations import REGISTRY
from .models import Experiment
from .report import GateVerdict, gate, report

__all__ = ["KNOWN_NOISE", "GateVerdict", "ensure_experiment", "gate", "observe", "register_implementation", "report"]


def register_implementation(name: str, fn) -> None:
    """Make an implementation available as a control or candidate (e.g. a context's remote adapter)."""
    REGISTRY[name] = fn


# Values that differ on every run by definition. Noise calibration learns them too, but only once two runs of
# the control happen to differ: the EDIFACT preparation time (UNB) has minute resolution.
KNOWN_NOISE = ["/UNB[*]/4"]


def ensure_experiment(name: str, *, context: str, control: str, candidate: str) -> None:
    """Create or re-point an experiment, enabled, ignoring the known per-run values."""
    Experiment.objects.update_or_create(
        name=name,
        defaults={
            "context": context,
            "control": control,
            "candidate": candidate,
            "enabled": True,
            "ignore_paths": KNOWN_NOISE,
        },
    )
