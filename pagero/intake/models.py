"""The intake context's tables: AS4 messages received, for de-duplication by ebMS message id."""

from __future__ import annotations

from django.db import models

from .limits import MAX_MESSAGE_ID_CHARS


class InboundAS4Message(models.Model):
    """One accepted Peppol AS4 user message. A sender that does not get our receipt (a timeout, a lost connection)
    sends the same message again with the same `eb:MessageId`: it gets the receipt kept here, and the document is
    not submitted a second time."""

    # ebMS message ids are free text; longer ones are refused before they get here (as4_inbound).
    message_id = models.CharField(max_length=MAX_MESSAGE_ID_CHARS, unique=True)
    sending_ap = models.CharField(max_length=200)  # the CN of the signing certificate
    sender = models.CharField(max_length=200)  # the SBDH sender and receiver participant ids
    receiver = models.CharField(max_length=200)
    document_type = models.CharField(max_length=500, blank=True)
    document_id = models.CharField(max_length=64)  # the submitted document (documents context)
    receipt = models.BinaryField()  # the signed non-repudiation receipt, answered again to a duplicate
    duplicates = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.message_id
