"""The SFTP drop's SSH server (asyncssh): public-key logins only, SFTP only.

The user name is the organisation's slug and the key one the organisation authorised in the portal (SFTP
settings). No password, keyboard-interactive or host-based login; no shell, command, SCP or forwarding. A login
must finish within SFTP_LOGIN_TIMEOUT_SECONDS, a connection lasts at most SFTP_CONNECTION_MAX_SECONDS, and at most
SFTP_MAX_CONNECTIONS are open at once (more are closed at once).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncssh
from django.conf import settings
from django.db import close_old_connections

from pagero.partners import public as partners

from .drop import DatabaseThread, DropServer, Limits, Quota

log = logging.getLogger(__name__)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _login(username: str, public_key: str) -> int | None:
    close_old_connections()
    try:
        return partners.sftp_login(username, public_key)
    except Exception:
        # The database is away or broken: the login is refused (the client may try again), the server stays up.
        log.exception("SFTP login of %r could not be checked", username)
        return None
    finally:
        close_old_connections()


class _Connections:
    """Open connections, bounded."""

    def __init__(self, limit: int) -> None:
        self.limit, self.open = limit, 0


class _SshServer(asyncssh.SSHServer):
    def __init__(self, connections: _Connections, limits: Limits, database: DatabaseThread) -> None:
        self._connections, self._limits, self._database = connections, limits, database
        self._conn: asyncssh.SSHServerConnection | None = None
        self._counted = False
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        if self._connections.open >= self._connections.limit:
            log.warning(
                "SFTP connection from %s closed: %d connections open",
                conn.get_extra_info("peername"),
                self._connections.open,
            )
            conn.close()
            return
        self._connections.open += 1
        self._counted = True
        self._deadline = asyncio.get_running_loop().call_later(
            _setting("SFTP_CONNECTION_MAX_SECONDS", 3600), conn.close
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            self._connections.open -= 1
            self._counted = False
        if self._deadline is not None:
            self._deadline.cancel()

    def begin_auth(self, username: str) -> bool:
        return True  # every login authenticates

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if len(username) > 80 or self._conn is None:
            return False
        line = key.export_public_key("openssh").decode()
        organisation_id = await self._database.run(_login, username, line)
        if organisation_id is None:
            log.info("SFTP login refused for %r with key %s", username, key.get_fingerprint("sha256"))
            return False
        self._conn.set_extra_info(
            organisation_id=organisation_id, quota=Quota(), limits=self._limits, database=self._database
        )
        return True


def ensure_host_key(path: str | os.PathLike[str]) -> asyncssh.SSHKey:
    """The server's host key, made (ed25519, mode 0600) the first time."""
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
    return asyncssh.read_private_key(str(target))


def host_key_path() -> Path:
    return Path(getattr(settings, "SFTP_HOST_KEY_PATH", Path(settings.BASE_DIR) / "var" / "sftp_host_ed25519"))


@dataclass(frozen=True)
class ServerIdentity:
    """What a customer needs to connect: the address, and the host key to check it by."""

    host: str
    port: int
    fingerprint: str  # "" when the server has not made its host key yet
    known_hosts_line: str


def server_identity() -> ServerIdentity:
    """The drop's public address (SFTP_PUBLIC_HOST, SFTP_PORT) and host key, read without making one."""
    host = str(getattr(settings, "SFTP_PUBLIC_HOST", "") or getattr(settings, "SFTP_LISTEN_HOST", "127.0.0.1"))
    port = int(getattr(settings, "SFTP_PORT", 2222))
    try:
        key = asyncssh.read_private_key(str(host_key_path()))
    except (OSError, asyncssh.KeyImportError):
        return ServerIdentity(host, port, "", "")
    name = host if port == 22 else f"[{host}]:{port}"
    return ServerIdentity(
        host, port, key.get_fingerprint("sha256"), f"{name} {key.export_public_key().decode().strip()}"
    )


async def start_server(
    host: str, port: int, host_key: asyncssh.SSHKey, database: DatabaseThread
) -> asyncssh.SSHAcceptor:
    """Listen for SFTP clients, querying the database from `database`; the acceptor's close() stops listening."""
    connections = _Connections(int(getattr(settings, "SFTP_MAX_CONNECTIONS", 32)))
    limits = Limits.from_settings()
    return await asyncssh.create_server(
        lambda: _SshServer(connections, limits, database),
        host,
        port,
        server_host_keys=[host_key],
        sftp_factory=DropServer,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=_setting("SFTP_LOGIN_TIMEOUT_SECONDS", 30),
        keepalive_interval=30,
        keepalive_count_max=3,
    )


def serve(
    host: str,
    port: int,
    host_key: asyncssh.SSHKey,
    *,
    ready: threading.Event | None = None,
    stop: threading.Event | None = None,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Run the drop until SIGINT/SIGTERM (or `stop` is set, for callers running it in a thread)."""

    async def main() -> None:
        database = DatabaseThread()
        acceptor = await start_server(host, port, host_key, database)
        if on_listening is not None:
            on_listening(acceptor.get_port())
        if ready is not None:
            ready.set()
        finished = asyncio.Event()
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, finished.set)
        while not finished.is_set() and not (stop is not None and stop.is_set()):
            try:
                await asyncio.wait_for(finished.wait(), 0.2)
            except TimeoutError:
                pass
        acceptor.close()
        await acceptor.wait_closed()
        await database.close()

    asyncio.run(main())
