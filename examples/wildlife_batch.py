"""A batch of clips (camera traps, long recordings): one summary row per clip and track,
written as CSV: when each animal was seen, for how long, how large, how far it moved.

    python examples/wildlife_batch.py [FOLDER] [--out summary.csv] [--model NAME]

With no folder, three generated clips are tracked with the bundled nano model, so it runs
offline as-is. Objects are found by discovery, with no prompts. A clip that cannot be read
is reported on stderr and skipped; the others still get their rows.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import samtrack
from samtrack.analytics import TrackMeasurements

COLUMNS = ["clip", "track_id", "first_time", "last_time", "duration_s", "frames_visible",
           "mean_area_px", "path_length_px"]
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm"}


def _generated(folder: Path) -> list[Path]:
    from samtrack.eval.synthetic_video import RandomVideoConfig, random_video

    clips = []
    for seed in range(3):
        clip = folder / f"trap{seed + 1}.mp4"
        random_video(seed, RandomVideoConfig(n_frames=40, n_objects=(1, 3))).write(clip)
        clips.append(clip)
    return clips


def summarise(clip: Path, model: str) -> list[dict[str, object]]:
    """One row per track of ``clip`` (see COLUMNS)."""
    sizes = TrackMeasurements()
    for result in samtrack.track(clip, model=model):
        sizes.update(result)
    return [{"clip": clip.name, **{k: row[k] for k in COLUMNS[1:]}} for row in sizes.summary()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="a folder of video clips")
    parser.add_argument("--out", help="CSV file to write (default: print to stdout)")
    parser.add_argument("--model", default=None, help="default: nano for the generated clips, else mobile_sam")
    args = parser.parse_args(argv)

    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        if args.folder is None:
            clips, model = _generated(Path(scratch)), args.model or "nano"
        else:
            clips = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
            model = args.model or "mobile_sam"
        rows: list[dict[str, object]] = []
        for clip in clips:
            try:
                rows += summarise(clip, model)
            except samtrack.SamtrackError as e:
                print(f"wildlife_batch: {clip.name}: {e}", file=sys.stderr)
                failed += 1
    out = open(args.out, "w", newline="") if args.out else sys.stdout  # noqa: SIM115
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: f"{v:.2f}" if isinstance(v, float) else v for k, v in row.items()})
    if out is not sys.stdout:
        out.close()
    print(f"{len(clips) - failed} clips, {len(rows)} tracks", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
