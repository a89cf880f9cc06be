"""Annotated video: each FrameResult's image with its overlays (:mod:`samtrack.render`),
encoded with PyAV.

H.264 (``libx264``, yuv420p, CRF 23) when FFmpeg has it, otherwise MPEG-4 Part 2. Frame
timestamps come from ``FrameResult.time`` (so strides and dropped frames keep real time);
``fps`` is the nominal rate. Odd frame sizes are padded by one pixel (edge copied), as
yuv420p needs even sizes. MP4/MOV files are written fragmented, so the ``.partial`` file
left by a crash plays up to its last fragment (about one keyframe interval before it); a
failed run (an exception in the ``with`` block) flushes the encoder, so its ``.partial``
holds every frame written.

With ``analytics`` (an object with ``lines`` and ``zones``, e.g. a
``samtrack.analytics.Analytics``) each frame also shows the counting lines and zones with
their counts as they stand when the frame is written (:func:`samtrack.render.render_analytics`):
whoever feeds the analytics updates them with a result before this sink writes it.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
from fractions import Fraction
from typing import Any

import av
import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.base import FileSink
from samtrack.render import Trails, render, render_analytics
from samtrack.types import FrameResult

__all__ = ["VideoSink", "pick_codec"]

logger = logging.getLogger(__name__)

FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".avi": "avi"}
"""File extension -> FFmpeg muxer of the video files this sink writes."""


def pick_codec(preferred: str = "libx264") -> str:
    """``preferred`` if this FFmpeg can encode it, else ``mpeg4``."""
    for name in (preferred, "mpeg4"):
        try:
            av.codec.Codec(name, "w")
        except (av.FFmpegError, ValueError, KeyError):
            continue
        return name
    raise SamtrackError(f"this FFmpeg build has neither the {preferred} nor the mpeg4 encoder")


class VideoSink(FileSink):
    """Draws each result over its image and encodes it to ``path`` (mp4, mov, mkv or avi).

    fps: the nominal frame rate (the source's); codec: an FFmpeg encoder name, default H.264
    with an MPEG-4 fallback; crf / preset: H.264 quality and speed; trail_length: how many
    past box centres each track's trail shows (0: no trails); alpha: mask opacity;
    analytics: lines and zones to draw over every frame (see the module docstring; also
    settable as the ``analytics`` attribute before the first frame, as the pipeline does).
    ``FrameResult.image`` must hold the RGB frame.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        *,
        codec: str = "libx264",
        crf: int = 23,
        preset: str = "veryfast",
        trail_length: int = 30,
        alpha: float = 0.45,
        analytics: Any = None,
    ) -> None:
        if not (isinstance(fps, numbers.Real) and math.isfinite(fps) and fps > 0):
            raise SamtrackError(f"the annotated video needs a positive frame rate, not {fps!r}")
        suffix = os.fspath(path).lower().rsplit(".", 1)[-1]
        container_format = FORMATS.get("." + suffix)
        if container_format is None:
            raise SamtrackError(
                f"cannot write video {os.fspath(path)}: use one of {', '.join(FORMATS)}"
            )
        self.codec = pick_codec(codec)
        if self.codec != codec:
            logger.warning("no %s encoder here; writing %s with %s", codec, path, self.codec)
        self.rate = Fraction(float(fps)).limit_denominator(1001)  # 30000/1001, 25, 12.5 ...
        self.crf, self.preset, self.alpha = crf, preset, alpha
        self.trails = Trails(trail_length) if trail_length > 0 else None
        self.analytics = analytics
        self.frames_written = 0
        super().__init__(path)
        options = {"flush_packets": "1"}  # each packet reaches the file at once
        if container_format in ("mp4", "mov"):
            # fragmented: a fragment (playable without the trailer) every keyframe or second
            options["movflags"] = "frag_keyframe+empty_moov+default_base_moof"
            options["frag_duration"] = "1000000"
        try:
            self._container = av.open(
                os.fspath(self.partial_path),
                "w",
                format=container_format,
                container_options=options,
            )
        except (av.FFmpegError, OSError) as e:
            raise SamtrackError(f"cannot write {self.partial_path}: {e}") from None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self._t0: float | None = None
        self._last_pts = -1

    def _open_stream(self, height: int, width: int) -> None:
        stream = self._container.add_stream(self.codec, rate=self.rate)
        stream.width, stream.height = width + width % 2, height + height % 2
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = 1 / self.rate
        if self.codec == "libx264":
            stream.options = {"crf": str(self.crf), "preset": self.preset}
        else:
            stream.bit_rate = int(max(1_000_000, width * height * float(self.rate) * 0.2))
        self._stream, self._size = stream, (height, width)

    def _write(self, result: FrameResult) -> None:
        if result.image is None:
            raise SamtrackError(
                "the annotated video needs FrameResult.image (the RGB frame); "
                "the producer did not attach it"
            )
        image = np.asarray(result.image)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise SamtrackError(
                f"FrameResult.image must be RGB uint8 H x W x 3, not {image.dtype} {image.shape}"
            )
        h, w = image.shape[:2]
        if self._stream is None:
            self._open_stream(h, w)
        elif (h, w) != self._size:
            raise SamtrackError(
                f"frame {result.frame_index} is {w}x{h}, "
                f"not {self._size[1]}x{self._size[0]} like the first"
            )
        if self.trails is not None:
            self.trails.update(result)
        drawn = render(image, result, self.trails, alpha=self.alpha)
        if self.analytics is not None:
            drawn = render_analytics(drawn, self.analytics.lines, self.analytics.zones)
        if h % 2 or w % 2:
            drawn = np.pad(drawn, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(drawn, format="rgb24")
        frame.pts = self._next_pts(result.time)
        frame.time_base = 1 / self.rate
        self._mux(self._stream.encode(frame))
        self.frames_written += 1

    def _next_pts(self, time: float) -> int:
        pts = self._last_pts + 1
        if time is not None and math.isfinite(time):
            if self._t0 is None:
                self._t0 = time
            pts = max(pts, round((time - self._t0) * self.rate))
        self._last_pts = pts
        return pts

    def _mux(self, packets: list) -> None:
        for packet in packets:
            self._container.mux(packet)

    def _finish(self) -> None:
        if self._stream is None:
            try:
                self._release()
            except av.FFmpegError:
                pass  # nothing to finish: an empty container
            self.partial_path.unlink(missing_ok=True)
            raise SamtrackError(f"no frames were written to {self.path}")
        self._mux(self._stream.encode(None))
        self._container.close()

    def _release(self) -> None:
        # Flush what the encoder holds too: the partial file keeps every frame written.
        try:
            if self._stream is not None:
                self._mux(self._stream.encode(None))
        finally:
            self._container.close()
