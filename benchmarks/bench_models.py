"""Encoder and decoder timings of samtrack's SAM models, with the official release as
the baseline in the same process when it is importable.

    python benchmarks/bench_models.py [--models sam_vit_b mobile_sam ...] [--repeats 3]

Random weights (timing does not depend on them). CPU, torch.set_num_threads(2) unless
--threads. Prints a Markdown table: medians in seconds / milliseconds, and the ratio
samtrack / official where the official package is installed (segment_anything for
ViT-B/L/H, mobile_sam for MobileSAM).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from samtrack.models.build import PRESETS, build_sam
from samtrack.models.predictor import Predictor
from samtrack.types import Prompt

OFFICIAL = {
    "sam_vit_b": ("segment_anything", "vit_b"),
    "sam_vit_l": ("segment_anything", "vit_l"),
    "sam_vit_h": ("segment_anything", "vit_h"),
    "mobile_sam": ("mobile_sam", "vit_t"),
}


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def official_model(name: str):
    package, key = OFFICIAL[name]
    try:
        module = __import__(package)
    except ImportError:
        return None
    return module.sam_model_registry[key](checkpoint=None).eval()


def bench(name: str, repeats: int, image: np.ndarray, boxes: np.ndarray) -> dict[str, float]:
    torch.manual_seed(0)
    predictor = Predictor(build_sam(PRESETS[name]), device="cpu")
    x = predictor.model.preprocess(predictor.resize(image)[None])
    row: dict[str, float] = {}
    with torch.inference_mode():
        row["encoder fp32 (s)"] = median_time(lambda: predictor.model.image_encoder(x), repeats)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            row["encoder bf16 (s)"] = median_time(lambda: predictor.model.image_encoder(x), repeats)
    emb = predictor.embed(image)
    prompts = [Prompt(box=b) for b in boxes]
    row["decode 1 box (ms)"] = 1e3 * median_time(lambda: predictor.decode(emb, prompts[:1]), repeats)
    row["decode 16 boxes, one batch (ms)"] = 1e3 * median_time(
        lambda: predictor.decode(emb, prompts), repeats
    )
    row["decode 16 boxes, looped (ms)"] = 1e3 * median_time(
        lambda: [predictor.decode(emb, [p]) for p in prompts], repeats
    )
    official = official_model(name)
    if official is not None:
        with torch.inference_mode():
            t = median_time(lambda: official.image_encoder(x), repeats)
            row["official encoder fp32 (s)"] = t
            row["encoder ratio samtrack/official"] = row["encoder fp32 (s)"] / t
            pe = official.prompt_encoder
            scaled = torch.from_numpy(boxes * (1024 / image.shape[1])).float()

            def official_decode():
                sparse, dense = pe(points=None, boxes=scaled, masks=None)
                return official.mask_decoder(emb.features, pe.get_dense_pe(), sparse, dense, False)

            t = median_time(official_decode, repeats)
            row["official decode 16 boxes (ms)"] = 1e3 * t
            row["decode ratio samtrack/official"] = row["decode 16 boxes, one batch (ms)"] / (1e3 * t)
        del official
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(PRESETS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (576, 1024, 3), dtype=np.uint8)
    xy = rng.uniform(0, 800, (16, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(30, 200, (16, 2))], axis=1).astype(np.float32)
    rows = {name: bench(name, args.repeats, image, boxes) for name in args.models}
    columns = list(dict.fromkeys(k for r in rows.values() for k in r))
    print(f"torch {torch.__version__}, {args.threads} threads, frame 1024x576, median of {args.repeats}")
    print("| model | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, r in rows.items():
        cells = [f"{r[c]:.3g}" if c in r else "-" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
