"""`manage.py serve_sftp`: the process listens, announces its address and host key, and checks every login."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_port_is_refused_with_a_message():
    with pytest.raises(CommandError, match="--port must be 0 to 65535"):
        call_command("serve_sftp", port=70000)


def test_an_unreadable_host_key_is_refused_with_a_message(tmp_path):
    (tmp_path / "host_key").write_text("not a key")
    with pytest.raises(CommandError, match="cannot read or make the host key"):
        call_command("serve_sftp", port=0, host_key=str(tmp_path / "host_key"))


@pytest.mark.slow  # starts manage.py
def test_the_process_announces_its_host_key_and_refuses_unknown_keys(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    for name in ("CELERY_BROKER_URL", "CASSANDRA_HOSTS"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_sftp", "--port", "0", "--host-key", str(tmp_path / "host_key")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first, second = server.stdout.readline(), server.stdout.readline()
        assert first.startswith("SFTP drop on 127.0.0.1:") and "host key SHA256:" in first, server.stderr.read()
        known_hosts_line = second.removeprefix("known_hosts line: ").strip()
        port = int(known_hosts_line.split("]:", 1)[1].split()[0])
        (tmp_path / "known_hosts").write_text(known_hosts_line + "\n")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "stranger")], check=True)
        client = subprocess.run(
            ["sftp", "-b", "-", "-P", str(port), "-i", str(tmp_path / "stranger"), "-F", "/dev/null",
             "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
             "-o", f"UserKnownHostsFile={tmp_path / 'known_hosts'}", "acme@127.0.0.1"],
            input="ls\n", capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        # The host key matched what the process announced (no verification failure); the key was refused.
        assert client.returncode != 0 and "Permission denied (publickey)" in client.stderr, client.stderr
        assert "Host key verification failed" not in client.stderr
        assert server.poll() is None
    finally:
        stop(server)
    assert (tmp_path / "host_key").stat().st_mode & 0o077 == 0  # made private
