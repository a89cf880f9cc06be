"""Frame sources: video files, network streams, webcams and folders of numbered images.

``open_source(uri)`` returns a :class:`Source`, an iterable of :class:`~samtrack.types.Frame`
decoded lazily, one at a time (nothing is kept, so memory does not grow with the video's
length). ``Frame.index`` is the frame's 0-based position in the original stream and
``Frame.time`` its time in seconds from the stream's first frame (pts x time_base), so
``start``, ``stride`` and skipped corrupt frames never renumber the frames.

A frame the decoder rejects (or flags as corrupt) is skipped with a warning and counted in
``Source.skipped``. A file that ends before its stated length, or that cannot be decoded past
some frame, ends the iteration with one :class:`~samtrack.errors.SamtrackWarning` (the frames
read so far stand). Every other problem is a one-line :class:`~samtrack.errors.SamtrackError`,
raised when the source is opened where it can be found then (e.g. an image folder whose
images differ in size).
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import re
import struct
import sys
import warnings
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from time import monotonic
from typing import Any, Protocol, runtime_checkable

import av
import numpy as np

from samtrack.errors import SamtrackError, SamtrackWarning
from samtrack.types import Frame

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageFolderSource",
    "Source",
    "VideoSource",
    "open_source",
]

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
"""Files an image-folder source reads (case-insensitive); other files are ignored."""

DEFAULT_FOLDER_FPS = 30.0
"""Frame rate assumed for a folder of images when none is given."""

MAX_CONSECUTIVE_ERRORS = 100
"""This many corrupt packets in a row and the video is declared undecodable."""

_LIVE_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "udp", "rtp", "srt", "tcp")
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_DEVICE = re.compile(r"^/dev/video\d+$")


@runtime_checkable
class Source(Protocol):
    """An iterable of :class:`Frame` (RGB uint8 H x W x 3), decoded lazily.

    fps: frames per second or None when unknown; size: (height, width) of every frame;
    frame_count: frames in the whole stream (None when unknown, e.g. a live stream);
    expected_frames: how many iterating will yield given start/stride/max_frames (None when
    unknown); is_live: a live stream or device (iterable once, no seeking); skipped: corrupt
    frames skipped so far. Iterate one pass at a time; close it (or use ``with``) when done.
    """

    uri: str
    skipped: int

    @property
    def fps(self) -> float | None: ...

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def frame_count(self) -> int | None: ...

    @property
    def expected_frames(self) -> int | None: ...

    @property
    def is_live(self) -> bool: ...

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Source: ...

    def __exit__(self, *exc: object) -> None: ...


def open_source(
    uri: str | os.PathLike[str] | int,
    *,
    start: float | None = None,
    stride: int = 1,
    max_frames: int | None = None,
    fps: float | None = None,
    timeout: float = 5.0,
    options: Mapping[str, str] | None = None,
) -> Source:
    """Open a video file, stream URL, webcam or image folder as a lazy :class:`Source`.

    uri: a file FFmpeg reads (mp4, mkv, avi, mov, webm, ...); an ``rtsp://`` (TCP),
    ``http(s)://`` or other FFmpeg URL; a webcam as ``/dev/videoN`` or its number N; or a
    folder of numbered images (jpg/png/bmp, ordered by the numbers in their names).
    start: first frame, as a 0-based index (int) or in seconds (float); files seek to the
    keyframe before it and decode up to it, streams decode and drop.
    stride: yield every stride-th frame (indices start, start + stride, ...).
    max_frames: stop after yielding this many frames.
    fps: frame rate of an image folder (default 30); ignored for videos, which carry their own.
    timeout: seconds to wait for a network stream or device to open or to send data.
    options: extra FFmpeg demuxer/protocol options, over samtrack's defaults (e.g. a webcam's
    ``{"video_size": "1280x720", "framerate": "30", "input_format": "mjpeg"}``).
    """
    start, stride, max_frames = _check_range(start, stride, max_frames)
    if fps is not None and not (_is_number(fps) and math.isfinite(fps) and fps > 0):
        raise SamtrackError(f"fps must be a positive number, not {fps!r}")
    if not (_is_number(timeout) and timeout > 0):
        raise SamtrackError(f"timeout must be a positive number of seconds, not {timeout!r}")
    extra = {str(k): str(v) for k, v in (options or {}).items()}
    common = {"start": start, "stride": stride, "max_frames": max_frames, "timeout": timeout}

    if isinstance(uri, (int, np.integer)) and not isinstance(uri, bool):
        return _open_webcam(int(uri), options=extra, **common)
    if not isinstance(uri, (str, os.PathLike)):
        raise SamtrackError(f"a source is a path, a URL or a webcam number, not {uri!r}")
    text = os.fspath(uri)
    match = _URL.match(text)
    if match and match.group(1).lower() != "file":
        scheme = match.group(1).lower()
        defaults: dict[str, str] = {}
        micros = str(int(timeout * 1_000_000))
        if scheme in ("rtsp", "rtsps"):
            defaults = {"rtsp_transport": "tcp", "timeout": micros}
        elif scheme in ("http", "https"):
            defaults = {"rw_timeout": micros}
        return VideoSource._open(
            text, live=scheme in _LIVE_SCHEMES, options={**defaults, **extra}, **common
        )
    if match:  # file://
        text = text[len("file://") :]
    if _DEVICE.match(text):
        return _open_device(text, options=extra, **common)
    path = Path(text)
    if not path.exists():
        raise SamtrackError(f"no such file or folder: {text}")
    if path.is_dir():
        del common["timeout"]
        return ImageFolderSource(path, fps=fps if fps is not None else DEFAULT_FOLDER_FPS, **common)
    return VideoSource._open(text, live=False, options=extra, **common)


def _open_webcam(number: int, **kwargs: Any) -> VideoSource:
    if number < 0:
        raise SamtrackError(f"a webcam number is 0 or more, not {number}")
    if sys.platform == "darwin":  # untested here: no macOS machine
        return VideoSource._open(str(number), live=True, format="avfoundation", **kwargs)
    return _open_device(f"/dev/video{number}", **kwargs)


def _open_device(path: str, **kwargs: Any) -> VideoSource:
    if not os.path.exists(path):
        raise SamtrackError(f"no webcam at {path}")
    return VideoSource._open(path, live=True, format="v4l2", **kwargs)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_range(
    start: Any, stride: Any, max_frames: Any
) -> tuple[int | float | None, int, int | None]:
    if isinstance(start, np.integer):
        start = int(start)
    if isinstance(start, np.floating):
        start = float(start)
    if start is not None:
        if isinstance(start, bool) or not isinstance(start, (int, float)):
            raise SamtrackError(f"start is a frame index (int) or seconds (float), not {start!r}")
        if not math.isfinite(start) or start < 0:
            raise SamtrackError(f"start must be 0 or more, not {start!r}")
    if isinstance(stride, np.integer):
        stride = int(stride)
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise SamtrackError(f"stride must be a whole number of 1 or more, not {stride!r}")
    if isinstance(max_frames, np.integer):
        max_frames = int(max_frames)
    if max_frames is not None and (
        isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1
    ):
        raise SamtrackError(f"max_frames must be a whole number of 1 or more, not {max_frames!r}")
    return start, stride, max_frames


def _expected(
    frame_count: int | None,
    fps: float | None,
    start: float | None,
    stride: int,
    max_frames: int | None,
) -> int | None:
    if frame_count is None:
        return max_frames
    first = _start_index(start, fps)
    n = max(0, math.ceil((frame_count - first) / stride))
    return n if max_frames is None else min(n, max_frames)


def _start_index(start: float | None, fps: float | None) -> int:
    if start is None:
        return 0
    if isinstance(start, int):
        return start
    return math.ceil(start * fps - 1e-6) if fps else 0


class _Skips:
    """Counts skipped frames; warns (``warnings``) the first time, logs (INFO) every time, so
    a long run of corrupt frames is one warning line, not one line per frame."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.count = 0

    def skip(self, what: str) -> None:
        self.count += 1
        message = f"{self.uri}: skipped {what}"
        logger.info(message)
        if self.count == 1:
            warnings.warn(
                f"{message} (further skips are logged to {__name__})", SamtrackWarning, stacklevel=4
            )


