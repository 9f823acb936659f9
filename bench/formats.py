"""Formats benchmark: documents per second per stage and end to end, one process on one core.

Stages: detect (incl. XML parsing), parse (tree -> model), XSD, business rules (Saxon; stylesheets
compiled once, the document handed to Saxon once and reused by every rule set), write (model -> bytes; CII as D16B
and as D22B).
End to end: conversion without business rules per direction (bytes in, bytes out), and validation.
Hybrid invoices: extraction of the XML from the Factur-X/ZUGFeRD PDFs of the corpus, reading them into the model,
and writing Factur-X (rendering, PDF/A-3 embedding) with and without its check (Factur-X XSD + Schematron + EN 16931).
Measured on the median corpus invoice (by size) and on the whole EN 16931 UBL/CII corpus. Then validation of the
XRechnung test-suite documents per rule set: the hand-over to Saxon (the parsed tree serialised again, or the
document's own bytes), each stylesheet's time per document and its share, and end to end both ways.

    python bench/formats.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "formats"))

from corpus import BELOW_EN16931, CORPUS, UPSTREAM_INVALID, manifest_invoices  # noqa: E402

from pagero.formats import conversion  # noqa: E402
from pagero.formats.detect import detect  # noqa: E402
from pagero.formats.validation import rules, xsd  # noqa: E402
from pagero.formats.validation.report import ValidationReport  # noqa: E402


def rate(fn, items: list, seconds: float) -> float:
    """Documents per second: run fn over the items repeatedly for about `seconds`."""
    done, started = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    if CORPUS is None:
        sys.exit("needs ../shared/corpus")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    paths = [p for p in manifest_invoices() if p not in UPSTREAM_INVALID and p not in BELOW_EN16931]
    documents = [(CORPUS / p).read_bytes() for p in paths]
    median = sorted(documents, key=len)[len(documents) // 2]
    print(
        f"corpus: {len(documents)} UBL/CII invoices, median size {len(median)} bytes, "
        f"mean {statistics.fmean(len(d) for d in documents):.0f} bytes; one core"
    )

    # Warm up: load schemas, compile every stylesheet once.
    for data in documents:
        conversion.validate_document(data)

    def stages(name: str, docs: list[bytes]) -> None:
        trees = [detect(d) for d in docs]
        models = [conversion.read_model(det, root, d) for (det, root), d in zip(trees, docs, strict=True)]
        syntaxes = [det.syntax for det, _ in trees]
        print(f"\n[{name}]")
        indices = range(len(docs))

        def parse(i: int) -> None:
            conversion.read_model(trees[i][0], trees[i][1], docs[i])

        def schema(i: int) -> None:
            xsd.validate_xsd(trees[i][1], syntaxes[i], trees[i][0].document_type)

        print(f"  detect (incl. XML parse)     {rate(detect, docs, args.seconds):9.0f} docs/s")
        print(f"  parse (tree -> model)        {rate(parse, indices, args.seconds):9.0f} docs/s")
        print(f"  XSD                          {rate(schema, indices, args.seconds):9.0f} docs/s")

        def run_rules(i: int) -> None:
            det, root = trees[i]
            sets, _ = rules.rule_sets_for(det.syntax, det.document_type, det.customization)
            node = rules.RUNNER.parse(root)
            for rule_set in sets:
                rules.RUNNER.run(rule_set, node)

        print(f"  business rules (all sets)    {rate(run_rules, range(len(docs)), args.seconds):9.1f} docs/s")
        for target in ("ubl", "cii", "cii-d22b", "edifact"):
            docs_per_s = rate(lambda m, t=target: conversion.write_document(m[0], t), models, args.seconds)
            print(f"  write {target:8}               {docs_per_s:9.0f} docs/s")
        for source, target in (("ubl", "cii"), ("cii", "ubl"), ("ubl", "edifact"), ("cii", "edifact")):
            subset = [d for d, s in zip(docs, syntaxes, strict=True) if s == source]
            if subset:
                # check="none": the conversion alone, as the pipeline's port runs it (the pipeline validates the
                # rendition itself); check="schema": as `convert --no-rules`, the output checked against its schema.
                for check in ("none", "schema"):
                    docs_per_s = rate(
                        lambda d, t=target, c=check: conversion.convert_document(d, t, check=c), subset, args.seconds
                    )
                    print(f"  end to end {source}->{target:8}      {docs_per_s:9.0f} docs/s (output check: {check})")
        print(f"  end to end validate (all)    {rate(conversion.validate_document, docs, args.seconds):9.1f} docs/s")

    stages("median invoice", [median])
    stages("whole corpus", documents)
    hybrid_stages(args.seconds)
    per_rule_set(args.seconds)


def _validate_from_bytes(data: bytes) -> None:
    """validate_document with the document's bytes handed to Saxon (the parsed tree is not serialised again)."""
    detected, root = detect(data)
    report = ValidationReport(detected.syntax, detected.document_type, detected.customization)
    report.add(xsd.validate_xsd(root, detected.syntax, detected.document_type))
    sets, _ = rules.rule_sets_for(detected.syntax, detected.document_type, detected.customization)
    node = rules.RUNNER.parse(root, data)
    for rule_set in sets:
        report.add(rules.RUNNER.run(rule_set, node))


