"""The streaming loop: source -> segmenter -> tracker -> results (and sinks).

``track()`` yields one :class:`FrameResult` per frame as the video streams; nothing is
kept but each live track's last mask, so memory stays flat however long the video runs.
``track_to_files()`` drives it into the file sinks with a progress bar.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .errors import SamtrackError, SamtrackWarning
from .io.detections import DetectionsLike, detections_for
from .io.prompts import (
    PromptSchedule,
    check_prompt_count,
    check_prompts_in_frame,
    frame_index,
    frame_list,
    load_prompts,
)
from .tracking.tracker import Tracker, TrackerConfig
from .types import Frame, FrameResult, Prompt, Segmenter, describe, prompt_list

if TYPE_CHECKING:
    from .analytics import Event

SourceLike = Union[str, os.PathLike, int, Iterable[Frame]]
PromptsLike = Union[str, os.PathLike, Mapping[int, Sequence[Prompt]], Sequence[Prompt], None]


def tracker_config(config: TrackerConfig | None = None, **options: Any) -> TrackerConfig:
    """A TrackerConfig from a base config and keyword overrides (unknown names rejected;
    every value is checked by TrackerConfig itself)."""
    names = {f.name for f in fields(TrackerConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(f"unknown tracker option(s): {', '.join(unknown)}")
    if config is not None and not isinstance(config, TrackerConfig):
        raise SamtrackError(f"config must be a samtrack.TrackerConfig, not {type(config).__name__}")
    base = config or TrackerConfig()
    return TrackerConfig(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **options})


def prompt_schedule(prompts: PromptsLike) -> tuple[PromptSchedule, list[Prompt]]:
    """Normalise prompts into (frame index -> prompts, prompts for the first frame seen):
    a prompts file or a mapping fills the first, a plain list of prompts the second.
    Anything else (a dict of box fields, a tuple of numbers...) is a SamtrackError."""
    if prompts is None:
        return {}, []
    if isinstance(prompts, (str, os.PathLike)):
        return load_prompts(prompts), []
    if isinstance(prompts, Mapping):
        schedule: PromptSchedule = {}
        for key, value in prompts.items():
            frame = frame_index(key, "prompts (a mapping frame index -> list of Prompt)")
            schedule.setdefault(frame, []).extend(prompt_list(value, f"prompts for frame {frame}"))
        return schedule, []
    return {}, prompt_list(prompts, "prompts")


def _check_source(source: Any) -> None:
    if isinstance(source, (str, os.PathLike, int)) and not isinstance(source, bool):
        return
    if isinstance(source, (bytes, Frame)) or not isinstance(source, Iterable):
        raise SamtrackError(
            "source must be a video path, URL, webcam number, image folder or an iterable of "
            f"samtrack.Frame, not {describe(source)}"
        )


def _check_model(model: Any) -> None:
    segmenter = hasattr(model, "embed") and hasattr(model, "segment")
    if isinstance(model, (str, os.PathLike)) or segmenter:
        return
    raise SamtrackError(
        "model must be a registry name (e.g. 'nano'), a checkpoint path or a segmenter with "
        f"embed() and segment(), not {describe(model)}"
    )


def _segmenter(
    model: str | os.PathLike | Segmenter,
    device: str,
    dtype: str,
    progress: bool = True,
    image_size: int | None = None,
) -> Segmenter:
    if hasattr(model, "embed") and hasattr(model, "segment"):
        return model  # type: ignore[return-value]
    from .models.registry import load_predictor

    return load_predictor(  # type: ignore[arg-type]
        os.fspath(model), device=device, dtype=dtype, progress=progress, image_size=image_size
    )


def _open(source: SourceLike, start: float | None, stride: int, max_frames: int | None) -> Any:
    if isinstance(source, (str, os.PathLike, int)):
        from .io.sources import open_source

        return open_source(source, start=start, stride=stride, max_frames=max_frames)
    return source


def _a_frame(frame: Any) -> Frame:
    if not isinstance(frame, Frame):
        raise SamtrackError(
            f"the source yielded {describe(frame)}, not a samtrack.Frame: wrap each RGB image as "
            "Frame(index, time, image)"
        )
    return frame


def _last_index(frames: Any, first: int, stride: int | None) -> tuple[int | None, str]:
    """The last frame index a run that starts at ``first`` can reach, as far as the source
    tells before the run (None when it cannot: a live stream, a plain iterable), and how
    to say why."""
    if isinstance(frames, Sequence) and len(frames) and isinstance(frames[-1], Frame):
        return frames[-1].index, f"lie beyond the last frame, {frames[-1].index}"
    count = getattr(frames, "frame_count", None)
    if (
        getattr(frames, "is_live", False)
        or not isinstance(count, int)
        or not getattr(frames, "frame_count_exact", True)  # estimated: never-used prompts warn
    ):
        return None, ""
    last, why = count - 1, f"lie beyond the video's {count} frames (0-{count - 1})"
    expected = getattr(frames, "expected_frames", None)
    stride = getattr(frames, "stride", stride)
    if isinstance(expected, int) and isinstance(stride, int) and expected > 0:
        reached = first + (expected - 1) * stride
        if reached < last:
            last = reached
            why = f"lie beyond frame {reached}, the last this run processes"
            why += " (--stride, --max-frames)"
    return last, why


def _check_reachable(schedule: PromptSchedule, first: int, last: int | None, beyond: str) -> None:
    """SamtrackError for prompts on frames before the run's first frame or past its last."""
    early = sorted(k for k in schedule if k < first)
    if early:
        raise SamtrackError(
            f"prompts for {frame_list(early)} lie before frame {first}, the first of this run "
            "(--start): move them to a later frame or start earlier"
        )
    late = sorted(k for k in schedule if last is not None and k > last)
    if late:
        raise SamtrackError(
            f"prompts for {frame_list(late)} {beyond}: move them to an earlier frame"
        )


