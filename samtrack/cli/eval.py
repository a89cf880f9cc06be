"""``samtrack eval PRED GT``: HOTA, IDF1, MOTA, ID switches and J&F."""

from __future__ import annotations

import argparse
import json
import os


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ev = sub.add_parser(
        "eval",
        help="score tracking results against ground truth (HOTA, IDF1, MOTA, J&F)",
        description="Score PRED against GT. Each is a samtrack JSONL, a MOTS txt, a MOT txt "
        "(boxes; MOTChallenge ground truth keeps consider-flag 1, class 1) or a DAVIS folder "
        "of PNG masks. Masks are compared when both have them, boxes otherwise.",
    )
    ev.add_argument("pred", metavar="PRED", help="tracking results")
    ev.add_argument("gt", metavar="GT", help="ground truth")
    ev.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    ev.add_argument("--no-j-and-f", action="store_true", help="skip J&F (slow on long videos)")
    ev.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from samtrack.eval.metrics import evaluate_files, format_table

    result = evaluate_files(args.pred, args.gt, j_and_f=False if args.no_j_and_f else None)
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table({os.path.basename(os.path.normpath(args.pred)): result}))
    return 0
