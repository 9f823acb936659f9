"""Validation at scale: a report keeps the first MAX_FINDINGS findings and counts all, and the business rules run
on one Saxon processor per thread (no lock shared by all validations)."""

from __future__ import annotations

import threading

import pytest

from pagero.formats import public
from pagero.formats.limits import MAX_FINDINGS
from pagero.formats.schema_files import SCHEMA_POOL
from pagero.formats.validation.report import Finding, ValidationReport
from tests.exchange.factory import document

HEAD = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
    "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>1</cbc:ID>"
    "<cbc:IssueDate>2026-01-01</cbc:IssueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
)
# A line whose VAT category code "Q" is not in UNTDID 5305: BR-CL-18 fails once per line.
LINE = (
    '<cac:InvoiceLine><cbc:ID>{n}</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>'
    '<cbc:LineExtensionAmount currencyID="EUR">1</cbc:LineExtensionAmount><cac:Item><cbc:Name>n</cbc:Name>'
    "<cac:ClassifiedTaxCategory><cbc:ID>Q</cbc:ID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
    '</cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">1</cbc:PriceAmount>'
    "</cac:Price></cac:InvoiceLine>"
)


def invoice_with_lines(count: int) -> bytes:
    return (HEAD + "".join(LINE.format(n=n) for n in range(1, count + 1)) + "</Invoice>").encode()


def test_a_report_keeps_the_first_findings_and_counts_all():
    report = public.validate(invoice_with_lines(600))
    per_line = [f for f in report.findings if f.rule_id == "BR-CL-18"]
    assert len(report.findings) == MAX_FINDINGS and per_line
    assert report.findings_total >= 600 + len(report.findings) - len(per_line)
    assert report.truncated and not report.valid
    assert report.fatal_count + report.warning_count == report.findings_total
    body = report.as_dict()
    assert len(body["findings"]) == MAX_FINDINGS
    assert (body["findings_total"], body["truncated"], body["valid"]) == (report.findings_total, True, False)
    assert body["fatal_count"] == report.fatal_count > MAX_FINDINGS


def test_a_small_report_is_not_truncated():
    report = public.validate(invoice_with_lines(3))
    assert 3 <= len(report.findings) == report.findings_total < MAX_FINDINGS
    assert not report.truncated and not report.as_dict()["truncated"]


def finding(severity: str) -> Finding:
    return Finding("R", severity, "m", None, None, "EN16931")


def test_a_fatal_finding_beyond_the_cap_still_makes_the_document_invalid():
    report = ValidationReport("ubl", "invoice", None)
    report.add(finding("warning") for _ in range(MAX_FINDINGS))
    assert report.valid
    report.add([finding("fatal")])
    assert not report.valid and report.fatal == [] and report.fatal_count == 1
    assert (report.findings_total, report.warning_count) == (MAX_FINDINGS + 1, MAX_FINDINGS)


def test_a_report_built_from_a_list_counts_it():
    report = ValidationReport("cii", "invoice", None, ["xsd"], [finding("fatal"), finding("warning")], [])
    assert (report.findings_total, report.fatal_count, report.truncated, report.valid) == (2, 1, False, False)


@pytest.mark.slow  # Saxon itself, where the fast tier replays the rules' reports: compiles two rule sets only for it
def test_request_threads_share_a_fixed_set_of_saxon_threads(saxon_itself):
    """A threaded server starts a thread per request; none of them makes a Saxon processor of its own (Saxon's
    native runtime does not survive processors made and dropped by short-lived threads)."""
    data = invoice_with_lines(2)
    expected = public.validate(data).as_dict()
    results, failures = [], []

    def validate() -> None:
        try:
            results.append(public.validate(data).as_dict())
        except Exception as exc:  # reported below: an assertion in a thread would be lost
            failures.append(exc)

    for _ in range(3):  # rounds of short-lived threads, as requests come and go
        threads = [threading.Thread(target=validate) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert results == [expected] * 24
    made = saxon_itself.processors()
    assert 1 <= len(made) <= len(saxon_itself._threads) and len({id(p) for p in made}) == len(made)
    assert all(t.name.startswith("saxon-") for t in threading.enumerate() if "saxon" in t.name)


def test_threads_that_end_leave_their_compiled_schema_to_the_next():
    """A threaded server starts a thread per request: each borrows a compiled XSD and gives it back, instead of
    compiling its own (~40 ms for UBL's), and concurrent validations never share one (an XMLSchema keeps its
    last validation's errors)."""
    valid = document("ubl")
    with_error = valid.replace(b"<cbc:ID>INV-1</cbc:ID>", b"<cbc:Unknown>INV-1</cbc:Unknown>", 1)
    assert with_error != valid
    public.validate(valid)
    compiled = SCHEMA_POOL.compiled
    results: list[tuple[bool, list[str]]] = []

    def validate(data: bytes) -> None:
        report = public.validate(data)
        results.append((data == with_error, [f.message for f in report.findings if f.rule_set == "xsd"]))

    for data in [valid, with_error] * 3:  # one short-lived thread after another
        thread = threading.Thread(target=validate, args=(data,))
        thread.start()
        thread.join()
    assert SCHEMA_POOL.compiled == compiled
    assert [bool(xsd) for broken, xsd in results] == [broken for broken, xsd in results] == [False, True] * 3
    assert all("Unknown" in " ".join(xsd) for broken, xsd in results if broken)

    rounds = [threading.Thread(target=validate, args=(data,)) for data in [valid, with_error] * 4]
    results.clear()
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join()
    assert [bool(xsd) for broken, xsd in results] == [broken for broken, xsd in results]
    assert SCHEMA_POOL.compiled <= compiled + len(rounds) - 1
