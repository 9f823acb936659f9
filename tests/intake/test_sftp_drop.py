"""The SFTP drop (`serve_sftp`) driven by the real OpenSSH client, /usr/bin/sftp in batch mode.

The server is the one `manage.py serve_sftp` runs (`intake.serve`), in a thread of the test process so that it sees
the test database. A valid upload becomes a submitted document with a result file; an invalid one a result file
with the reason; an unknown key, a key of another organisation and every path outside in/ and out/ are refused.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pagero.documents.models import Document
from pagero.intake import public as intake
from pagero.partners import public as partners
from tests.exchange.conftest import eager, wait_for  # noqa: F401 - fixture
from tests.exchange.factory import document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]  # runs the sftp client


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Drop:
    port: int
    folder: Path  # the client's working folder
    known_hosts: Path
    key: Path  # the organisation's authorised private key
    root: Path  # SFTP_ROOT

    def sftp(self, commands: str, user: str = "acme", key: Path | None = None) -> subprocess.CompletedProcess[str]:
        batch = self.folder / "batch"
        batch.write_text(commands.strip() + "\n")
        return subprocess.run(
            [
                "sftp",
                "-b",
                str(batch),
                "-P",
                str(self.port),
                "-i",
                str(key or self.key),
                "-F",
                "/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "ConnectTimeout=10",
                f"{user}@127.0.0.1",
            ],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def result(self, name: str) -> dict:
        """Fetch out/<name>.result.json with the client, as a customer would."""
        fetched = self.sftp(f"get out/{name}.result.json fetched.json")
        assert fetched.returncode == 0, fetched.stderr
        return json.loads((self.folder / "fetched.json").read_text())


@pytest.fixture
def drop(acme, nordic, tmp_path, settings) -> Iterator[Drop]:
    settings.SFTP_ROOT = str(tmp_path / "root")
    settings.MAX_DOCUMENT_BYTES = 200_000
    settings.SFTP_FILES_PER_CONNECTION = 3
    client = tmp_path / "client"
    client.mkdir()
    public = keygen(tmp_path / "acme_key")
    partners.add_sftp_key(acme.id, public + " alice@acme", name="ERP export")
    host_key = intake.ensure_host_key(tmp_path / "host_key")
    ready, stop, bound = threading.Event(), threading.Event(), []
    thread = threading.Thread(
        target=intake.serve,
        args=("127.0.0.1", 0, host_key),
        kwargs={"ready": ready, "stop": stop, "on_listening": bound.append},
        daemon=True,
    )
    thread.start()
    assert ready.wait(10), "the SFTP drop did not start"
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{bound[0]} {host_key.export_public_key().decode().strip()}\n")
    yield Drop(bound[0], client, known_hosts, tmp_path / "acme_key", tmp_path / "root")
    stop.set()
    thread.join(10)


@pytest.mark.usefixtures("eager")  # the pipeline inline, as on the embedded default
def test_a_valid_upload_is_submitted_as_the_organisation_with_a_result_file(drop, acme, nordic):
    (drop.folder / "INV-SFTP-1.xml").write_bytes(document("ubl", number="INV-SFTP-1"))
    run = drop.sftp("cd in\nput INV-SFTP-1.xml\nls\ncd ../out\nls")
    assert run.returncode == 0, run.stderr
    assert "INV-SFTP-1.xml.result.json" in run.stdout
    result = drop.result("INV-SFTP-1.xml")
    submitted = Document.objects.get(pk=result["document_id"])
    assert (submitted.sender_id, submitted.recipient_id, submitted.number) == (acme.id, nordic.id, "INV-SFTP-1")
    assert result == {
        "file": "INV-SFTP-1.xml",
        "accepted": True,
        "document_id": str(submitted.id),
        "status": result["status"],
        "reason": result["reason"],
    }
    assert result["status"] == "received"  # the status at submission, as the API's 202 gives it
    submitted.refresh_from_db()
    assert submitted.status == "delivered", submitted.status_reason  # the pipeline ran inline after it
    removed = drop.sftp("rm out/INV-SFTP-1.xml.result.json\nls out")
    assert removed.returncode == 0 and "INV-SFTP-1" not in removed.stdout.split("ls out", 1)[1]


def test_an_invalid_upload_gets_a_result_file_with_the_reason(drop, acme):
    (drop.folder / "notes.txt").write_text("these are not an invoice\n")
    (drop.folder / "empty.xml").write_bytes(b"")
    run = drop.sftp("put notes.txt in/notes.txt\nput empty.xml in/empty.xml")
    assert run.returncode == 0, run.stderr
    refused = drop.result("notes.txt")
    assert refused["accepted"] is False and refused["status"] == "rejected" and refused["reason"]
    assert Document.objects.get(pk=refused["document_id"]).status == "rejected"
    empty = drop.result("empty.xml")
    assert empty == {
        "file": "empty.xml",
        "accepted": False,
        "error": "empty_document",
        "reason": "the document is empty",
    }


def test_a_file_over_the_size_limit_is_refused_and_says_so(drop):
    (drop.folder / "big.xml").write_bytes(b"<a>" + b"x" * 300_000 + b"</a>")
    run = drop.sftp("-put big.xml in/big.xml")
    assert "big.xml" in run.stderr  # the client reports the failed write
    result = drop.result("big.xml")
    assert result["accepted"] is False and "over the limit of 200000 bytes" in result["reason"]
    assert not Document.objects.exists()


def test_files_per_connection_are_bounded(drop):
    for n in range(4):
        (drop.folder / f"f{n}.txt").write_text("x")
    run = drop.sftp("\n".join(f"-put f{n}.txt in/f{n}.txt" for n in range(4)))
    assert Document.objects.count() == 3
    assert "f3.txt" in run.stderr


def test_an_unknown_key_is_refused(drop, tmp_path):
    keygen(tmp_path / "stranger")
    run = drop.sftp("ls", key=tmp_path / "stranger")
    assert run.returncode != 0 and "Permission denied" in run.stderr


def test_a_key_opens_only_its_own_organisation(drop):
    run = drop.sftp("ls", user="nordic")
    assert run.returncode != 0 and "Permission denied" in run.stderr


def test_paths_outside_the_drop_are_refused(drop, tmp_path):
    (drop.folder / "evil.xml").write_bytes(document("ubl", number="EVIL-1"))
    target = tmp_path / "escaped.xml"
    run = drop.sftp(
        "\n".join(
            [
                f"-put evil.xml ../../../..{target}",
                f"-put evil.xml in/../../../..{target}",
                f"-put evil.xml {target}",
                "-put evil.xml evil.xml",
                "-put evil.xml in/.hidden.xml",
                "-get ../../../../etc/passwd passwd",
                "-get out/../../../../etc/passwd passwd",
                "-ln -s /etc/passwd out/passwd.result.json",
                "-symlink /etc in/etc",
                "-mkdir in/sub",
                "-rename out in/x",
                "-chmod 777 in",
                "ls -la",
            ]
        )
    )
    assert not target.exists() and not (drop.folder / "passwd").exists()
    assert not Document.objects.exists()
    assert sorted(line.split()[-1] for line in run.stdout.splitlines() if line.startswith("d")) == [
        ".",
        "..",
        "in",
        "out",
    ]
    assert list(drop.root.rglob("*passwd*")) == [] and list(drop.root.rglob("etc")) == []


def test_no_shell_or_command(drop):
    run = subprocess.run(
        [
            "ssh",
            "-p",
            str(drop.port),
            "-i",
            str(drop.key),
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={drop.known_hosts}",
            "acme@127.0.0.1",
            "id",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode != 0 and "uid=" not in run.stdout


def test_on_the_real_services_an_upload_becomes_a_delivered_document(celery_worker, drop, acme, nordic):
    """The drop hands the upload to the pipeline on real Celery workers, which deliver it to the recipient."""
    (drop.folder / "INV-SFTP-W.xml").write_bytes(document("ubl", number="INV-SFTP-W"))
    run = drop.sftp("cd in\nput INV-SFTP-W.xml")
    assert run.returncode == 0, run.stderr
    result = drop.result("INV-SFTP-W.xml")
    assert result["accepted"] is True
    done = wait_for(result["document_id"])
    assert done.status == "delivered", done.status_reason
    assert (done.sender_id, done.recipient_id) == (acme.id, nordic.id)
