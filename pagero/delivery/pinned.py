"""HTTPS to an address that was vetted before connecting (no second DNS look-up that could answer differently),
with the certificate checked against the host name, also sent as SNI. Django-free: the webhook channel and the AS4
client use it."""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Protocol


class Target(Protocol):
    """A vetted URL: the host it names, the address it was resolved to and checked at, the port."""

    @property
    def host(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def port(self) -> int: ...


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.address, target.port, timeout=timeout, context=self._tls)
        self._server_name = target.host

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self._server_name)
