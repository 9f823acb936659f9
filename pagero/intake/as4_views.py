"""The Peppol AS4 endpoint (`/as4`): one POST per user message, answered with our signed receipt or an ebMS error.

The message layer is `as4_inbound` (Django-free). Here: the request bound, our credentials from settings, the
participant check against the partners directory, de-duplication by `eb:MessageId`, and the hand-over of the
business document to the pipeline as a submission of the sending access point.

Settings (paths to PEM files): `PEPPOL_AP_CERTIFICATE`, `PEPPOL_AP_KEY`, `PEPPOL_AP_TRUST_ANCHORS` (the AP CA
certificates whose access points we accept: OpenPeppol's in production); `AS4_MAX_REQUEST_BYTES` (default: the
document limit plus the multipart allowance the body-limit middleware gives any multipart request).
"""

from __future__ import annotations

import functools
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.partners import public as partners

from . import as4_inbound
from .as4_inbound import AccessPoint, DocumentRefused, Inbound, NotConfigured, RequestTooLarge
from .models import InboundAS4Message

log = logging.getLogger(__name__)

SENDING_AP_SLUG_PREFIX = "peppol-ap-"


def max_request_bytes() -> int:
    default = settings.MAX_DOCUMENT_BYTES + settings.MULTIPART_OVERHEAD_BYTES
    return int(getattr(settings, "AS4_MAX_REQUEST_BYTES", default))


@functools.lru_cache(maxsize=4)
def _access_point(certificate: str, key: str, anchors: str) -> AccessPoint:
    return AccessPoint.from_files(certificate, key, anchors)


def access_point() -> AccessPoint:
    """Our access point from settings (read once per set of paths)."""
    paths = [
        getattr(settings, name, "") for name in ("PEPPOL_AP_CERTIFICATE", "PEPPOL_AP_KEY", "PEPPOL_AP_TRUST_ANCHORS")
    ]
    if not all(paths):
        raise NotConfigured("PEPPOL_AP_CERTIFICATE, PEPPOL_AP_KEY and PEPPOL_AP_TRUST_ANCHORS must be set")
    return _access_point(*(str(p) for p in paths))


def is_participant(participant_id: str) -> bool:
    """Whether a Peppol participant id (`0088:7300010000002`) is a verified identifier of one of our organisations."""
    scheme, _, value = participant_id.partition(":")
    if not scheme or not value:
        return False
    try:
        return partners.find_organisation_by_identifier(scheme, value) is not None
    except ValueError:  # a scheme or value our directory cannot even normalise is not ours
        return False


def sending_ap_organisation(seat_id: str) -> partners.OrganisationRef:
    """The organisation that stands for a sending access point in the pipeline: one per seat id (the CN of its
    verified AP certificate), created on its first message."""
    slug = SENDING_AP_SLUG_PREFIX + (re.sub(r"[^a-z0-9-]+", "-", seat_id.lower()).strip("-") or "unknown")[:60]
    return partners.ensure_organisation(f"Peppol access point {seat_id}"[:200], slug)


def take_in(ours: AccessPoint, inbound: Inbound) -> tuple[bytes, bool]:
    """Submit the business document of an accepted message once per message id: (the signal to answer, whether it
    is a refusal). A duplicate gets the receipt kept for the first."""
    kept = stored_receipt(inbound.message_id)
    if kept is not None:
        return kept, False
    try:
        document = as4_inbound.business_document(inbound.sbd)
    except etree.XMLSyntaxError as exc:  # the library parsed it already; kept for the impossible case
        return as4_inbound.refusal(
            ours, DocumentRefused(detail=f"the SBD is not well-formed: {exc}"), inbound.message_id
        ).signal, True
    except DocumentRefused as exc:
        return as4_inbound.refusal(ours, exc, inbound.message_id).signal, True
    sender = sending_ap_organisation(inbound.sending_ap)
    try:
        with transaction.atomic():
            row = InboundAS4Message.objects.create(
                message_id=inbound.message_id,
                sending_ap=inbound.sending_ap[:200],
                sender=inbound.sender[:200],
                receiver=inbound.receiver[:200],
                document_type=inbound.document_type[:500],
                receipt=inbound.signal,
            )
            # The row and the document commit together: a failure leaves neither, and the sender's retry is new.
            document_id, status, _ = documents.submit_document(sender.id, document)
            row.document_id = document_id
            row.save(update_fields=["document_id"])
    except IntegrityError:
        # The same message arrived twice at once: the other request stored it first.
        kept = stored_receipt(inbound.message_id)
        if kept is None:
            raise
        return kept, False
    except formats.FormatError as exc:  # too large or empty: refused before anything was kept
        return as4_inbound.refusal(ours, DocumentRefused(detail=exc.message), inbound.message_id).signal, True
    log.info(
        "AS4 message %s from %s (%s -> %s) submitted as document %s (%s)",
        inbound.message_id, inbound.sending_ap, inbound.sender, inbound.receiver, document_id, status,
    )  # fmt: skip
    return inbound.signal, False


def stored_receipt(message_id: str) -> bytes | None:
    updated = InboundAS4Message.objects.filter(message_id=message_id).update(duplicates=F("duplicates") + 1)
    if not updated:
        return None
    receipt = InboundAS4Message.objects.filter(message_id=message_id).values_list("receipt", flat=True).get()
    log.info("AS4 message %s received again: answered with the kept receipt", message_id)
    return bytes(receipt)


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Content-Length"] = str(len(response.content))
    return response


@csrf_exempt
def as4_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        response = _plain(405, "the AS4 endpoint takes POST requests only")
        response["Allow"] = "POST"
        return response
    limit = max_request_bytes()
    try:
        as4_inbound.check_length(request.META.get("CONTENT_LENGTH"), limit)
    except RequestTooLarge as exc:
        if exc.length < 0:
            return _plain(411, "send the AS4 message with a Content-Length header")
        return _plain(413, f"{exc} (AS4_MAX_REQUEST_BYTES)")
    try:
        ours = access_point()
    except NotConfigured as exc:
        log.error("the AS4 endpoint is not configured: %s", exc)
        return _plain(503, "this access point does not receive AS4 messages at the moment")
    # The stream is bounded by the Content-Length checked above; read() never goes past it.
    body = request.read(limit)
    headers = {"Content-Type": request.META.get("CONTENT_TYPE", ""), "MIME-Version": "1.0"}
    inbound = as4_inbound.receive(
        headers,
        body,
        ours,
        is_participant=is_participant,
        max_sbd_bytes=settings.MAX_DOCUMENT_BYTES + as4_inbound.SBDH_OVERHEAD_BYTES,
    )
    if not inbound.accepted:
        log.info("AS4 message %r refused: %s %s", inbound.message_id, inbound.error_code, inbound.reason)
        return _signal(inbound.signal, refused=True)
    signal, refused = take_in(ours, inbound)
    return _signal(signal, refused=refused)


def _signal(signal: bytes, *, refused: bool) -> HttpResponse:
    # An ebMS error is the answer to a request we refuse: a client error, with the error signal as its body.
    response = HttpResponse(signal, status=400 if refused else 200, content_type=as4_inbound.SIGNAL_CONTENT_TYPE)
    response["Content-Length"] = str(len(signal))
    return response
