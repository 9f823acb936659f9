"""validate INPUT [--json]: the schema and business-rule report. Exit 0 valid, 1 invalid, 2 usage error."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from pagero.formats import public as formats

from ._io import read_input


class Command(BaseCommand):
    help = "Validate a document against its schema and the official business rules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("input", help="the document (- for standard input)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args, input: str, as_json: bool, **options) -> None:
        data = read_input(input)
        try:
            report = formats.validate(data)
        except formats.FormatError as exc:
            if as_json:
                self.stdout.write(json.dumps({"valid": False, **exc.as_dict()}, indent=2))
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.print_report(report)
        if not report.valid:
            raise CommandError(f"invalid: {report.fatal_count} fatal finding(s)")

    def print_report(self, report: formats.ValidationReport) -> None:
        w = self.stdout.write
        w(
            f"document:  {report.syntax} {report.document_type}"
            + (f" ({report.customization})" if report.customization else "")
        )
        w(f"rules:     {', '.join(report.rule_sets) or 'none'}")
        for note in report.notes:
            w(f"note:      {note}")
        verdict = "valid" if report.valid else "INVALID"
        w(f"result:    {verdict}: {report.fatal_count} fatal, {report.warning_count} warning(s)")
        for finding in report.findings:
            term = f" [{finding.term}]" if finding.term else ""
            w(f"{finding.severity.upper():8} {finding.rule_id}{term} {finding.message}")
            if finding.location:
                w(f"         at {finding.location}")
        if report.truncated:
            w(f"... and {report.findings_total - len(report.findings)} more finding(s), not listed")
