"""The delivery ChannelAdapter contract: a delivered parcel answers delivered with a detail and the recipient gets
exactly the document's bytes with its media type; a refusal answers retryable or final as the channel documents it
(pagero/delivery/port.py), and `send` never raises for a delivery failure.

Adapters: inbox, webhook and e-mail as the DELIVERY_CHANNELS setting names them, against a real HTTP receiver and a
real SMTP server on loopback, and the recording fake (tests/fakes/channels.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from pagero.delivery import public as delivery
from tests.conftest import SmtpSink
from tests.delivery.test_outcomes import use_smtp
from tests.exchange.conftest import Receiver
from tests.fakes import channels as fake_channels
from tests.fakes.channels import RecordingChannel, refused
from tests.processes import free_port

# Bytes a re-encoding, a line-ending conversion or a pretty-printer would change.
CONTENT = {
    "ubl": '<?xml version="1.0"?>\r\n<Invoice>  Fäktura Ø-7 \t</Invoice>\n\n'.encode(),
    "cii": b'<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice>\n  x\n</rsm:CrossIndustryInvoice>',
    "edifact": b"UNA:+.? 'UNB+UNOC:3+5567321707:0007+987654325:0192+261102:1200+1'UNH+1+INVOIC:D:14B:UN'",
}
# The media types recipients are told (the webhook's Content-Type, the e-mail attachment's type).
MEDIA_TYPE = {"ubl": "application/xml", "cii": "application/xml", "edifact": "application/edifact"}
REFUSALS = {"temporary": True, "final": False, "unreachable": True}  # refusal -> retryable


def parcel(fmt: str = "ubl") -> delivery.Parcel:
    return delivery.Parcel("doc-42", "INV-42", "Acme Supplies AB", fmt, CONTENT[fmt], b"%PDF-1.4 rendering")


def configured(name: str) -> delivery.ChannelAdapter:
    """The adapter the DELIVERY_CHANNELS setting names, built as the channel registry builds it."""
    adapter: delivery.ChannelAdapter = import_string(django_settings.DELIVERY_CHANNELS[name])()
    return adapter


@dataclass
class Recipient:
    address: delivery.Address
    # What the recipient's endpoint got, as (bytes, media type) per document.
    received: Callable[[], list[tuple[bytes, str]]]


class ChannelContract:
    """What every ChannelAdapter does; a subclass gives `adapter` and `accepting` (a recipient that takes
    delivery)."""

    @pytest.mark.parametrize("fmt", list(CONTENT))
    def test_a_delivered_parcel_answers_delivered_with_a_detail(self, adapter, accepting, fmt):
        outcome = adapter.send(parcel(fmt), accepting().address, 1)
        assert (outcome.delivered, outcome.retryable) == (True, False)
        assert outcome.detail.strip()


class PushChannelContract(ChannelContract):
    """A channel that pushes the document to the recipient's endpoint; the subclass also gives `refusing` (a
    recipient that refuses: "temporary", "final" or "unreachable")."""

    @pytest.mark.parametrize("fmt", list(CONTENT))
    def test_the_recipient_gets_exactly_the_bytes_with_their_media_type(self, adapter, accepting, fmt):
        recipient = accepting()
        adapter.send(parcel(fmt), recipient.address, 1)
        assert recipient.received() == [(CONTENT[fmt], MEDIA_TYPE[fmt])]

    @pytest.mark.parametrize("refusal", list(REFUSALS))
    def test_a_refusal_is_retryable_or_final_and_never_raised(self, adapter, refusing, refusal):
        outcome = adapter.send(parcel(), refusing(refusal).address, 2)
        assert (outcome.delivered, outcome.retryable) == (False, REFUSALS[refusal])
        assert outcome.detail.strip()


class TestInboxChannel(ChannelContract):
    @pytest.fixture
    def adapter(self) -> delivery.ChannelAdapter:
        return configured("inbox")

    """The recipient pulls its documents over the API: the channel pushes nothing and cannot be refused."""

    @pytest.fixture
    def accepting(self) -> Callable[[], Recipient]:
        return lambda: Recipient(delivery.Address(), lambda: [])


class TestWebhookChannel(PushChannelContract):
    @pytest.fixture
    def adapter(self) -> delivery.ChannelAdapter:
        return configured("webhook")

    @pytest.fixture
    def receivers(self) -> Iterator[list[Receiver]]:
        started: list[Receiver] = []
        yield started
        for receiver in started:
            receiver.stop()

    def _recipient(self, receivers: list[Receiver], statuses: list[int]) -> Recipient:
        receivers.append(Receiver(statuses))
        receiver = receivers[-1]

        def received() -> list[tuple[bytes, str]]:
            return [(r["body"], r["headers"]["Content-Type"]) for r in receiver.requests]

        return Recipient(delivery.Address(webhook_url=receiver.url, webhook_secret="whsec-1"), received)

    @pytest.fixture
    def accepting(self, receivers) -> Callable[[], Recipient]:
        return lambda: self._recipient(receivers, [])

    @pytest.fixture
    def refusing(self, receivers) -> Callable[[str], Recipient]:
        def refusing(refusal: str) -> Recipient:
            if refusal == "unreachable":
                url = f"http://127.0.0.1:{free_port()}/hook"
                return Recipient(delivery.Address(webhook_url=url, webhook_secret="whsec-1"), lambda: [])
            return self._recipient(receivers, [503 if refusal == "temporary" else 404])

        return refusing


class TestEmailChannel(PushChannelContract):
    @pytest.fixture
    def adapter(self) -> delivery.ChannelAdapter:
        return configured("email")

    @pytest.fixture
    def sinks(self) -> Iterator[list[SmtpSink]]:
        started: list[SmtpSink] = []
        yield started
        for sink in started:
            sink.stop()

    def _recipient(self, sinks: list[SmtpSink], settings, rcpt: str = "250 OK", data: str = "250 OK") -> Recipient:
        sinks.append(SmtpSink(rcpt, data))
        sink = sinks[-1]
        use_smtp(settings, sink.port)

        def received() -> list[tuple[bytes, str]]:
            # The PDF rendering travels beside the document, for reading: the document is the other attachment.
            return [
                (part.get_content(), part.get_content_type())
                for _, message in sink.messages
                for part in message.iter_attachments()
                if part.get_content_type() != "application/pdf"
            ]

        return Recipient(delivery.Address(email="ap@nordic.example"), received)

    @pytest.fixture
    def accepting(self, sinks, settings) -> Callable[[], Recipient]:
        return lambda: self._recipient(sinks, settings)

    @pytest.fixture
    def refusing(self, sinks, settings) -> Callable[[str], Recipient]:
        def refusing(refusal: str) -> Recipient:
            if refusal == "unreachable":
                use_smtp(settings, free_port())
                return Recipient(delivery.Address(email="ap@nordic.example"), lambda: [])
            if refusal == "temporary":
                return self._recipient(sinks, settings, data="451 4.3.0 Mail server temporarily rejected message")
            return self._recipient(sinks, settings, rcpt="550 5.1.1 No such user here")

        return refusing


class TestRecordingChannel(PushChannelContract):
    @pytest.fixture
    def adapter(self) -> RecordingChannel:
        return RecordingChannel(outbox=[], script=[])

    def _recipient(self, adapter: RecordingChannel) -> Recipient:
        return Recipient(
            delivery.Address(webhook_url="https://hooks.nordic.example/in", webhook_secret="whsec-1"),
            lambda: [(sent.parcel.content, sent.media_type) for sent in adapter.delivered],
        )

    @pytest.fixture
    def accepting(self, adapter) -> Callable[[], Recipient]:
        return lambda: self._recipient(adapter)

    @pytest.fixture
    def refusing(self, adapter) -> Callable[[str], Recipient]:
        def refusing(refusal: str) -> Recipient:
            adapter.script.append(refused(retryable=REFUSALS[refusal], detail=f"scripted {refusal} refusal"))
            return self._recipient(adapter)

        return refusing


def test_the_recording_channel_plugs_in_by_the_delivery_channels_setting(settings):
    """How a unit test uses it: named in DELIVERY_CHANNELS, observed through the module's OUTBOX and SCRIPT."""
    settings.DELIVERY_CHANNELS = {**settings.DELIVERY_CHANNELS, "recording": "tests.fakes.channels.RecordingChannel"}
    fake_channels.reset()
    fake_channels.SCRIPT.append(refused(retryable=True))
    first = delivery.deliver("recording", parcel("cii"), webhook_url="https://hooks.nordic.example/in", attempt=1)
    second = delivery.deliver("recording", parcel("cii"), webhook_url="https://hooks.nordic.example/in", attempt=2)
    assert ((first.delivered, first.retryable), (second.delivered, second.retryable)) == ((False, True), (True, False))
    assert [(sent.attempt, sent.outcome.delivered) for sent in fake_channels.OUTBOX] == [(1, False), (2, True)]
    assert fake_channels.OUTBOX[1].parcel.content == CONTENT["cii"]
    fake_channels.reset()
