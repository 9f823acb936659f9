"""The Peppol channel: the document to the recipient's access point over AS4 (pagero.delivery.as4).

The recipient's participant id comes from its address; its access point (URL and certificate) from the SMP at
PEPPOL_SMP_URL, whose signing certificate must chain to PEPPOL_SMP_TRUST_ANCHORS. The access point's certificate
must chain to PEPPOL_AP_TRUST_ANCHORS, and every URL passes the checks of a webhook URL (no address inside our
network unless WEBHOOK_ALLOWED_HOSTS lists it, https unless WEBHOOK_ALLOW_HTTP). We sign with PEPPOL_AP_CERTIFICATE
and PEPPOL_AP_KEY, the credentials the inbound /as4 endpoint answers with.

Delivered: the detail names the receiving access point, and the outcome carries the signed receipt (`receipt`) and
our AS4 message id. Timeouts, connection errors and HTTP 5xx are tried again; an ebMS error (PEPPOL:NOT_SERVICED
among them), a participant the SMP does not list, an untrusted certificate and a receipt that proves nothing are
final, the reason naming it.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from django.conf import settings

from .. import as4
from ..port import Address, DeliveryOutcome, Parcel
from ..webhook import vet

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
TIMEOUT_SECONDS = 60.0


@functools.cache
def _settings(smp_url: str, smp_ca: str, ap_ca: str, cert: str, key: str, connect: float, total: float) -> as4.Settings:
    return as4.Settings(
        smp_url=smp_url,
        smp_trust_pem=Path(smp_ca),
        ap_trust=as4.load_certificates(Path(ap_ca).read_bytes()),
        credentials=as4.Credentials.from_pem_files(cert, key),
        connect_timeout=connect,
        timeout=max(total, connect),
    )


def configured() -> as4.Settings:
    """The channel's settings; raises ValueError naming a missing or unreadable one."""
    names = (
        "PEPPOL_SMP_URL",
        "PEPPOL_SMP_TRUST_ANCHORS",
        "PEPPOL_AP_TRUST_ANCHORS",
        "PEPPOL_AP_CERTIFICATE",
        "PEPPOL_AP_KEY",
    )
    values = [str(getattr(settings, name, "") or "") for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ValueError(f"Peppol is not configured: {', '.join(missing)} not set")
    connect = float(getattr(settings, "PEPPOL_CONNECT_TIMEOUT_SECONDS", CONNECT_TIMEOUT_SECONDS))
    total = float(getattr(settings, "PEPPOL_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    try:
        return _settings(*values, connect, total)
    except (OSError, ValueError) as exc:
        raise ValueError(f"Peppol is not configured: a certificate or key file is unreadable ({exc})") from None


class PeppolChannel:
    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome:
        receiver = address.peppol_participant.strip()
        if not receiver:
            return DeliveryOutcome(False, False, "Peppol: the recipient has no Peppol participant id")
        try:
            config = configured()
        except ValueError as exc:  # our side: retrying until someone configures it would only hide it
            log.error("%s", exc)
            return DeliveryOutcome(False, False, f"Peppol: {exc}")
        try:
            delivered = as4.send(parcel.content, receiver, config, vet)
        except as4.Refused as exc:
            log.info("Peppol delivery of %s to %s: %s", parcel.document_id, receiver, exc.reason)
            return DeliveryOutcome(False, exc.retryable, f"Peppol {receiver}: {exc.reason}")
        log.info(
            "Peppol delivery of %s to %s: AS4 message %s, receipt from %s",
            parcel.document_id, receiver, delivered.message_id, delivered.access_point,
        )  # fmt: skip
        return DeliveryOutcome(
            True,
            False,
            f"delivered to access point {delivered.access_point}",
            evidence=delivered.receipt,
            reference=delivered.message_id,
        )
