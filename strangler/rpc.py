"""Request/reply over RabbitMQ: the client side (the monolith) and the server side (serve_context).

A call publishes an Envelope to the context's queue with a correlation id and a reply queue (one
exclusive queue per client connection), then waits for the reply with that correlation id until the
per-call timeout. Several serve_context processes consume the same queue.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from kombu import Connection, Consumer, Exchange, Producer, Queue

from . import contexts_pb2 as pb
from . import discovery

log = logging.getLogger(__name__)


class RemoteTimeout(Exception):
    pass


class RemoteUnavailable(Exception):
    pass


class NoLiveInstance(RemoteUnavailable):
    """No instance of the context announces itself (discovery.py), or no broker is configured: known before
    sending, so the caller answers locally at once instead of waiting out the call timeout."""


class RemoteFault(RemoteUnavailable):
    """The remote service failed on its side (a bug, not a verdict on the document): the caller answers locally
    and the failure counts against the circuit breaker, as an unreachable service does."""


def queue_name(context: str) -> str:
    return f"{settings.CONTEXT_QUEUE_PREFIX}{context}"


# A reply header naming a failure of the service itself (no reply message to carry a fault in).
FAULT_HEADER = "x-pagero-fault"


class RpcClient:
    """One connection and one reply queue per process; calls are serialised by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._replies: dict[str, bytes | RemoteFault] = {}

    def _connect(self) -> None:
        self._connection = Connection(settings.CELERY_BROKER_URL, connect_timeout=2)
        # One quick retry: a refused connection falls back to the local implementation (and counts against the
        # breaker) within a fraction of a second instead of after kombu's default 2 s pause.
        self._connection.ensure_connection(max_retries=1, interval_start=0.2)
        self._channel = self._connection.channel()
        self._reply_queue = Queue(f"reply.{uuid.uuid4().hex}", exclusive=True, auto_delete=True)
        self._consumer = Consumer(
            self._channel, queues=[self._reply_queue], callbacks=[self._on_reply], no_ack=True, accept=None
        )
        self._consumer.consume()
        self._producer = Producer(self._channel, exchange=Exchange(""))

    def _on_reply(self, body, message) -> None:
        fault = (message.headers or {}).get(FAULT_HEADER)
        raw = message.body
        # An empty body arrives as "" (kombu decodes it as text): it is an empty message, not text.
        answer = raw.encode() if isinstance(raw, str) else bytes(raw)
        self._replies[message.properties.get("correlation_id")] = RemoteFault(str(fault)) if fault else answer

    def reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken
                pass
        self._connection = None

    def call(self, context: str, method: str, body: bytes, timeout: float) -> bytes:
        if not settings.CELERY_BROKER_URL:
            raise NoLiveInstance(f"{method}: no message broker is configured (CELERY_BROKER_URL)")
        from .registry import CONTEXTS  # here: the registry imports the codec, which imports this module

        # Only the extractable contexts announce themselves; a request to any other queue is sent as it is.
        if context in CONTEXTS and not discovery.is_live(context):
            raise NoLiveInstance(f"{method}: no live {context} instance")
        with self._lock:
            try:
                if self._connection is None:
                    self._connect()
                correlation_id = uuid.uuid4().hex
                envelope = pb.Envelope(method=method, body=body).SerializeToString()
                self._producer.publish(
                    envelope,
                    routing_key=queue_name(context),
                    correlation_id=correlation_id,
                    reply_to=self._reply_queue.name,
                    content_type="application/x-protobuf",
                    content_encoding="binary",
                    expiration=timeout,
                    declare=[Queue(queue_name(context))],
                )
                deadline = time.monotonic() + timeout
                while correlation_id not in self._replies:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise RemoteTimeout(f"{method}: no answer within {timeout:g}s")
                    assert self._connection is not None  # connected above
                    try:
                        self._connection.drain_events(timeout=remaining)
                    except TimeoutError:
                        continue
                reply = self._replies.pop(correlation_id)
                if isinstance(reply, RemoteFault):
                    raise reply
                return reply
            except (RemoteTimeout, RemoteFault):
                raise
            except Exception as exc:
                self.reset()
                raise RemoteUnavailable(f"{method}: {type(exc).__name__}: {exc}") from exc


CLIENT = RpcClient()


def serve(
    context: str,
    handlers: dict[str, Callable[[bytes], bytes]],
    on_request: Callable[[str], None],
    stop: threading.Event | None = None,
) -> None:
    """Consume the context's queue and answer each request (runs until stopped)."""
    with Connection(settings.CELERY_BROKER_URL) as connection:
        channel = connection.channel()
        channel.basic_qos(0, 1, False)
        queue = Queue(queue_name(context))
        producer = Producer(channel, exchange=Exchange(""))

        def handle(body, message) -> None:
            envelope = pb.Envelope()
            envelope.ParseFromString(message.body)
            handler = handlers.get(envelope.method)
            reply = handler(envelope.body) if handler else b""
            # A method this service does not serve (an older service, a newer caller) is the service's failure.
            fault = {} if handler else {FAULT_HEADER: f"{envelope.method}: not served by this {context} service"}
            on_request(envelope.method)
            producer.publish(
                reply,
                routing_key=message.properties["reply_to"],
                correlation_id=message.properties["correlation_id"],
                content_type="application/x-protobuf",
                content_encoding="binary",
                headers=fault,
            )
            message.ack()

        with Consumer(channel, queues=[queue], callbacks=[handle], accept=None):
            while stop is None or not stop.is_set():
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    continue
