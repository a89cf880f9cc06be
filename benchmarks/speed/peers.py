"""samtrack against the official peer implementations, on the CPU, with random weights.

    python benchmarks/speed/peers.py setup [--venv PATH] [--dry-run]
    python benchmarks/speed/peers.py encoders [--models sam_vit_b mobile_sam] [--pairs 8]
    python benchmarks/speed/peers.py predictor [--objects 1 8 32] [--frames 5] [--video PATH]
    python benchmarks/speed/peers.py sam2-video [--frames 30] [--video PATH]
                                                [--dtype float32|bfloat16]
    python benchmarks/speed/peers.py all [--video PATH] [--dtype ...]  (the three above)

Every command but ``setup`` takes ``--venv PATH`` (default ~/.cache/samtrack/peers-venv)
and ``--threads N`` (default 2). The peers (segment-anything, MobileSAM, SAM 2) live in a
scratch venv that ``setup`` creates, never in the project's own environment: run from
anywhere else, the script re-executes itself with that venv's python. No weights are
downloaded: every model has random weights, which times the architecture, not quality.

encoders: the official image encoders (SAM ViT-B, MobileSAM's TinyViT) against samtrack's
with the same weights on the same input, fp32 and bf16 autocast, in interleaved pairs.
predictor: the official ``mobile_sam.SamPredictor`` (``set_image``, then one ``predict``
per box) against samtrack's ``Predictor`` (``embed``, then one batched ``segment``) with
the same weights on the same frames; per-frame and encoder-only medians, interleaved
after one warm-up frame, and the mask IoU between the two on the last frame.
sam2-video: SAM 2.1-tiny's video predictor with one box on frame 0 against samtrack's
``Tracker`` (mobile_sam) on the same JPEG frames: frames/s, RSS and its growth per frame.

Each measurement runs in a fresh child process (so one model's memory never counts
against another's peak) that prints one JSON line; this process prints Markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parents[2]
DEFAULT_VENV = Path.home() / ".cache" / "samtrack" / "peers-venv"
DEFAULT_VIDEO = REPO.parent / "shared" / "data" / "videos" / "01_dog.mp4"
PEERS = ("segment_anything", "mobile_sam", "sam2")
PEER_PACKAGES = [
    "segment-anything==1.0", "mobilesam-mirror==1.0.0", "timm==1.0.31", "sam2==1.1.0",
    "hydra-core", "iopath", "av", "opencv-python-headless", "scipy", "filterpy",
    "pycocotools", "tqdm", "numpy",
]
SAM2_CONFIG = "configs/sam2.1/sam2.1_hiera_t.yaml"
MARK = "PEERS-RESULT "  # the child's result line on its stdout
REEXEC = "SAMTRACK_PEERS_REEXEC"


# -- the child side: one measurement, models loaded here ---------------------------------------


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def machine() -> str:
    import platform

    import torch

    with open("/proc/cpuinfo") as info:  # Linux only, as /proc/self/status is
        names = [x.split(":", 1)[1].strip() for x in info if x.startswith("model name")]
    model = names[0] if names else platform.machine()
    return (f"machine: {model}, {os.cpu_count()} CPUs | torch {torch.__version__} | "
            f"threads {torch.get_num_threads()}")


def read_frames(video: str, count: int) -> list:
    """The first ``count`` frames (RGB arrays); a clip shorter than that is played forward,
    then backward, and so on (the motion stays continuous), to make up the count."""
    import av

    frames = []
    with av.open(video) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                return frames
    clip = list(frames)
    while len(frames) < count and len(clip) > 1:
        clip = clip[::-1]
        frames.extend(clip[1 : 1 + count - len(frames)])
    return frames


def make_boxes(n: int, width: int, height: int, seed: int = 0):
    """``n`` xyxy float32 boxes, 40-400 px a side, spread over the frame (seeded)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    size = rng.uniform(40, 400, (n, 2)).clip(max=[width, height])
    corner = rng.uniform(0, 1, (n, 2)) * ([width, height] - size)
    return np.concatenate([corner, corner + size], axis=1).astype(np.float32)


def mask_iou(a, b) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0  # two empty masks agree


