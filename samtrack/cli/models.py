"""``samtrack models``: the registry, and which weights are on this machine."""

from __future__ import annotations

import argparse


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    models = sub.add_parser("models", help="list the known models and which are cached")
    models.set_defaults(run=run)


def _format_size(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.0f} GiB" if value >= 100 else f"{value:.1f} GiB"


def run(args: argparse.Namespace) -> int:
    from samtrack.models.registry import REGISTRY, cache_dir, is_cached, local_path

    rows = [("NAME", "SIZE", "CACHED", "DESCRIPTION")]
    for name, info in REGISTRY.items():
        path = local_path(name)
        size = info.size
        if size is None and path.is_file():
            size = path.stat().st_size
        if info.bundled:
            where = f"bundled: {path}" if path.is_file() else "bundled, but missing!"
        else:
            where = str(path) if is_cached(name) else "no"
        rows.append((name, _format_size(size), where, info.description))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    print(f"\ndownloads go to {cache_dir()} (set SAMTRACK_HOME to change)")
    return 0
