"""The SFTP channel: the document written to a folder on the recipient's SFTP server (asyncssh client).

The server is checked like a webhook host (no internal names, no address inside our network unless
WEBHOOK_ALLOWED_HOSTS lists it), resolved once, and the connection goes to the address that was checked. Only the
host key the recipient gave is accepted: a server presenting any other key is refused before we authenticate. We
log in with the client key made for this recipient. The file is uploaded as `<name>.part` and renamed when complete,
so the recipient's system never picks up half a document.

Outcomes: connection refused, timeouts, a dropped connection and a server-side failure are tried again; a refused
host, a host key that does not match, refused authentication, a permission denied and a missing folder are final,
with the reason naming it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import posixpath

import asyncssh
from django.conf import settings

from pagero.kernel.vocabulary import extension

from ..port import Address, DeliveryOutcome, Parcel
from ..webhook import WebhookUrlRefused, _check_host_name, address_allowed, resolve
from .email import _file_stem

log = logging.getLogger(__name__)

# Bounds: establishing the connection (TCP + key exchange + authentication), and the whole delivery.
CONNECT_TIMEOUT_SECONDS = 10.0
DELIVERY_TIMEOUT_SECONDS = 120.0


class SftpTargetRefused(ValueError):
    """The SFTP server may not be used as a delivery target; the message says why."""


def _timeouts() -> tuple[float, float]:
    connect = float(getattr(settings, "SFTP_CONNECT_TIMEOUT_SECONDS", CONNECT_TIMEOUT_SECONDS))
    total = float(getattr(settings, "SFTP_DELIVERY_TIMEOUT_SECONDS", DELIVERY_TIMEOUT_SECONDS))
    return connect, max(total, connect)


def vet_host(host: str, port: int) -> str:
    """The address to connect to: the host checked as a webhook host is, resolved once, every address allowed.
    Raises SftpTargetRefused, or OSError when the name does not resolve."""
    if not host:
        raise SftpTargetRefused("no SFTP server is set")
    if not 0 < port < 65536:
        raise SftpTargetRefused(f"the SFTP port {port} is not valid")
    try:
        ipaddress.ip_address(host)
    except ValueError:  # a name: its form is checked as a webhook host's is, before any DNS query
        try:
            _check_host_name(host)
        except WebhookUrlRefused as exc:
            raise SftpTargetRefused(str(exc).replace("webhook host", "SFTP host")) from None
    addresses = resolve(host, port)
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        log.warning("SFTP host %r refused: it resolves to %s", host, ", ".join(refused))
        raise SftpTargetRefused(
            f"the SFTP host {host!r} is not a public address (loopback, private, link-local, multicast, reserved "
            "or unspecified addresses are refused)"
        )
    return addresses[0]


def _host_key(line: str) -> asyncssh.SSHKey:
    """The one key the server may present, from a known_hosts line with or without its host field."""
    fields = line.split()
    for start in range(min(2, len(fields))):
        try:
            return asyncssh.import_public_key(" ".join(fields[start : start + 2]))
        except (asyncssh.KeyImportError, ValueError):
            continue
    raise SftpTargetRefused("the server's host key is not a known_hosts line")


def file_name(parcel: Parcel) -> str:
    """`<number>_<document id>.<ext>`: the number for people, the id so that two documents never share a name."""
    stem = _file_stem(parcel.number)
    name = f"{stem}_{parcel.document_id}" if stem else parcel.document_id
    return f"{name}.{extension(parcel.format)}"


async def _upload(address: Address, connect_to: str, parcel: Parcel, connect_timeout: float) -> str:
    try:
        client_key = asyncssh.import_private_key(address.sftp_client_key)
    except (asyncssh.KeyImportError, ValueError):
        raise SftpTargetRefused("our client key for this recipient is missing or unreadable: make a new one") from None
    host_key = _host_key(address.sftp_host_key)
    async with asyncssh.connect(
        connect_to,
        address.sftp_port,
        username=address.sftp_user,
        client_keys=[client_key],
        # Only the recipient's key is trusted; no known_hosts file, ssh config, agent or password is consulted.
        known_hosts=([host_key], [], []),
        # Offer every algorithm, not only the type on file: a server without a key of that type then shows the key it
        # has and is refused as a mismatch (final), instead of closing the connection (which looks transient).
        server_host_key_algs="default",
        agent_path=None,
        password=None,
        kbdint_auth=False,
        gss_auth=False,
        host_based_auth=False,
        config=[],
        connect_timeout=connect_timeout,
        login_timeout=connect_timeout,
    ) as connection:
        async with connection.start_sftp_client() as sftp:
            directory = address.sftp_directory or "."
            final = posixpath.join(directory, file_name(parcel))
            partial = final + ".part"
            async with sftp.open(partial, "wb") as remote:
                await remote.write(parcel.content)
            try:
                await sftp.posix_rename(partial, final)  # replaces a file left by an earlier, unacknowledged try
            except asyncssh.SFTPOpUnsupported:  # a server without OpenSSH's extension: plain rename
                if await sftp.exists(final):
                    await sftp.remove(final)
                await sftp.rename(partial, final)
            return final


def _outcome(exc: BaseException, where: str) -> DeliveryOutcome:
    """Final when only a change on the recipient's side helps; otherwise try again."""
    if isinstance(exc, SftpTargetRefused):
        return DeliveryOutcome(False, False, f"unusable SFTP server {where}: {exc}")
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return DeliveryOutcome(
            False, False, f"SFTP {where}: host key mismatch: the server did not present the host key on file"
        )
    if isinstance(exc, asyncssh.PermissionDenied):
        return DeliveryOutcome(
            False, False, f"SFTP {where}: authentication failed: the server did not accept our client key for this user"
        )
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return DeliveryOutcome(False, False, f"SFTP {where}: permission denied writing to the folder ({exc.reason})")
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return DeliveryOutcome(False, False, f"SFTP {where}: the folder does not exist ({exc.reason})")
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return DeliveryOutcome(False, True, f"SFTP {where}: timed out")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryOutcome(False, True, f"SFTP {where}: connection refused")
    if isinstance(exc, asyncssh.SFTPError):
        return DeliveryOutcome(False, True, f"SFTP {where}: the server failed the upload ({exc.reason})")
    if isinstance(exc, asyncssh.Error):
        return DeliveryOutcome(False, True, f"SFTP {where}: {type(exc).__name__}: {exc.reason}")
    return DeliveryOutcome(False, True, f"SFTP {where}: {type(exc).__name__}: {exc}")


class SftpChannel:
    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome:
        where = f"{address.sftp_user}@{address.sftp_host}:{address.sftp_port}"
        connect_timeout, total = _timeouts()
        try:
            connect_to = vet_host(address.sftp_host, address.sftp_port)
        except SftpTargetRefused as exc:
            return _outcome(exc, where)
        except OSError as exc:  # DNS failure: may be passing
            return DeliveryOutcome(False, True, f"SFTP {where}: the host does not resolve ({type(exc).__name__})")

        async def bounded() -> str:
            return await asyncio.wait_for(_upload(address, connect_to, parcel, connect_timeout), total)

        try:
            path = asyncio.run(bounded())
        except (TimeoutError, OSError, asyncssh.Error, SftpTargetRefused) as exc:
            log.info("SFTP delivery of %s to %s failed: %r", parcel.document_id, where, exc)
            return _outcome(exc, where)
        return DeliveryOutcome(True, False, f"written over SFTP to {where} as {path}")