def job_predictor(p: dict) -> dict:
    import numpy as np
    import torch
    from mobile_sam import SamPredictor, sam_model_registry

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor
    from samtrack.types import Prompt

    frames = read_frames(p["video"], p["frames"])
    torch.manual_seed(0)
    official = sam_model_registry["vit_t"](checkpoint=None).eval()
    model = build_sam(PRESETS["mobile_sam"])
    model.load_state_dict(official.state_dict())  # strict: the key names are the same
    theirs, ours = SamPredictor(official), Predictor(model, device="cpu")
    height, width = frames[0].shape[:2]
    rows = []
    for n in p["objects"]:
        boxes = make_boxes(n, width, height)

        def official_frame(image, boxes=boxes):
            start = time.perf_counter()
            theirs.set_image(image)
            encoded = time.perf_counter()
            masks = [theirs.predict(box=b, multimask_output=False)[0][0] for b in boxes]
            return encoded - start, time.perf_counter() - start, np.stack(masks)

        def samtrack_frame(image, boxes=boxes):
            start = time.perf_counter()
            embedding = ours.embed(image)
            encoded = time.perf_counter()
            masks = ours.segment(embedding, [Prompt(box=b) for b in boxes]).masks
            return encoded - start, time.perf_counter() - start, masks

        sides = {"official": official_frame, "samtrack": samtrack_frame}
        for run in sides.values():  # warm-up, untimed
            run(frames[0])
        times = {name: ([], []) for name in sides}
        last = {}
        for i, image in enumerate(frames):
            order = list(sides) if i % 2 == 0 else list(sides)[::-1]  # alternate who goes first
            for name in order:
                encoder, whole, last[name] = sides[name](image)
                times[name][0].append(encoder)
                times[name][1].append(whole)
        iou = [mask_iou(a, b) for a, b in zip(last["official"], last["samtrack"], strict=True)]
        row = {"objects": n, "iou": statistics.fmean(iou)}
        for name, (encoder, whole) in times.items():
            row[f"{name}_frame"] = statistics.median(whole)
            row[f"{name}_encoder"] = statistics.median(encoder)
        rows.append(row)
    return {"rows": rows, "frames": len(frames), "size": f"{width}x{height}"}


def job_encoders(p: dict) -> dict:
    """One model's encoder, official and samtrack's with the same weights, on the same
    input: interleaved pairs in fp32 and under bf16 autocast (order alternating)."""
    import torch

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor

    package, key = {"sam_vit_b": ("segment_anything", "vit_b"),
                    "mobile_sam": ("mobile_sam", "vit_t")}[p["model"]]
    registry = __import__(package).sam_model_registry
    torch.manual_seed(0)
    official = registry[key](checkpoint=None).eval()
    model = build_sam(PRESETS[p["model"]])
    model.load_state_dict(official.state_dict())
    ours = Predictor(model, device="cpu")  # the encoder as samtrack runs it (channels-last)
    image = read_frames(p["video"], 1)[0]
    x = ours.model.preprocess(ours.resize(image)[None])
    x_ours = x.contiguous(memory_format=ours.memory_format)
    rows = {}
    with torch.inference_mode():
        for dtype in ("float32", "bfloat16"):
            amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bfloat16")
            sides = {"official": lambda: official.image_encoder(x),
                     "samtrack": lambda: ours.model.image_encoder(x_ours)}
            with amp:
                outputs = {name: run().float() for name, run in sides.items()}  # warm-up
                times = {name: [] for name in sides}
                for i in range(p["pairs"]):
                    for name in (list(sides) if i % 2 == 0 else list(sides)[::-1]):
                        start = time.perf_counter()
                        sides[name]()
                        times[name].append(time.perf_counter() - start)
            ratios = [a / b for a, b in zip(times["samtrack"], times["official"], strict=True)]
            rows[dtype] = {"official": statistics.median(times["official"]),
                           "samtrack": statistics.median(times["samtrack"]),
                           "ratio": statistics.median(ratios),
                           "max_abs_diff": float((outputs["samtrack"] - outputs["official"]).abs().max()),
                           "scale": float(outputs["official"].abs().max())}
    return {"rows": rows, "pairs": p["pairs"]}


