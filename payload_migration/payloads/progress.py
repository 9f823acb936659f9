"""Progress reporting for long commands: a bar on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import time
from typing import TextIO

PLAIN_INTERVAL_SECONDS = 2.0


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, label: str, stream: TextIO, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.last_plain = 0.0

    def line(self, done: int, total: int) -> str:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 and total >= done else 0.0
        percent = 100.0 * done / total if total else 100.0
        return f"{self.label}: {done}/{total} ({percent:.1f}%) {rate:.1f}/s ETA {_clock(eta)}"

    def update(self, done: int, total: int) -> None:
        if self.tty:
            filled = int(self.width * done / total) if total else self.width
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {self.line(done, total)}")
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self.last_plain >= PLAIN_INTERVAL_SECONDS or done >= total:
            self.last_plain = now
            self.stream.write(self.line(done, total) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
