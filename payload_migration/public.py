"""The payload migration's facade: its phases and the current one (the console and commands drive the rest)."""

from __future__ import annotations

from .payloads.phases import Phase
from .payloads.store import current_phase

__all__ = ["Phase", "current_phase"]
