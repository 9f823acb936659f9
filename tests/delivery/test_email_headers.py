"""E-mail delivery builds its headers and attachment names from document values: they must stay one line."""

from __future__ import annotations

from django.core import mail

from pagero.delivery import public as delivery


def test_an_invoice_number_with_line_breaks_cannot_add_headers(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    parcel = delivery.Parcel("doc-1", 'INV-1\r\nBcc: spy@evil.example"; x=y', "Acme\nSupplies", "ubl", b"<x/>", b"%PDF")
    outcome = delivery.deliver("email", parcel, webhook_url="", webhook_secret="", email="ap@nordic.example")
    assert outcome.delivered, outcome.detail
    [message] = mail.outbox
    sent = message.message()
    assert sent["Bcc"] is None and message.bcc == []
    assert "\n" not in sent["Subject"] and sent["Subject"].startswith("Invoice INV-1 Bcc: spy@evil.example")
    names = [part.get_filename() for part in sent.get_payload()[1:]]
    assert names == ["INV-1-Bcc-spy-evil.example-x-y.xml", "INV-1-Bcc-spy-evil.example-x-y.pdf"]
