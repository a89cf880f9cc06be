"""Speed and accuracy options of samtrack's SAM models: precision, threads, input size.

    python benchmarks/speed/options.py speed [--models nano mobile_sam sam_vit_b ...] [--repeats 3]
    python benchmarks/speed/options.py accuracy [--objects 300]
    python benchmarks/speed/options.py sizes [--models ...] [--repeats 3] [--objects 300]
    python benchmarks/speed/options.py allocator [--models nano mobile_sam sam_vit_b] [--rounds 3]

speed: for every model size (random weights, except nano's bundled ones), the image
encoder (``Predictor.embed`` on a 1280x720 frame) in float32 and under bfloat16 autocast,
with 2 threads and with 1, and the decoder (``segment``, 8 boxes) per prompt; medians of
``--repeats`` after a warm-up, the variants interleaved, each model in a fresh process.
accuracy: nano (trained weights) on its held-out generated objects
(samtrack.models.nano.evaluate) in float32 and bfloat16, and the IoU of the bfloat16
masks against the float32 ones. The generated suite with nano in both precisions:
``python benchmarks/quality/run_suite.py --segmenter nano --seeds 2 [--dtype bfloat16]``.
sizes: the encoder's input side (``load_predictor(..., image_size=)``, ``--image-size``):
for every model its own side, 3/4 and 1/2 of it (nano: 256, 192, 128), the encoder and
the decoder (8 boxes, per prompt) on a 1280x720 frame, medians of ``--repeats``
interleaved; and nano's accuracy at each side on its held-out objects, with the IoU of
its box-prompt masks against those at its own side. The suite at a side:
``python benchmarks/quality/run_suite.py --segmenter nano --seeds 2 --image-size 192``.
allocator: the encoder and the decoder (8 boxes) with glibc's default malloc
(SAMTRACK_MALLOC=default) and with freed memory kept for reuse (samtrack's default on the
CPU, ``keep_freed_memory``); each side in fresh processes, alternating, ``--rounds`` each,
the median of their medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODELS = ["nano", "mobile_sam", "sam_vit_b", "sam_vit_l", "sam_vit_h"]


def child_speed(name: str, repeats: int, only: tuple[str, ...] = ()) -> dict:
    import numpy as np
    import torch

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor
    from samtrack.models.registry import load_predictor
    from samtrack.types import Prompt

    torch.manual_seed(0)
    if name == "nano":
        fp32 = load_predictor("nano", device="cpu", progress=False)
    else:
        fp32 = Predictor(build_sam(PRESETS[name]), device="cpu")
    bf16 = Predictor(fp32.model, device="cpu", dtype="bfloat16")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    corner = rng.uniform(0, 800, (8, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(40, 400, (8, 2))], 1).astype(np.float32)
    prompts = [Prompt(box=b) for b in boxes]
    embedding = fp32.embed(image)

    def with_threads(n, fn):
        def run():
            torch.set_num_threads(n)
            try:
                fn()
            finally:
                torch.set_num_threads(2)
        return run

    variants = {
        "encoder fp32": lambda: fp32.embed(image),
        "encoder bf16": lambda: bf16.embed(image),
        "encoder fp32, 1 thread": with_threads(1, lambda: fp32.embed(image)),
        "decoder fp32 (8 boxes)": lambda: fp32.segment(embedding, prompts),
    }
    variants = {k: v for k, v in variants.items() if not only or k in only}
    times: dict[str, list[float]] = {k: [] for k in variants}
    for fn in variants.values():
        fn()  # warm-up
    for _ in range(repeats):
        for key, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(v) for key, v in times.items()}


def child_accuracy(objects: int) -> dict:
    import numpy as np

    from samtrack.eval.synthetic import SceneConfig, random_scene
    from samtrack.models.nano.evaluate import EVAL_SEED, evaluate_sets
    from samtrack.models.registry import load_predictor
    from samtrack.types import Prompt, mask_to_box_xyxy

    fp32 = load_predictor("nano", device="cpu", progress=False)
    out = {dtype: evaluate_sets(fp32.model, n_objects=objects, dtype=dtype)
           for dtype in ("float32", "bfloat16")}
    bf16 = load_predictor("nano", device="cpu", dtype="bfloat16", progress=False)
    ious, i = [], 0
    while len(ious) < objects:  # the held-out scenes, box prompts: bf16 masks vs fp32 masks
        scene = random_scene(np.random.default_rng([EVAL_SEED, i]), SceneConfig())
        i += 1
        if len(scene.masks) == 0:
            continue
        prompts = [Prompt(box=b) for b in mask_to_box_xyxy(scene.masks)]
        a = fp32.segment(fp32.embed(scene.image), prompts).masks
        b = bf16.segment(bf16.embed(scene.image), prompts).masks
        union = (a | b).sum((1, 2))
        ious += list(np.where(union > 0, (a & b).sum((1, 2)) / np.maximum(union, 1), 1.0))
    out["bf16_vs_fp32_mask_iou"] = float(np.mean(ious[:objects]))
    return out


def child_sizes(name: str, repeats: int) -> dict:
    import numpy as np
    import torch

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor
    from samtrack.models.registry import load_model
    from samtrack.types import Prompt

    torch.manual_seed(0)
    model = load_model("nano", device="cpu", progress=False) if name == "nano" else build_sam(PRESETS[name])
    native = model.img_size
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    corner = rng.uniform(0, 800, (8, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(40, 400, (8, 2))], 1).astype(np.float32)
    prompts = [Prompt(box=b) for b in boxes]
    sizes = [native, native * 3 // 4, native // 2]
    times: dict[str, list[float]] = {f"{k} {s}": [] for s in sizes for k in ("encoder", "decoder")}
    for rep in range(repeats + 1):  # the first round warms up
        for size in sizes:
            predictor = Predictor(model, device="cpu", image_size=size)
            start = time.perf_counter()
            embedding = predictor.embed(image)
            encoder = time.perf_counter() - start
            start = time.perf_counter()
            predictor.segment(embedding, prompts)
            decoder = time.perf_counter() - start
            if rep:
                times[f"encoder {size}"].append(encoder)
                times[f"decoder {size}"].append(decoder)
    return {"sizes": sizes, **{key: statistics.median(v) for key, v in times.items()}}


def child_size_accuracy(objects: int) -> dict:
    import numpy as np

    from samtrack.eval.synthetic import SceneConfig, random_scene
    from samtrack.models.nano.evaluate import EVAL_SEED, evaluate_sets
    from samtrack.models.predictor import Predictor
    from samtrack.models.registry import load_model
    from samtrack.types import Prompt, mask_to_box_xyxy

    model = load_model("nano", device="cpu", progress=False)
    native = model.img_size
    scenes, count, i = [], 0, 0
    while count < objects:  # the held-out scenes with objects, box prompts
        scene = random_scene(np.random.default_rng([EVAL_SEED, i]), SceneConfig())
        i += 1
        if len(scene.masks):
            scenes.append((scene.image, [Prompt(box=b) for b in mask_to_box_xyxy(scene.masks)]))
            count += len(scene.masks)

    def masks_at(size: int) -> list:
        predictor = Predictor(model, device="cpu", image_size=size)
        return [np.asarray(predictor.segment(predictor.embed(image), prompts).masks) for image, prompts in scenes]

    own = masks_at(native)
    out = {}
    for size in (native, native * 3 // 4, native // 2):
        model.set_input_size(size)
        out[str(size)] = evaluate_sets(model, n_objects=objects)
        ious = []  # box-prompt masks against those at the model's own side
        for a, b in zip(own, masks_at(size)):
            union = (a | b).sum((1, 2))
            ious += list(np.where(union > 0, (a & b).sum((1, 2)) / np.maximum(union, 1), 1.0))
        out[str(size)]["vs_native_mask_iou"] = float(np.mean(ious[:objects]))
    return out


def run_child(*args: str, env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                          stdout=subprocess.PIPE, text=True, env=None if env is None else {**os.environ, **env})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        import torch

        torch.set_num_threads(2)
        kind, arg, *rest = sys.argv[2:]
        if kind == "speed":
            result = child_speed(arg, int(rest[0]))
        elif kind == "allocator":
            result = child_speed(arg, int(rest[0]), only=("encoder fp32", "decoder fp32 (8 boxes)"))
        elif kind == "sizes":
            result = child_sizes(arg, int(rest[0]))
        elif kind == "size-accuracy":
            result = child_size_accuracy(int(arg))
        else:
            result = child_accuracy(int(arg))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("speed")
    speed.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    speed.add_argument("--repeats", type=int, default=3)
    accuracy = sub.add_parser("accuracy")
    accuracy.add_argument("--objects", type=int, default=300)
    allocator = sub.add_parser("allocator")
    allocator.add_argument("--models", nargs="+", default=["nano", "mobile_sam", "sam_vit_b"], choices=MODELS)
    allocator.add_argument("--repeats", type=int, default=5)
    allocator.add_argument("--rounds", type=int, default=3)
    sizes = sub.add_parser("sizes")
    sizes.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    sizes.add_argument("--repeats", type=int, default=3)
    sizes.add_argument("--objects", type=int, default=300)
    args = parser.parse_args()
    if args.command == "sizes":
        print("| model | side | encoder s (x own side) | decoder ms / prompt (x own side) |\n|---|---|---|---|")
        for name in args.models:
            r = run_child("sizes", name, str(args.repeats))
            own = r["sizes"][0]
            for size in r["sizes"]:
                enc, dec = r[f"encoder {size}"], r[f"decoder {size}"]
                print(f"| {name} | {size} | {enc:.3f} ({enc / r[f'encoder {own}']:.2f}) | "
                      f"{dec / 8 * 1000:.1f} ({dec / r[f'decoder {own}']:.2f}) |", flush=True)
        r = run_child("size-accuracy", str(args.objects))
        keys = ["box_miou", "point_miou", "point_random_miou", "crowd_box_miou", "crowd_point_miou", "vs_native_mask_iou"]
        print("\n| nano side | " + " | ".join(keys) + " |\n" + "|---" * (len(keys) + 1) + "|")
        for size, m in r.items():
            print(f"| {size} | " + " | ".join(f"{m[k]:.4f}" for k in keys) + " |")
        return
    if args.command == "allocator":
        # the setting is once per process: each side is a fresh process, the sides alternate
        print("| model | encoder s: glibc default | freed memory kept (x default) | decoder ms / prompt: "
              "default | kept (x default) |\n|---|---|---|---|---|")
        for name in args.models:
            runs: dict[str, list[dict]] = {"default": [], "keep": []}
            for i in range(args.rounds):
                for side in (("default", "keep") if i % 2 == 0 else ("keep", "default")):
                    env = {"SAMTRACK_MALLOC": side}
                    runs[side].append(run_child("allocator", name, str(args.repeats), env=env))
            med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()}
            enc = [med[s]["encoder fp32"] for s in ("default", "keep")]
            dec = [med[s]["decoder fp32 (8 boxes)"] / 8 * 1000 for s in ("default", "keep")]
            print(f"| {name} | {enc[0]:.3f} | {enc[1]:.3f} ({enc[1] / enc[0]:.2f}) | {dec[0]:.1f} | "
                  f"{dec[1]:.1f} ({dec[1] / dec[0]:.2f}) |", flush=True)
        return
    if args.command == "speed":
        print("| model | encoder fp32 s | bf16 s (x fp32) | fp32 1 thread s (x 2 threads) | "
              "decoder ms / prompt |\n|---|---|---|---|---|")
        for name in args.models:
            r = run_child("speed", name, str(args.repeats))
            fp32 = r["encoder fp32"]
            print(f"| {name} | {fp32:.3f} | {r['encoder bf16']:.3f} ({r['encoder bf16'] / fp32:.2f}) | "
                  f"{r['encoder fp32, 1 thread']:.3f} ({r['encoder fp32, 1 thread'] / fp32:.2f}) | "
                  f"{r['decoder fp32 (8 boxes)'] / 8 * 1000:.1f} |", flush=True)
    else:
        r = run_child("accuracy", str(args.objects))
        keys = ["box_miou", "point_miou", "point_random_miou", "crowd_box_miou", "crowd_point_miou"]
        print("| nano, held-out objects | " + " | ".join(keys) + " |\n" + "|---" * (len(keys) + 1) + "|")
        for dtype in ("float32", "bfloat16"):
            print(f"| {dtype} | " + " | ".join(f"{r[dtype][k]:.4f}" for k in keys) + " |")
        print(f"\nbfloat16 masks against float32 masks, box prompts: mean IoU {r['bf16_vs_fp32_mask_iou']:.4f}")


if __name__ == "__main__":
    main()
