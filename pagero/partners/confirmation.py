"""E-mail identifier claims are verified by a link sent to the address: whoever reads that mailbox confirms.

The link carries a signed, timestamped token (django.core.signing, salted for this purpose only) naming the
claim and the address, so a token for one claim or address cannot confirm another, and it expires after
IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse

from .models import ParticipantIdentifier

log = logging.getLogger(__name__)

SALT = "pagero.partners.identifier-confirmation"
MAX_TOKEN_LENGTH = 512


def make_token(claim: ParticipantIdentifier) -> str:
    return signing.dumps({"claim": claim.pk, "value": claim.value.lower()}, salt=SALT, compress=True)


def confirmation_url(claim: ParticipantIdentifier) -> str:
    return settings.PUBLIC_BASE_URL + reverse("partners:confirm_identifier", args=[make_token(claim)])


def claim_id_from_token(token: str) -> int:
    """The claim a token confirms; InvalidConfirmation when it is malformed, tampered with, expired, or its
    address is no longer the claim's."""
    from .services import InvalidConfirmation

    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidConfirmation("this confirmation link is not valid")
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise InvalidConfirmation("this confirmation link has expired: claim the identifier again") from None
    except signing.BadSignature:
        raise InvalidConfirmation("this confirmation link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("claim"), int):
        raise InvalidConfirmation("this confirmation link is not valid")
    claim = ParticipantIdentifier.objects.filter(pk=data["claim"]).first()
    if claim is None or claim.value.lower() != data.get("value"):
        raise InvalidConfirmation("this confirmation link is no longer valid: the claim was withdrawn")
    return claim.pk


def send_confirmation(claim_id: int) -> None:
    """E-mail the confirmation link to the claimed address. A mail server that is down is logged, not raised:
    the claim stays pending, and claiming it again sends a new link."""
    claim = ParticipantIdentifier.objects.select_related("organisation").get(pk=claim_id)
    hours = settings.IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS // 3600
    body = (
        f"{claim.organisation.name} asked to receive e-documents on the e-document network that are addressed to "
        f"{claim.value}.\n\nIf this address belongs to {claim.organisation.name}, confirm it here (the link is "
        f"valid for {hours} hours):\n\n{confirmation_url(claim)}\n\nIf you did not expect this, ignore this "
        "message: nothing is delivered to anyone on this address without the confirmation.\n"
    )
    try:
        send_mail(
            "Confirm your e-mail address for receiving e-documents",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [claim.value],
            fail_silently=False,
        )
    except OSError as exc:
        log.warning("identifier confirmation to %s not sent: %s", claim.value, exc)
