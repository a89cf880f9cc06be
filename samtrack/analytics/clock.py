"""The stream's frame period, for durations that count whole frames."""

from __future__ import annotations

import math


class FrameClock:
    """Follows (frame_index, time) pairs and knows the time one frame lasts (seconds).

    ``period`` is the latest (time difference / index difference) between two results
    with finite times; NaN until there are two such results.
    """

    def __init__(self) -> None:
        self.period = math.nan
        self._last: tuple[int, float] | None = None

    def tick(self, frame_index: int, time: float) -> None:
        if not math.isfinite(time):
            return
        if self._last is not None and frame_index > self._last[0] and time > self._last[1]:
            self.period = (time - self._last[1]) / (frame_index - self._last[0])
        self._last = (frame_index, time)

    def span(self, first_time: float, last_time: float) -> float:
        """Seconds from the start of the first frame to the end of the last one: the time
        between them plus one frame (NaN when a time or the period is unknown; a single
        frame lasts one period)."""
        return last_time - first_time + self.period
