"""`make run`'s embedded default works with no environment at all: SQLite, eager Celery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # three manage.py processes


def test_migrate_and_seed_on_the_embedded_default(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PAGERO_VAR_DIR": str(tmp_path)}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=120)
    out = subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, capture_output=True, timeout=60)
    data = json.loads(out.stdout)
    assert {o["slug"] for o in data["organisations"]} == {"acme", "nordic"}
    assert (tmp_path / "db.sqlite3").exists()
    probe = subprocess.run(
        [
            *manage,
            "shell",
            "-v",
            "0",
            "-c",
            "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
            "s.CELERY_TASK_ALWAYS_EAGER, s.PAYLOAD_STORE, bool(s.CASSANDRA_HOSTS))",
        ],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.split() == ["django.db.backends.sqlite3", "True", "database", "False"]
