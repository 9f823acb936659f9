"""Orders benchmark: orders converted per second per direction, one process on one core.

The Peppol BIS Ordering 3 order and order response examples of the shared corpus are read and converted between
UBL, EDIFACT D96A and Order-X (model -> bytes -> model per direction, no output check), then converted with the
output checked against its schema and rules (UBL and EDIFACT targets), and validated.

    python bench/orders.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "formats"))

from corpus import CORPUS  # noqa: E402

from pagero.formats.errors import FormatError  # noqa: E402
from pagero.formats.orders import convert_order, detect_order, parse_order, validate_order, write_order  # noqa: E402

SYNTAXES = ("ubl", "edifact", "orderx")


def rate(fn: Callable[[bytes], object], items: list[bytes], seconds: float) -> float:
    """Documents per second: run fn over the items repeatedly for about `seconds`."""
    done, started = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def converter(target: str) -> Callable[[bytes], object]:
    def convert(data: bytes) -> object:
        return write_order(parse_order(data).order, target)

    return convert


def checked(target: str) -> Callable[[bytes], object]:
    def convert(data: bytes) -> object:
        try:
            return convert_order(data, target)
        except FormatError as refused:  # counted: refusing costs the same work
            return refused

    return convert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    if CORPUS is None:
        sys.exit("needs ../shared/corpus")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    examples = CORPUS / "peppol-bis-ordering-3" / "rules" / "examples"
    sources = [p.read_bytes() for p in sorted(examples.rglob("*.xml"))]
    ubl = [d for d in sources if detect_order(d) is not None]
    by_syntax = {"ubl": ubl}
    for syntax in ("edifact", "orderx"):
        by_syntax[syntax] = [write_order(parse_order(d).order, syntax)[0] for d in ubl]
    print(f"corpus: {len(ubl)} Peppol orders and order responses; one core; orders per second")
    for source in SYNTAXES:
        for target in SYNTAXES:
            per_second = rate(converter(target), by_syntax[source], args.seconds)
            print(f"  convert {source:>7} -> {target:<7} (unchecked) {per_second:10.0f}/s")
    for target in ("ubl", "edifact", "orderx"):
        for data in ubl:  # compiles the stylesheets they need once, outside the measurement
            checked(target)(data)
        per_second = rate(checked(target), ubl, args.seconds)
        print(f"  convert     ubl -> {target:<7} (schema + rules checked) {per_second:8.1f}/s")
    print(f"  validate ubl (schema + Peppol rules) {rate(validate_order, ubl, args.seconds):16.1f}/s")


if __name__ == "__main__":
    main()
