"""The channel registry: DELIVERY_CHANNELS maps a channel name to its adapter class (a dotted path)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from ..port import ChannelAdapter


@functools.cache
def _adapter(path: str) -> ChannelAdapter:
    adapter: ChannelAdapter = import_string(path)()
    return adapter


def adapter(name: str) -> ChannelAdapter | None:
    """The adapter of a channel, or None for a name no adapter is configured for."""
    path = settings.DELIVERY_CHANNELS.get(name)
    return _adapter(path) if path else None


def names() -> list[str]:
    return list(settings.DELIVERY_CHANNELS)
