"""Input and output helpers shared by the convert and validate commands."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

USAGE_ERROR = 2


def read_input(path: str) -> bytes:
    """The document, read up to one byte beyond the size limit: enough for the port to refuse it with its message,
    without reading a huge file or stream whole."""
    limit = settings.MAX_DOCUMENT_BYTES + 1
    if path == "-":
        return sys.stdin.buffer.read(limit)
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"no such file: {path}", returncode=USAGE_ERROR)
    with file.open("rb") as handle:
        return handle.read(limit)
