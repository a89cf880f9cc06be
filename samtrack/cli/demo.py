"""``samtrack demo``: a generated video tracked by the bundled nano model, and scored."""

from __future__ import annotations

import argparse

from . import common


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo",
        help="track a synthetic video with the bundled nano model",
        description="Generate a synthetic video with ground truth, track it with nano, write "
        "every output format (replacing the demo's own earlier files) and print the mean "
        "mask IoU and identity switches.",
    )
    demo.add_argument(
        "--out", default="samtrack-demo", metavar="DIR", help="(default: ./samtrack-demo)"
    )
    demo.add_argument("--seed", type=int, default=0, help="video seed (default: 0)")
    demo.add_argument(
        "--frames", type=common.positive_int, default=60, help="video length (default: 60)"
    )
    common.add_device_flag(demo)
    common.add_quiet_flag(demo)
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from samtrack.eval.demo import run_demo

    result = run_demo(
        args.out, seed=args.seed, frames=args.frames, device=args.device, progress=not args.quiet
    )
    print(
        f"samtrack demo: synthetic video (seed {result.seed}, {result.frames} frames, "
        f"{result.objects} objects), model nano"
    )
    print(
        f"  tracked {result.frames} frames in {result.seconds:.1f} s ({result.fps:.1f} fps): "
        f"{result.tracks} tracks; mean mask IoU {result.mean_iou:.3f}, "
        f"{result.id_switches} identity switches against the ground truth"
    )
    print(f"wrote {result.video}")
    print(f"wrote {result.ground_truth} (ground truth)")
    for path in result.files:
        print(f"wrote {path}")
    return 0
