"""Peak memory of segmenting one frame against the number of box prompts.

    python benchmarks/memory/many_prompts.py [--counts 1 100 1000] [--model nano] [--chunk 64]
    python benchmarks/memory/many_prompts.py --whole-run [--counts 1 1000]

A 1280x720 synthetic frame is generated once; then, for each N, a fresh process loads the
model, runs ``predictor.embed`` and ``predictor.segment`` with N random box prompts on
the CPU and reports its peak resident memory (``VmHWM`` of ``/proc/self/status``, else
``ru_maxrss``). The table gives each peak and its difference to the first N. The boolean
full-size masks that ``segment`` returns (N x 720 x 1280 bytes) are listed apart: they
are the part of the peak that cannot be avoided.

``--whole-run``: the whole command instead, ``samtrack track`` on a three-frame 1280x720
video of that frame with N boxes on its first frame (a prompts file), discovery off,
every default output, in a fresh process per N; its peak RSS and wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HEIGHT, WIDTH = 720, 1280

CHILD = """
import json, resource, sys, time
import numpy as np
import torch
from samtrack.models.registry import load_predictor
from samtrack.types import Prompt

frame, n, model, chunk, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
if threads:
    torch.set_num_threads(threads)
image = np.load(frame)
h, w = image.shape[:2]
rng = np.random.default_rng(n)
x1 = rng.uniform(0, w - 40, n)
y1 = rng.uniform(0, h - 40, n)
bw = rng.uniform(20, 400, n)
bh = rng.uniform(20, 300, n)
boxes = np.stack([x1, y1, np.minimum(x1 + bw, w), np.minimum(y1 + bh, h)], axis=1)
prompts = [Prompt(box=b, track_id=i) for i, b in enumerate(boxes)]
predictor = load_predictor(model, device="cpu", progress=False)
if chunk:
    predictor.prompt_chunk = chunk

def peak_mib():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = peak_mib()
t = time.perf_counter()
embedding = predictor.embed(image)
t_embed = time.perf_counter() - t
t = time.perf_counter()
masks = predictor.segment(embedding, prompts)
t_segment = time.perf_counter() - t
assert len(masks) == n and masks.masks.shape == (n, h, w)
print(json.dumps({
    "n": n,
    "chunk": getattr(predictor, "prompt_chunk", None),
    "peak_mib": peak_mib(),
    "loaded_mib": before,
    "masks_mib": masks.masks.nbytes / 2**20,
    "kept_mib": sum(a.nbytes for a in (masks.masks, masks.boxes, masks.scores, masks.logits)) / 2**20,
    "embed_s": t_embed,
    "segment_s": t_segment,
}))
"""

WHOLE_CHILD = """
import json, resource, sys, time
from samtrack.cli import main
video, prompts, out, n, model = sys.argv[1:6]
t = time.perf_counter()
code = main(["track", video, "--prompts", prompts, "--model", model, "--max-objects", n,
             "--discover-every", "0", "--out", out, "--quiet"])
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024
print(json.dumps({"n": int(n), "code": code, "peak_mib": peak, "seconds": seconds}))
"""


def whole_runs(image, counts: list[int], model: str) -> None:  # type: ignore[no-untyped-def]
    import av
    import numpy as np

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "frames.mp4"
        with av.open(str(video), "w") as container:
            stream = container.add_stream("libx264", rate=25)
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            for _ in range(3):
                container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            container.mux(stream.encode())
        for n in counts:
            rng = np.random.default_rng(n)
            x1, y1 = rng.uniform(0, WIDTH - 40, n), rng.uniform(0, HEIGHT - 40, n)
            x2 = np.minimum(x1 + rng.uniform(20, 400, n), WIDTH)
            y2 = np.minimum(y1 + rng.uniform(20, 300, n), HEIGHT)
            prompts = Path(tmp) / f"prompts{n}.json"
            prompts.write_text(json.dumps({"0": [{"box": [float(v) for v in b]}
                                                 for b in zip(x1, y1, x2, y2)]}))
            out = subprocess.run(
                [sys.executable, "-c", WHOLE_CHILD, str(video), str(prompts), str(Path(tmp) / f"out{n}"),
                 str(n), model],
                check=True, capture_output=True, text=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"`python benchmarks/memory/many_prompts.py {' '.join(sys.argv[1:])}`\n")
    print(f"samtrack track, model {model}, three {WIDTH}x{HEIGHT} frames, N boxes on the first, "
          "discovery off, every default output\n")
    print("| N | exit | peak RSS (MiB) | vs first N (MiB) | wall (s) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['code']} | {r['peak_mib']:.0f} | {r['peak_mib'] - rows[0]['peak_mib']:+.0f} "
              f"| {r['seconds']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 100, 1000],
                        help="numbers of box prompts, one fresh process each")
    parser.add_argument("--model", default="nano", help="registry name or checkpoint path")
    parser.add_argument("--chunk", type=int, default=0,
                        help="prompts per decoder call (default 0: the predictor's own)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--whole-run", action="store_true",
                        help="measure the samtrack track command instead of the predictor")
    args = parser.parse_args()
    import numpy as np

    from samtrack.eval.synthetic import SceneConfig, random_scene

    scene = random_scene(np.random.default_rng(0), SceneConfig(height=HEIGHT, width=WIDTH, n_objects=(8, 8)))
    if args.whole_run:
        whole_runs(scene.image, args.counts, args.model)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        frame = Path(tmp) / "frame.npy"
        np.save(frame, scene.image)
        for n in args.counts:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(frame), str(n), args.model, str(args.chunk),
                 str(args.threads)],
                check=True, capture_output=True, text=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    command = "python benchmarks/memory/many_prompts.py " + " ".join(sys.argv[1:])
    print(f"`{command.strip()}`\n")
    chunk = rows[-1]["chunk"]
    print(f"model {args.model}, one {WIDTH}x{HEIGHT} frame, N random box prompts, CPU, "
          f"{'one decoder call for all prompts' if chunk is None else f'{chunk} prompts per decoder call'}\n")
    print("| N | peak RSS (MiB) | vs first N (MiB) | ratio | bool masks (MiB) | all outputs (MiB) "
          "| peak - outputs - first (MiB) | segment (s) |")
    print("|---|---|---|---|---|---|---|---|")
    first = rows[0]
    for r in rows:
        extra = r["peak_mib"] - r["kept_mib"] - (first["peak_mib"] - first["kept_mib"])
        print(f"| {r['n']} | {r['peak_mib']:.0f} | {r['peak_mib'] - first['peak_mib']:+.0f} "
              f"| {r['peak_mib'] / first['peak_mib']:.2f} | {r['masks_mib']:.0f} | {r['kept_mib']:.0f} "
              f"| {extra:+.0f} | {r['segment_s']:.2f} |")


if __name__ == "__main__":
    main()
