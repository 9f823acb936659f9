"""The contract of the strangler's RPC client, `call(context, method, body, timeout) -> reply bytes`, as the router
uses it: a request to a served context is answered by the registry's handler for that method (faults travel in the
reply), an unknown method of a served context gets an empty reply, a context nobody serves answers RemoteTimeout
and an unreachable broker RemoteUnavailable — never a hang.

Clients: the in-process broker fake (tests/fakes/broker.py), and the real client (`strangler.strangler.CLIENT`) over
RabbitMQ to `serve_context formats` and `serve_context routing` processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from pagero.documents import public as documents
from pagero.formats import public as formats
from strangler import public as strangler
from tests.exchange.factory import document
from tests.fakes.broker import InProcessBroker
from tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the routing service reads what the test registered

# `serve` answers a method it does not know with an empty body; over RabbitMQ the client hands that back as the str
# '' (kombu's decoding of an empty body), not bytes, and the codec cannot read it. Reported, not worked around here.
CALL = documents.CallContext()
TIMEOUT = 5.0


@dataclass
class Client:
    call: Callable[[str, str, bytes, float], bytes]
    # Makes the broker unreachable for the rest of the test.
    cut_off: Callable[[], None]


def ask(client: Client, method: str, *args, timeout: float = TIMEOUT):
    """Encode a request as the router does, send it through the client and decode the reply."""
    spec = strangler.METHODS[method]
    return spec.decode_reply(client.call(method.split(".")[0], method, spec.encode_request(*args), timeout), *args)


class RpcContract:
    """What every RPC client does; a subclass gives the client as the `client` fixture."""

    def test_a_conversion_is_answered_as_the_local_port_answers_it(self, client):
        data = document("ubl", number="RPC-1")
        remote = ask(client, "formats.convert", data, "cii")
        local = documents.LOCAL_FORMATS.convert(data, "cii", CALL)
        assert (remote.target, remote.data, remote.warnings) == (local.target, local.data, local.warnings)
        assert remote.source == local.source

    def test_each_reply_answers_its_own_request(self, client):
        numbers = ["RPC-A", "RPC-B", "RPC-C"]
        replies = [ask(client, "formats.convert", document("ubl", number=n), "cii") for n in numbers]
        assert [formats.parse(reply.data).invoice.number for reply in replies] == numbers

    def test_a_validation_report_travels_whole(self, client):
        data = document("ubl")
        assert ask(client, "formats.validate", data) == documents.LOCAL_FORMATS.validate(data, CALL)

    def test_a_refusal_travels_as_the_same_format_error(self, client):
        with pytest.raises(formats.FormatError) as raised:
            ask(client, "formats.convert", b"hello world", "cii")
        assert (type(raised.value).__name__, raised.value.code) == ("UnsupportedFormat", "unsupported_format")
        assert raised.value.message == "unsupported format: the document is neither XML nor EDIFACT"

    def test_the_routing_context_answers_with_the_directory(self, client):
        from pagero.partners import public as partners

        nordic = partners.ensure_organisation("Nordic Retail AS", "nordic")
        partners.add_identifier(nordic.id, "0192", "987654325", verified=True)
        decision = ask(client, "routing.resolve", document("ubl"))
        assert (decision.organisation_id, decision.matched) == (nordic.id, "endpoint id 0192:987654325")

    def test_an_unknown_method_of_a_served_context_is_the_service_s_failure(self, client):
        with pytest.raises(strangler.RemoteFault, match=r"formats\.transmogrify: not served by this formats service"):
            client.call("formats", "formats.transmogrify", b"\x01\x02", TIMEOUT)

    def test_a_context_nobody_serves_times_out(self, client):
        with pytest.raises(strangler.RemoteTimeout, match=r"nobody\.ping: no answer within 1s"):
            client.call("nobody", "nobody.ping", b"", 1.0)

    def test_an_unreachable_broker_is_unavailable_not_a_hang(self, client):
        client.cut_off()
        # Unavailable, not a timeout: the call did not wait for an answer that could not come.
        with pytest.raises(strangler.RemoteUnavailable):
            request = strangler.METHODS["formats.validate"].encode_request(b"x")
            client.call("formats", "formats.validate", request, TIMEOUT)


class TestInProcessBroker(RpcContract):
    @pytest.fixture
    def client(self) -> Client:
        broker = InProcessBroker()
        return Client(broker.call, broker.stop)


@pytest.mark.slow
class TestRabbitMQClient(RpcContract):
    @pytest.fixture
    def client(self, served_formats, served_routing, settings) -> Iterator[Client]:
        def cut_off() -> None:
            # A broker address where nothing listens: the client reconnects there on its next call.
            strangler.CLIENT.reset()
            settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"

        yield Client(strangler.CLIENT.call, cut_off)
        strangler.CLIENT.reset()  # the next call connects again, to the broker the settings name by then