def job_sam2(p: dict) -> dict:
    import numpy as np
    import torch
    from sam2.build_sam import build_sam2_video_predictor

    torch.manual_seed(0)
    predictor = build_sam2_video_predictor(SAM2_CONFIG, ckpt_path=None, device="cpu")
    amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=p["dtype"] == "bfloat16")
    times, rss, found = [], [], 0
    with torch.inference_mode(), amp:
        start = time.perf_counter()
        state = predictor.init_state(video_path=p["folder"])  # also encodes frame 0
        init_s = time.perf_counter() - start
        rss_init = rss_mib()
        start = time.perf_counter()
        box = np.array(p["box"], dtype=np.float32)
        predictor.add_new_points_or_box(state, frame_idx=0, obj_id=1, box=box)
        prompt_s = time.perf_counter() - start
        start = time.perf_counter()
        for _, _, masks in predictor.propagate_in_video(state):
            times.append(time.perf_counter() - start)
            rss.append(rss_mib())
            found += bool((masks > 0).any())
            start = time.perf_counter()
    times[0] += prompt_s  # frame 0: the prompt, then its (cheap) propagation step
    return {"times": times, "rss": rss, "rss_init": rss_init, "peak": peak_mib(),
            "init_s": init_s, "found": found, "live": len(times)}


def job_samtrack_video(p: dict) -> dict:
    import numpy as np
    import torch
    from PIL import Image

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor
    from samtrack.tracking.tracker import Tracker, TrackerConfig
    from samtrack.types import Frame, Prompt

    torch.manual_seed(0)
    predictor = Predictor(build_sam(PRESETS["mobile_sam"]), device="cpu", dtype=p["dtype"])
    # max_age: with random weights the track is mostly lost, but it stays live (prompted and
    # decoded on every frame, as SAM 2 does) instead of ending after 30 frames
    start = time.perf_counter()
    tracker = Tracker(predictor, TrackerConfig(discover_every=0, max_age=p["frames"]))
    init_s = time.perf_counter() - start
    rss_init = rss_mib()
    times, rss, found, live = [], [], 0, 0
    box = np.array(p["box"], dtype=np.float32)
    for i, path in enumerate(sorted(Path(p["folder"]).glob("*.jpg"))):
        with Image.open(path) as jpeg:
            image = np.array(jpeg.convert("RGB"))  # reading the frame is not timed
        start = time.perf_counter()
        result = tracker.update(Frame(i, i / p["fps"], image), [Prompt(box=box)] if i == 0 else [])
        times.append(time.perf_counter() - start)
        rss.append(rss_mib())
        found += len(result.track_ids) > 0
        live += len(tracker.live_tracks) > 0
    return {"times": times, "rss": rss, "rss_init": rss_init, "peak": peak_mib(),
            "init_s": init_s, "found": found, "live": live}


JOBS = {"encoders": job_encoders, "predictor": job_predictor, "sam2": job_sam2, "samtrack-video": job_samtrack_video}


def child(job: str, params: dict) -> int:
    import warnings

    import torch

    # the noise of importing MobileSAM against a newer timm (other warnings still show)
    warnings.filterwarnings("ignore", category=FutureWarning, module="timm")
    warnings.filterwarnings("ignore", message="Overwriting tiny_vit")
    torch.set_num_threads(params["threads"])
    sys.path.insert(0, str(REPO))  # this checkout's samtrack, whatever the venv holds
    result = JOBS[job](params)
    result["machine"] = machine()
    print(MARK + json.dumps(result), flush=True)
    return 0


# -- the parent side: venv, children, tables ---------------------------------------------------


