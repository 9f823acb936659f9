"""Signed webhook delivery: POST the document with an HMAC-SHA256 signature over the body."""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    retryable: bool
    status: int | None
    detail: str


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header value: sha256=<hex HMAC-SHA256 of the body with the shared secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, secret: str, body: bytes, headers: dict[str, str], timeout: float) -> WebhookResult:
    """2xx: delivered. Timeouts, connection errors, 408, 429 and 5xx: try again later. Other 4xx and an unusable
    URL: final."""
    try:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                **headers,
                "X-Signature": signature(secret, body),
                "User-Agent": "e-document-network/1.0",
            },
        )
    except ValueError as exc:  # not a URL urllib can use: retrying cannot help
        return WebhookResult(False, False, None, f"unusable webhook URL: {exc}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return WebhookResult(True, False, response.status, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code in {408, 429}
        return WebhookResult(False, retryable, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return WebhookResult(False, True, None, f"{type(exc).__name__}: {reason}")
