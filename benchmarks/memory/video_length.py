"""Peak memory of a whole tracking run against the video's length.

    python benchmarks/memory/video_length.py [--frames 300 3000] [--model nano] [--discover-every 30]

For each length, a synthetic video (several objects bouncing around, 256x192) is written
to mp4, then a fresh process runs `samtrack.track_to_files` on it with every output
format (JSONL, MOTS, MOT, CSV, annotated video) and reports its peak RSS
(``ru_maxrss``). Streaming means the peak must not grow with the length.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from samtrack.pipeline import track_to_files
video, out, model, every = sys.argv[1:5]
t = time.perf_counter()
s = track_to_files(video, out, ["jsonl", "mots", "mot", "csv", "video"], model=model,
                   progress=False, discover_every=int(every))
print(json.dumps({"frames": s.frames, "tracks": s.tracks, "seconds": time.perf_counter() - t,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--model", default="nano")
    parser.add_argument("--discover-every", type=int, default=30,
                        help="discovery period (default 30; it dominates the run time)")
    args = parser.parse_args()
    from samtrack.eval.synthetic_video import RandomVideoConfig, random_video

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.frames:
            video = Path(tmp) / f"v{n}.mp4"
            random_video(7, RandomVideoConfig(n_frames=n, n_objects=(3, 3))).write_mp4(video)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(video), str(Path(tmp) / f"out{n}"), args.model,
                 str(args.discover_every)],
                check=True, capture_output=True, text=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"model {args.model}, 256x192, discovery every {args.discover_every} frames, all five output formats")
    print("| frames | tracks | seconds | fps | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['frames']} | {r['tracks']} | {r['seconds']:.1f} | {r['frames'] / r['seconds']:.1f} "
              f"| {r['peak_rss_mib']:.0f} |")
    if len(rows) > 1:
        print(f"\npeak RSS difference, longest - shortest: {rows[-1]['peak_rss_mib'] - rows[0]['peak_rss_mib']:+.1f} MiB")


if __name__ == "__main__":
    main()
