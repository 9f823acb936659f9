"""What the REST API and the portal share at the web edge: the submission budget and download headers.

Both are web entry points into the documents context; keeping these here (outside any context) lets
each of them use the same rate and the same file naming without importing the other.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class SubmissionThrottle(SimpleRateThrottle):
    """SUBMISSION_RATE per organisation, whichever way its documents arrive (API token or portal user)."""

    scope = "submissions"

    def get_rate(self) -> str:
        return settings.SUBMISSION_RATE

    @classmethod
    def key_for(cls, organisation_id: int) -> str:
        return cls.cache_format % {"scope": cls.scope, "ident": f"org-{organisation_id}"}

    def get_cache_key(self, request, view) -> str:
        return self.key_for(request.user.organisation_id)

    def allow_request(self, request, view) -> bool:
        return self.allow_organisation(request.user.organisation_id)

    def allow_organisation(self, organisation_id: int) -> bool:
        """Count one submission of the organisation; False when its budget for the period is spent."""
        # The sliding window of SimpleRateThrottle.allow_request, keyed by organisation instead of request.
        self.key = self.key_for(organisation_id)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()


def submission_wait(organisation_id: int) -> float | None:
    """Count one submission; None if allowed, else the seconds to wait before the next one is accepted."""
    throttle = SubmissionThrottle()
    if throttle.allow_organisation(organisation_id):
        return None
    return throttle.wait() or 1.0


_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_NOT_NAME = re.compile(r"[^\w.-]+")
MAX_NAME_CHARS = 100


def _clean(text: str, pattern: re.Pattern[str]) -> str:
    dashed = re.sub(r"-{2,}", "-", pattern.sub("-", text))
    return dashed.strip("-._")[:MAX_NAME_CHARS].strip("-._")


def attachment_disposition(filename: str, kind: str) -> str:
    """RFC 6266 Content-Disposition for a download: `ACME-2002-original.xml`, `ACME-2002-cii.xml`, ...

    `filename` comes from the document (its number): anything but letters, digits, `.`, `_` and `-`
    becomes `-`, so quotes, `;`, CR/LF or path separators can never reach the header. `filename`
    carries an ASCII transliteration, `filename*` the UTF-8 name with the number's own letters.
    """
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    extension = _clean(extension, _NOT_ASCII_NAME)[:10] or "bin"
    suffix = "" if kind == extension else f"-{_clean(kind, _NOT_ASCII_NAME) or 'document'}"
    ascii_stem = _clean(unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode(), _NOT_ASCII_NAME)
    unicode_stem = _clean(unicodedata.normalize("NFC", stem), _NOT_NAME)
    ascii_name = f"{ascii_stem or 'document'}{suffix}.{extension}"
    unicode_name = f"{unicode_stem or 'document'}{suffix}.{extension}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(unicode_name, safe='')}"
