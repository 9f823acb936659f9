"""Validation throughput, ours against phive (the reference validator), on the XRechnung test-suite documents.

Both steady state on one core: phive in one JVM (-Xmx512m, serial GC) after WARMUP passes over the documents,
ours (`formats.validate`: XSD + EN 16931 + XRechnung / Peppol rules in saxonche) in this process after the same
warm-up. Each side applies the rule sets the document's CustomizationID calls for. Builds the phive harness
first when needed (ops/peers/build-phive.sh; needs Java 17 and Maven).

    python bench/phive_compare.py [--warmup 3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")

import django  # noqa: E402

django.setup()

from pagero.formats import public as formats  # noqa: E402
from tests.peers.conftest import (  # noqa: E402
    CORPUS,
    HarnessUnavailable,
    build,
    java_command,
    job_lines,
    xrechnung_test_suite,
)


def phive_rate(classpath: str, documents: list, warmup: int, rounds: int) -> dict:
    listing = ROOT / "var" / "phive-bench.tsv"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(job_lines(documents), encoding="utf-8")
    done = subprocess.run(
        java_command(classpath, "--list", str(listing), "--bench", f"{warmup},{rounds}"),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        sys.exit(f"phive harness failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def our_rate(documents: list, warmup: int, rounds: int) -> dict:
    payloads = [d.path.read_bytes() for d in documents]
    for _ in range(warmup):
        for data in payloads:
            formats.validate(data)
    started = time.perf_counter()
    for _ in range(rounds):
        for data in payloads:
            formats.validate(data)
    seconds = time.perf_counter() - started
    return {
        "documents": len(payloads),
        "rounds": rounds,
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(payloads) * rounds / seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=int, default=3, help="untimed passes over the documents first")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes")
    args = parser.parse_args()
    if CORPUS is None:
        sys.exit("needs ../shared/corpus")
    try:
        classpath = build()
    except HarnessUnavailable as exc:
        sys.exit(f"phive harness not available: {exc}")
    if hasattr(os, "sched_setaffinity"):
        # One core for both sides (the JVM inherits this affinity).
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    documents = xrechnung_test_suite()
    phive = phive_rate(classpath, documents, args.warmup, args.rounds)
    ours = our_rate(documents, args.warmup, args.rounds)
    print(f"XRechnung test-suite documents: {len(documents)}, warm-up passes {args.warmup}, timed passes {args.rounds}")
    print(f"ours  (formats.validate, saxonche): {ours['docs_per_s']:8.2f} docs/s  ({ours['seconds']:.2f} s)")
    print(f"phive (one JVM, -Xmx512m)         : {phive['docs_per_s']:8.2f} docs/s  ({phive['seconds']:.2f} s)")
    print(f"ratio ours/phive: {ours['docs_per_s'] / phive['docs_per_s']:.2f}")


if __name__ == "__main__":
    main()
