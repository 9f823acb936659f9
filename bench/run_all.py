"""Run every benchmark in bench/ one after the other (make bench)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# soak.py is not a benchmark: it runs for minutes, kills workers and restarts the shared broker (docs/soak.md).
# test_tier.py times the test suite against another commit, which it has to be given.
NOT_BENCHMARKS = {"run_all.py", "soak.py", "test_tier.py"}

if __name__ == "__main__":
    status = 0
    for script in sorted(HERE.glob("[a-z]*.py")):
        if script.name in NOT_BENCHMARKS:
            continue
        print(f"== {script.name}", flush=True)
        # From the repository root: Celery puts the working directory first on sys.path, where bench/shadow.py
        # would hide the shadow package.
        status |= subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
    sys.exit(status)