def hybrid_stages(seconds: float) -> None:
    from pagero.formats import facturx, hybrid
    from pagero.formats.errors import FormatError
    from pagero.formats.render.pdf import render_pdf

    limit = 20_000_000
    pdfs = [p.read_bytes() for p in sorted((CORPUS / "zugferd-corpus" / "ZUGFeRDv2" / "correct").rglob("*.pdf"))]
    readable = []
    for pdf in pdfs:
        try:
            hybrid.read_hybrid(pdf, limit)
            readable.append(pdf)
        except FormatError:
            continue
    print(
        f"\n[hybrid PDFs: {len(readable)} of {len(pdfs)} ZUGFeRD 2 / Factur-X PDFs read, "
        f"mean size {statistics.fmean(len(p) for p in readable):.0f} bytes]"
    )
    invoice = conversion.parse_document((ROOT / "samples" / "invoice-ubl.xml").read_bytes()).invoice

    def render(model: object) -> bytes:
        return render_pdf(model, syntax="facturx")  # as the facturx target renders it

    written, _ = facturx.write_facturx(invoice, render)
    for _ in range(8):  # warm-up: each Saxon thread compiles the Factur-X stylesheet once
        facturx.check_facturx(written, limit)
    measured = (
        ("PDF -> embedded XML", lambda p: hybrid.extract_invoice_xml(p, limit), readable),
        ("PDF -> model", lambda p: hybrid.read_hybrid(p, limit), readable),
        ("render (model -> PDF, fonts embedded)", render, [invoice]),
        ("write Factur-X (incl. render)", lambda i: facturx.write_facturx(i, render), [invoice]),
        ("check Factur-X (XSD + rules)", lambda p: facturx.check_facturx(p, limit), [written]),
    )
    for label, fn, items in measured:
        print(f"  {label:38} {rate(fn, items, seconds):9.1f} docs/s")


def per_rule_set(seconds: float) -> None:
    suite = CORPUS / "xrechnung-testsuite" / "src" / "test"
    docs = [p.read_bytes() for p in sorted(suite.rglob("*.xml"))]
    trees = [detect(d) for d in docs]
    print(f"\n[XRechnung test suite: {len(docs)} documents, validation per rule set]")
    for d in docs:
        _validate_from_bytes(d)  # every stylesheet these documents need is compiled

    def from_tree(i: int) -> None:
        rules.RUNNER.parse(trees[i][1])

    def from_bytes(i: int) -> None:
        rules.RUNNER.parse(trees[i][1], docs[i])

    indices = range(len(docs))
    print(f"  Saxon hand-over, tree -> text -> Saxon {rate(from_tree, indices, seconds):9.0f} docs/s")
    print(f"  Saxon hand-over, bytes -> Saxon        {rate(from_bytes, indices, seconds):9.0f} docs/s")
    rules.TIMINGS.reset()
    started = time.perf_counter()
    rounds = 0
    while time.perf_counter() - started < seconds:
        for d in docs:
            _validate_from_bytes(d)
        rounds += 1
    elapsed = time.perf_counter() - started
    total = rounds * len(docs)
    for stylesheet, spent in sorted(rules.TIMINGS.seconds.items(), key=lambda kv: -kv[1]):
        runs = rules.TIMINGS.runs[stylesheet]
        print(
            f"  {stylesheet:36} {1000 * spent / runs:6.2f} ms/doc over {runs:5} runs, "
            f"{100 * spent / elapsed:4.1f} % of the validation time"
        )
    print(f"  end to end validate (tree re-serialised) {rate(conversion.validate_document, docs, seconds):7.1f} docs/s")
    print(f"  end to end validate (bytes to Saxon)     {total / elapsed:7.1f} docs/s")


if __name__ == "__main__":
    main()
