"""XSD validation from short-lived threads, as a threaded server (`make run`'s runserver) validates: one new thread
per document. The baseline compiles the schema in each thread, as the per-thread schema caches did; now the thread
borrows a compiled schema from the pool (pagero/formats/schema_files.py). Same documents, same process.

    python bench/xsd_threads.py [--documents 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from pagero.formats.schema_files import SchemaPool  # noqa: E402
from pagero.formats.validation.xsd import SCHEMAS  # noqa: E402

UBL_INVOICE = SCHEMAS[("ubl", "invoice")]


def timed_in_new_threads(root: etree._Element, documents: int, pool_for_thread) -> list[float]:
    spent: list[float] = []

    def validate() -> None:
        started = time.perf_counter()
        errors = pool_for_thread().errors(root, UBL_INVOICE)
        spent.append((time.perf_counter() - started) * 1000)
        assert not errors, [e.message for e in errors]

    for _ in range(documents):
        thread = threading.Thread(target=validate)
        thread.start()
        thread.join()
    return spent


def summary(label: str, spent: list[float]) -> str:
    ordered = sorted(spent)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{label:<44} p50 {statistics.median(spent):8.2f} ms   p99 {p99:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20)
    args = parser.parse_args()
    sample = (ROOT / "samples" / "invoice-ubl.xml").read_bytes()
    root = etree.fromstring(sample)
    shared = SchemaPool()
    shared.errors(root, UBL_INVOICE)  # the first thread of a process compiles it in both ways
    baseline = timed_in_new_threads(root, args.documents, SchemaPool)
    now = timed_in_new_threads(root, args.documents, lambda: shared)
    print(f"UBL invoice XSD, {args.documents} validations, each in a new thread")
    print(summary("baseline: a schema compiled per thread", baseline))
    print(summary("now: a compiled schema borrowed from the pool", now))
    print(f"ratio (baseline p50 / now p50): {statistics.median(baseline) / statistics.median(now):.1f}x")


if __name__ == "__main__":
    main()
