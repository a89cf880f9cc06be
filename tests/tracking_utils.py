"""Run the tracker over a synthetic ground-truth video and score it."""

from __future__ import annotations

from samtrack.eval.matching import MatchSummary, match_frames
from samtrack.eval.oracle import OracleSegmenter
from samtrack.eval.synthetic_video import VideoSpec
from samtrack.tracking.tracker import Tracker, TrackerConfig
from samtrack.types import Prompt, mask_to_box_xyxy


def run_tracker(
    spec: VideoSpec,
    config: TrackerConfig,
    segmenter=None,
    prompt_first_frame: bool = True,
    oracle_options: dict | None = None,
) -> tuple[MatchSummary, list]:
    """Track ``spec`` (the oracle segmenter unless one is given), prompting every visible
    object with its ground-truth box on frame 0. Returns the match summary and results."""
    frames = list(spec.frames())
    if segmenter is None:
        truth = {f.index: (g.ids, g.masks) for f, g in frames}
        segmenter = OracleSegmenter(lambda i: truth[i], **(oracle_options or {}))
    tracker = Tracker(segmenter, config)
    results, pairs = [], []
    for frame, gt in frames:
        prompts = []
        if prompt_first_frame and frame.index == 0:
            prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)]
        result = tracker.update(frame, prompts)
        results.append(result)
        pairs.append((gt.ids, gt.masks, result.track_ids, result.masks))
    return match_frames(pairs), results
