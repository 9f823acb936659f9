"""A delivery channel that keeps what it is given: for unit-testing the pipeline's delivery logic (retries, final
failures, what is sent to whom, which attempt) without an HTTP receiver or an SMTP server.

Like Django's locmem e-mail backend it keeps its parcels in a module-level `OUTBOX`, so that an instance the
channel registry creates from the DELIVERY_CHANNELS setting (one per dotted path, per process) is still observable:
    settings.DELIVERY_CHANNELS = {**settings.DELIVERY_CHANNELS, "webhook": "tests.fakes.channels.RecordingChannel"}
`SCRIPT` holds the outcomes to answer next (first in, first out); when it is empty the parcel is delivered.
`reset()` empties both. An instance given its own lists keeps to them instead.

A recording channel answers what it is told to: that a given refusal is retryable or final is the real channel's
decision (tests/contracts/test_channel_contract.py runs both against the same contract).
"""

from __future__ import annotations

from dataclasses import dataclass

from pagero.delivery import public as delivery
from pagero.kernel.vocabulary import media_type


@dataclass(frozen=True)
class Sent:
    parcel: delivery.Parcel
    address: delivery.Address
    attempt: int
    outcome: delivery.DeliveryOutcome

    @property
    def media_type(self) -> str:
        """The media type the document travels with (the one the webhook and e-mail channels declare)."""
        return media_type(self.parcel.format)


OUTBOX: list[Sent] = []
SCRIPT: list[delivery.DeliveryOutcome] = []


def reset() -> None:
    OUTBOX.clear()
    SCRIPT.clear()


def refused(retryable: bool, detail: str = "") -> delivery.DeliveryOutcome:
    """An outcome to script: a transient refusal (retryable) or a final one."""
    kind = "temporarily" if retryable else "permanently"
    return delivery.DeliveryOutcome(False, retryable, detail or f"recording channel: refused {kind}")


class RecordingChannel:
    def __init__(self, outbox: list[Sent] | None = None, script: list[delivery.DeliveryOutcome] | None = None) -> None:
        self.outbox = OUTBOX if outbox is None else outbox
        self.script = SCRIPT if script is None else script

    def send(self, parcel: delivery.Parcel, address: delivery.Address, attempt: int) -> delivery.DeliveryOutcome:
        outcome = self.script.pop(0) if self.script else self._delivered(address)
        self.outbox.append(Sent(parcel, address, attempt, outcome))
        return outcome

    @staticmethod
    def _delivered(address: delivery.Address) -> delivery.DeliveryOutcome:
        to = address.webhook_url or address.email or "the recipient"
        return delivery.DeliveryOutcome(True, False, f"recorded for {to}")

    @property
    def delivered(self) -> list[Sent]:
        """What the recipient received: the parcels answered as delivered."""
        return [sent for sent in self.outbox if sent.outcome.delivered]
