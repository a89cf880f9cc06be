"""Analytics over the FrameResult stream: line crossings, zone occupancy and dwell,
per-track measurements, and the events they raise. Pure numpy and OpenCV (no torch).

Each consumer has ``update(result) -> list[Event]``; :class:`Analytics` runs several::

    from samtrack.analytics import LineCounter, ZoneMonitor, Analytics
    door = LineCounter("door", (100, 400), (500, 400), anchor="bottom")
    bench = ZoneMonitor("bench", [(0, 0), (200, 0), (200, 150)], min_overlap=0.5)
    analytics = Analytics(lines=[door], zones=[bench])
    for result in samtrack.track("video.mp4"):
        for event in analytics.update(result):
            print(event.to_dict())
    print(door.in_count, door.out_count)
"""

from .clock import FrameClock
from .config import AnalyticsConfig, build_analytics, load_config, parse_config
from .events import EVENT_KINDS, Event, LifecycleEvents
from .geometry import ANCHORS, anchor_points, polygon_mask, tight_boxes
from .lines import LineCounter
from .measure import TrackMeasurements, rect_size
from .suite import Analytics
from .zones import Dwell, ZoneMonitor

__all__ = [
    "ANCHORS",
    "EVENT_KINDS",
    "Analytics",
    "AnalyticsConfig",
    "Dwell",
    "Event",
    "FrameClock",
    "LifecycleEvents",
    "LineCounter",
    "TrackMeasurements",
    "ZoneMonitor",
    "anchor_points",
    "build_analytics",
    "load_config",
    "parse_config",
    "polygon_mask",
    "rect_size",
    "tight_boxes",
]
