"""serve_context CONTEXT: run a bounded context as its own service, answering requests from RabbitMQ."""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from strangler.discovery import Heartbeat, heartbeat_seconds
from strangler.registry import CONTEXTS, METHODS
from strangler.rpc import queue_name, serve


class Command(BaseCommand):
    help = (
        "Serve a context (formats, routing) over RabbitMQ; several processes can share its queue. Each announces "
        "itself with a heartbeat (the console lists live instances) and withdraws on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("context", choices=sorted(CONTEXTS))

    def handle(self, *args, context: str, **options) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "no message broker is configured: set CELERY_BROKER_URL (e.g. amqp://guest:guest@127.0.0.1:5672//)"
            )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        handlers = {name: METHODS[name].serve for name in CONTEXTS[context]}
        heartbeat = Heartbeat(context)
        try:
            heartbeat.start()
        except Exception as exc:
            raise CommandError(f"could not announce the {context} instance: {type(exc).__name__}: {exc}") from exc
        self.stdout.write(
            f"serving {context} ({', '.join(handlers)}) on queue {queue_name(context)}, pid {os.getpid()}, "
            f"instance {heartbeat.instance_id} version {heartbeat.version} (heartbeat every {heartbeat_seconds():g}s)"
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
        finally:
            heartbeat.stop()  # a clean exit withdraws at once; a killed process goes stale after the TTL
            self.stdout.write(f"stopped {context} instance {heartbeat.instance_id}")
            self.stdout.flush()
