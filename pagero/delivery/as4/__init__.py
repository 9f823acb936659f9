"""Peppol AS4 outbound, free of Django: the SBD around the document's own bytes (`sbdh`), the receiver's endpoint
from its SMP (`smp`), the ebMS 3 user message of the Peppol AS4 profile and the receipt check (`message`, on the
`as4` library), bounded HTTP (`transport`), and one delivery through all of them (`outbound.send`)."""

from .message import Credentials, load_certificates
from .outbound import Delivered, Refused, Settings, send
from .sbdh import DocumentNotSendable, PeppolIds, build_sbd, read_ids

__all__ = [
    "Credentials",
    "Delivered",
    "DocumentNotSendable",
    "PeppolIds",
    "Refused",
    "Settings",
    "build_sbd",
    "load_certificates",
    "read_ids",
    "send",
]
