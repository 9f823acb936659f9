"""The strangler's RPC client served in this process: for unit-testing remote and canary routing, the codec and the
fallbacks without RabbitMQ and a `serve_context` process.

`call(context, method, body, timeout)` has the signature of `strangler.strangler.CLIENT.call` and answers as a
`serve_context CONTEXT` process would: the request body goes to the registry's `serve` handler of the method (which
runs the context's local code and encodes the reply or the fault), an unknown method of a served context is answered
with an empty reply. A context this broker does not serve answers nothing: RemoteTimeout at once, where the real
client waits out the timeout. `stop()` makes every call fail as an unreachable broker does (RemoteUnavailable),
`start()` undoes it. `install(monkeypatch)` puts it in place of the real client for one test.

It passes the RPC contract (tests/contracts/test_context_rpc_contract.py) with the real client and a real
`serve_context`; what it leaves out is the transport: message expiry, reply queues, several consumers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from strangler import public as strangler


class InProcessBroker:
    def __init__(self, contexts: Iterable[str] = tuple(strangler.CONTEXTS)) -> None:
        self.handlers: dict[str, dict[str, Callable[[bytes], bytes]]] = {
            context: {name: strangler.METHODS[name].serve for name in strangler.CONTEXTS[context]}
            for context in contexts
        }
        self.requests: list[str] = []  # the methods served, in order
        self.up = True

    def call(self, context: str, method: str, body: bytes, timeout: float) -> bytes:
        if not self.up:
            raise strangler.RemoteUnavailable(f"{method}: ConnectionRefusedError: the broker is stopped")
        served = self.handlers.get(context)
        if served is None:
            raise strangler.RemoteTimeout(f"{method}: no answer within {timeout:g}s")
        handler = served.get(method)
        self.requests.append(method)
        if handler is None:
            raise strangler.RemoteFault(f"{method}: not served by this {context} service")
        return handler(body)

    def handled(self, method: str) -> int:
        return self.requests.count(method)

    def stop(self) -> None:
        self.up = False

    def start(self) -> None:
        self.up = True

    def install(self, monkeypatch: pytest.MonkeyPatch) -> InProcessBroker:
        """Answer the strangler's remote calls for the rest of the test (the router calls `strangler.CLIENT.call`)."""
        monkeypatch.setattr(strangler.CLIENT, "call", self.call)
        return self
