"""CLI wall times: `manage.py convert --no-rules`, `convert` and `validate` of one corpus invoice, each the median
of 5 runs of a fresh process (what a user or a script calling the command waits for).

    python bench/cli.py [--runs 5] [--document cen-en16931/ubl/examples/ubl-tc434-example1.xml]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "formats"))

from corpus import CORPUS  # noqa: E402

CALLS = {
    "convert --no-rules": ["convert", "{doc}", "--to", "cii", "--no-rules", "-o", "{out}"],
    "convert": ["convert", "{doc}", "--to", "cii", "-o", "{out}"],
    "validate": ["validate", "{doc}"],
}


def wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}: {result.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--document", default="cen-en16931/ubl/examples/ubl-tc434-example1.xml")
    options = parser.parse_args()
    if CORPUS is None:
        raise SystemExit("../shared/corpus is not present on this machine")
    doc = str(CORPUS / options.document)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CASSANDRA_HOSTS"}}
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.xml")
        print(f"document: {options.document} ({Path(doc).stat().st_size} bytes); median of {options.runs} runs")
        for name, template in CALLS.items():
            args = [a.format(doc=doc, out=out) for a in template]
            times = [wall(args, env) for _ in range(options.runs)]
            print(f"{name:20} {statistics.median(times):6.2f} s  (min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
