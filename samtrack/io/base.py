"""The :class:`Sink` protocol and :class:`FileSink`, the base of every sink that writes a file.

A file sink writes to ``<path>.partial`` as results arrive (flushed after every frame, so a
crash loses at most the frame in flight) and only ``close()`` moves it to ``<path>``, with
``samtrack.io.atomic.publish`` (an atomic rename on one filesystem). If the run fails (an exception leaves the
``with`` block, or ``abort()`` is called) the ``.partial`` file is kept for inspection and
``<path>`` is never created or touched: a file at the final name is always complete.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from samtrack.errors import SamtrackError
from samtrack.io.atomic import publish
from samtrack.types import FrameResult

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ClosingSink", "FileSink", "Sink", "partial_path"]

PARTIAL_SUFFIX = ".partial"


@runtime_checkable
class Sink(Protocol):
    """Takes a stream of FrameResults. ``close()`` finalises; use it as a context manager."""

    def write(self, result: FrameResult) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Sink: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def partial_path(path: str | os.PathLike[str]) -> Path:
    """Where a file sink writes ``path`` until it is finalised: ``<path>.partial``."""
    path = Path(path)
    return path.with_name(path.name + PARTIAL_SUFFIX)


class ClosingSink:
    """A sink used in a ``with`` block: ``close()`` when the block ends, ``abort()`` when
    an exception leaves it (subclasses define both)."""

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class FileSink(ClosingSink):
    """Base of the sinks that write one file. Subclasses implement ``_write`` and may
    override ``_finish`` (complete the file, e.g. write a trailer) and ``_release``
    (close handles without completing the file).

    path: the final file; parent folders are created. Writing starts at once in
    ``<path>.partial`` (an older one is overwritten).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.partial_path = partial_path(self.path)
        if self.path.is_dir():
            raise SamtrackError(f"cannot write {self.path}: it is a folder")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SamtrackError(f"cannot create folder {self.path.parent}: {e.strerror}") from None
        self._state = "open"  # open -> closed | aborted

    # -- subclass hooks --------------------------------------------------------------------

    def _write(self, result: FrameResult) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Complete the partial file and close it (default: just ``_release``)."""
        self._release()

    def _release(self) -> None:
        """Close handles without completing the file."""

    # -- public ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._state != "open"

    def write(self, result: FrameResult) -> None:
        """Append one frame's results to the partial file (flushed before returning)."""
        if self._state != "open":
            raise SamtrackError(f"cannot write to {self.path}: the sink is {self._state}")
        self._write(result)

    def close(self) -> None:
        """Finalise: complete the file and rename it to its final name. Idempotent.

        If completing fails the partial file is kept and the error is raised.
        """
        if self._state != "open":
            return
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        publish(self.partial_path, self.path)
        self._state = "closed"

    def abort(self, *, remove_partial: bool = False) -> None:
        """Stop without finalising: the final file is not created; the ``.partial`` file is
        kept for inspection unless ``remove_partial``. Idempotent."""
        if self._state == "open":
            self._state = "aborted"
            with contextlib.suppress(Exception):  # already failing: keep the first error
                self._release()
        if remove_partial:
            self.partial_path.unlink(missing_ok=True)


    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {self._state})"


class TextFileSink(FileSink):
    """A FileSink over a text file opened in ``<path>.partial`` (UTF-8, ``\\n`` lines)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        try:
            self._file = open(self.partial_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as e:
            raise SamtrackError(f"cannot write {self.partial_path}: {e.strerror}") from None

    def _write_lines(self, lines: list[str]) -> None:
        if lines:
            self._file.write("".join(lines))
        self._file.flush()

    def _release(self) -> None:
        self._file.close()


def check_result(result: FrameResult) -> None:
    """Raise ValueError unless the masks are N x height x width (what every writer assumes)."""
    n = len(result)
    shape = getattr(result.masks, "shape", None)
    if shape is None or tuple(shape) != (n, result.height, result.width):
        raise ValueError(
            f"FrameResult {result.frame_index}: masks of shape {shape}, "
            f"expected {(n, result.height, result.width)}"
        )
