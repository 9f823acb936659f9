"""The convert and validate commands, without Django: `manage.py convert|validate` runs them straight from here
(no Django start-up: they need the formats domain and one setting), and the Django management commands of the same
names delegate here, so both paths print the same lines and exit with the same codes.

Exit codes: 0 success, 1 invalid input or output, lossy conversion or unreadable document, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from .. import conversion
from ..errors import ConversionNote, FormatError, InvalidOutput
from ..orders import api as orders_api
from ..orders.detect import ORDER_SYNTAXES, detect_order
from ..validation.report import Finding, ValidationReport

USAGE_ERROR = 2
FAILURE = 1


class CommandFailed(Exception):
    """The command's outcome when it is not success: the message and the exit code."""

    def __init__(self, message: str, returncode: int = FAILURE) -> None:
        super().__init__(message)
        self.returncode = returncode


def read_input(path: str, max_bytes: int) -> bytes:
    """The document, read up to one byte beyond the size limit: enough for the size check to refuse it with its
    message, without reading a huge file or stream whole."""
    limit = max_bytes + 1
    if path == "-":
        return sys.stdin.buffer.read(limit)
    file = Path(path)
    if not file.is_file():
        raise CommandFailed(f"no such file: {path}", USAGE_ERROR)
    with file.open("rb") as handle:
        return handle.read(limit)


def add_convert_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="the document (- for standard input)")
    targets = tuple(dict.fromkeys((*conversion.SYNTAXES, *ORDER_SYNTAXES)))
    parser.add_argument(
        "--to", required=True, choices=targets, help="target syntax (orders and order responses: ubl, orderx, edifact)"
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    parser.add_argument("--force", action="store_true", help="write even if invalid or not lossless")
    parser.add_argument(
        "--no-rules", action="store_true", help="check input and output against the schema only (no business rules)"
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="report, without failing, the national rules of the CIUS the document declares "
        "(Peppol XX-R-nnn and PEPPOL-COMMON-R041..R057, XRechnung BR-DE-nn)",
    )


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="the document (- for standard input)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")


def describe(finding: Finding) -> str:
    where = f" [{finding.term}]" if finding.term else ""
    return f"{finding.rule_id}{where} {finding.message} (at {finding.location})"


def convert(
    data: bytes,
    *,
    to: str,
    output: str | None,
    force: bool,
    no_rules: bool,
    lenient: bool,
    max_bytes: int,
    stdout: TextIO,
    stderr: TextIO,
) -> None:
    """Validate the input, convert it and write the output when nothing is wrong (or `force`). The output is
    checked before it is written (schema, and unless `no_rules` the rules it declares)."""
    if is_order(data, max_bytes):
        convert_order(data, to=to, output=output, force=force, no_rules=no_rules, max_bytes=max_bytes, stderr=stderr)
        return
    check = "schema" if no_rules else "rules"
    problems: list[str] = []
    notes: list[str] = []
    try:
        report = conversion.validate_document(data, max_bytes, business_rules=not no_rules)
        for finding in report.fatal:
            if lenient and conversion.is_national_rule(finding.rule_id):
                notes.append(f"national rule (lenient): {describe(finding)}")
            else:
                problems.append(f"invalid input: {describe(finding)}")
        result: conversion.Conversion | None
        try:
            result = conversion.convert_document(data, to, max_bytes, check, lenient)
        except InvalidOutput as refused:
            problems.extend(f"invalid output: {describe(finding)}" for finding in refused.findings)
            if not refused.findings:
                problems.append(f"invalid output: {refused.message}")
            # Only --force writes output that failed its check; the check is not run a second time.
            result = conversion.convert_document(data, to, max_bytes, "none") if force else None
    except FormatError as exc:
        raise CommandFailed(str(exc)) from exc
    if result is not None:
        for warning in result.warnings:
            if isinstance(warning, ConversionNote):
                notes.append(str(warning))
            else:
                problems.append(f"not lossless: {warning}")
    for line in [f"note: {note}" for note in notes] + problems:
        stderr.write(line + "\n")
    if problems and not force:
        raise CommandFailed(
            f"{len(problems)} problem(s): nothing written (use --force to write the {to} output anyway)"
        )
    assert result is not None  # converted unchecked above when forced
    if output:
        Path(output).write_bytes(result.data)
        stderr.write(f"wrote {len(result.data)} bytes of {to} to {output}\n")
    else:
        stdout.flush()
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()


