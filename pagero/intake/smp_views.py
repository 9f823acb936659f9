"""Our Peppol SMP's read API (`/smp/...`): service groups and signed service metadata of our participants.

A participant is ours when one of our organisations holds its identifier verified (the same directory `/as4` checks
and routing uses). Settings (PEM paths): `PEPPOL_SMP_CERTIFICATE`, `PEPPOL_SMP_KEY`, and the published endpoint:
`PEPPOL_AP_CERTIFICATE` with `PEPPOL_AP_URL` (the public URL of `/as4`; by default derived from the request).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from . import smp
from .as4_inbound import NotConfigured
from .as4_views import is_participant

XML = "application/xml; charset=utf-8"


@functools.lru_cache(maxsize=4)
def _publisher(certificate: str, key: str, ap_certificate: str, endpoint_url: str) -> smp.Publisher:
    return smp.Publisher.from_files(certificate, key, ap_certificate, endpoint_url)


def publisher(request: HttpRequest) -> smp.Publisher:
    paths = [
        getattr(settings, name, "") for name in ("PEPPOL_SMP_CERTIFICATE", "PEPPOL_SMP_KEY", "PEPPOL_AP_CERTIFICATE")
    ]
    if not all(paths):
        raise NotConfigured("PEPPOL_SMP_CERTIFICATE, PEPPOL_SMP_KEY and PEPPOL_AP_CERTIFICATE must be set")
    endpoint_url = getattr(settings, "PEPPOL_AP_URL", "") or request.build_absolute_uri(reverse("as4"))
    return _publisher(*(str(p) for p in paths), endpoint_url)


def _answer(status: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    content = body.encode() + b"\n" if isinstance(body, str) else body
    return HttpResponse(content, status=status, content_type=content_type)


def _participant(request: HttpRequest, participant: str) -> tuple[str | None, HttpResponse | None]:
    if request.method not in {"GET", "HEAD"}:
        response = _answer(405, "the SMP is read-only here: GET")
        response["Allow"] = "GET, HEAD"
        return None, response
    value = smp.identifier_value(participant, smp.PARTICIPANT_SCHEME)
    if value is None:
        return None, _answer(400, f"a participant is written {smp.PARTICIPANT_SCHEME}::<scheme>:<value>")
    if not is_participant(value):
        return None, _answer(404, f"participant {value} is not registered here")
    return value, None


def service_group(request: HttpRequest, participant: str) -> HttpResponse:
    value, refusal = _participant(request, participant)
    if refusal is not None:
        return refusal
    assert value is not None
    try:
        services = publisher(request).services
    except NotConfigured:
        return _answer(503, "this SMP does not publish at the moment")
    return _answer(200, smp.service_group(request.build_absolute_uri(reverse("smp-root")), value, services), XML)


def service_metadata(request: HttpRequest, participant: str, document: str) -> HttpResponse:
    value, refusal = _participant(request, participant)
    if refusal is not None:
        return refusal
    assert value is not None
    document_type = smp.identifier_value(document, smp.DOCUMENT_TYPE_SCHEME)
    if document_type is None:
        return _answer(400, f"a document type is written {smp.DOCUMENT_TYPE_SCHEME}::<identifier>")
    try:
        ours = publisher(request)
    except NotConfigured:
        return _answer(503, "this SMP does not publish at the moment")
    service = ours.service(document_type)
    if service is None:
        return _answer(404, f"participant {value} does not receive {document_type} here")
    return _answer(200, smp.signed_service_metadata(ours, value, service), XML)
