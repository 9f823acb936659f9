"""serve_context CONTEXT: run a bounded context as its own service, answering requests from RabbitMQ."""

from __future__ import annotations

import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from strangler.registry import CONTEXTS, METHODS
from strangler.rpc import queue_name, serve


class Command(BaseCommand):
    help = "Serve a context (formats, routing) over RabbitMQ; several processes can share its queue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("context", choices=sorted(CONTEXTS))

    def handle(self, *args, context: str, **options) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        handlers = {name: METHODS[name].serve for name in CONTEXTS[context]}
        self.stdout.write(
            f"serving {context} ({', '.join(handlers)}) on queue {queue_name(context)}, pid {os.getpid()}"
        )
        self.stdout.flush()

        def on_request(method: str) -> None:
            self.stdout.write(f"handled {method}")
            self.stdout.flush()

        try:
            serve(context, handlers, on_request, stop)
        except KeyboardInterrupt:
            pass
        except Exception as exc:
            raise CommandError(f"serving {context} failed: {type(exc).__name__}: {exc}") from exc
