"""The strangler-fig harness's port: call a context through its current route, and manage routes."""

from __future__ import annotations

from .modes import MODES, ModeRefused, RouteStatus, set_mode, status
from .router import Routed, call

__all__ = ["MODES", "ModeRefused", "RouteStatus", "Routed", "call", "set_mode", "status"]
