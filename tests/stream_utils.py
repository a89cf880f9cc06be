"""A live MPEG-TS stream over TCP for tests (what a camera gateway sends): a child process
serves grey frames, frame i at level ``step * i``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from samtrack.errors import SamtrackError

T = TypeVar("T")

_SERVER = """
import sys, av, numpy as np
port, width, height, frames, step = map(int, sys.argv[1:])
url = f"tcp://127.0.0.1:{port}?listen=1&listen_timeout=10000"
with av.open(url, "w", format="mpegts") as c:
    s = c.add_stream("mpeg2video", rate=25)
    s.width, s.height, s.pix_fmt = width, height, "yuv420p"
    for i in range(frames):
        image = np.full((height, width, 3), step * i, np.uint8)
        for p in s.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
"""


@contextmanager
def live_stream(width: int, height: int, frames: int, step: int) -> Iterator[str]:
    """The stream's URL while its server runs; waits for the server to end on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [str(v) for v in (port, width, height, frames, step)]
    server = subprocess.Popen([sys.executable, "-c", _SERVER, *args])
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        server.wait(timeout=10)


def once_listening(call: Callable[[], T], fatal: Callable[[SamtrackError], bool] = lambda e: False) -> T:
    """``call()``, retried for up to 10 s while it raises SamtrackError (the server needs a
    moment to listen), unless ``fatal`` says the error is not that."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return call()
        except SamtrackError as e:
            if fatal(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
