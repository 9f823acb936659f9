"""SFTP settings of an organisation: the public keys that open its SFTP drop (inbound), and the server documents
are written to (outbound: host, port, user, folder, the server's host key, and the client key we made for it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from pagero.delivery import public as delivery

from .models import Organisation, SftpKey

if TYPE_CHECKING:  # imported where used: asyncssh costs a fifth of a second at every process start
    import asyncssh

# Bounds on what an organisation can store: keys per organisation, and the length of one key line.
MAX_SFTP_KEYS = 10
MAX_KEY_CHARS = 8192
# Host key algorithms a known_hosts line may name (what OpenSSH offers today; DSA is gone from OpenSSH).
_KEY_TYPE = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com|ssh-ed448)$"
)
_USER = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SftpKeyInfo:
    id: int
    name: str
    fingerprint: str
    algorithm: str
    created_at: object
    last_used_at: object


@dataclass(frozen=True)
class SftpTarget:
    """Where documents for the organisation are written over SFTP, and the public part of our client key."""

    host: str
    port: int
    user: str
    directory: str
    host_key: str
    client_public_key: str  # "" until a key is made


def _import_key(text: str, what: str) -> asyncssh.SSHKey:
    import asyncssh

    if len(text) > MAX_KEY_CHARS or _CONTROL.search(text):
        raise ValueError(f"the {what} must be one line of at most {MAX_KEY_CHARS} characters")
    try:
        return asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError):
        raise ValueError(
            f"the {what} is not an OpenSSH public key (one line such as 'ssh-ed25519 AAAA… comment')"
        ) from None


def _key_line(key: asyncssh.SSHKey) -> str:
    """The key as one OpenSSH line without its comment (the comment is the customer's, not part of the key)."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


def parse_public_key(text: str) -> tuple[str, str]:
    """An OpenSSH public key line -> (the line without comment, its SHA-256 fingerprint). ValueError naming the
    problem otherwise."""
    key = _import_key(text.strip(), "public key")
    return _key_line(key), key.get_fingerprint("sha256")


def parse_host_key(line: str) -> str:
    """A server's host key as written in known_hosts ("host ssh-ed25519 AAAA…", or just "ssh-ed25519 AAAA…"):
    returns "type base64". Hashed or marked lines (@cert-authority, @revoked) are refused: give the key itself."""
    fields = line.strip().split()
    if not fields or len(line) > MAX_KEY_CHARS or _CONTROL.search(line.strip()):
        raise ValueError(
            "the server's host key must be one known_hosts line, e.g. 'sftp.example.com ssh-ed25519 AAAA…'"
        )
    if fields[0].startswith("@"):
        raise ValueError("give the server's host key itself, not a @cert-authority or @revoked line")
    if not _KEY_TYPE.match(fields[0]):
        fields = fields[1:]  # the host patterns field
    if len(fields) < 2 or not _KEY_TYPE.match(fields[0]):
        raise ValueError("the server's host key must name its type, e.g. 'ssh-ed25519 AAAA…' (see ssh-keyscan)")
    return _key_line(_import_key(f"{fields[0]} {fields[1]}", "server's host key"))


def _info(row: SftpKey) -> SftpKeyInfo:
    return SftpKeyInfo(row.pk, row.name, row.fingerprint, row.public_key.split()[0], row.created_at, row.last_used_at)


def list_sftp_keys(organisation_id: int) -> list[SftpKeyInfo]:
    return [_info(row) for row in SftpKey.objects.filter(organisation_id=organisation_id)]


def add_sftp_key(organisation_id: int, public_key: str, name: str = "") -> SftpKeyInfo:
    """Authorise a public key for the organisation's SFTP drop. ValueError naming the problem: not a key, too many
    keys, or a key already authorised (one key opens one organisation's drop)."""
    line, fingerprint = parse_public_key(public_key)
    name = _CONTROL.sub(" ", name).strip()[:100]
    with transaction.atomic():
        count = SftpKey.objects.select_for_update().filter(organisation_id=organisation_id).count()
        if count >= MAX_SFTP_KEYS:
            raise ValueError(f"{count} keys are authorised already (at most {MAX_SFTP_KEYS}); remove one first")
        try:
            with transaction.atomic():
                row = SftpKey.objects.create(
                    organisation_id=organisation_id, public_key=line, fingerprint=fingerprint, name=name
                )
        except IntegrityError:
            raise ValueError(f"the key {fingerprint} is authorised already; make a new key pair") from None
    return _info(row)


def remove_sftp_key(organisation_id: int, key_id: int) -> bool:
    deleted, _ = SftpKey.objects.filter(organisation_id=organisation_id, pk=key_id).delete()
    return deleted > 0


def sftp_login(username: str, public_key: str) -> int | None:
    """The organisation whose drop this login opens: the user name is the organisation's slug and the key one it
    authorised. None otherwise."""
    try:
        _, fingerprint = parse_public_key(public_key)
    except ValueError:
        return None
    row = SftpKey.objects.filter(fingerprint=fingerprint, organisation__slug=username).first()
    if row is None:
        return None
    SftpKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.organisation_id


def _client_public_key(private: str) -> str:
    import asyncssh

    if not private:
        return ""
    return " ".join(asyncssh.import_private_key(private).export_public_key("openssh").decode().split())


def sftp_target(organisation_id: int) -> SftpTarget:
    org = Organisation.objects.get(pk=organisation_id)
    return SftpTarget(
        org.sftp_host,
        org.sftp_port,
        org.sftp_user,
        org.sftp_directory,
        org.sftp_host_key,
        _client_public_key(org.sftp_client_key),
    )


def make_sftp_client_key(organisation_id: int) -> str:
    """Make (or replace) the key pair we log in to the organisation's server with; returns its public part, to be
    authorised on that server. A replaced key stops working at once."""
    import asyncssh

    org = Organisation.objects.get(pk=organisation_id)
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"e-document-network {org.slug}")
    Organisation.objects.filter(pk=organisation_id).update(sftp_client_key=key.export_private_key().decode())
    return _client_public_key(key.export_private_key().decode())


