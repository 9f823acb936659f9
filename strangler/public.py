"""The strangler-fig harness's port: call a context through its current route, and manage routes."""

from __future__ import annotations

from .discovery import Instance, live_instances
from .modes import MODES, ModeRefused, RouteStatus, set_mode, status, switch_warnings
from .registry import CONTEXTS, METHODS
from .router import Routed, call
from .rpc import CLIENT, NoLiveInstance, RemoteFault, RemoteTimeout, RemoteUnavailable

__all__ = [
    "CLIENT",
    "CONTEXTS",
    "METHODS",
    "MODES",
    "Instance",
    "ModeRefused",
    "NoLiveInstance",
    "RemoteFault",
    "RemoteTimeout",
    "RemoteUnavailable",
    "RouteStatus",
    "Routed",
    "call",
    "live_instances",
    "set_mode",
    "status",
    "switch_warnings",
]