def _warn_unused(moved: dict[int, int], pending: list[int], last: int | None) -> None:
    """Warn about prompts used on a later frame than theirs, and prompts never used."""
    if len(moved) == 1:
        ((k, v),) = moved.items()
        warnings.warn(
            f"prompts for frame {k} were used on frame {v}, the next frame processed: frame {k} "
            "was skipped (--stride, or unreadable)",
            SamtrackWarning,
            stacklevel=3,
        )
    elif moved:
        pairs = ", ".join(f"{k}->{v}" for k, v in list(moved.items())[:5])
        more = f" ... ({len(moved)} in all)" if len(moved) > 5 else ""
        warnings.warn(
            f"prompts for {frame_list(sorted(moved))} were used on the next frame processed "
            f"({pairs}{more}): their frames were skipped (--stride, or unreadable)",
            SamtrackWarning,
            stacklevel=3,
        )
    if pending:
        end = f"the run ended at frame {last}" if last is not None else "no frame was read"
        message = f"prompts for {frame_list(pending)} were never used: {end}"
        warnings.warn(message, SamtrackWarning, stacklevel=3)


def _stream(
    source: SourceLike,
    model: str | os.PathLike | Segmenter,
    cfg: TrackerConfig,
    schedule: PromptSchedule,
    initial: list[Prompt],
    detector: Any,
    device: str,
    dtype: str,
    start: float | None,
    stride: int,
    max_frames: int | None,
    progress: bool = True,
    image_size: int | None = None,
) -> Iterator[FrameResult]:
    """The body of :func:`track`, run as the caller iterates."""
    frames = _open(source, start, stride, max_frames)
    try:
        size = getattr(frames, "size", None)
        if size is not None:  # fail before the model loads and before any frame
            check_prompts_in_frame({**schedule, -1: initial}, *size)
        # The first frame (decoded, not yet processed) tells where the run starts.
        stream = iter(frames)
        first = next(stream, None)
        if first is not None:
            first = _a_frame(first)
            if size is None:
                check_prompts_in_frame({**schedule, -1: initial}, *first.size)
            opened = isinstance(source, (str, os.PathLike, int))
            last_index, beyond = _last_index(frames, first.index, stride if opened else None)
            _check_reachable(schedule, first.index, last_index, beyond)
        tracker = Tracker(_segmenter(model, device, dtype, progress, image_size), cfg)
        pending = sorted(schedule)  # frames whose prompts are still to be used
        moved: dict[int, int] = {}
        last: int | None = None
        for frame in itertools.chain([first] if first is not None else [], stream):
            frame = _a_frame(frame)
            new = initial if last is None else []
            used = 0
            while used < len(pending) and pending[used] <= frame.index:
                new = new + schedule[pending[used]]
                if pending[used] < frame.index:
                    moved[pending[used]] = frame.index
                used += 1
            del pending[:used]
            last = frame.index
            boxes = detector(frame) if detector is not None else None
            yield tracker.update(frame, new, boxes)
        _warn_unused(moved, pending, last)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def track(
    source: SourceLike,
    model: str | os.PathLike | Segmenter = "mobile_sam",
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
    progress: bool = True,
    image_size: int | None = None,
    **options: Any,
) -> Iterator[FrameResult]:
    """Track objects through a video, yielding a FrameResult per frame as it streams.

    source: a path, URL, webcam number or image folder (see ``samtrack.io.open_source``),
    or any iterable of Frames (in increasing index order). model: a registry name (default
    "mobile_sam", downloaded on first use; "nano" works offline, for trying things), a
    checkpoint path, or a Segmenter object. prompts: a prompts file,
    frame index -> prompts, or prompts for the first frame. detections: a MOT det.txt,
    frame index -> N x 4 xyxy boxes, or a callable frame -> boxes. options: TrackerConfig
    fields, e.g. ``discover_every=5``. progress: False hides the progress bars of the
    model's first download and its checksum. image_size: the encoder's input side instead
    of the model's own (e.g. 512 for a SAM model: about a fifth of the encoder's time,
    coarser masks; see BENCHMARKS.md); for a model given by name or path.

    Bad arguments (a source, model, prompts or option of the wrong kind) raise
    SamtrackError on the call. Before any frame is processed and before the model loads,
    SamtrackError is raised for prompts outside the frame, more prompts for one frame than
    ``max_objects``, and prompts for frames the run cannot reach: before its first frame
    (``start``) or past the source's last (its ``frame_count``, or what ``max_frames``
    leaves). A prompt for a frame the run skips (``stride``, an unreadable frame) is used
    on the next frame processed; prompts never used (a live stream that ended first) are
    reported with a SamtrackWarning at the end, as are the moved ones.
    """
    cfg = tracker_config(config, **options)
    _check_source(source)
    _check_model(model)
    if image_size is not None and hasattr(model, "embed"):
        raise SamtrackError(
            "image_size applies to a model given by name or path; a segmenter object keeps "
            "its own (Predictor(model, image_size=...))"
        )
    schedule, initial = prompt_schedule(prompts)
    check_prompt_count({**schedule, -1: initial}, cfg.max_objects)
    detector = detections_for(detections, detection_min_score)
    return _stream(
        source, model, cfg, schedule, initial, detector, device, dtype, start, stride, max_frames,
        progress, image_size,
    )


