"""Signed webhook delivery: POST the document with an HMAC-SHA256 signature over the body.

A webhook URL is chosen by a customer, so every request is a request our servers make on someone else's
behalf. `vet_url` refuses targets inside our own network (loopback, private, link-local, multicast,
reserved, unspecified, cloud metadata names), anything but https (http only when WEBHOOK_ALLOW_HTTP is
set), credentials and control characters. The host is resolved once and the connection goes to the very
address that was checked (Host header and TLS SNI carry the name), so a DNS answer that changes between
the check and the connection cannot redirect the request. Redirects are never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from django.conf import settings

from .pinned import PinnedHTTPSConnection

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 500  # the length of Organisation.webhook_url
# Names that only ever mean something inside a network: never a customer's public endpoint.
INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".lan", ".intranet")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits: 64:ff9b::7f00:1 reaches 127.0.0.1.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    retryable: bool
    status: int | None
    detail: str


class WebhookUrlRefused(ValueError):
    """The webhook URL may not be used as a delivery target; the message says why."""


@dataclass(frozen=True)
class Target:
    """A vetted webhook target: where to connect (`address`) and what to call the host (`host`)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header value: sha256=<hex HMAC-SHA256 of the body with the shared secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        try:
            networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
        except ValueError:
            log.warning("WEBHOOK_ALLOWED_HOSTS entry %r is not an IP address or CIDR network: ignored", entry)
    return networks


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and _internal(inner):
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def address_allowed(address: str) -> bool:
    """Whether we may connect to this IP address: public, or listed in WEBHOOK_ALLOWED_HOSTS."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in network for network in _allowed_networks()):
        return True
    return not _internal(ip)


def _check_host_name(host: str) -> None:
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise WebhookUrlRefused(f"{host!r} is not a valid host name")
    if len(labels) < 2 or host == "localhost" or host.rstrip(".").endswith(INTERNAL_SUFFIXES):
        raise WebhookUrlRefused(f"the webhook host {host!r} is an internal name; use a public host name")
    top = labels[-1]
    # A numeric or hex last label is an IPv4 address in a form only some parsers read (2130706433, 0x7f.1).
    if top.isdigit() or re.fullmatch(r"0x[0-9a-f]*", top):
        raise WebhookUrlRefused(f"{host!r} is not a host name; write an IP address as four dotted decimals")


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Check the URL's form (no network): returns scheme, host, port and the request path."""
    if not isinstance(url, str) or not url:
        raise WebhookUrlRefused("the webhook URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused(f"the webhook URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise WebhookUrlRefused("the webhook URL contains blanks or control characters (e.g. CR/LF)")
    if not url.isascii():
        raise WebhookUrlRefused("write the webhook URL in ASCII: percent-encode the path, xn-- form for the host")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookUrlRefused(f"the webhook URL must be an http(s) URL with a host, not {url!r}")
    if scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise WebhookUrlRefused("the webhook URL must use https")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("the webhook URL must not contain credentials (user:password@)")
    try:
        port = parts.port if parts.port is not None else (443 if scheme == "https" else 80)
    except ValueError:
        raise WebhookUrlRefused("the webhook URL has an invalid port") from None
    if port == 0:
        raise WebhookUrlRefused("the webhook URL has an invalid port")
    host = parts.hostname.lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        _check_host_name(host)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses (an IP literal is its own single address). Raises OSError when unresolvable."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _vetted(url: str, addresses: list[str], host: str) -> None:
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        log.warning("webhook URL %r refused: %s resolves to %s", url, host, ", ".join(refused))
        raise WebhookUrlRefused(
            f"the webhook host {host!r} is not a public address (loopback, private, link-local, multicast, "
            "reserved or unspecified addresses are refused)"
        )


def vet(url: str) -> Target:
    """Check a webhook URL and resolve its host once; every address it resolves to must be allowed.

    Raises WebhookUrlRefused, or OSError when the host does not resolve."""
    scheme, host, port, path = parse_url(url)
    addresses = resolve(host, port)
    _vetted(url, addresses, host)
    return Target(scheme, host, port, path, addresses[0])


def check_url(url: str) -> None:
    """The check when a customer saves a URL: as `vet`, except that a host that does not resolve yet is
    accepted (its DNS may come later); every delivery vets the URL again."""
    _, host, port, _ = parse_url(url)
    try:
        addresses = resolve(host, port)
    except OSError:
        return
    _vetted(url, addresses, host)


def _status_text(code: int) -> str:
    """The status line we report: the code and its standard phrase, never the remote's own text."""
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def send(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to a vetted target and return the status code. Raises OSError / http.client errors."""
    if target.scheme == "https":
        connection: http.client.HTTPConnection = PinnedHTTPSConnection(target, timeout)
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host_header})
        response = connection.getresponse()
        return response.status  # the body is not read: nothing in it changes the outcome
    finally:
        connection.close()


def post(url: str, secret: str, body: bytes, headers: dict[str, str], timeout: float) -> WebhookResult:
    """2xx: delivered. Timeouts, connection errors, 408, 429 and 5xx: try again later. 3xx (not followed),
    other 4xx and a refused or unusable URL: final."""
    try:
        target = vet(url)
    except WebhookUrlRefused as exc:  # retrying cannot help: the URL has to change
        return WebhookResult(False, False, None, f"unusable webhook URL: {exc}")
    except OSError as exc:  # DNS failure: may be passing
        return WebhookResult(False, True, None, f"the webhook host does not resolve ({type(exc).__name__})")
    all_headers = {
        **headers,
        "X-Signature": signature(secret, body),
        "User-Agent": "e-document-network/1.0",
        "Content-Length": str(len(body)),
    }
    try:
        status = send(target, body, all_headers, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return WebhookResult(False, True, None, f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}")
    except ValueError as exc:  # a request http.client will not write: the URL has to change
        return WebhookResult(False, False, None, f"unusable webhook URL: {exc}")
    if 200 <= status < 300:
        return WebhookResult(True, False, status, _status_text(status))
    if 300 <= status < 400:
        return WebhookResult(False, False, status, f"{_status_text(status)}: redirects are not followed")
    retryable = status >= 500 or status in {408, 429}
    return WebhookResult(False, retryable, status, _status_text(status))
