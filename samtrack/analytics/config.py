"""One analytics config file: lines, zones and the scale, checked before any frame.

JSON always; YAML (.yaml / .yml) when PyYAML is installed. The form::

    {"lines": [{"name": "door", "points": [[100, 400], [500, 400]],
                "anchor": "bottom", "min_distance": 3}],
     "zones": [{"name": "bench", "polygon": [[0, 0], [200, 0], [200, 150], [0, 150]],
                "min_overlap": 0.5, "exit_overlap": 0.4, "max_absent": 10}],
     "scale": {"px_per_mm": 2.5},        # or {"points": [[x1, y1], [x2, y2]], "length_mm": 100}
     "measure": {"anchor": "centroid"}}

Every key is optional except each line's ``points`` and each zone's ``polygon``; names
default to "line 1", "zone 1", ... Any mistake is one SamtrackError line naming the entry.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SamtrackError
from ..types import describe
from .geometry import as_points, check_anchor
from .lines import LineCounter
from .measure import TrackMeasurements
from .suite import Analytics
from .zones import ZoneMonitor

_LINE_KEYS = {"name", "points", "anchor", "min_distance"}
_ZONE_KEYS = {"name", "polygon", "min_overlap", "exit_overlap", "max_absent", "exit_on_lost"}
_TOP_KEYS = {"lines", "zones", "scale", "measure"}


@dataclass
class AnalyticsConfig:
    """Checked settings: ``lines`` and ``zones`` as keyword dicts for LineCounter and
    ZoneMonitor (coordinates as float lists, for drawing too), ``px_per_mm`` (None: no
    scale) and the measurements' ``anchor``."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)
    px_per_mm: float | None = None
    anchor: str = "centroid"


def load_config(path: str | os.PathLike[str]) -> AnalyticsConfig:
    """Reads and checks a JSON (or, with PyYAML, YAML) analytics config file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SamtrackError(f"analytics config not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SamtrackError(f"cannot read analytics config {path}: {e}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise SamtrackError(
                f"{path}: reading YAML needs PyYAML (pip install pyyaml); or write it as JSON"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise SamtrackError(f"{path} is not valid YAML: {' '.join(str(e).split())}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SamtrackError(
                f"{path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
            ) from None
    return parse_config(data, str(path))


def parse_config(data: Any, source: str = "analytics config") -> AnalyticsConfig:
    """Checks already-parsed settings (a dict as in the module's docstring)."""
    try:
        return _parse(data, source)
    except InputError as e:
        raise SamtrackError(f"{source}: {e}") from None


def build_analytics(config: AnalyticsConfig, lifecycle: bool = True) -> Analytics:
    """Fresh analytics objects (no state shared with earlier runs) for one stream."""
    return Analytics(
        lines=[LineCounter(**spec) for spec in config.lines],
        zones=[ZoneMonitor(**spec) for spec in config.zones],
        measurements=TrackMeasurements(config.anchor, config.px_per_mm, "mm"),
        lifecycle=lifecycle,
    )


def _parse(data: Any, source: str) -> AnalyticsConfig:
    if data is None:
        data = {}
    _mapping(data, "the config", _TOP_KEYS)
    config = AnalyticsConfig()
    for i, entry in enumerate(_list(data.get("lines", []), "lines")):
        _mapping(entry, f"line {i + 1}", _LINE_KEYS)
        name = _name(entry, f"line {i + 1}", [s["name"] for s in config.lines])
        points = as_points(entry.get("points"), f"line {name!r}: points")
        if len(points) != 2:
            raise InputError(
                f"line {name!r}: points must be 2 points [[x1, y1], [x2, y2]], not {len(points)}"
            )
        spec = {"name": name, "start_xy": points[0].tolist(), "end_xy": points[1].tolist()}
        spec |= {k: entry[k] for k in ("anchor", "min_distance") if k in entry}
        LineCounter(**spec)  # checks the rest
        config.lines.append(spec)
    for i, entry in enumerate(_list(data.get("zones", []), "zones")):
        _mapping(entry, f"zone {i + 1}", _ZONE_KEYS)
        name = _name(entry, f"zone {i + 1}", [s["name"] for s in config.zones])
        if "polygon" not in entry:
            raise InputError(f"zone {name!r} needs a polygon: [[x, y], [x, y], [x, y], ...]")
        spec = {"name": name, **{k: v for k, v in entry.items() if k != "name"}}
        spec["polygon"] = ZoneMonitor(**spec).polygon.tolist()  # checks it all
        config.zones.append(spec)
    config.px_per_mm = _scale(data.get("scale"))
    measure = data.get("measure", {})
    _mapping(measure, "measure", {"anchor"})
    config.anchor = check_anchor(measure.get("anchor", "centroid"), "measure")
    return config


def _scale(scale: Any) -> float | None:
    """Pixels per mm from {"px_per_mm": k} or {"points": [p, q], "length_mm": d}."""
    if scale is None:
        return None
    _mapping(scale, "scale", {"px_per_mm", "points", "length_mm"})
    if "px_per_mm" in scale:
        if len(scale) != 1:
            raise InputError("scale: give px_per_mm, or points and length_mm, not both")
        return _positive(scale["px_per_mm"], "scale: px_per_mm")
    if set(scale) != {"points", "length_mm"}:
        raise InputError("scale needs px_per_mm, or points [[x1, y1], [x2, y2]] and length_mm")
    points = as_points(scale["points"], "scale: points")
    if len(points) != 2 or np.array_equal(points[0], points[1]):
        raise InputError("scale: points must be 2 different points [[x1, y1], [x2, y2]]")
    length = _positive(scale["length_mm"], "scale: length_mm")
    return float(np.hypot(*(points[1] - points[0]))) / length


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < math.inf:
        raise InputError(f"{what} must be a number > 0, not {describe(value)}")
    return float(value)


def _mapping(value: Any, what: str, keys: set[str]) -> None:
    if not isinstance(value, Mapping):
        raise InputError(f"{what} must be a mapping of settings, not {describe(value)}")
    unknown = sorted(set(map(str, value)) - keys)
    if unknown:
        raise InputError(
            f"{what}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(keys))})"
        )


def _list(value: Any, what: str) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InputError(f"{what} must be a list, not {describe(value)}")
    return list(value)


def _name(entry: Mapping[str, Any], default: str, taken: list[str]) -> str:
    name = entry.get("name", default)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{default}: name must be a non-empty string, not {describe(name)}")
    if name in taken:
        raise InputError(f"{default}: the name {name!r} is used twice")
    return name
