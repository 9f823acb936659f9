"""The SFTP channel against a real OpenSSH server (Debian's openssh-server, installed by ops/test-tools.sh).

Each test starts its own sshd on a free loopback port with a configuration, host key and authorized_keys of its own in
a temporary folder, logged in as the current user. The document must appear complete under its final name; a host
key that does not match, a key the server does not accept and a missing folder are final; a server that is down is
tried again; a server inside our network is refused unless allowed (as webhook targets are).
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from pagero.delivery import public as delivery
from pagero.delivery.channels import adapter
from pagero.partners import public as partners
from tests.processes import free_port

pytestmark = pytest.mark.slow  # starts sshd

SSHD = "/usr/sbin/sshd"
CONTENT = b'<?xml version="1.0"?>\n<Invoice>SFTP-7 \xc3\xa5</Invoice>\n'


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Sshd:
    port: int
    user: str
    host_key_line: str  # as in known_hosts
    authorized_keys: Path
    incoming: Path
    log: Path
    process: subprocess.Popen

    def authorise(self, public_key: str) -> None:
        with self.authorized_keys.open("a") as keys:
            keys.write(public_key.strip() + "\n")


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    if not os.path.exists(SSHD):
        pytest.fail(f"{SSHD} is missing: run ops/test-tools.sh (installs Debian's openssh-server)")
    if os.geteuid() == 0:  # sshd started by root insists on its privilege separation folder
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    host_key = tmp_path / "host_ed25519"
    host_public = keygen(host_key)
    authorized = tmp_path / "authorized_keys"
    authorized.write_text("")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    port = free_port()
    log = tmp_path / "sshd.log"
    config = tmp_path / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {tmp_path / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log.open("wb"))
    deadline = time.monotonic() + 10
    # Ready when it says so: a probe connection would show in the log the tests read.
    while f"Server listening on 127.0.0.1 port {port}" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"sshd did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    user = pwd.getpwuid(os.geteuid()).pw_name
    yield Sshd(port, user, f"[127.0.0.1]:{port} {host_public}", authorized, incoming, log, process)
    process.terminate()
    process.wait(timeout=10)


def parcel(number: str = "SFTP-7") -> delivery.Parcel:
    return delivery.Parcel("7f1c2d3e-0000-4000-8000-000000000007", number, "Acme Supplies AB", "ubl", CONTENT)


@pytest.fixture
def recipient(db, sshd: Sshd) -> partners.OrganisationRef:
    """An organisation receiving by SFTP on the test server, our client key authorised there."""
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    target = partners.set_sftp_target(
        org.id,
        host="127.0.0.1",
        port=sshd.port,
        user=sshd.user,
        directory=str(sshd.incoming),
        host_key=sshd.host_key_line,
    )
    sshd.authorise(target.client_public_key)
    partners.set_receive_preferences(org.id, channel="sftp")
    return org


def send(org_id: int, **changes) -> delivery.DeliveryOutcome:
    address = replace(partners.receive_profile(org_id).delivery_address(), **changes)
    channel = adapter("sftp")
    assert channel is not None, "DELIVERY_CHANNELS names no sftp adapter"
    return channel.send(parcel(), address, 1)


def test_the_document_is_written_under_its_final_name(recipient, sshd):
    outcome = send(recipient.id)
    assert outcome.delivered, outcome.detail
    written = sorted(p.name for p in sshd.incoming.iterdir())
    assert written == ["SFTP-7_7f1c2d3e-0000-4000-8000-000000000007.xml"]  # no .part left behind
    assert (sshd.incoming / written[0]).read_bytes() == CONTENT


def test_a_second_delivery_of_the_same_document_replaces_the_file(recipient, sshd):
    assert send(recipient.id).delivered
    assert send(recipient.id).delivered  # a retry after an answer that got lost
    assert [p.name for p in sshd.incoming.iterdir()] == ["SFTP-7_7f1c2d3e-0000-4000-8000-000000000007.xml"]


def test_a_host_key_that_does_not_match_is_final_and_nothing_is_written(recipient, sshd, tmp_path):
    other = keygen(tmp_path / "other_host_key")
    outcome = send(recipient.id, sftp_host_key=f"127.0.0.1 {other}")
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "host key mismatch" in outcome.detail
    assert list(sshd.incoming.iterdir()) == []


def test_a_host_key_of_another_type_than_the_server_has_is_final(recipient, sshd, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(tmp_path / "ecdsa")], check=True)
    outcome = send(recipient.id, sftp_host_key=(tmp_path / "ecdsa.pub").read_text())
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "host key mismatch" in outcome.detail
    assert list(sshd.incoming.iterdir()) == []


def test_a_key_the_server_does_not_accept_is_final(recipient, sshd):
    sshd.authorized_keys.write_text("")  # the recipient withdrew our key
    outcome = send(recipient.id)
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "authentication failed" in outcome.detail


def test_a_missing_folder_is_final(recipient, sshd):
    outcome = send(recipient.id, sftp_directory=str(sshd.incoming / "gone"))
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "folder does not exist" in outcome.detail


def test_a_server_that_is_down_is_tried_again(recipient, sshd):
    sshd.process.terminate()
    sshd.process.wait(timeout=10)
    outcome = send(recipient.id)
    assert (outcome.delivered, outcome.retryable) == (False, True)
    assert "connection refused" in outcome.detail


def test_a_server_that_never_answers_times_out_and_is_tried_again(recipient, settings):
    settings.SFTP_CONNECT_TIMEOUT_SECONDS = 0.5
    with socket.socket() as silent:  # accepts TCP connections and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        outcome = send(recipient.id, sftp_port=silent.getsockname()[1])
    assert (outcome.delivered, outcome.retryable) == (False, True)
    assert "timed out" in outcome.detail


def test_a_server_inside_our_network_is_refused_without_connecting(recipient, sshd, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []  # production: loopback is inside the network
    outcome = send(recipient.id)
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "not a public address" in outcome.detail
    assert "Connection from" not in sshd.log.read_text()
    assert list(sshd.incoming.iterdir()) == []


def test_internal_names_are_refused_when_saved(db, settings):
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    settings.WEBHOOK_ALLOWED_HOSTS = []
    for host, reason in (("localhost", "internal name"), ("127.0.0.1", "not a public address")):
        with pytest.raises(ValueError, match=reason):
            partners.set_sftp_target(
                org.id, host=host, port=22, user="edi", directory="in", host_key="ssh-ed25519 AAAA"
            )


def test_the_host_key_is_required_and_checked_when_saved(db):
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    for key in ("", "example.com", "example.com ssh-ed25519 not-base64", "@revoked * ssh-ed25519 AAAA"):
        with pytest.raises(ValueError, match="host key"):
            partners.set_sftp_target(org.id, host="127.0.0.1", port=22, user="edi", directory="in", host_key=key)
    with pytest.raises(ValueError, match="SFTP channel needs"):
        partners.set_receive_preferences(org.id, channel="sftp")


def test_our_client_key_is_one_per_organisation_and_can_be_replaced(db, sshd):
    first = partners.ensure_organisation("Nordic Retail AS", "nordic")
    second = partners.ensure_organisation("Acme Supplies AB", "acme")
    keys = [
        partners.set_sftp_target(
            org.id, host="127.0.0.1", port=22, user="edi", directory="", host_key=sshd.host_key_line
        ).client_public_key
        for org in (first, second)
    ]
    assert keys[0].startswith("ssh-ed25519 ") and keys[0] != keys[1]
    replaced = partners.make_sftp_client_key(first.id)
    assert replaced != keys[0] and partners.sftp_target(first.id).client_public_key == replaced


def test_the_public_key_shown_is_what_ssh_keygen_reads(db, tmp_path, sshd):
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    public = partners.set_sftp_target(
        org.id, host="127.0.0.1", port=sshd.port, user=sshd.user, directory="", host_key=sshd.host_key_line
    ).client_public_key
    (tmp_path / "ours.pub").write_text(public + "\n")
    fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "ours.pub")], capture_output=True, text=True, check=True
    )
    assert "ED25519" in fingerprint.stdout
