"""``samtrack segment IMAGE``: masks for box or point prompts (or everything) on one image.

Writes --out, an index PNG (0 = background, k = object k: in prompt order, or for
``--everything`` from the largest mask to the smallest; where masks overlap the later one
wins), and ``<out stem>_overlay.png``, both or neither.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from samtrack.errors import SamtrackError

from . import common


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seg = sub.add_parser(
        "segment",
        help="segment objects in one image",
        description="Segment objects in IMAGE from box or point prompts, or everything. "
        "Writes --out (index PNG: 0 background, k = object k) and <out stem>_overlay.png.",
    )
    seg.add_argument("image", metavar="IMAGE", help="image file (PNG, JPEG, ...)")
    what = seg.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--box",
        type=common.box,
        action="append",
        metavar="x1,y1,x2,y2",
        help="one object per box, pixels, right/bottom exclusive; repeat for more objects",
    )
    what.add_argument(
        "--point",
        type=common.point,
        action="append",
        metavar="x,y",
        help="a point on the object; all points (and --negative) prompt ONE object",
    )
    what.add_argument(
        "--everything", action="store_true", help="find every object (grid of points)"
    )
    seg.add_argument(
        "--negative",
        type=common.point,
        action="append",
        metavar="x,y",
        help="a point NOT on the object (with --point)",
    )
    common.add_model_flags(seg)
    seg.add_argument("--out", required=True, metavar="MASK.png", help="the mask PNG to write")
    common.add_overwrite_flag(seg)
    common.add_generator_flags(seg)
    seg.set_defaults(run=run)


def _areas(masks) -> np.ndarray:  # type: ignore[no-untyped-def]
    return masks.masks.sum(axis=(1, 2))  # (Masks.areas fails on an empty batch)


def run(args: argparse.Namespace) -> int:
    from samtrack.io.atomic import write_files
    from samtrack.io.images import encode_png, index_mask, read_image
    from samtrack.io.outdir import check_outputs
    from samtrack.io.prompts import check_prompts_in_frame
    from samtrack.models.registry import load_predictor
    from samtrack.render import render_masks
    from samtrack.types import Prompt

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise SamtrackError(f"--out must name a .png file, not {out}")
    if out.is_dir():
        raise SamtrackError(f"--out {out} is a folder; name a .png file")
    overlay_path = out.with_name(out.stem + "_overlay.png")
    if args.negative and not args.point:
        raise SamtrackError("--negative needs at least one --point (the object to segment)")
    check_outputs([out, overlay_path], [args.image], overwrite=args.overwrite)
    source = common.model_source(args)
    image = read_image(args.image)
    height, width = image.shape[:2]
    prompts: list[Prompt] = []
    points = labels = None
    if args.box:
        prompts = [Prompt(box=b) for b in args.box]
    elif args.point:
        points = np.array(args.point + (args.negative or []), dtype=np.float32)
        labels = np.array([1] * len(args.point) + [0] * len(args.negative or []))
        prompts = [Prompt(points=points, labels=labels)]
    check_prompts_in_frame({-1: prompts}, height, width)

    predictor = load_predictor(source, device=args.device, dtype=args.dtype, image_size=args.image_size)
    embedding = predictor.embed(image)
    if args.everything:
        masks = predictor.segment_everything(embedding, **common.generator_options(args))
        masks = masks[np.argsort(-_areas(masks), kind="stable")]  # small ones drawn last
    else:
        masks = predictor.segment(embedding, prompts)
    overlay = render_masks(image, masks.masks, points, labels)
    write_files({out: encode_png(index_mask(masks.masks)), overlay_path: encode_png(overlay)})
    plural = "" if len(masks) == 1 else "s"
    print(f"wrote {out} ({len(masks)} object{plural}; 0 = background, k = object k)")
    print(f"wrote {overlay_path}")
    for k, (score, area, b) in enumerate(zip(masks.scores, _areas(masks), masks.boxes), start=1):
        print(f"  {k}: score {score:.3f}, area {int(area)} px, box {common.show(b)}")
    return 0
