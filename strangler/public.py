"""The strangler-fig harness's port: call a context through its current route, and manage routes."""

from __future__ import annotations

from .modes import MODES, ModeRefused, RouteStatus, set_mode, status
from .registry import CONTEXTS, METHODS
from .router import Routed, call
from .rpc import CLIENT, RemoteFault, RemoteTimeout, RemoteUnavailable

__all__ = [
    "CLIENT",
    "CONTEXTS",
    "METHODS",
    "MODES",
    "ModeRefused",
    "RemoteFault",
    "RemoteTimeout",
    "RemoteUnavailable",
    "RouteStatus",
    "Routed",
    "call",
    "set_mode",
    "status",
]