class VideoSource:
    """Frames decoded by PyAV (FFmpeg) from a file, URL or device; see :func:`open_source`."""

    def __init__(
        self,
        container: Any,
        uri: str,
        *,
        live: bool,
        start: float | None,
        stride: int,
        max_frames: int | None,
    ) -> None:
        self.uri = uri
        self._container = container
        self._live = live
        self._start = start
        self._stride = stride
        self._max_frames = max_frames
        self._skips = _Skips(uri)
        self._closed = False
        self._iterated = False

        streams = container.streams.video
        if not streams:
            container.close()
            raise SamtrackError(f"{uri} has no video stream")
        self._stream = stream = streams[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self._fps = float(rate) if rate else None
        # Frame-exact seeking needs a constant frame rate (index = time x fps); a variable
        # rate stream (average != base rate) decodes from the start and drops instead.
        guessed = stream.guessed_rate
        self._constant_rate = bool(
            rate and guessed and abs(float(rate) / float(guessed) - 1) < 1e-3
        )
        if self._fps is not None and not (0 < self._fps < 10_000):
            self._fps = None
        self._time_base = stream.time_base or Fraction(1, 1_000_000)
        # The stream's first timestamp, in seconds as an exact fraction (times are computed
        # exactly, then rounded once to float).
        self._t0: Fraction | None = (
            stream.start_time * self._time_base if stream.start_time is not None else None
        )

        # Decode the first frame now: it proves the file is a decodable video, and gives the
        # true size (after any rotation in the display matrix).
        self._frames = self._decode()
        try:
            first = next(self._frames, None)
        except SamtrackError:
            container.close()
            raise
        if first is None:
            container.close()
            raise SamtrackError(f"{uri} has no decodable video frames")
        self._pending: tuple[Any, int, float] | None = first
        self._raw_size = (first[0].height, first[0].width)
        self._rotation = _quarter_turns(first[0])
        h, w = self._raw_size
        if h <= 0 or w <= 0:
            container.close()
            raise SamtrackError(f"{uri} has frames of {w}x{h} pixels: not a usable video")
        self._size = (w, h) if self._rotation % 2 else (h, w)
        self._frame_count = self._count_frames()
        if (
            self._frame_count is not None
            and self._stream.frames  # an exact count, not an estimate from the duration
            and self._start is not None
            and _start_index(self._start, self._fps) >= self._frame_count
        ):
            container.close()
            raise SamtrackError(
                f"start {self._start!r} is past the end of {uri} ({self._frame_count} frames)"
            )

    @classmethod
    def _open(
        cls,
        uri: str,
        *,
        live: bool,
        options: dict[str, str],
        timeout: float,
        format: str | None = None,
        **kwargs: Any,
    ) -> VideoSource:
        began = monotonic()
        try:
            container = av.open(
                uri, "r", format=format, options=options, timeout=(timeout, timeout)
            )
        except (av.FFmpegError, OSError) as e:
            if _is_timeout(e) or monotonic() - began >= 0.9 * timeout:
                raise SamtrackError(f"cannot open {uri}: no answer within {timeout:g} s") from None
            raise SamtrackError(f"cannot open {uri}: {_reason(e)}") from None
        return cls(container, uri, live=live, **kwargs)

    # -- properties ------------------------------------------------------------------------

    @property
    def fps(self) -> float | None:
        """Frames per second (the stream's average rate), or None when unknown."""
        return self._fps

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the frames, after applying the stream's rotation."""
        return self._size

    @property
    def frame_count(self) -> int | None:
        """Frames in the whole stream: from the container, else estimated from the duration;
        None for live streams."""
        return self._frame_count

    @property
    def frame_count_exact(self) -> bool:
        """Whether ``frame_count`` is the container's count (an estimate from the duration
        can be a frame off)."""
        return self._frame_count is not None and bool(self._stream.frames)

    @property
    def stride(self) -> int:
        """Every how many frames one is yielded."""
        return self._stride

    @property
    def expected_frames(self) -> int | None:
        """How many frames iterating will yield, given start/stride/max_frames (a progress-bar
        total; None when unknown)."""
        return _expected(self._frame_count, self._fps, self._start, self._stride, self._max_frames)

    @property
    def skipped(self) -> int:
        """Corrupt frames skipped so far."""
        return self._skips.count

    @property
    def is_live(self) -> bool:
        """A live stream or device: it can be iterated once and cannot seek."""
        return self._live

    # -- iteration -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise SamtrackError(f"{self.uri} is closed")
        if self._iterated and self._live:
            raise SamtrackError(f"{self.uri} is a live stream: it can be iterated only once")
        self._iterated = True
        return self._iterate()

    def _iterate(self) -> Iterator[Frame]:
        start, stride = self._start, self._stride
        frames = self._position()
        base = start if isinstance(start, int) else None
        yielded = 0
        first = last = decoded = -1  # first and last frame yielded, last frame decoded
        decoded_time = math.nan
        try:
            for av_frame, index, time in frames:
                decoded, decoded_time = index, time
                if isinstance(start, int):
                    if index < start:
                        continue
                elif start is not None and base is None and time < start - 1e-6:
                    continue
                if base is None:
                    base = index
                if (index - base) % stride:
                    continue
                image = self._to_rgb(av_frame, index)
                first = index if first < 0 else first
                last = index
                yield Frame(index=index, time=time, image=image)
                yielded += 1
                if self._max_frames is not None and yielded >= self._max_frames:
                    return
        except SamtrackError as e:
            if self._live or not yielded:
                raise
            # A file that cannot be decoded further: keep what was read.
            warnings.warn(f"{e}; {_covered(first, last)}", SamtrackWarning, stacklevel=2)
            return
        if self._ended_early(decoded, decoded_time):
            warnings.warn(
                f"{self.uri} ended at frame {decoded + 1} of {self._frame_count} (truncated or "
                f"corrupt after that?); {_covered(first, last)}",
                SamtrackWarning,
                stacklevel=2,
            )

    def _ended_early(self, last_index: int, last_time: float) -> bool:
        """Whether the decoder ran out before the stream's stated length: its frame count
        from the container, else its duration (give or take a frame; compared by time, as
        the frames of such a stream may be sparser than its frame rate)."""
        count = self._frame_count
        if self._live or count is None:
            return False
        if self._stream.frames or not self._fps or math.isnan(last_time):
            # one frame short is not a fault: a container may count a frame its edit list
            # drops (a real 443-frame clip decodes to 442)
            return last_index + 2 < count
        return last_index < 0 or last_time < (count - 2.5) / self._fps

    def _position(self) -> Iterator[tuple[Any, int, float]]:
        """Decoded (av frame, index, time) from at most the start on."""
        start = self._start
        wanted_time: float | None = None
        if start is not None and not self._live and self._constant_rate:
            if isinstance(start, float):
                wanted_time = start
            elif self._fps:
                wanted_time = start / self._fps
        if wanted_time is not None and wanted_time > 0:
            if self._seek(wanted_time - 0.5 / (self._fps or 1000.0)):
                first = next(self._frames, None)
                if first is None:
                    return iter(())
                index = first[1]
                if index <= _start_index(start, self._fps):  # landed at or before the start
                    return self._chain(first)
                logger.info(
                    "%s: seek overshot (frame %d); decoding from the start", self.uri, index
                )
            if not self._seek(None):
                raise SamtrackError(f"{self.uri} cannot seek back to its start")
            return self._frames
        if self._pending is not None:
            return self._chain(self._pending)
        if self._live:
            return self._frames
        if not self._seek(None):
            raise SamtrackError(f"{self.uri} cannot seek back to its start")
        return self._frames

    def _chain(self, first: tuple[Any, int, float]) -> Iterator[tuple[Any, int, float]]:
        self._pending = None
        yield first
        yield from self._frames

    def _seek(self, seconds: float | None) -> bool:
        """Seek to the keyframe at or before ``seconds`` from the stream start (None: the
        very start); the next decoded frame's index is then derived from its pts."""
        self._pending = None
        target = Fraction(max(0.0, seconds or 0.0)) + (self._t0 or 0)
        try:
            self._container.seek(
                math.floor(target / self._time_base),
                stream=self._stream,
                backward=True,
                any_frame=False,
            )
        except (av.FFmpegError, OSError) as e:
            logger.info("%s: cannot seek: %s", self.uri, _reason(e))
            return False
        self._frames = self._decode(from_start=seconds is None)
        return True

    def _decode(self, from_start: bool = True) -> Iterator[tuple[Any, int, float]]:
        """Every decoded frame as (av frame, index, time); skips (and counts) corrupt ones.

        Indices count decoded frames from the stream start. A packet the decoder rejects
        is a lost frame: the next frames whose pts show a gap take its place in the count
        (the decoder may still emit a few earlier frames first, as B-frames are reordered).
        After a seek the first index is the frame's time x fps (exact for constant frame
        rate, which is when sources seek).
        """
        container, stream, skips = self._container, self._stream, self._skips
        last_index: int | None = -1 if from_start else None
        last_seconds: Fraction | None = None
        lost = lost_age = 0  # rejected packets not yet placed in the count
        errors = 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.FFmpegError as e:
                if _is_timeout(e):
                    raise SamtrackError(f"{self.uri} stopped sending data ({_reason(e)})") from None
                errors += 1
                if errors > MAX_CONSECUTIVE_ERRORS:
                    raise SamtrackError(
                        f"{self.uri} cannot be read{_after(last_index)}: {_reason(e)}"
                    ) from None
                skips.skip(f"unreadable data ({_reason(e)})")
                packets = container.demux(stream)
                continue
            try:
                decoded = packet.decode()
            except av.FFmpegError as e:
                errors += 1
                if errors > MAX_CONSECUTIVE_ERRORS:
                    what = "cannot be decoded" if _after(last_index) else "is not a decodable video"
                    raise SamtrackError(
                        f"{self.uri} {what}{_after(last_index)} ({MAX_CONSECUTIVE_ERRORS} corrupt "
                        f"frames in a row)"
                    ) from None
                skips.skip(f"a corrupt frame{_after(last_index)} ({_reason(e)})")
                lost += 1
                continue
            for frame in decoded:
                seconds = (
                    None if frame.pts is None else frame.pts * (frame.time_base or self._time_base)
                )
                if self._t0 is None and seconds is not None:
                    self._t0 = seconds
                fps = self._fps
                if last_index is None:  # just after a seek
                    if seconds is not None and fps:
                        index = max(0, round(float(seconds - (self._t0 or 0)) * fps))
                    else:
                        index = 0
                else:
                    step = 1
                    if lost:
                        if seconds is not None and last_seconds is not None and fps:
                            step = min(max(1, round(float(seconds - last_seconds) * fps)), 1 + lost)
                        lost -= step - 1
                        lost_age += 1
                        if lost_age > 32:  # no gap showed up: nothing to renumber
                            lost = 0
                        if not lost:
                            lost_age = 0
                    index = last_index + step
                last_index, last_seconds = index, seconds
                if seconds is not None:
                    time = float(seconds - (self._t0 or 0))
                elif fps:
                    time = index / fps
                else:
                    time = float("nan")
                if frame.is_corrupt:
                    errors += 1
                    skips.skip(f"corrupt frame {index}")
                    continue
                errors = 0
                yield frame, index, time

    def _to_rgb(self, frame: Any, index: int) -> np.ndarray:
        h, w = self._raw_size
        try:
            if (frame.height, frame.width) != (h, w):
                logger.info(
                    "%s: frame size changed to %dx%d; rescaling",
                    self.uri,
                    frame.width,
                    frame.height,
                )
                image = frame.to_ndarray(format="rgb24", width=w, height=h)
            else:
                image = frame.to_ndarray(format="rgb24")
        except (av.FFmpegError, ValueError) as e:
            raise SamtrackError(
                f"{self.uri}: frame {index} cannot be converted to RGB ({_reason(e)})"
            ) from None
        if self._rotation:
            image = np.ascontiguousarray(np.rot90(image, self._rotation))
        return image

    def _count_frames(self) -> int | None:
        if self._live:
            return None
        stream = self._stream
        if stream.frames and stream.frames > 0:
            return int(stream.frames)
        if not self._fps:
            return None
        if stream.duration is not None:
            seconds = float(stream.duration * self._time_base)
        elif self._container.duration is not None:
            seconds = self._container.duration / 1_000_000
        else:
            return None
        return max(0, round(seconds * self._fps)) or None

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the decoder and the file or connection; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._pending = None
            self._container.close()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        h, w = self._size
        return f"VideoSource({self.uri!r}, {w}x{h}, fps={self._fps}, frames={self._frame_count})"


def _after(last_index: int | None) -> str:
    """The words " after frame N" once a frame was decoded, else nothing."""
    return f" after frame {last_index}" if last_index is not None and last_index >= 0 else ""


def _covered(first: int, last: int) -> str:
    """What the frames yielded so far cover, for a warning."""
    return f"results cover frames {first}-{last}" if first >= 0 else "no frames were read"


def _quarter_turns(frame: Any) -> int:
    """Counter-clockwise quarter turns that put a frame upright (from its display matrix)."""
    try:
        degrees = frame.rotation
    except Exception:  # noqa: BLE001 - older PyAV or a malformed display matrix
        return 0
    return round((degrees or 0) / 90) % 4


def _is_timeout(error: Exception) -> bool:
    return isinstance(error, (av.error.ExitError, av.error.TimeoutError))


def _reason(error: BaseException) -> str:
    """The gist of an FFmpeg/OS error, on one line."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())


def _natural_key(name: str) -> list[Any]:
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", name)
        if part
    ]


# Written here because neither OpenCV nor PyAV reads an image's size without decoding it,
# and a folder of 10,000 frames must be checked at open for a few bytes each (Pillow would
# do it, but is not otherwise needed).
def _header_size(path: Path) -> tuple[int, int] | None:
    """(height, width) of a PNG, BMP or JPEG image read from its header only (None when the
    header does not tell). For a JPEG this is the size before any EXIF rotation."""
    try:
        with open(path, "rb") as f:
            head = f.read(26)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return height, width
            if head.startswith(b"BM") and len(head) == 26:
                if int.from_bytes(head[14:18], "little") == 12:  # OS/2 header: 16-bit sizes
                    width, height = struct.unpack("<HH", head[18:22])
                else:
                    width, height = struct.unpack("<ii", head[18:26])
                return abs(height), width
            if head.startswith(b"\xff\xd8"):
                f.seek(2)
                return _jpeg_size(f)
    except (OSError, struct.error, IndexError):
        pass
    return None


def _jpeg_size(f: Any) -> tuple[int, int] | None:
    """(height, width) from a JPEG's frame header (SOFn); ``f`` is just past the SOI marker."""
    while True:
        marker = f.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        kind = marker[1]
        while kind == 0xFF:  # fill bytes
            kind = f.read(1)[0]
        if kind == 0x01 or 0xD0 <= kind <= 0xD8:  # markers without a length
            continue
        if kind in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        (length,) = struct.unpack(">H", f.read(2))
        if length < 2:
            return None
        if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
            _, height, width = struct.unpack(">BHH", f.read(5))
            return height, width
        f.seek(length - 2, os.SEEK_CUR)


class ImageFolderSource:
    """Frames read from a folder of numbered images (jpg/png/bmp), in natural order.

    ``Frame.index`` is the image's position in that order and ``Frame.time`` is
    ``index / fps``. Unreadable images are skipped (and counted) like corrupt frames. All
    images must have one size: opening the source reads the headers of the images it will
    yield and refuses an odd or empty one before any frame is read.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        fps: float = DEFAULT_FOLDER_FPS,
        start: float | None = None,
        stride: int = 1,
        max_frames: int | None = None,
    ) -> None:
        start, stride, max_frames = _check_range(start, stride, max_frames)
        self.uri = os.fspath(folder)
        self._fps = float(fps)
        self._start, self._stride, self._max_frames = start, stride, max_frames
        self._skips = _Skips(self.uri)
        self._closed = False
        folder = Path(folder)
        if not folder.is_dir():
            raise SamtrackError(f"no such folder: {self.uri}")
        self._files = sorted(
            (
                p.name
                for p in folder.iterdir()
                if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
            ),
            key=_natural_key,
        )
        self._folder = folder
        if not self._files:
            kinds = "/".join(e[1:] for e in IMAGE_EXTENSIONS)
            raise SamtrackError(f"no images ({kinds}) in folder {self.uri}")
        if _start_index(start, self._fps) >= len(self._files):
            raise SamtrackError(
                f"start {start!r} is past the end of {self.uri} ({len(self._files)} images)"
            )
        self._size: tuple[int, int] | None = None
        self._size_from = ""
        for name in self._files:
            image = self._read(name, quiet=True)
            if image is not None:
                self._size = (int(image.shape[0]), int(image.shape[1]))
                self._size_from = name
                break
        if self._size is None:
            raise SamtrackError(f"none of the {len(self._files)} images in {self.uri} can be read")
        self._check_sizes()

    def _check_sizes(self) -> None:
        """Refuse an empty image or one of another size among those iterating will read,
        from their headers (an image whose header differs is decoded to be sure, as EXIF
        rotation may change its size); images whose header tells nothing are checked when
        read."""
        first = _start_index(self._start, self._fps)
        known = 0
        for index in range(first, len(self._files), self._stride):
            if self._max_frames is not None and known >= self._max_frames:
                return
            name = self._files[index]
            size = _header_size(self._folder / name)
            if size is None:
                continue
            known += 1
            if 0 in size:
                raise SamtrackError(
                    f"{self._folder / name} is an empty image ({size[1]}x{size[0]} pixels): "
                    f"remove it from the folder"
                )
            if size != self._size:
                image = self._read(name, quiet=True)
                if image is not None:
                    self._check_size(name, image)

    def _check_size(self, name: str, image: np.ndarray) -> None:
        if image.shape[:2] != self._size:
            h, w = self.size
            raise SamtrackError(
                f"{self._folder / name} is {image.shape[1]}x{image.shape[0]} but "
                f"{self._size_from} is {w}x{h}: all images in a folder must have one size "
                f"(resize or remove the odd ones)"
            )

    @property
    def fps(self) -> float | None:
        return self._fps

    @property
    def size(self) -> tuple[int, int]:
        assert self._size is not None
        return self._size

    @property
    def frame_count(self) -> int | None:
        return len(self._files)

    @property
    def expected_frames(self) -> int | None:
        return _expected(len(self._files), self._fps, self._start, self._stride, self._max_frames)

    @property
    def stride(self) -> int:
        """Every how many images one is yielded."""
        return self._stride

    @property
    def skipped(self) -> int:
        return self._skips.count

    @property
    def is_live(self) -> bool:
        return False

    @property
    def files(self) -> list[str]:
        """The image file names, in frame order."""
        return list(self._files)

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise SamtrackError(f"{self.uri} is closed")
        return self._iterate()

    def _iterate(self) -> Iterator[Frame]:
        first = _start_index(self._start, self._fps)
        yielded = 0
        for index in range(first, len(self._files), self._stride):
            name = self._files[index]
            image = self._read(name)
            if image is None:
                continue
            self._check_size(name, image)
            yield Frame(index=index, time=index / self._fps, image=image)
            yielded += 1
            if self._max_frames is not None and yielded >= self._max_frames:
                return

    def _read(self, name: str, quiet: bool = False) -> np.ndarray | None:
        import cv2

        path = self._folder / name
        try:
            data = np.fromfile(path, dtype=np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        except OSError:
            image = None
        if image is None:
            if not quiet:
                self._skips.skip(f"unreadable image {name}")
            return None
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> ImageFolderSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        h, w = self.size
        return (
            f"ImageFolderSource({self.uri!r}, {w}x{h}, fps={self._fps}, frames={len(self._files)})"
        )
