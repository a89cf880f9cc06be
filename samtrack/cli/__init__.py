"""The ``samtrack`` command: one module per subcommand, each thin over the Python API.

    samtrack models                      the registry, and which weights are on this machine
    samtrack segment IMAGE --box ...     masks for prompts (or --everything) on one image
    samtrack track INPUT [--box ...]     track objects through a video, stream or image folder
    samtrack demo                        a synthetic video tracked by the bundled nano model
    samtrack eval PRED GT                score results against ground truth

Bad input ends with one line on stderr, ``samtrack: error: ...``, exit code 2, and no
output file. Problems that do not stop a run are one ``samtrack: warning: ...`` line each.
SIGINT and SIGTERM finish the frame in flight, leave valid ``.partial`` files, say where
they are and exit with 130 and 143.
"""

from __future__ import annotations

import argparse
import signal
import sys
import warnings
from collections.abc import Sequence

from samtrack.errors import Interrupted, SamtrackError, SamtrackWarning

from . import common, demo, eval, models, segment, track
from .common import PROG

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = common.Parser(
        prog=PROG, description="Track and segment objects with Segment Anything models."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (models, segment, track, demo, eval):
        command.add(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
    if issubclass(category, SamtrackWarning):
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    else:
        _default_show(message, category, filename, lineno, file, line)


_default_show = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``samtrack`` command line; returns the exit code."""
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        warnings.simplefilter("always", SamtrackWarning)
        try:
            args = build_parser().parse_args(argv)
            if getattr(args, "threads", None):
                import torch

                torch.set_num_threads(args.threads)
            return int(args.run(args))
        except (common.UsageError, SamtrackError) as e:
            print(f"{PROG}: error: {e}", file=sys.stderr)
            return 2
        except OSError as e:  # e.g. an output folder that cannot be written
            print(f"{PROG}: error: {e}", file=sys.stderr)
            return 2
        except Interrupted as e:
            print(f"{PROG}: {e}", file=sys.stderr)
            return 128 + signal.Signals[e.signal_name].value
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted; no results were written", file=sys.stderr)
            return 130
        except SystemExit as e:  # --help
            return e.code if isinstance(e.code, int) else 0
