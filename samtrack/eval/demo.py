"""The demo: a generated video with ground truth, tracked by the bundled nano model and
scored against that truth. ``samtrack demo`` prints what :func:`run_demo` returns."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from samtrack.errors import SamtrackError

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """What the demo made and measured."""

    seed: int
    frames: int
    objects: int
    seconds: float
    fps: float
    tracks: int
    mean_iou: float
    id_switches: int
    video: Path
    ground_truth: Path
    files: list[Path]


def run_demo(
    out: str | os.PathLike[str],
    *,
    seed: int = 0,
    frames: int = 60,
    device: str = "auto",
    progress: bool = True,
) -> DemoResult:
    """Write ``synthetic.mp4`` and its ground truth ``synthetic_gt.mots.txt`` into ``out``,
    track it with nano (the objects of the first frame given as boxes, the rest left to
    discovery), write every output format there (replacing the demo's earlier files) and
    score the tracks: mean mask IoU of matched objects and identity switches."""
    from samtrack.eval.matching import match_frames
    from samtrack.eval.synthetic_video import RandomVideoConfig, random_video
    from samtrack.io.outdir import locked
    from samtrack.io.sinks import FORMAT_FILES
    from samtrack.pipeline import track_to_files
    from samtrack.types import Prompt, mask_to_box_xyxy

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SamtrackError(f"--out {folder} exists and is not a folder")
    spec = random_video(seed, RandomVideoConfig(n_frames=frames, n_objects=(3, 4)))
    truth = [gt for _, gt in spec.frames()]
    first = [Prompt(box=box) for box in mask_to_box_xyxy(truth[0].masks)]
    pairs = []

    def score(result) -> None:  # type: ignore[no-untyped-def]
        gt = truth[result.frame_index]
        pairs.append((gt.ids, gt.masks, result.track_ids, result.masks))

    video = folder / "synthetic.mp4"
    truth_file = folder / "synthetic_gt.mots.txt"
    with locked(folder):  # the video and its truth are written under the run's lock too
        spec.write(video, truth_file)
        summary = track_to_files(
            video,
            folder,
            tuple(FORMAT_FILES),
            model="nano",
            prompts=first,
            device=device,
            progress=progress,
            on_result=score,
            overwrite=True,
        )
    quality = match_frames(pairs)
    return DemoResult(
        seed=seed,
        frames=summary.frames,
        objects=len(spec.objects),
        seconds=summary.seconds,
        fps=summary.fps,
        tracks=summary.tracks,
        mean_iou=quality.mean_iou,
        id_switches=quality.id_switches,
        video=video,
        ground_truth=truth_file,
        files=summary.files,
    )
