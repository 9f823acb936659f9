"""`make test-fast` here against another commit's, in alternating runs.

On this machine the host's speed varies by up to half from run to run (user CPU moves with the wall clock), so two
figures taken minutes apart compare nothing: the two trees take turns instead, and the means and the pairs won are
what tell.

    python bench/test_tier.py --against c215915 [--pairs 6]

The other commit is checked out in a temporary git worktree beside this checkout (so `../shared/corpus` is the same
folder) and runs its own `make test-fast`, with this virtualenv and this checkout's store of replayed business-rule
reports, so that neither side runs Saxon for what the other recorded. A first run on each side writes its bytecode
caches and is not counted. Each counted run prints its wall clock and the CPU time of everything it started.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
RULES_STORE = ROOT / "var" / "test-cache" / "rules"


@dataclass
class Run:
    passed: bool
    wall: float
    cpu: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fast_tier(checkout: Path) -> Run:
    """`make test-fast` in `checkout`, never reinstalling this virtualenv (`-o`: its stamp counts as up to date)."""
    command = [
        "make",
        "-s",
        "-C",
        str(checkout),
        "-o",
        str(VENV / ".installed"),
        "test-fast",
        f"VENV={VENV}",
        f"TEST_RULES_STORE={RULES_STORE}",
        "PYTEST_ARGS=-q -p no:cacheprovider",
    ]
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    run = Run(done.returncode == 0, time.perf_counter() - started, children_cpu() - cpu)
    if not run.passed:
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
    return run


@contextmanager
def worktree(commit: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=".test-tier-", dir=ROOT.parent))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(folder), commit], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, help="the commit to compare with (any git revision)")
    parser.add_argument("--pairs", type=int, default=6, help="alternating pairs of runs (default 6)")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    runs: dict[str, list[Run]] = {"against": [], "here": []}
    with worktree(args.against) as other:
        for checkout in (other, ROOT):  # bytecode caches, and Saxon for anything new, before anything is timed
            fast_tier(checkout)
        for pair in range(1, args.pairs + 1):
            for side, checkout in (("against", other), ("here", ROOT)):
                run = fast_tier(checkout)
                runs[side].append(run)
                verdict = "passed" if run.passed else "FAILED"
                print(f"pair {pair} {side:7s} {run.wall:6.1f} s wall {run.cpu:6.1f} s CPU  {verdict}", flush=True)
    won = sum(here.wall < against.wall for here, against in zip(runs["here"], runs["against"], strict=True))
    for side, label in (("against", args.against), ("here", "this tree")):
        walls = [run.wall for run in runs[side]]
        print(
            f"{label}: wall mean {statistics.mean(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f}), "
            f"CPU mean {statistics.mean(run.cpu for run in runs[side]):.1f} s, "
            f"{sum(wall < 30 for wall in walls)} of {len(walls)} under 30 s"
        )
    print(f"this tree was faster in {won} of {args.pairs} pairs")
    return 0 if all(run.passed for side in runs.values() for run in side) else 1


if __name__ == "__main__":
    sys.exit(main())