@dataclass
class RunSummary:
    """What ``track_to_files`` did: frames processed, seconds, tracks seen, files written,
    and the stale files of an earlier run it removed (with ``overwrite``)."""

    frames: int
    seconds: float
    tracks: int
    files: list[Path]
    removed: list[Path] = field(default_factory=list)
    analytics: Any = None
    """The run's ``samtrack.analytics.Analytics`` when it had analytics (counts, zones)."""

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
    overwrite: bool = False,
    handle_signals: bool = True,
    analytics: Any = None,
    interval: float = 60.0,
    on_event: Callable[[Event], None] | None = None,
    **kwargs: Any,
) -> RunSummary:
    """Run :func:`track` and write its results to files in ``out_dir`` (see
    ``samtrack.io.open_sinks`` for the formats), with a progress bar showing frames, fps
    and live tracks. ``on_result`` is called with every result after it is written (e.g.
    to score it or to feed analytics).

    ``analytics``: an analytics config file (see ``samtrack.analytics.load_config``) or a
    ``samtrack.analytics.AnalyticsConfig``; it is read and checked before anything else.
    With it every result feeds the lines, zones and measurements it describes, and three
    more files come out (``samtrack.io.analytics_files``): ``<stem>.events.jsonl`` (the
    events as they happen), ``<stem>.counts.csv`` (counts per line and zone per
    ``interval`` seconds of video time) and ``<stem>.measurements.csv`` (one row per
    track); the summary's ``analytics`` holds the final counts. The annotated video (format
    ``video``) then also shows every line and zone with its counts as they stand at each
    frame (the analytics see a result before the video draws it).

    ``on_event``: called with every ``samtrack.analytics.Event`` as it happens, in the
    order of the events file: with ``analytics`` the very events written there, without
    it the tracks' lifecycle events (track_started, track_lost, track_ended) alone. For a
    live source (its ``is_live`` is true: rtsp/http streams, webcams) each event also
    carries ``wall_time``, the UTC date and time (ISO 8601) when its frame was processed;
    for files and other sources it is None (and absent from the file). (``track()`` has
    no such hook: it yields results; feed them to a ``samtrack.analytics.Analytics``,
    whose ``update`` returns each frame's events.)

    The format ``crops`` (``samtrack.io.crops``) writes ``<stem>_crops/<track id>.png``:
    each track's best view, padded, under the same rules as the files.

    Safety: the run holds a lock on ``out_dir`` (a second run into it fails at once); an
    output that would replace an input, or earlier results (final or ``.partial``), is
    refused before the model loads unless ``overwrite``, which also removes the earlier
    run's files of the same stem in other formats once the new ones are in place. Files
    appear under their final names only when complete. With ``handle_signals`` (in the
    main thread) SIGINT and SIGTERM finish the frame in flight, close every file valid
    under its ``.partial`` name and raise :class:`samtrack.errors.Interrupted` saying
    where they are; a second signal stops at once.
    """
    from tqdm import tqdm

    from .errors import Interrupted
    from .io.base import partial_path
    from .io.outdir import check_outputs, locked, remove_output, stale_files
    from .io.sinks import OUTPUT_FILES, MultiSink, open_sinks
    from .io.sources import open_source
    from .io.video import VideoSink

    config = _analytics_config(analytics)
    if on_event is not None and not callable(on_event):
        raise SamtrackError(
            f"on_event must be a callable taking an Event, not {describe(on_event)}"
        )
    if config is not None:
        from .io.analytics_files import check_interval

        interval = check_interval(interval)
    if isinstance(source, (str, os.PathLike, int)):
        frames = open_source(
            source, start=kwargs.pop("start", None), stride=kwargs.pop("stride", 1),
            max_frames=kwargs.pop("max_frames", None),
        )
        name = Path(os.fspath(source)).stem if not isinstance(source, int) else f"webcam{source}"
    else:
        frames, name = source, "frames"
    live = bool(getattr(frames, "is_live", False))
    stem = stem or name or "samtrack"
    inputs = [source, kwargs.get("prompts"), kwargs.get("detections"), analytics]
    inputs = [p for p in inputs if isinstance(p, (str, os.PathLike))]
    out = Path(out_dir)
    # every file of this stem counts, in any format: a run never mixes its results with an
    # earlier run's, and --overwrite removes the earlier run's other formats
    outputs = [out / pattern.format(stem=stem) for pattern in OUTPUT_FILES]
    seen: set[int] = set()
    count = 0
    files: list[Path] = []
    with locked(out), _StopOnSignal(handle_signals) as stop:
        try:
            check_outputs(outputs, inputs, overwrite=overwrite)
            results = track(frames, progress=progress, **kwargs)  # checks its arguments before any file opens
        except BaseException:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
            raise
        first = next(results, None)
        sinks = MultiSink(open_sinks(out, list(formats), stem=stem, fps=getattr(frames, "fps", None)))
        files = [Path(s.path) for s in sinks.sinks if hasattr(s, "path")]
        suite = None
        lifecycle = None  # on_event without analytics: the lifecycle events alone
        if config is not None:
            from .analytics import build_analytics
            from .io.analytics_files import AnalyticsSink

            suite = build_analytics(config)
            try:
                analytics_sink = AnalyticsSink(
                    suite, out, stem, interval, on_event=on_event, wall_clock=live
                )
            except BaseException:
                sinks.abort()
                for p in files:
                    remove_output(partial_path(p))
                raise
            # first: the analytics take in each result before the video draws their state
            sinks.sinks.insert(0, analytics_sink)
            files += analytics_sink.paths
            for sink in sinks.sinks:
                if isinstance(sink, VideoSink):
                    sink.analytics = suite
        elif on_event is not None:
            from .analytics import LifecycleEvents
            from .analytics.events import wall_clock

            lifecycle = LifecycleEvents()
        started = time.perf_counter()
        bar = tqdm(total=getattr(frames, "frame_count", None), unit="frame", disable=not progress,
                   dynamic_ncols=True)
        try:
            with sinks:
                for result in _chain(first, results) if first is not None else ():
                    sinks.write(result)
                    if lifecycle is not None:
                        stamp = wall_clock() if live else None
                        for event in lifecycle.update(result):
                            on_event(event.at(stamp))  # type: ignore[misc]
                    if on_result is not None:
                        on_result(result)
                    seen.update(result.track_ids.tolist())
                    count += 1
                    bar.update(1)
                    bar.set_postfix(tracks=len(result), refresh=False)
                    if stop.signal_name is not None:
                        raise KeyboardInterrupt
        except KeyboardInterrupt:
            bar.close()
            results.close()
            partials = [partial_path(p) for p in files]
            raise Interrupted(stop.signal_name or "SIGINT", count, [p for p in partials if p.exists()]) from None
        finally:
            bar.close()
        removed = []
        if overwrite:
            removed = [p for p in stale_files(out, OUTPUT_FILES, stem, keep=files) if remove_output(p)]
    return RunSummary(count, time.perf_counter() - started, len(seen), files, removed, suite)


def _analytics_config(analytics: Any) -> Any:
    """The AnalyticsConfig of ``analytics`` (a config file or an AnalyticsConfig), None
    for None; a SamtrackError for anything else or a file that is not a valid config."""
    if analytics is None:
        return None
    from .analytics import AnalyticsConfig, load_config

    if isinstance(analytics, AnalyticsConfig):
        return analytics
    if isinstance(analytics, (str, os.PathLike)):
        return load_config(analytics)
    raise SamtrackError(
        "analytics must be an analytics config file or a samtrack.analytics.AnalyticsConfig, "
        f"not {describe(analytics)}"
    )


class _StopOnSignal:
    """While active (main thread only), SIGINT and SIGTERM set ``signal_name`` so the loop
    stops after the frame in flight; a second signal raises KeyboardInterrupt at once."""

    def __init__(self, active: bool) -> None:
        import threading

        self.active = active and threading.current_thread() is threading.main_thread()
        self.signal_name: str | None = None
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal_name is not None:
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> _StopOnSignal:
        if self.active:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _chain(first: FrameResult, rest: Iterator[FrameResult]) -> Iterator[FrameResult]:
    yield first
    yield from rest
