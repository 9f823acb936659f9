"""What a delivery sends on each channel, and which e-mail failures are tried again.

tests/delivery/test_outcomes.py checks the answers of real servers; these check the message a recipient gets
(headers, attachments, names) and the retry decision for SMTP replies a scripted server cannot give (several
recipients refused with different codes).
"""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from pagero.delivery import public as delivery
from pagero.delivery.channels import webhook as webhook_channel


@pytest.fixture
def outbox(settings) -> list:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "network@pagero.example"
    mail.outbox = []
    return mail.outbox


def parcel(
    number: str = "INV-42", fmt: str = "ubl", pdf: bytes | None = b"%PDF-1.4", kind: str = "invoice"
) -> delivery.Parcel:
    return delivery.Parcel("doc-42", number, "Acme Supplies AB", fmt, b"<Invoice/>", pdf, kind)


def email(item: delivery.Parcel) -> delivery.DeliveryOutcome:
    return delivery.deliver("email", item, email="ap@nordic.example")


@pytest.mark.parametrize(
    ("fmt", "name", "mimetype"),
    [
        ("ubl", "INV-42.xml", "application/xml"),
        ("cii", "INV-42.xml", "application/xml"),
        ("edifact", "INV-42.edi", "application/edifact"),
    ],
)
def test_an_email_carries_the_document_and_its_pdf_named_after_the_invoice(outbox, fmt, name, mimetype):
    result = email(parcel(fmt=fmt))
    assert (result.delivered, result.retryable, result.detail) == (True, False, "e-mailed to ap@nordic.example")
    [message] = outbox
    assert message.subject == "Invoice INV-42 from Acme Supplies AB"
    assert message.from_email == "network@pagero.example" and message.to == ["ap@nordic.example"]
    assert message.body == (
        f"Attached: invoice INV-42 from Acme Supplies AB ({fmt.upper()}) and a PDF rendering for reading.\n\n"
        "Document id: doc-42\n"
    )
    assert message.attachments == [(name, b"<Invoice/>", mimetype), ("INV-42.pdf", b"%PDF-1.4", "application/pdf")]


def test_without_a_rendering_only_the_document_is_attached_and_the_text_says_so(outbox):
    email(parcel(pdf=None))
    [message] = outbox
    assert [name for name, _content, _type in message.attachments] == ["INV-42.xml"]
    assert message.body == "Attached: invoice INV-42 from Acme Supplies AB (UBL).\n\nDocument id: doc-42\n"


def test_a_credit_note_is_called_one(outbox):
    email(parcel(kind="credit_note"))
    [message] = outbox
    assert message.subject == "Credit note INV-42 from Acme Supplies AB"
    assert message.body.startswith("Attached: credit note INV-42 from Acme Supplies AB (UBL) and a PDF")


@pytest.mark.parametrize(
    ("number", "stem"),
    [
        ("../../etc/passwd", "etc-passwd"),  # no path reaches the recipient's disk
        ("--INV 7--", "INV-7"),
        ("Rechnung Nr. 5", "Rechnung-Nr.-5"),
        ("x" * 150, "x" * 100),
        ("XL-2026_X", "XL-2026_X"),  # only separators are trimmed from the ends, never letters
    ],
)
def test_attachment_names_are_safe_and_bounded(outbox, number, stem):
    email(parcel(number=number))
    assert [name for name, _content, _type in outbox[0].attachments] == [f"{stem}.xml", f"{stem}.pdf"]


def test_a_number_with_nothing_usable_in_a_file_name_falls_back_to_the_document_id(outbox):
    email(parcel(number="/// ..."))
    assert [name for name, _content, _type in outbox[0].attachments] == ["doc-42.xml", "doc-42.pdf"]


def test_the_subject_is_one_bounded_line(outbox):
    email(delivery.Parcel("doc-1", "N\x00" + "9" * 300, "Acme\tAB\x7f", "ubl", b"<x/>"))
    subject = outbox[0].subject
    assert len(subject) == 200 and subject.startswith("Invoice N 999")
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in subject)


def refused(monkeypatch, error: OSError) -> delivery.DeliveryOutcome:
    def send(self, fail_silently=False):
        raise error

    monkeypatch.setattr(EmailMessage, "send", send)
    return email(parcel())


@pytest.mark.parametrize(
    ("codes", "retryable"),
    [
        ({"a@x": 550, "b@x": 551}, False),  # every recipient refused for good
        ({"a@x": 550, "b@x": 450}, True),  # one may still take it later
        ({"a@x": 452}, True),
        ({"a@x": 500}, False),
        ({"a@x": 499}, True),
        ({}, True),  # refused without a reason: try again
    ],
)
def test_refused_recipients_are_final_only_when_every_code_is_permanent(monkeypatch, outbox, codes, retryable):
    error = smtplib.SMTPRecipientsRefused({rcpt: (code, b"refused") for rcpt, code in codes.items()})
    result = refused(monkeypatch, error)
    assert (result.delivered, result.retryable) == (False, retryable)
    assert result.detail.startswith("e-mail to ap@nordic.example: SMTPRecipientsRefused: ")


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (smtplib.SMTPDataError(500, b"syntax error"), False),
        (smtplib.SMTPSenderRefused(553, b"sender not allowed", "network@pagero.example"), False),
        (smtplib.SMTPDataError(499, b"odd"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (TimeoutError("timed out"), True),
    ],
)
def test_smtp_replies_are_final_from_500_on(monkeypatch, outbox, error, retryable):
    result = refused(monkeypatch, error)
    assert (result.delivered, result.retryable) == (False, retryable)
    assert result.detail == f"e-mail to ap@nordic.example: {type(error).__name__}: {error}"


def test_a_webhook_delivery_says_what_it_is_and_which_attempt(receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 7
    hook = receiver([200])
    result = delivery.deliver("webhook", parcel(fmt="edifact"), webhook_url=hook.url, webhook_secret="k", attempt=3)
    assert (result.delivered, result.retryable) == (True, False)
    assert result.detail == f"webhook {hook.url}: HTTP 200 OK"
    [request] = hook.requests
    headers = request["headers"]
    assert headers["Content-Type"] == "application/edifact"
    assert (headers["X-Document-Id"], headers["X-Event"], headers["X-Delivery-Attempt"]) == (
        "doc-42",
        "document.delivered",
        "3",
    )
    assert headers["X-Signature"] == delivery.signature("k", b"<Invoice/>")


def test_a_webhook_delivery_waits_the_configured_timeout(monkeypatch, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 7
    seen = {}

    def post(url, secret, body, headers, timeout):
        seen["timeout"] = timeout
        return delivery.WebhookResult(False, True, None, "timed out")

    monkeypatch.setattr(webhook_channel, "post", post)
    result = delivery.deliver("webhook", parcel(), webhook_url="https://hooks.example/h", webhook_secret="k")
    assert seen == {"timeout": 7}
    assert (result.delivered, result.retryable, result.detail) == (
        False,
        True,
        "webhook https://hooks.example/h: timed out",
    )
