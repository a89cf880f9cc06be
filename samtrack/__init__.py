"""samtrack: track and segment objects in video with the Segment Anything family of models.

The public API is imported on first use, so ``import samtrack`` stays fast (torch is
loaded only when a model is)::

    import samtrack
    predictor = samtrack.load_predictor("nano")            # or "sam_vit_b", or a path
    embedding = predictor.embed(image)                     # RGB uint8 H x W x 3
    masks = predictor.segment(embedding, [samtrack.Prompt(box=[10, 20, 120, 90])])

    for result in samtrack.track("video.mp4"):   # mobile_sam; one FrameResult per frame
        ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "SamtrackError": "samtrack.errors",
    "SamtrackWarning": "samtrack.errors",
    "Interrupted": "samtrack.errors",
    "Frame": "samtrack.types",
    "Prompt": "samtrack.types",
    "Masks": "samtrack.types",
    "MaskCrops": "samtrack.types",
    "FrameResult": "samtrack.types",
    "mask_to_box_xyxy": "samtrack.types",
    "REGISTRY": "samtrack.models.registry",
    "load_model": "samtrack.models.registry",
    "load_predictor": "samtrack.models.registry",
    "Predictor": "samtrack.models.predictor",
    "Embedding": "samtrack.models.predictor",
    "track": "samtrack.pipeline",
    "track_to_files": "samtrack.pipeline",
    "RunSummary": "samtrack.pipeline",
    "Tracker": "samtrack.tracking.tracker",
    "TrackerConfig": "samtrack.tracking.tracker",
    "open_source": "samtrack.io",
    "render": "samtrack.render",
}

__all__ = [
    "REGISTRY",
    "Embedding",
    "Frame",
    "FrameResult",
    "Interrupted",
    "MaskCrops",
    "Masks",
    "Predictor",
    "Prompt",
    "RunSummary",
    "SamtrackError",
    "SamtrackWarning",
    "Tracker",
    "TrackerConfig",
    "__version__",
    "load_model",
    "load_predictor",
    "mask_to_box_xyxy",
    "open_source",
    "render",
    "track",
    "track_to_files",
]

if TYPE_CHECKING:
    from samtrack.errors import Interrupted, SamtrackError, SamtrackWarning
    from samtrack.io import open_source
    from samtrack.models.predictor import Embedding, Predictor
    from samtrack.models.registry import REGISTRY, load_model, load_predictor
    from samtrack.pipeline import RunSummary, track, track_to_files
    from samtrack.render import render
    from samtrack.tracking.tracker import Tracker, TrackerConfig
    from samtrack.types import Frame, FrameResult, Masks, Prompt, mask_to_box_xyxy


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("samtrack")
        except PackageNotFoundError:
            return "0+unknown"
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'samtrack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
