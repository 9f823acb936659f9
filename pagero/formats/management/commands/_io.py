"""Input helpers of the convert and validate commands under Django (the commands themselves are in ../cli.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from .. import cli

USAGE_ERROR = cli.USAGE_ERROR


def read_input(path: str) -> bytes:
    """The document, read up to one byte beyond the size limit (settings.MAX_DOCUMENT_BYTES)."""
    try:
        return cli.read_input(path, settings.MAX_DOCUMENT_BYTES)
    except cli.CommandFailed as failed:
        raise CommandError(str(failed), returncode=failed.returncode) from None
