"""A small progress bar on stderr for long steps: reads, checks, breakdowns (no dependency for one line)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "progress_wanted"]


def progress_wanted(progress: bool | None, stream: TextIO | None = None) -> bool:
    """``progress`` if given; otherwise on when someone is watching (a terminal or a notebook)."""
    if progress is not None:
        return bool(progress)
    stream = stream or sys.stderr
    if "ipykernel" in sys.modules:
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Rows done out of a total, redrawn in place at most every ``interval`` seconds.

    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress("survey.sav", total=200, stream=out, interval=0)
    >>> p.update(100); p.update(100); p.close()
    >>> out.getvalue().splitlines()[-1].split(" in ")[0]
    'survey.sav: 200/200 rows (100%)'
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        stream: TextIO | None = None,
        interval: float = 0.5,
        width: int = 24,
        unit: str = "rows",
    ) -> None:
        self.label = label
        self.unit = unit
        self.total = total if total and total > 0 else None
        self.stream = stream or sys.stderr
        self.interval = interval
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._last = -1.0
        self._closed = False

    def _line(self, bar: bool = True) -> str:
        elapsed = time.perf_counter() - self.start
        if self.total:
            frac = min(self.done / self.total, 1.0)
            filled = int(round(frac * self.width))
            drawn = f"[{'#' * filled}{'-' * (self.width - filled)}] " if bar else ""
            return f"{self.label}: {drawn}{self.done:,}/{self.total:,} {self.unit} ({frac:.0%}) in {elapsed:.1f} s"
        return f"{self.label}: {self.done:,} {self.unit} in {elapsed:.1f} s"

    def update(self, rows: int) -> None:
        """Add ``rows`` to the count and redraw if the interval has passed."""
        self.done += int(rows)
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self.stream.write("\r" + self._line())
            self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self._closed:
            return
        self._closed = True
        # the final state without the bar, padded to wipe the longer bar line
        line = self._line(bar=False)
        self.stream.write("\r" + line.ljust(len(self._line())) + "\n")
        self.stream.flush()
