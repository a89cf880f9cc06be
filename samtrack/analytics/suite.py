"""All of a run's analytics behind one ``update(result) -> list[Event]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..types import FrameResult
from .events import Event, LifecycleEvents
from .geometry import anchor_points, tight_boxes
from .lines import LineCounter
from .measure import TrackMeasurements
from .zones import ZoneMonitor


class Analytics:
    """Feeds each FrameResult to its lines, zones and measurements.

    Events of one frame come in this order: track_started, line_crossed (line by line),
    zone_entered / zone_exited (zone by zone), track_lost, track_ended. Anchor points are
    computed once per frame for all lines that share an anchor, the masks' boxes once
    for all.
    """

    def __init__(
        self,
        lines: Sequence[LineCounter] = (),
        zones: Sequence[ZoneMonitor] = (),
        measurements: TrackMeasurements | None = None,
        lifecycle: bool = True,
    ) -> None:
        self.lines = list(lines)
        self.zones = list(zones)
        self.measurements = measurements
        self._lifecycle = LifecycleEvents() if lifecycle else None

    def update(self, result: FrameResult) -> list[Event]:
        life = self._lifecycle.update(result) if self._lifecycle else []
        events = [e for e in life if e.kind == "track_started"]
        points: dict[str, np.ndarray] = {}
        tight = tight_boxes(result.masks)
        for line in self.lines:
            if line.anchor not in points:
                points[line.anchor] = anchor_points(result.masks, result.boxes, line.anchor, tight)
            events += line.update_points(result, points[line.anchor])
        for zone in self.zones:
            events += zone._update(result, tight)
        if self.measurements is not None:
            self.measurements._update(result, tight)
        return events + [e for e in life if e.kind != "track_started"]

    def flush(self) -> list[Event]:
        """At the end of the stream: exits for the tracks still inside a zone."""
        return [e for zone in self.zones for e in zone.flush()]

    def counts(self) -> dict[str, Any]:
        """The state now: {"lines": {name: {"in", "out"}}, "zones": {name: [ids inside]}}."""
        return {
            "lines": {
                line.name: {"in": line.in_count, "out": line.out_count} for line in self.lines
            },
            "zones": {zone.name: zone.occupants for zone in self.zones},
        }
