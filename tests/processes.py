"""Processes and ports of the tests: a free loopback port, a server served until it answers, a stop that does not
hang, and an in-process server served from a thread."""

from __future__ import annotations

import socket
import socketserver
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel's pick): for a server to bind, or a refused connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def serving(argv: list[str], env: dict[str, str], cwd: Path, log_path: Path, ready_url: str) -> Iterator[None]:
    """`argv` running (its output in `log_path`, a session of its own) from when `ready_url` answers until the block
    ends; a server that exits or does not answer within 60 s fails with the end of its log."""
    with open(log_path, "wb") as log:
        server = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not come up: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield
    finally:
        stop(server)


def serve_in_thread(server: socketserver.BaseServer) -> None:
    """`server` answers from a daemon thread of this process until `close(server)`.

    It looks for the stop every 5 ms: shutdown() waits for the loop's next look (every 0.5 s by default), and the
    tests stop hundreds of servers."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()


def close(server: socketserver.BaseServer) -> None:
    """Stop a server started by `serve_in_thread` and free its port."""
    server.shutdown()
    server.server_close()
