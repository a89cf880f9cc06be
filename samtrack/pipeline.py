"""The streaming loop: source -> segmenter -> tracker -> results (and sinks).

``track()`` yields one :class:`FrameResult` per frame as the video streams; nothing is
kept but each live track's last mask, so memory stays flat however long the video runs.
``track_to_files()`` drives it into the file sinks with a progress bar.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Union

from .io.detections import DetectionsLike, detections_for
from .io.prompts import PromptSchedule, check_prompts_in_frame, load_prompts
from .tracking.tracker import Tracker, TrackerConfig
from .types import Frame, FrameResult, Prompt, Segmenter

SourceLike = Union[str, os.PathLike, int, Iterable[Frame]]
PromptsLike = Union[str, os.PathLike, Mapping[int, Sequence[Prompt]], Sequence[Prompt], None]


def tracker_config(config: TrackerConfig | None = None, **options: Any) -> TrackerConfig:
    """A TrackerConfig from a base config and keyword overrides (unknown names rejected)."""
    names = {f.name for f in fields(TrackerConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(f"unknown tracker option(s): {', '.join(unknown)}")
    base = config or TrackerConfig()
    return TrackerConfig(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **options})


def prompt_schedule(prompts: PromptsLike) -> tuple[PromptSchedule, list[Prompt]]:
    """Normalise prompts into (frame index -> prompts, prompts for the first frame seen):
    a prompts file or a mapping fills the first, a plain list of prompts the second."""
    if prompts is None:
        return {}, []
    if isinstance(prompts, (str, os.PathLike)):
        return load_prompts(prompts), []
    if isinstance(prompts, Mapping):
        return {int(k): list(v) for k, v in prompts.items()}, []
    return {}, list(prompts)


def _segmenter(model: str | os.PathLike | Segmenter, device: str, dtype: str) -> Segmenter:
    if hasattr(model, "embed") and hasattr(model, "segment"):
        return model  # type: ignore[return-value]
    from .models.registry import load_predictor

    return load_predictor(os.fspath(model), device=device, dtype=dtype)  # type: ignore[arg-type]


def _open(source: SourceLike, start: float | None, stride: int, max_frames: int | None) -> Any:
    if isinstance(source, (str, os.PathLike, int)):
        from .io.sources import open_source

        return open_source(source, start=start, stride=stride, max_frames=max_frames)
    return source


def track(
    source: SourceLike,
    model: str | os.PathLike | Segmenter = "nano",
    *,
    prompts: PromptsLike = None,
    detections: DetectionsLike = None,
    detection_min_score: float = 0.0,
    config: TrackerConfig | None = None,
    device: str = "auto",
    dtype: str = "float32",
    start: float | None = None,
    stride: int = 1,
    max_frames: int | None = None,
    **options: Any,
) -> Iterator[FrameResult]:
    """Track objects through a video, yielding a FrameResult per frame as it streams.

    source: a path, URL, webcam number or image folder (see ``samtrack.io.open_source``),
    or any iterable of Frames. model: a registry name ("nano", "sam_vit_b", ...), a
    checkpoint path, or a Segmenter object. prompts: a prompts file, frame index ->
    prompts, or prompts for the first frame. detections: a MOT det.txt, frame index ->
    N x 4 xyxy boxes, or a callable frame -> boxes. options: TrackerConfig fields, e.g.
    ``discover_every=5``. Prompts outside the frame raise SamtrackError before any frame.
    """
    cfg = tracker_config(config, **options)
    schedule, initial = prompt_schedule(prompts)
    detector = detections_for(detections, detection_min_score)
    frames = _open(source, start, stride, max_frames)
    try:
        size = getattr(frames, "size", None)
        if size is not None:  # fail before the model loads and before any frame
            check_prompts_in_frame({**schedule, -1: initial}, *size)
        tracker = Tracker(_segmenter(model, device, dtype), cfg)
        for i, frame in enumerate(frames):
            new = list(schedule.get(frame.index, ()))
            if i == 0:
                new = initial + new
                if size is None:
                    check_prompts_in_frame({**schedule, -1: initial}, *frame.size)
            boxes = detector(frame) if detector is not None else None
            yield tracker.update(frame, new, boxes)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


@dataclass
class RunSummary:
    """What ``track_to_files`` did: frames processed, seconds, tracks seen, files written."""

    frames: int
    seconds: float
    tracks: int
    files: list[Path]

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def track_to_files(
    source: SourceLike,
    out_dir: str | os.PathLike,
    formats: Sequence[str] = ("jsonl", "mots", "csv", "video"),
    *,
    stem: str | None = None,
    progress: bool = True,
    on_result: Callable[[FrameResult], None] | None = None,
    **kwargs: Any,
) -> RunSummary:
    """Run :func:`track` and write its results to files in ``out_dir`` (see
    ``samtrack.io.open_sinks`` for the formats), with a progress bar showing frames, fps
    and live tracks. Files appear only when complete; an interrupted run leaves
    ``.partial`` files and no final ones. ``on_result`` is called with every result after
    it is written (e.g. to score it or to feed analytics)."""
    from tqdm import tqdm

    from .io.sinks import MultiSink, open_sinks
    from .io.sources import open_source

    if isinstance(source, (str, os.PathLike, int)):
        frames = open_source(
            source, start=kwargs.pop("start", None), stride=kwargs.pop("stride", 1),
            max_frames=kwargs.pop("max_frames", None),
        )
        name = Path(os.fspath(source)).stem if not isinstance(source, int) else f"webcam{source}"
    else:
        frames, name = source, "frames"
    stem = stem or name or "samtrack"
    results = track(frames, **kwargs)  # validates prompts before any file is opened
    first = next(results, None)
    sinks = MultiSink(open_sinks(out_dir, list(formats), stem=stem, fps=getattr(frames, "fps", None)))
    total = getattr(frames, "frame_count", None)
    seen: set[int] = set()
    count = 0
    started = time.perf_counter()
    bar = tqdm(total=total, unit="frame", disable=not progress, dynamic_ncols=True)
    with sinks:
        if first is not None:
            for result in _chain(first, results):
                sinks.write(result)
                if on_result is not None:
                    on_result(result)
                seen.update(result.track_ids.tolist())
                count += 1
                bar.update(1)
                bar.set_postfix(tracks=len(result), refresh=False)
    bar.close()
    files = [Path(s.path) for s in sinks.sinks if hasattr(s, "path")]
    return RunSummary(count, time.perf_counter() - started, len(seen), files)


def _chain(first: FrameResult, rest: Iterator[FrameResult]) -> Iterator[FrameResult]:
    yield first
    yield from rest
