"""The package's one way to write a finished file: write beside it, then rename.

``atomic_path(path)`` yields a temporary path in the same folder (so ``os.replace`` is an
atomic rename on one filesystem); when the block ends without an error the temporary file
becomes ``path``, with the permissions a plain ``open()`` would have given it; on an error
(an interruption included) it is deleted and ``path`` is left as it was. ``write_files``
writes several files all or none. Streamed results (the sinks) write a ``.partial`` file
instead, kept when a run stops (see ``samtrack.io.base``), and finish with :func:`publish`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["atomic_path", "publish", "write_bytes", "write_files", "write_text"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Move a finished temporary file to ``path`` (atomic), readable as a plain file is."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def _temp_beside(path: Path) -> Path:
    """A new empty file beside ``path`` (parent folders created): ``.<stem>.XXXX.part<suffix>``,
    hidden, and writers that infer the format from the suffix (video containers) see it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".part" + path.suffix)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` (parent folders created) that replaces ``path``
    when the block succeeds and is removed when it fails."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write every file or none: all are written to temporary files first and renamed, in
    order, only when every one is complete (a failing rename leaves no temporary file)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_temp_beside(Path(path)), Path(path)))
            staged[-1][0].write_bytes(data)
        for tmp, path in staged:
            publish(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
