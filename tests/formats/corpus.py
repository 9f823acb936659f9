"""The shared conformance corpus (../shared/corpus), when present, and what is known about it."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT / "shared" / "corpus") if p.is_dir()), None)
# In CI (CI is set) a missing corpus must fail the conformance tests, not skip them silently: there the marker
# skips nothing and the tests fail on the missing files; tests/foundation/test_corpus_present.py says why.
IN_CI = bool(os.environ.get("CI"))
needs_corpus = pytest.mark.skipif(
    CORPUS is None and not IN_CI, reason="../shared/corpus is not present on this machine"
)

# Example instances that fail the official rules themselves (upstream findings), excluded from the
# "output must be valid" check. The test verifies that these, and only these, are the source's findings.
UPSTREAM_INVALID = {
    "cen-en16931/ubl/examples/issue116.xml": {"PEPPOL-COMMON-R049"},
}
# Valid in their syntax but not in the others: an XRechnung Extension invoice with third-party payments
# (BG-DEX-09), which CII (and so EDIFACT, checked on its CII rendering) cannot hold, and KoSIT's CII Extension
# scenario keeps BR-CO-16 fatal. The converter refuses such output (InvalidOutput) instead of returning it.
NOT_CONVERTIBLE = {"xrechnung-testsuite/src/test/business-cases/extension/05.01a-INVOICE_ubl.xml": {"BR-CO-16"}}
# Peppol 2026.5 tightened national identifier checks (Swedish organisation number format and Luhn digit,
# GLN check digit) after these examples were written: their EN 16931 content is still valid and still converted.
PEPPOL_NEWER_RULES = {"PEPPOL-COMMON-R049", "PEPPOL-COMMON-R040", "SE-R-013"}
# Factur-X profiles below EN 16931 (no lines, or no VAT breakdown): they cannot become valid UBL/CII EN 16931.
BELOW_EN16931 = {"factur-x/tests/fixtures/xml/factur-x-minimum.xml", "factur-x/tests/fixtures/xml/factur-x-basicwl.xml"}

# Where a CEN EDIFACT example and its CII counterpart disagree in the upstream files themselves.
EDIFACT_UPSTREAM_DIFFERENCES = {
    # CII types Lot567/OBJ999 as plain supporting documents, has a credit transfer where EDIFACT (and UBL, see
    # PAIRS.tsv) has a direct debit account, GLN (0088) where LIN says GTIN (SRV), no classification for PIA+1,
    # and line periods ending 2013-03-10 where EDIFACT says 2013-04-10.
    "cen-example5": {
        "tender_reference",
        "invoiced_object_id",
        "payment.credit_transfers",
        "payment.direct_debit.debited_account_id",
        "supporting_documents",
        "lines[0].period.end",
        "lines[0].item.standard_id",
        "lines[0].item.classifications",
        "lines[1].period.end",
    },
    "cen-example6": {"seller.vat_id"},  # CII DK123456789MVA, EDIFACT 123456789MVA
    # CII: base quantity 49 for a 49/month price over 3 months (line total 147): EDIFACT's 1 is right.
    "cen-example9": {"lines[0].period.end", "lines[0].price.base_quantity"},
}


def manifest_invoices() -> list[str]:
    if CORPUS is None:
        return []
    with open(CORPUS / "MANIFEST.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    sources = {"cen-en16931", "peppol-bis-billing-3", "xrechnung-testsuite", "factur-x"}
    return sorted(
        r["path"]
        for r in rows
        if r["source"] in sources
        and r["signatures"].startswith("INV|")
        and not r["path"].endswith((".TXT", ".txt"))
        and "/edifact/" not in r["path"]
    )


def edifact_pairs() -> list[dict[str, str]]:
    if CORPUS is None:
        return []
    with open(CORPUS / "PAIRS.tsv", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["edifact_d14b_txt"]]
