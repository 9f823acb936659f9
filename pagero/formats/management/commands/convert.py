"""convert INPUT --to {ubl,cii,edifact} [-o OUTPUT] [--force] [--no-rules] [--lenient]

Exit 0 on success; 1 when the input or the output is invalid or the conversion is not lossless (the message names
the rule, BT and path); 2 on usage errors. --force writes the output anyway and prints the problems. --no-rules
checks input and output against the schema only; --lenient reports the national rules of the CIUS the document
declares without failing on them. manage.py runs this command without Django start-up (../cli.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .. import cli
from ._io import read_input


class Command(BaseCommand):
    help = "Convert an invoice or credit note to UBL, CII or EDIFACT."
    # Nothing here depends on the project's models or URLs: the system checks would only cost start-up time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        cli.add_convert_arguments(parser)

    def handle(
        self,
        *args,
        input: str,
        to: str,
        output: str | None,
        force: bool,
        no_rules: bool = False,
        lenient: bool = False,
        **options,
    ) -> None:
        data = read_input(input)
        try:
            cli.convert(
                data,
                to=to,
                output=output,
                force=force,
                no_rules=no_rules,
                lenient=lenient,
                max_bytes=settings.MAX_DOCUMENT_BYTES,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except cli.CommandFailed as failed:
            raise CommandError(str(failed), returncode=failed.returncode) from failed