def run_child(job: str, params: dict, env: dict | None = None) -> dict:
    cmd = [sys.executable, str(SCRIPT), "--child", job, json.dumps(params)]
    proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, text=True,
                          env=None if env is None else {**os.environ, **env})
    lines = proc.stdout.splitlines()
    for line in lines:  # whatever the libraries printed goes to stderr, not into the tables
        if not line.startswith(MARK):
            print(line, file=sys.stderr)
    results = [line[len(MARK):] for line in lines if line.startswith(MARK)]
    if proc.returncode or not results:
        sys.exit(f"peers.py: the {job} measurement failed (exit {proc.returncode})")
    return json.loads(results[-1])


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def slope(ys: list[float]) -> float:
    """Least-squares slope of ``ys`` against 0, 1, 2, ... (0 for fewer than 2 points)."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx, my = (n - 1) / 2, statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sum((x - mx) ** 2 for x in range(n))


def cmd_predictor(args: argparse.Namespace) -> None:
    params = {"video": str(args.video), "frames": args.frames, "objects": args.objects,
              "threads": args.threads}
    result = run_child("predictor", params)
    rows = [[r["objects"], f"{r['official_frame']:.3f}", f"{r['samtrack_frame']:.3f}",
             f"{r['official_frame'] / r['samtrack_frame']:.2f}x",
             f"{r['official_encoder']:.3f}", f"{r['samtrack_encoder']:.3f}",
             f"{r['official_encoder'] / r['samtrack_encoder']:.2f}x", f"{r['iou']:.4f}"]
            for r in result["rows"]]
    print(f"\n### MobileSAM predictor: official vs samtrack ({result['frames']} frames of "
          f"{args.video.name}, {result['size']}, median s/frame, random weights)\n")
    print(table(["objects", "official s", "samtrack s", "official / samtrack",
                 "official encoder s", "samtrack encoder s", "encoder ratio",
                 "mask IoU (last frame)"], rows))
    print(f"\n{result['machine']}")
    worst = min(r["iou"] for r in result["rows"])
    if worst < 0.95:
        print(f"\nWARNING: mask IoU {worst:.3f} between identical weights: something differs "
              "(preprocessing, prompt encoding or postprocessing)")


def cmd_encoders(args: argparse.Namespace) -> None:
    rows, machine_line = [], ""
    for model in args.models:
        result = run_child("encoders", {"model": model, "video": str(args.video),
                                        "pairs": args.pairs, "threads": args.threads})
        machine_line = result["machine"]
        for dtype, r in result["rows"].items():
            rows.append([model, dtype, f"{r['official']:.3f}", f"{r['samtrack']:.3f}",
                         f"{r['ratio']:.2f}", f"{r['max_abs_diff']:.1e} (of {r['scale']:.1f})"])
    print(f"\n### Image encoders, same weights, one 1024x1024 input ({args.pairs} interleaved "
          "pairs, median seconds; ratio = median over pairs of samtrack / official)\n")
    print(table(["model", "dtype", "official s", "samtrack s", "samtrack / official",
                 "max |difference|"], rows))
    print(f"\n{machine_line}")


def video_row(name: str, r: dict) -> list:
    steady = r["times"][1:]  # frame 0 is the prompt frame
    fps = len(steady) / sum(steady) if steady else float("nan")
    median = statistics.median(steady) if steady else float("nan")
    r["fps"] = fps
    return [name, len(r["times"]), f"{fps:.3f}", f"{median:.3f}", f"{r['init_s']:.3f}",
            f"{r['times'][0]:.3f}", f"{r['rss_init']:.0f}", f"{r['rss'][-1]:.0f}",
            f"{r['peak']:.0f}", f"{slope(r['rss'][1:]):.2f}",
            f"{r['found']}/{r['live']}/{len(r['times'])}"]


def cmd_sam2_video(args: argparse.Namespace) -> None:
    import av
    from PIL import Image

    with av.open(str(args.video)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 30)
    with tempfile.TemporaryDirectory(prefix="peers-frames-") as folder:
        frames = read_frames(str(args.video), args.frames)  # SAM 2 reads JPEGs: not timed
        for i, image in enumerate(frames):
            Image.fromarray(image).save(Path(folder) / f"{i:05d}.jpg", quality=95)
        height, width = frames[0].shape[:2]
        box = [width * 3 / 8, height / 3, width * 5 / 8, height * 2 / 3]  # the middle
        params = {"folder": folder, "dtype": args.dtype, "threads": args.threads, "box": box,
                  "fps": fps, "frames": len(frames)}
        del frames
        # --peer-malloc keep: SAM 2 with the allocator settings samtrack's Predictor makes
        # in-process (keep_freed_memory), given to glibc through its environment variables
        keep_peer = args.peer_malloc == "keep"
        env = {"MALLOC_MMAP_THRESHOLD_": str(2**31 - 1), "MALLOC_TRIM_THRESHOLD_": str(2**31 - 1)}
        sam2 = run_child("sam2", params, env if keep_peer else None)
        ours = run_child("samtrack-video", params)
    peer = "SAM 2.1-tiny video predictor" + (" (malloc kept)" if keep_peer else "")
    rows = [video_row(peer, sam2),
            video_row("samtrack Tracker (mobile_sam)", ours)]
    print(f"\n### Video: SAM 2.1-tiny vs samtrack, one box on frame 0 ({len(sam2['times'])} "
          f"frames of {args.video.name}, {width}x{height}, {args.dtype}, random weights)\n")
    print(table(["", "frames", "frames/s", "median s/frame", "init s", "frame 0 (prompt) s",
                 "RSS after init MiB", "RSS end MiB", "peak RSS MiB", "growth MiB/frame",
                 "frames masked/tracked/all"], rows))
    print(f"\nframes/s samtrack / SAM 2.1: {ours['fps'] / sam2['fps']:.2f}x (frames/s and "
          "median over the frames after the first; init: SAM 2's init_state loads every "
          "frame and encodes frame 0, samtrack's is the Tracker's construction; growth: "
          "least-squares slope of RSS over those frames; masked: a non-empty mask shown, "
          "tracked: the object still prompted and decoded)")
    print(f"\n{ours['machine']}")


# -- the command line --------------------------------------------------------------------------


def setup(venv: Path, dry_run: bool) -> None:
    python = str(venv / "bin" / "python")
    steps = [
        ([sys.executable, "-m", "venv", str(venv)], {}),
        ([python, "-m", "pip", "install", "torch==2.14.1", "torchvision==0.29.1"], {}),
        ([python, "-m", "pip", "install", "--no-build-isolation", *PEER_PACKAGES],
         {"SAM2_BUILD_CUDA": "0"}),
        ([python, "-m", "pip", "install", "--no-deps", "-e", str(REPO)], {}),
    ]
    for cmd, env in steps:
        print("$", *(f"{k}={v}" for k, v in env.items()), *cmd, flush=True)
        if not dry_run:
            subprocess.run(cmd, check=True, env={**os.environ, **env})
    print(f"peers venv {'not created (dry run)' if dry_run else 'ready'}: {venv}")


def ensure_peers(venv: Path, argv: list[str]) -> None:
    """Return when the peers import here; else re-execute with ``venv``'s python."""
    if all(importlib.util.find_spec(name) for name in PEERS):
        return
    python = venv / "bin" / "python"
    if not python.exists() or os.environ.get(REEXEC):
        print(f"peers.py: no peers venv at {venv} (or the peers do not import there): run "
              f"`python {os.path.relpath(SCRIPT)} setup --venv {venv}` first", file=sys.stderr)
        sys.exit(2)
    print(f"peers.py: the peers are not installed here: re-running with {python}",
          file=sys.stderr, flush=True)
    os.execve(str(python), [str(python), str(SCRIPT), *argv], {**os.environ, REEXEC: "1"})


