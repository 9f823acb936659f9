"""The words every context shares, defined once: statuses, syntaxes, document types, channels, event kinds,
payload and download names. Pure Python: the domain packages and the Django apps both import it."""

from __future__ import annotations

from enum import StrEnum


def gettext_noop(message: str) -> str:
    """Marks a label for translation (Django's makemessages finds it by this name) without importing Django."""
    return message


class Status(StrEnum):
    """Where a document is in the pipeline (the transitions are in pagero/documents/lifecycle.py)."""

    RECEIVED = "received"
    VALIDATED = "validated"
    REJECTED = "rejected"
    ROUTED = "routed"
    UNDELIVERABLE = "undeliverable"
    CONVERTED = "converted"
    FAILED = "failed"  # a step could not finish: conversion impossible, internal error, time limit, stuck
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"


class Syntax(StrEnum):
    """The syntaxes documents are read from and written to."""

    UBL = "ubl"
    CII = "cii"
    EDIFACT = "edifact"
    # Written (and received) only: EDIFACT INVOIC D96A, the retail message, and Factur-X, a PDF/A-3 with its CII XML.
    EDIFACT_D96A = "edifact-d96a"
    FACTURX = "facturx"
    # CII as D22B, for recipients that ask for it ("cii" is D16B): it holds every preceding invoice (BG-3).
    CII_D22B = "cii-d22b"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    ORDER = "order"
    ORDER_RESPONSE = "order_response"


# Document types read into the EN 16931 model, and those read into the order model.
BILLING_TYPES = frozenset({DocumentType.INVOICE, DocumentType.CREDIT_NOTE})
ORDER_TYPES = frozenset({DocumentType.ORDER, DocumentType.ORDER_RESPONSE})


class Channel(StrEnum):
    """How a recipient receives its documents (adapters in pagero/delivery/channels/)."""

    INBOX = "inbox"
    WEBHOOK = "webhook"
    EMAIL = "email"
    SFTP = "sftp"
    PEPPOL = "peppol"  # Peppol AS4 to the recipient's access point, found through the SMP


# A receive format: one of the syntaxes, or the document passed on as it was received.
ORIGINAL = "original"
RECEIVE_FORMATS = (ORIGINAL, *Syntax)
# Orders are read and written as UBL, Order-X (the CII family) or EDIFACT ORDERS.
ORDER_RECEIVE_FORMATS = (ORIGINAL, Syntax.UBL, Syntax.CII, Syntax.EDIFACT)
SYNTAX_LABELS: dict[str, str] = {
    Syntax.UBL: "UBL 2.1",
    Syntax.CII: "UN/CEFACT CII",
    Syntax.EDIFACT: "EDIFACT",
    Syntax.EDIFACT_D96A: "EDIFACT INVOIC D96A",
    Syntax.FACTURX: "Factur-X (PDF)",
    Syntax.CII_D22B: "UN/CEFACT CII D22B",
}
RECEIVE_FORMAT_LABELS: dict[str, str] = {ORIGINAL: gettext_noop("as received"), **SYNTAX_LABELS}
CHANNEL_LABELS: dict[str, str] = {
    Channel.INBOX: gettext_noop("API inbox"),
    Channel.WEBHOOK: gettext_noop("signed webhook"),
    Channel.EMAIL: gettext_noop("e-mail with PDF"),
    Channel.SFTP: gettext_noop("SFTP to your server"),
    Channel.PEPPOL: gettext_noop("Peppol (AS4 to your access point)"),
}
# A download: the original, a rendition in a syntax, or the PDF rendering.
PDF = "pdf"
DOWNLOAD_FORMATS = (ORIGINAL, *Syntax, PDF)

MEDIA_TYPES: dict[str, str] = {
    Syntax.UBL: "application/xml",
    Syntax.CII: "application/xml",
    Syntax.EDIFACT: "application/edifact",
    Syntax.EDIFACT_D96A: "application/edifact",
    Syntax.FACTURX: "application/pdf",
    Syntax.CII_D22B: "application/xml",
    PDF: "application/pdf",
}
EXTENSIONS: dict[str, str] = {
    Syntax.UBL: "xml",
    Syntax.CII: "xml",
    Syntax.EDIFACT: "edi",
    Syntax.EDIFACT_D96A: "edi",
    Syntax.FACTURX: "pdf",
    Syntax.CII_D22B: "xml",
    PDF: "pdf",
}


def media_type(fmt: str) -> str:
    """The media type of a document in a format (a syntax or pdf)."""
    return MEDIA_TYPES.get(fmt, "application/octet-stream")


def extension(fmt: str) -> str:
    return EXTENSIONS.get(fmt, "bin")


# Payload kinds: what the payload store keeps per document.
ORIGINAL_PAYLOAD = ORIGINAL


# The proof of delivery the receiving side gave (a Peppol AS4 signed receipt), kept with the document.
DELIVERY_EVIDENCE_PAYLOAD = "delivery-evidence"


def rendition_payload(syntax: str) -> str:
    """The payload kind of a document's rendition in a syntax, e.g. "rendition:cii"."""
    return f"rendition:{syntax}"


class EventKind(StrEnum):
    """What happened to a document, as its timeline records it."""

    RECEIVED = "received"
    REJECTED = "rejected"
    VALIDATED = "validated"
    NATIONAL_RULES_ACCEPTED = "national_rules_accepted"
    VALIDATION_FAILED = "validation_failed"
    ROUTED = "routed"
    ROUTING_FAILED = "routing_failed"
    UNDELIVERABLE = "undeliverable"
    CONVERTED = "converted"
    CONVERSION_FAILED = "conversion_failed"
    ORIGINAL_ATTACHED = "original_attached"
    ORIGINAL_NOT_ATTACHED = "original_not_attached"
    DELIVERED = "delivered"
    DELIVERY_ATTEMPT_FAILED = "delivery_attempt_failed"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"
    STEP_RETRY_SCHEDULED = "step_retry_scheduled"
    REQUEUED = "requeued"
    STUCK = "stuck"
    LINKED_TO_ORDER = "linked_to_order"  # an order response or an invoice found the order it follows
    ORDER_RESPONDED = "order_responded"  # on an order: its response arrived
    ORDER_INVOICED = "order_invoiced"  # on an order: an invoice for it arrived (with the two-way match's notes)
    ORDER_RESPONSE_OVERDUE = "order_response_overdue"
    REPROCESSING_REQUESTED = "reprocessing_requested"
    REDELIVERY_REQUESTED = "redelivery_requested"
    DUPLICATE_SUSPECTED = "duplicate_suspected"  # held: same sender, type, number and issue date as another
    RESEND_CONFIRMED = "resend_confirmed"  # the sender confirmed a held duplicate as a deliberate resend
    DUPLICATE_NOT_CONFIRMED = "duplicate_not_confirmed"  # a held duplicate ended rejected, never confirmed
    READ = "read"  # the recipient opened the delivered document
    APPROVED = "approved"  # the recipient approved it
    DISPUTED = "disputed"  # the recipient disputed it, with a reason
