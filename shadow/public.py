"""The shadow layer's port: observe a control's answer, read reports, ask the cutover gate."""

from __future__ import annotations

from .report import GateVerdict, gate, report
from .science import observe

__all__ = ["GateVerdict", "gate", "observe", "report"]
