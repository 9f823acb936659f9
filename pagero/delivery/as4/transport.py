"""HTTP for the Peppol channel: one request to an address that was vetted before, bounded in time and size.

The caller vets the URL (no address inside our network) and resolves the host once; the connection goes to that
address, with the name in the Host header and as TLS SNI, the certificate checked against the name. Redirects are
not followed. The answer is read up to a size limit and within an overall deadline, so a slow or endless answer
cannot hold a worker.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from typing import Protocol

from ..pinned import PinnedHTTPSConnection


class Target(Protocol):
    """A vetted URL (pagero.delivery.webhook.Target has this shape)."""

    @property
    def scheme(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def address(self) -> str: ...  # the vetted IP address to connect to
    @property
    def host_header(self) -> str: ...


class AnswerTooLarge(OSError):
    """The answer exceeded the size limit."""


class DeadlineExceeded(TimeoutError):
    """The whole exchange took longer than allowed."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def request(
    target: Target,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    *,
    timeout: float,
    deadline: float,
    max_answer_bytes: int,
) -> Answer:
    """Send one request and read the answer. `timeout` bounds each socket operation, `deadline` (seconds) the whole.
    Raises OSError (incl. timeouts, AnswerTooLarge, DeadlineExceeded) or http.client.HTTPException."""
    ends = time.monotonic() + deadline
    if target.scheme == "https":
        connection: http.client.HTTPConnection = PinnedHTTPSConnection(target, timeout)
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    try:
        all_headers = {**headers, "Host": target.host_header}
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        connection.request(method, target.path, body=body, headers=all_headers)
        response = connection.getresponse()
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_answer_bytes:
            raise AnswerTooLarge(f"the answer announces {declared} bytes, more than {max_answer_bytes}")
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > ends:
                raise DeadlineExceeded(f"no complete answer within {deadline:g}s")
            chunk = response.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_answer_bytes:
                raise AnswerTooLarge(f"the answer is larger than {max_answer_bytes} bytes")
            chunks.append(chunk)
        return Answer(response.status, response.getheader("Content-Type") or "", b"".join(chunks))
    finally:
        connection.close()
