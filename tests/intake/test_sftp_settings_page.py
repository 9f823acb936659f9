"""The portal's SFTP page: keys that open the drop, the server documents are delivered to, and our key."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from pagero.partners import public as partners


def public_key(tmp_path: Path, name: str = "key") -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "erp@acme", "-f", str(tmp_path / name)], check=True
    )
    return (tmp_path / f"{name}.pub").read_text().strip()


@pytest.fixture
def alice(acme) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=partners.ensure_member(acme.id, "alice", "pw")))
    return client


def test_the_page_needs_a_member(db):
    assert Client().get("/settings/sftp/").status_code == 302


def test_a_key_is_added_listed_and_removed(alice, acme, nordic, tmp_path):
    key = public_key(tmp_path)
    page = alice.post("/settings/sftp/add-key", {"public_key": key, "name": "ERP"}, follow=True)
    assert page.status_code == 200
    [added] = partners.list_sftp_keys(acme.id)
    assert added.fingerprint.encode() in page.content and b"ERP" in page.content
    assert partners.sftp_login("acme", key) == acme.id and partners.sftp_login("nordic", key) is None
    again = alice.post("/settings/sftp/add-key", {"public_key": key}, follow=True)
    assert b"authorised already" in again.content
    # Another organisation's member cannot remove it.
    bob = Client()
    bob.force_login(get_user_model().objects.get(pk=partners.ensure_member(nordic.id, "bob", "pw")))
    assert b"No such key" in bob.post("/settings/sftp/remove-key", {"key_id": added.id}, follow=True).content
    alice.post("/settings/sftp/remove-key", {"key_id": added.id})
    assert partners.list_sftp_keys(acme.id) == [] and partners.sftp_login("acme", key) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("", b"not an OpenSSH public key"),
        ("ssh-ed25519 bm90IGEga2V5", b"not an OpenSSH public key"),
        ("ssh-ed25519 AAAA\nssh-rsa AAAA", b"one line"),
        ("x" * 9000, b"one line"),
    ],
)
def test_a_bad_key_is_refused_with_the_reason(alice, acme, value, message):
    page = alice.post("/settings/sftp/add-key", {"public_key": value}, follow=True)
    assert page.status_code == 200 and message in page.content
    assert partners.list_sftp_keys(acme.id) == []


def test_the_number_of_keys_is_bounded(alice, acme, tmp_path):
    for n in range(partners.MAX_SFTP_KEYS):
        partners.add_sftp_key(acme.id, public_key(tmp_path, f"k{n}"))
    page = alice.post("/settings/sftp/add-key", {"public_key": public_key(tmp_path, "one-more")}, follow=True)
    assert b"remove one first" in page.content and len(partners.list_sftp_keys(acme.id)) == partners.MAX_SFTP_KEYS


def test_the_delivery_server_is_saved_and_our_key_shown(alice, acme, tmp_path):
    host_key = public_key(tmp_path, "host")
    page = alice.post(
        "/settings/sftp/target",
        {
            "host": "127.0.0.1",
            "port": "2022",
            "user": "edi",
            "directory": "inbound",
            "host_key": f"127.0.0.1 {host_key}",
        },
        follow=True,
    )
    target = partners.sftp_target(acme.id)
    assert (target.host, target.port, target.user, target.directory) == ("127.0.0.1", 2022, "edi", "inbound")
    assert target.host_key == " ".join(host_key.split()[:2])
    assert target.client_public_key.startswith("ssh-ed25519 ") and target.client_public_key.encode() in page.content
    renewed = alice.post("/settings/sftp/new-client-key", follow=True)
    assert partners.sftp_target(acme.id).client_public_key != target.client_public_key
    assert partners.sftp_target(acme.id).client_public_key.encode() in renewed.content
    # The Settings page's channel choice takes SFTP now that a server is set.
    alice.post("/settings/receive", {"format": "ubl", "channel": "sftp"})
    assert partners.receive_profile(acme.id).channel == "sftp"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("host", "localhost", b"internal name"),
        ("port", "99999", b"from 1 to 65535"),
        ("user", "a b", b"SFTP user"),
        ("directory", "../etc", b"without"),
        ("host_key", "not a key", b"host key"),
    ],
)
def test_a_bad_delivery_server_is_refused_with_the_reason(alice, acme, tmp_path, field, value, message):
    form = {"host": "127.0.0.1", "port": "22", "user": "edi", "directory": "", "host_key": public_key(tmp_path)}
    page = alice.post("/settings/sftp/target", {**form, field: value}, follow=True)
    assert message in page.content
    assert partners.sftp_target(acme.id).host == ""
