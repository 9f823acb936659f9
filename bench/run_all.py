"""Run every benchmark in bench/ one after the other (make bench)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    status = 0
    for script in sorted(HERE.glob("[a-z]*.py")):
        if script.name == "run_all.py":
            continue
        print(f"== {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], cwd=HERE).returncode
    sys.exit(status)