def _check_host(host: str, port: int) -> None:
    """The same refusals as a webhook host (an internal name, an address inside the network, malformed)."""
    try:
        name = f"[{host}]" if ":" in host else host
        delivery.check_webhook_url(f"https://{name}:{port}/")
    except delivery.WebhookUrlRefused as exc:
        reason = str(exc).replace("the webhook URL", "the SFTP address").replace("webhook host", "SFTP host")
        raise ValueError(reason) from None


def set_sftp_target(
    organisation_id: int, *, host: str, port: int | str, user: str, directory: str, host_key: str
) -> SftpTarget:
    """Where documents are written when the organisation receives by SFTP. A client key is made with the first save.
    ValueError naming the problem (host, port, user, folder or host key), and nothing is saved."""
    host = host.strip().lower()
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"the SFTP port must be a number from 1 to 65535, not {str(port)[:20]!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"the SFTP port must be a number from 1 to 65535, not {port}")
    if not host:
        raise ValueError("give the SFTP server's host name")
    _check_host(host, port)
    user = user.strip()
    if not _USER.match(user):
        raise ValueError("the SFTP user must be 1 to 64 letters, digits, '.', '_' or '-'")
    directory = directory.strip()
    if len(directory) > 255 or _CONTROL.search(directory) or ".." in directory.split("/"):
        raise ValueError("the SFTP folder must be a path of at most 255 characters, without '..' or control characters")
    key_line = parse_host_key(host_key)
    org = Organisation.objects.get(pk=organisation_id)
    org.sftp_host, org.sftp_port, org.sftp_user = host, port, user
    org.sftp_directory, org.sftp_host_key = directory, key_line
    org.save(update_fields=["sftp_host", "sftp_port", "sftp_user", "sftp_directory", "sftp_host_key"])
    if not org.sftp_client_key:
        make_sftp_client_key(organisation_id)
    return sftp_target(organisation_id)
