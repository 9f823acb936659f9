"""Input and output helpers shared by the convert and validate commands."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError

USAGE_ERROR = 2


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"no such file: {path}", returncode=USAGE_ERROR)
    return file.read_bytes()
