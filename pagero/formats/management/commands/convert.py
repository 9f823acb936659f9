"""convert INPUT --to {ubl,cii,edifact} [-o OUTPUT] [--force]

Exit 0 on success; 1 when the input is invalid or cannot be converted losslessly (the message names
the BT and path); 2 on usage errors. --force writes the output anyway and prints the warnings.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pagero.formats import public as formats

from ._io import read_input


class Command(BaseCommand):
    help = "Convert an invoice or credit note to UBL, CII or EDIFACT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("input", help="the document (- for standard input)")
        parser.add_argument("--to", required=True, choices=formats.SYNTAXES, help="target syntax")
        parser.add_argument("-o", "--output", help="write here instead of standard output")
        parser.add_argument("--force", action="store_true", help="write even if invalid or not lossless")

    def handle(self, *args, input: str, to: str, output: str | None, force: bool, **options) -> None:
        data = read_input(input)
        try:
            report = formats.validate(data)
            conversion = formats.convert(data, to)
        except formats.FormatError as exc:
            raise CommandError(str(exc)) from exc
        problems = []
        for finding in report.fatal:
            where = f" [{finding.term}]" if finding.term else ""
            problems.append(f"invalid input: {finding.rule_id}{where} {finding.message} (at {finding.location})")
        problems.extend(f"not lossless: {warning}" for warning in conversion.warnings)
        for line in problems:
            self.stderr.write(line)
        if problems and not force:
            raise CommandError(
                f"{len(problems)} problem(s): nothing written (use --force to write the {to} output anyway)"
            )
        if output:
            Path(output).write_bytes(conversion.data)
            self.stderr.write(f"wrote {len(conversion.data)} bytes of {to} to {output}")
        else:
            sys.stdout.buffer.write(conversion.data)
            sys.stdout.flush()
