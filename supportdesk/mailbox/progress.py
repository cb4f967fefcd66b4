"""A progress display for long command-line jobs (``mailbox import``), without a dependency.

On a terminal it is one line redrawn in place with ``\\r`` — bar, count/total, rate, ETA — at
most a few times a second. Anywhere else (a log file, CI) a carriage return would leave a mess, so
it writes a plain line now and then instead. ``finish`` always writes the final state on a line
of its own. The clock is a parameter so that tests can drive it.
"""

import time
from collections.abc import Callable
from typing import Protocol

TTY_INTERVAL = 0.2
"""Seconds between redraws on a terminal (five a second at most)."""
PLAIN_INTERVAL = 10.0
"""Seconds between lines when the output is not a terminal."""
BAR_WIDTH = 30


class ProgressStream(Protocol):
    def write(self, text: str, /) -> object: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool: ...


def duration_text(seconds: float) -> str:
    """``0:07``, ``12:05``, ``1:02:03``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[#########---------]``; full when ``total`` is 0."""
    filled = width if total <= 0 else min(width, width * done // total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class Progress:
    """``update(done)`` after each step, ``finish()`` at the end (or when interrupted)."""

    def __init__(
        self,
        *,
        total: int,
        stream: ProgressStream,
        unit: str = "items",
        clock: Callable[[], float] = time.monotonic,
        interval: float | None = None,
    ) -> None:
        self.total = max(0, total)
        self.stream = stream
        self.unit = unit
        self.clock = clock
        self.tty = bool(stream.isatty())
        self.interval = interval if interval is not None else (TTY_INTERVAL if self.tty else PLAIN_INTERVAL)
        self.started = clock()
        self.done = 0
        self._last_draw: float | None = None
        self._width = 0  # of the line on screen, to blank out what a shorter one leaves
        self._finished = False

    def rate(self, now: float) -> float:
        """Items per second since the start (0 before any time has passed)."""
        elapsed = now - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def text(self, now: float) -> str:
        """``520/2000  26 %  480 mails/s  ETA 0:03`` (the bar is added on a terminal)."""
        width = len(str(self.total))
        percent = 100 if self.total == 0 else 100 * self.done // self.total
        rate = self.rate(now)
        parts = [f"{self.done:>{width}}/{self.total}", f"{percent:>3} %"]
        if rate > 0:
            parts.append(f"{rate:.0f} {self.unit}/s")
            if self.done < self.total:
                parts.append(f"ETA {duration_text((self.total - self.done) / rate)}")
        else:
            parts.append(f"– {self.unit}/s")
        return "  ".join(parts)

    def update(self, done: int) -> None:
        """Record ``done`` items; redraw if the last drawing is at least ``interval`` old."""
        self.done = done
        now = self.clock()
        if self._last_draw is not None and now - self._last_draw < self.interval:
            return
        if self._last_draw is None and not self.tty and now - self.started < self.interval:
            return  # a log gets its first line after an interval, not one per batch at the start
        self._draw(now)

    def finish(self) -> None:
        """Draw the final state and end the line; idempotent."""
        if self._finished:
            return
        self._finished = True
        self._draw(self.clock())
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        self._last_draw = now
        if self.tty:
            line = f"{bar(self.done, self.total)} {self.text(now)}"
            pad = " " * max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write(f"\r{line}{pad}")
        else:
            self.stream.write(f"  {self.text(now)}\n")
        self.stream.flush()