def parse(argv: list[str]) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                        help=f"the peers venv (default {DEFAULT_VENV})")
    measure = argparse.ArgumentParser(add_help=False, parents=[common])
    measure.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    measure.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    setup_parser = sub.add_parser("setup", parents=[common], help="create the peers venv")
    setup_parser.add_argument("--dry-run", action="store_true", help="print the steps only")
    enc = sub.add_parser("encoders", parents=[measure], help="image encoders, interleaved")
    enc.add_argument("--models", nargs="+", default=["sam_vit_b", "mobile_sam"],
                     choices=["sam_vit_b", "mobile_sam"])
    enc.add_argument("--pairs", type=int, default=8)
    pred = sub.add_parser("predictor", parents=[measure], help="MobileSAM predictor")
    pred.add_argument("--objects", type=int, nargs="+", default=[1, 8, 32])
    pred.add_argument("--frames", type=int, default=5)
    sam2 = argparse.ArgumentParser(add_help=False, parents=[measure])  # sam2-video's options
    sam2.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    sam2.add_argument("--peer-malloc", choices=["default", "keep"], default="default",
                      help="keep: run SAM 2 with the allocator settings samtrack makes for "
                           "itself (freed memory kept for reuse); default: as shipped")
    video = sub.add_parser("sam2-video", parents=[sam2], help="SAM 2.1 video predictor")
    video.add_argument("--frames", type=int, default=30)
    sub.add_parser("all", parents=[sam2], help="predictor, then sam2-video")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1], json.loads(argv[2]))
    args = parse(argv)
    if args.command == "setup":
        setup(args.venv.expanduser(), args.dry_run)
        return 0
    ensure_peers(args.venv.expanduser(), argv)
    if not args.video.is_file():
        print(f"peers.py: no video at {args.video}", file=sys.stderr)
        return 2
    if args.command in ("encoders", "all"):
        if args.command == "all":
            args.models, args.pairs = ["sam_vit_b", "mobile_sam"], 8
        cmd_encoders(args)
    if args.command in ("predictor", "all"):
        if args.command == "all":
            args.objects, args.frames = [1, 8, 32], 5
        cmd_predictor(args)
    if args.command in ("sam2-video", "all"):
        if args.command == "all":
            args.frames = 30
        cmd_sam2_video(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
