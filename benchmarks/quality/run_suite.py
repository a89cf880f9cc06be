"""The scenario suite: every family of generated videos (samtrack.eval.scenarios), several
seeds each, tracked with the ground-truth oracle or with nano, scored by TrackEval.

    python benchmarks/quality/run_suite.py --segmenter oracle --seeds 3 --ablations
    python benchmarks/quality/run_suite.py --segmenter nano --seeds 3

Prints one Markdown table per run (metrics per family, and with --ablations the HOTA of
every ablation per family; with --reference, what exact prompts and ids would score with
the segmenter's answers), ready for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from samtrack.eval.metrics import score
from samtrack.eval.scenarios import DEFAULT_ORACLE, FAMILIES, OCCLUSION, perfect_association, run_scenario
from samtrack.tracking.tracker import TrackerConfig

ABLATIONS: dict[str, dict] = {
    "default": {},
    "no Kalman": {"use_kalman": False},
    "no mask logits": {"use_logits": False},
    "3 point prompts": {"positive_points": 3},
    "box-IoU association": {"associate_by": "box"},
    "discover every 1": {"discover_every": 1},
    "every 5": {"discover_every": 5},
    "every 15": {"discover_every": 15},
    "no appearance search": {"search_frames": 0},
    "no discovery on change": {"discover_on_change": False},
}


def segmenter_factory(name: str, dtype: str = "float32", image_size: int | None = None):
    if name == "oracle":
        return lambda: None
    from samtrack.models.registry import load_predictor

    seg = load_predictor(name, device="cpu", dtype=dtype, image_size=image_size)
    return lambda: seg


def run(families, seeds, config, make_segmenter, oracle_options=None):
    """Metrics per family and per group of families."""
    return scored(families, seeds, lambda spec: run_scenario(spec, config, make_segmenter(),
                                                             oracle_options=oracle_options))


def scored(families, seeds, sequence):
    """Metrics per family and group; ``sequence(spec)`` -> the video's accumulated metrics."""
    rows, accs_all = {}, {"all": [], "no occlusion": [], "occlusion": []}
    for fam in families:
        accs = [sequence(FAMILIES[fam](s)) for s in range(seeds)]
        rows[fam] = score(accs, j_and_f=False)
        accs_all["all"] += accs
        accs_all["occlusion" if fam in OCCLUSION else "no occlusion"] += accs
        print(f"  {fam}: HOTA {100 * rows[fam]['HOTA']:.1f}", file=sys.stderr, flush=True)
    for group, accs in accs_all.items():
        if accs:
            rows[f"**{group}**"] = score(accs, j_and_f=False)
    return rows


def table(rows, columns=("HOTA", "DetA", "AssA", "IDF1", "MOTA", "IDSW")) -> str:
    out = ["| family | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, r in rows.items():
        cells = [f"{r[c]:d}" if isinstance(r[c], int) else f"{100 * r[c]:.1f}" for c in columns]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _field(item: str) -> tuple[str, object]:
    name, _, text = item.partition("=")
    default = getattr(TrackerConfig(), name)
    if isinstance(default, bool):
        return name, text.lower() in ("1", "true", "yes", "on")
    return name, type(default)(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segmenter", default="oracle", help="oracle (default) or a model name (nano ...)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=None,
                        help="the segmenter's encoder input side (default: its own)")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"),
                        help="the segmenter's encoder precision (default float32)")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--ablations", action="store_true", help="also run every ablation (HOTA table)")
    parser.add_argument("--reference", action="store_true",
                        help="also score exact box prompts and true ids with the segmenter's answers (what it allows)")
    parser.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="change TrackerConfig fields for every run (e.g. use_kalman=false)")
    parser.add_argument("--oracle-noise", type=int, default=DEFAULT_ORACLE["boundary_noise"],
                        help="the oracle's boundary noise in pixels (default %(default)s)")
    parser.add_argument("--oracle-miss", type=float, default=DEFAULT_ORACLE["miss_rate"],
                        help="the share of the oracle's answers that miss (default %(default)s)")
    args = parser.parse_args()
    oracle = {"boundary_noise": args.oracle_noise, "miss_rate": args.oracle_miss}
    base_config = dataclasses.replace(TrackerConfig(), **dict(_field(item) for item in args.set))
    make = segmenter_factory(args.segmenter, args.dtype, args.image_size)
    t = time.perf_counter()
    print(f"segmenter {args.segmenter}, seeds 0-{args.seeds - 1}, {len(args.families)} families\n")
    if args.set:
        print(f"config changes: {', '.join(args.set)}\n")
    if args.segmenter == "oracle" and oracle != DEFAULT_ORACLE:
        print(f"oracle: {oracle}\n")
    base = run(args.families, args.seeds, base_config, make, oracle)
    print(table(base))
    if args.reference:
        print(f"\nperfect prompts and association with the {args.segmenter}'s answers\n")
        print(table(scored(args.families, args.seeds,
                           lambda spec: perfect_association(spec, make(), oracle_options=oracle))))
    if args.ablations:
        hota = {name: {"default": r["HOTA"]} for name, r in base.items()}
        for ablation, change in list(ABLATIONS.items())[1:]:
            print(f"ablation: {ablation}", file=sys.stderr, flush=True)
            rows = run(args.families, args.seeds, dataclasses.replace(base_config, **change), make, oracle)
            for name, r in rows.items():
                hota[name][ablation] = r["HOTA"]
        print("\nHOTA per ablation\n")
        print(table(hota, tuple(ABLATIONS)))
    print(f"\n{time.perf_counter() - t:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
