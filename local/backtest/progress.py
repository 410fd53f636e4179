"""A one-line progress bar on stderr for long backtests (drawn only on a terminal by default)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "games") as bar: bar.advance()`` — redraws at most ``every`` seconds."""

    def __init__(
        self,
        total: int,
        unit: str = "games",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        width: int = 30,
        every: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(total, 0)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width
        self.every = every
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._drawn = -1.0
        self._last_len = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def rate_per_minute(self) -> float:
        elapsed = self.clock() - self.started
        return self.done * 60.0 / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * self.width)
        rate = self.rate_per_minute
        left = (self.total - self.done) * 60.0 / rate if rate > 0 else None
        eta = "--:--" if left is None else f"{int(left) // 60}:{int(left) % 60:02d}"
        bar = "#" * filled + "." * (self.width - filled)
        return f"[{bar}] {self.done}/{self.total} {self.unit}  {rate:.1f}/min  ETA {eta}"

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if self.enabled and (now - self._drawn >= self.every or self.done >= self.total):
            self._draw()
            self._drawn = now

    def _draw(self) -> None:
        text = self.line()
        pad = " " * max(self._last_len - len(text), 0)
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._last_len = len(text)

    def close(self) -> None:
        if self.enabled and self._last_len:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0
