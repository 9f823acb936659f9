"""The e-mail channel: the document and a PDF to read attached, sent through Django's e-mail backend (SMTP).

The PDF is our rendering of the invoice, or, when the seller sent a Factur-X/ZUGFeRD PDF, that PDF as issued."""

from __future__ import annotations

import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from pagero.kernel.vocabulary import PDF, extension, media_type

from ..port import Address, DeliveryOutcome, Parcel


def _one_line(text: str) -> str:
    """Header text from document values: control characters (CR/LF would start a new header) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)[:200]


def _smtp_permanent(exc: OSError) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _file_stem(number: str) -> str:
    """An attachment name from the invoice number: letters, digits, '.', '_' and '-' only."""
    return re.sub(r"[^\w.-]+", "-", number).strip("-._")[:100]


def _pdf_wording(pdf: bytes | None, from_seller: bool) -> str:
    if pdf is None:
        return ""
    return " and the PDF the seller issued" if from_seller else " and a PDF rendering for reading"


class EmailChannel:
    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome:
        kind = parcel.document_type.replace("_", " ")
        # The seller's PDF passed on as received is the document itself: attached once.
        pdf = None if parcel.pdf == parcel.content else parcel.pdf
        message = EmailMessage(
            subject=_one_line(f"{kind.capitalize()} {parcel.number} from {parcel.sender_name}"),
            body=f"Attached: {kind} {parcel.number} from {parcel.sender_name} ({parcel.format.upper()})"
            + _pdf_wording(pdf, parcel.pdf_from_seller)
            + f".\n\nDocument id: {parcel.document_id}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address.email],
        )
        name = _file_stem(parcel.number) or parcel.document_id
        document_name = f"{name}.{extension(parcel.format)}"
        message.attach(document_name, parcel.content, media_type(parcel.format))
        if pdf is not None:
            # Beside a Factur-X document (a PDF itself) the PDF to read needs a name of its own.
            pdf_name = f"{name}.{extension(PDF)}"
            if pdf_name == document_name:
                pdf_name = f"{name}-readable.{extension(PDF)}"
            message.attach(pdf_name, pdf, media_type(PDF))
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # SMTP server down or refusing
            # RFC 5321: a 5yz reply is permanent (no such user, content refused): trying again changes nothing.
            # 4yz replies and connection failures are transient.
            return DeliveryOutcome(
                False, not _smtp_permanent(exc), f"e-mail to {address.email}: {type(exc).__name__}: {exc}"
            )
        return DeliveryOutcome(True, False, f"e-mailed to {address.email}")
