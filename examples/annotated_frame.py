"""Draw a door line and a bench zone over tracked objects, and save one annotated frame.

    python examples/annotated_frame.py [OUT.png] [--frame N]

Tracks a generated clip (objects entering on the left and leaving on the right) with the bundled
nano model, counting crossings of a vertical line and watching a zone, and saves frame N
of the annotated video as a PNG, scaled up 2x: the masks, ids and trails, the line with its
in/out counts and the zone with how many are inside. This is how README.md's picture is
made.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import av
import cv2
import numpy as np

import samtrack


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="annotated.png", help="the PNG to write")
    parser.add_argument("--frame", type=int, default=55, help="which frame (default: 55)")
    args = parser.parse_args(argv)

    from samtrack.eval.scenarios import entries_exits

    spec = entries_exits(seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = folder / "yard.mp4"
        spec.write(video)
        _, truth = next(iter(spec.frames()))
        prompts = [samtrack.Prompt(box=b) for b in samtrack.mask_to_box_xyxy(truth.masks)]
        w, h = spec.width, spec.height
        config = {
            "lines": [{"name": "door", "points": [[w * 0.5, h * 0.05], [w * 0.5, h * 0.95]]}],
            "zones": [{"name": "bench", "polygon": [[8, 8], [w * 0.35, 8], [w * 0.35, h * 0.45], [8, h * 0.45]]}],
        }
        (folder / "yard.json").write_text(json.dumps(config))
        samtrack.track_to_files(
            video, folder / "out", ["video"], model="nano", prompts={0: prompts},
            analytics=folder / "yard.json", progress=False,
        )
        with av.open(str(folder / "out" / "yard_annotated.mp4")) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index == args.frame:
                    image = frame.to_ndarray(format="rgb24")
                    break
            else:
                print(f"the clip has fewer than {args.frame + 1} frames", file=sys.stderr)
                return 2
    big = cv2.resize(image, (image.shape[1] * 2, image.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    ok, png = cv2.imencode(".png", np.ascontiguousarray(big[:, :, ::-1]))
    Path(args.out).write_bytes(png.tobytes())
    print(f"wrote {args.out} (frame {args.frame}, {big.shape[1]}x{big.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
