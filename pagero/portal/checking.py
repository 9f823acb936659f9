"""The Send page's validation runs on a small pool of long-lived threads.

The formats context keeps a Saxon processor and its compiled rules per thread. A server that answers each request on
a new thread (Django's runserver behind `make run`, test live servers) would compile the rules again for every file
and drop the processors as its threads end, which Saxon does not survive (the process aborts with a
StackOverflowError under a burst of checks). The pool's threads live as long as the process, so the rules are
compiled once per pool thread, and no more than POOL_SIZE checks use the CPU at once, whatever the number of files
dropped. They are daemon threads: at exit they stop where they are instead of tearing down their Saxon processors,
which aborts the process just the same.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

POOL_SIZE = 2
WAIT_SECONDS = 120  # a check is a few seconds; past this the page says to try again

T = TypeVar("T")
_jobs: queue.Queue[tuple[Callable[[], object], Future]] = queue.Queue()
_started = threading.Lock()
_threads: list[threading.Thread] = []


class Busy(Exception):
    """The check did not finish in WAIT_SECONDS."""


def _work() -> None:
    while True:
        job, future = _jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(job())
        except BaseException as exc:  # handed to the waiting request, which raises it
            future.set_exception(exc)


def _start() -> None:
    with _started:
        while len(_threads) < POOL_SIZE:
            thread = threading.Thread(target=_work, name=f"portal-check-{len(_threads)}", daemon=True)
            thread.start()
            _threads.append(thread)


def run(work: Callable[[], T]) -> T:
    """`work()` on a pool thread (it must not use the database: pool threads hold no connection); its exceptions
    are raised here. Raises Busy after WAIT_SECONDS (the check is dropped if it has not started)."""
    _start()
    future: Future = Future()
    _jobs.put((work, future))
    try:
        return future.result(timeout=WAIT_SECONDS)
    except FutureTimeout:
        future.cancel()
        raise Busy(f"the check took longer than {WAIT_SECONDS} seconds") from None
