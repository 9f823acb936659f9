"""The conformance tests read ../shared/corpus; outside CI they skip without it, in CI this guard fails."""

from __future__ import annotations

import pytest

from tests.formats.corpus import CORPUS, IN_CI, manifest_invoices

# The shared corpus holds well over a thousand files and a manifest of hundreds of example invoices.
MIN_FILES = 1000
MIN_MANIFEST_INVOICES = 100


def test_the_shared_corpus_is_present_and_whole():
    if CORPUS is None and not IN_CI:
        pytest.skip("../shared/corpus is not present on this machine (CI fails here instead)")
    assert CORPUS is not None, "../shared/corpus is missing: the conformance tests cannot run"
    files = sum(1 for path in CORPUS.rglob("*") if path.is_file())
    assert files >= MIN_FILES, f"../shared/corpus has only {files} files"
    assert len(manifest_invoices()) >= MIN_MANIFEST_INVOICES
