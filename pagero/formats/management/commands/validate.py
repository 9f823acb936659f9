"""validate INPUT [--json]: the schema and business-rule report. Exit 0 valid, 1 invalid, 2 usage error.

manage.py runs this command without Django start-up (../cli.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .. import cli
from ._io import read_input


class Command(BaseCommand):
    help = "Validate a document against its schema and the official business rules."
    # Nothing here depends on the project's models or URLs: the system checks would only cost start-up time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        cli.add_validate_arguments(parser)

    def handle(self, *args, input: str, as_json: bool, **options) -> None:
        data = read_input(input)
        try:
            cli.validate(data, as_json=as_json, max_bytes=settings.MAX_DOCUMENT_BYTES, stdout=self.stdout)
        except cli.CommandFailed as failed:
            raise CommandError(str(failed), returncode=failed.returncode) from failed
