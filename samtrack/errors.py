"""samtrack's errors. Every error meant for a user derives from :class:`SamtrackError`;
its message is one line that says what went wrong and, where it can, what to do."""

from __future__ import annotations


class SamtrackError(Exception):
    """A user-facing error: bad input, a missing or corrupt file, an unknown name."""


class SamtrackWarning(UserWarning):
    """Something the user should know that does not stop the run (e.g. a video that ends
    before its stated length); the command line prints it as one ``warning:`` line."""
