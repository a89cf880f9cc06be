"""samtrack's errors. Every error meant for a user derives from :class:`SamtrackError`;
its message is one line that says what went wrong and, where it can, what to do."""

from __future__ import annotations


class SamtrackError(Exception):
    """A user-facing error: bad input, a missing or corrupt file, an unknown name."""


class InputError(SamtrackError, ValueError):
    """Bad data or settings handed to samtrack's Python API (a Frame, a Prompt, a tracker
    option): one line naming what is wrong. A :class:`SamtrackError` that is also a
    ``ValueError``, as Python code expects of a bad value."""


class SamtrackWarning(UserWarning):
    """Something the user should know that does not stop the run (e.g. a video that ends
    before its stated length); the command line prints it as one ``warning:`` line."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM after the frame in flight: its files are closed
    and valid, under their ``.partial`` names (``files``), covering ``frames`` frames."""

    def __init__(self, signal_name: str, frames: int, files: list) -> None:  # type: ignore[type-arg]
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.frames = frames
        self.files = files

    def __str__(self) -> str:
        where = ", ".join(str(f) for f in self.files) or "no files"
        frames = f"{self.frames} frame{'' if self.frames == 1 else 's'}"
        return f"interrupted by {self.signal_name} after {frames}; results so far: {where}"
