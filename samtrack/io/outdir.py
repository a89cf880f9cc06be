"""An output folder that one run owns at a time, and the rules that keep results safe.

- :func:`locked`: a run holds an exclusive lock on ``<folder>/.samtrack.lock`` while it
  writes; a second run into the same folder fails at once with one line (the lock is an
  ``flock``, so a run that was killed never leaves a stale one). Re-entrant in a process.
- :func:`check_outputs`: refuse to write over an input, and over earlier results
  (final or ``.partial`` files) unless ``overwrite``.
- :func:`stale_files`: the outputs of earlier runs with the same stem (every known format,
  final and ``.partial``) that ``overwrite`` removes once the new results are in place;
  :func:`remove_output` removes one (a file, or a folder of crops).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from samtrack.errors import SamtrackError
from samtrack.io.base import partial_path

__all__ = ["LOCK_NAME", "check_outputs", "locked", "remove_output", "stale_files"]

LOCK_NAME = ".samtrack.lock"

_held: dict[str, int] = {}  # folder (real path) -> how many holders in this process


@contextlib.contextmanager
def locked(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Create ``folder`` if needed and hold its lock for the block; on leaving, the lock
    file (and the folder, if this created it and it is empty) are removed."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SamtrackError(f"--out {folder} exists and is not a folder")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SamtrackError(f"cannot create folder {folder}: {e.strerror}") from None
    key = os.path.realpath(folder)
    if key in _held:  # this process holds it already (e.g. the demo around its run)
        _held[key] += 1
        try:
            yield folder
        finally:
            _held[key] -= 1
        return
    path = folder / LOCK_NAME
    fd = _acquire(path, folder)
    _held[key] = 1
    try:
        yield folder
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # closing releases the lock
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: a run that wrote nothing leaves nothing


def _acquire(path: Path, folder: Path) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise SamtrackError(f"cannot write in {folder}: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (process {owner})" if owner.isdigit() else ""
            raise SamtrackError(
                f"another samtrack run{who} is writing to {folder}; wait for it to finish "
                "or choose another --out"
            ) from None
        # The holder before us may have removed the file between our open and our lock:
        # then we locked a file nobody else will see, so try again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(
    outputs: Iterable[Path],
    inputs: Iterable[str | os.PathLike[str] | None],
    *,
    overwrite: bool = False,
) -> None:
    """SamtrackError when an output (or its ``.partial``) is one of the ``inputs``, or,
    unless ``overwrite``, when one already exists (earlier results)."""
    outputs = list(outputs)
    files = [Path(p) for p in inputs if p is not None and Path(p).is_file()]
    for out in outputs:
        for candidate in (out, partial_path(out)):
            for given in files:
                if _same_file(candidate, given):
                    raise SamtrackError(
                        f"the output {candidate} would replace the input {given}; "
                        "choose another --out"
                    )
    if overwrite:
        return
    existing = [p for out in outputs for p in (out, partial_path(out)) if p.exists()]
    if existing:
        names = ", ".join(p.name for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise SamtrackError(
            f"{existing[0].parent} already holds results of an earlier run ({names}); "
            "pass --overwrite to replace them, or choose another --out"
        )


def stale_files(folder: Path, patterns: Iterable[str], stem: str, keep: Iterable[Path]) -> list[Path]:
    """Outputs of earlier runs (files, or folders such as ``{stem}_crops``) named after
    ``stem`` by any of ``patterns`` (``{stem}...``), final or ``.partial``, that are not in
    ``keep``."""
    kept = {Path(p).resolve() for p in keep}
    found = []
    for pattern in patterns:
        path = folder / pattern.format(stem=stem)
        for candidate in (path, partial_path(path)):
            if candidate.exists() and candidate.resolve() not in kept:
                found.append(candidate)
    return found


def remove_output(path: Path) -> bool:
    """Remove one output: a file, or a folder only if it holds nothing but crops (one that
    holds anything else is not ours to delete, and stays); whether it is gone."""
    if path.is_dir():
        from samtrack.io.crops import remove_crops_folder

        return remove_crops_folder(path)
    path.unlink(missing_ok=True)
    return True