def is_order(data: bytes, max_bytes: int) -> bool:
    """An order or order response (UBL, Order-X, EDIFACT ORDERS/ORDRSP). A document this cannot tell (too large,
    not well-formed, an unreadable directory) goes the invoice way, whose checks name the problem."""
    if len(data) > max_bytes:
        return False
    try:
        return detect_order(data) is not None
    except FormatError:
        return False


def convert_order(
    data: bytes, *, to: str, output: str | None, force: bool, no_rules: bool, max_bytes: int, stderr: TextIO
) -> None:
    """The convert command for orders: the input's schema and Peppol ordering (or Order-X) rules, the conversion,
    the output's check; the output is written when nothing is wrong (or `force`)."""
    check = "schema" if no_rules else "rules"
    problems: list[str] = []
    try:
        report = orders_api.validate_order(data, max_bytes, business_rules=not no_rules)
        problems.extend(f"invalid input: {describe(finding)}" for finding in report.fatal)
        try:
            result: orders_api.OrderConversion | None = orders_api.convert_order(data, to, check, max_bytes)
        except InvalidOutput as refused:
            problems.extend(f"invalid output: {describe(finding)}" for finding in refused.findings)
            if not refused.findings:
                problems.append(f"invalid output: {refused.message}")
            result = orders_api.convert_order(data, to, "none", max_bytes) if force else None
    except FormatError as exc:
        raise CommandFailed(str(exc)) from exc
    if result is not None:
        problems.extend(f"not lossless: {warning}" for warning in result.warnings)
    for line in problems:
        stderr.write(line + "\n")
    if problems and not force:
        raise CommandFailed(
            f"{len(problems)} problem(s): nothing written (use --force to write the {to} output anyway)"
        )
    assert result is not None  # converted unchecked above when forced
    if output:
        Path(output).write_bytes(result.data)
        stderr.write(f"wrote {len(result.data)} bytes of {to} to {output}\n")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()


def validate(data: bytes, *, as_json: bool, max_bytes: int, stdout: TextIO) -> None:
    try:
        validator = orders_api.validate_order if is_order(data, max_bytes) else conversion.validate_document
        report = validator(data, max_bytes)
    except FormatError as exc:
        if as_json:
            stdout.write(json.dumps({"valid": False, **exc.as_dict()}, indent=2) + "\n")
        raise CommandFailed(str(exc)) from exc
    if as_json:
        stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        print_report(report, stdout)
    if not report.valid:
        raise CommandFailed(f"invalid: {report.fatal_count} fatal finding(s)")


def print_report(report: ValidationReport, stdout: TextIO) -> None:
    def w(line: str) -> None:
        stdout.write(line + "\n")

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


def main(argv: list[str], max_bytes: int, prog: str = "manage.py") -> int:
    """`convert ...` or `validate ...` (argv without the program name); returns the exit code. Failures are printed
    as Django prints a CommandError, so that the output does not depend on which path ran the command."""
    command, args = argv[0], argv[1:]
    parser = argparse.ArgumentParser(prog=f"{prog} {command}")
    (add_convert_arguments if command == "convert" else add_validate_arguments)(parser)
    options = parser.parse_args(args)  # exits 2 on a usage error, as Django's parser does
    try:
        data = read_input(options.input, max_bytes)
        if command == "convert":
            convert(
                data,
                to=options.to,
                output=options.output,
                force=options.force,
                no_rules=options.no_rules,
                lenient=options.lenient,
                max_bytes=max_bytes,
                stdout=sys.stdout,
                stderr=sys.stderr,
            )
        else:
            validate(data, as_json=options.as_json, max_bytes=max_bytes, stdout=sys.stdout)
    except CommandFailed as failed:
        sys.stdout.flush()
        sys.stderr.write(f"CommandError: {failed}\n")
        return failed.returncode
    return 0
