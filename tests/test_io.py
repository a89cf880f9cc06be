"""Sources: videos and image folders made on the fly, decoded lazily with exact index/time."""

from __future__ import annotations

import functools
import logging
import socket
import threading
import time
import tracemalloc
import warnings
from collections.abc import Iterator
from fractions import Fraction
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from stream_utils import live_stream, once_listening

from samtrack.errors import SamtrackError
from samtrack.io import ImageFolderSource, Source, VideoSource, open_source

H, W, FPS = 96, 128, 25


def frame_image(i: int, h: int = H, w: int = W) -> np.ndarray:
    """Frame i: a grey level of 4 * i (so the content tells the index) and a white square
    moving right."""
    image = np.full((h, w, 3), (4 * i) % 256, dtype=np.uint8)
    x = (3 * i) % (w - 16)
    image[h // 2 - 8 : h // 2 + 8, x : x + 16] = 255
    return image


def index_of(image: np.ndarray) -> int:
    """The index frame_image drew (read from the grey corner, robust to compression)."""
    return round(float(image[:8, :8].mean()) / 4)


def write_video(
    path: Path,
    n: int = 40,
    *,
    codec: str = "libx264",
    fps: int = FPS,
    gop: int = 10,
    h: int = H,
    w: int = W,
    rotation: int | None = None,
) -> Path:
    pix_fmt = {"mjpeg": "yuvj420p"}.get(codec, "yuv420p")
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        stream.gop_size = gop
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(frame_image(i, h, w), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 frames, 96x128, 25 fps, H.264 with a keyframe every 10 frames (so seeks seek)."""
    return write_video(tmp_path_factory.mktemp("video") / "square.mp4")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """12 numbered PNGs (img_1 .. img_12: natural order differs from text order) + noise."""
    for i in range(12):
        cv2.imwrite(
            str(tmp_path / f"img_{i + 1}.png"), cv2.cvtColor(frame_image(i), cv2.COLOR_RGB2BGR)
        )
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def indices(frames: Iterator) -> list[int]:
    return [f.index for f in frames]


# -- videos ------------------------------------------------------------------------------


def test_video_properties_frames_and_times(video: Path) -> None:
    with open_source(video) as source:
        assert isinstance(source, Source) and isinstance(source, VideoSource)
        assert source.fps == FPS
        assert source.size == (H, W)
        assert source.frame_count == 40
        assert source.uri == str(video)
        frames = list(source)
    assert [f.index for f in frames] == list(range(40))
    for f in frames:
        assert f.time == pytest.approx(f.index / FPS, abs=1e-9)
        assert f.image.dtype == np.uint8 and f.image.shape == (H, W, 3)
        assert f.size == (H, W)
        assert index_of(f.image) == f.index
    assert source.skipped == 0


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [("mkv", "libx264"), ("avi", "mjpeg"), ("mov", "libx264"), ("webm", "libvpx-vp9")],
)
def test_other_containers(tmp_path: Path, suffix: str, codec: str) -> None:
    path = write_video(tmp_path / f"v.{suffix}", n=20, codec=codec)
    with open_source(path, start=7, stride=2) as source:
        assert source.size == (H, W) and source.fps == FPS
        assert source.frame_count == 20  # counted by the container or estimated from the duration
        frames = list(source)
    assert indices(frames) == list(range(7, 20, 2))
    assert all(index_of(f.image) == f.index for f in frames)
    assert all(f.time == pytest.approx(f.index / FPS) for f in frames)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"stride": 3}, list(range(0, 40, 3))),
        ({"start": 17}, list(range(17, 40))),
        ({"start": 23, "stride": 5}, [23, 28, 33, 38]),
        ({"start": 1.0}, list(range(25, 40))),
        (
            {"start": 0.5, "stride": 4},
            [13, 17, 21, 25, 29, 33, 37],
        ),  # first frame at or after 0.5 s
        ({"max_frames": 5}, [0, 1, 2, 3, 4]),
        ({"start": 31, "stride": 2, "max_frames": 3}, [31, 33, 35]),
        ({"start": 39}, [39]),
        ({"start": 0}, list(range(40))),
    ],
)
def test_start_stride_max_frames(video: Path, kwargs: dict, expected: list[int]) -> None:
    with open_source(video, **kwargs) as source:
        frames = list(source)
        assert source.expected_frames == len(expected)
    assert indices(frames) == expected
    # the content is that frame's, so seeking really landed there (not just the label)
    assert [index_of(f.image) for f in frames] == expected
    assert all(f.time == pytest.approx(f.index / FPS) for f in frames)


def test_iterating_again_starts_again(video: Path) -> None:
    with open_source(video, start=12, max_frames=4) as source:
        assert indices(source) == [12, 13, 14, 15]
        assert indices(source) == [12, 13, 14, 15]
        iterator = iter(source)
        assert next(iterator).index == 12
    with pytest.raises(SamtrackError, match="closed"):
        iter(source)


def test_lazy_decoding_keeps_memory_flat(tmp_path: Path) -> None:
    path = write_video(tmp_path / "long.mp4", n=300, gop=50)
    frame_bytes = H * W * 3
    with open_source(path) as source:
        iterator = iter(source)
        next(iterator)  # warm up: decoder, converter and the first frame
        tracemalloc.start()
        try:
            count = 1
            for frame in iterator:
                count += 1
                assert frame.image.shape == (H, W, 3)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == 300
    # 300 frames kept would be 11 MB; streaming stays within a few frames' worth
    assert peak < 10 * frame_bytes + 512 * 1024, peak


def test_rotation_from_display_matrix_is_applied(tmp_path: Path) -> None:
    raw = write_video(tmp_path / "portrait.mp4", n=3, rotation=90)
    with open_source(raw) as source:
        assert source.size == (W, H)
        frame = next(iter(source))
    assert frame.image.shape == (W, H, 3)
    # frame_image(0) has the square's left edge at x = 0: turned counter-clockwise, the
    # square sits at the bottom, centred horizontally
    assert frame.image[-16:, H // 2 - 8 : H // 2 + 8].mean() > 200
    assert frame.image[:16, H // 2 - 8 : H // 2 + 8].mean() < 60


# -- corrupt data -------------------------------------------------------------------------


def corrupt_packet(path: Path, number: int, how: str) -> None:
    """Overwrite the data of the number-th video packet (in file order) in place."""
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    pos, size = packets[number]
    data = bytearray(path.read_bytes())
    if how == "zero-middle":
        data[pos + size // 4 : pos + size // 4 + size // 2] = bytes(size // 2)
    else:  # "ff-head": the first bytes of the frame become garbage
        data[pos : pos + min(size, 64)] = b"\xff" * min(size, 64)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("suffix", "codec", "how"),
    [
        ("avi", "mjpeg", "zero-middle"),  # the decoder rejects the packet (InvalidDataError)
        ("mp4", "libx264", "ff-head"),  # the decoder rejects the packet
        ("mp4", "libx264", "zero-middle"),  # the decoder conceals and flags the frame corrupt
    ],
)
def test_corrupt_frame_is_skipped_and_counted(
    tmp_path: Path, suffix: str, codec: str, how: str
) -> None:
    path = write_video(tmp_path / f"broken.{suffix}", n=40, codec=codec, gop=40)
    corrupt_packet(path, 20, how)
    with open_source(path) as source:
        with pytest.warns(UserWarning, match="skipped"):
            frames = list(source)
        skipped = source.skipped
    assert skipped == 1
    assert len(frames) == 39
    got = indices(frames)
    assert got == sorted(set(got)) and got[0] == 0 and got[-1] == 39  # no renumbering
    assert all(f.time == pytest.approx(f.index / FPS) for f in frames)
    if codec == "mjpeg":  # intra-only: the other frames are intact and in their places
        assert 20 not in got
        assert all(index_of(f.image) == f.index for f in frames)


def test_corrupt_frames_are_logged_after_the_first_warning(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="samtrack.io.sources")
    path = write_video(tmp_path / "broken.avi", n=30, codec="mjpeg")
    corrupt_packet(path, 5, "zero-middle")
    corrupt_packet(path, 15, "zero-middle")
    with open_source(path) as source, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(list(source)) == 28
    assert source.skipped == 2
    assert len([w for w in caught if "skipped" in str(w.message)]) == 1
    assert len([r for r in caught_records(caplog) if "skipped" in r]) == 2
    # INFO, not WARNING: without a logging setup they are not printed (the warning is).
    assert {r.levelno for r in caplog.records if "skipped" in r.getMessage()} == {logging.INFO}


def caught_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records]


# -- image folders ------------------------------------------------------------------------


def test_image_folder_natural_order_and_times(folder: Path) -> None:
    with open_source(folder) as source:
        assert isinstance(source, ImageFolderSource)
        assert source.fps == 30 and source.size == (H, W) and source.frame_count == 12
        assert source.files[:3] == ["img_1.png", "img_2.png", "img_3.png"]
        assert source.files[-1] == "img_12.png"
        frames = list(source)
    assert indices(frames) == list(range(12))
    assert [index_of(f.image) for f in frames] == list(range(12))  # natural, not text, order
    assert all(f.time == pytest.approx(f.index / 30) for f in frames)
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (H, W, 3)
    # RGB, not OpenCV's BGR
    cv2.imwrite(
        str(folder / "img_13.png"),
        np.dstack([np.zeros((H, W), np.uint8)] * 2 + [np.full((H, W), 255, np.uint8)]),
    )
    last = next(iter(open_source(folder, start=12)))
    assert last.image[0, 0].tolist() == [255, 0, 0]


def test_image_folder_fps_start_stride(folder: Path) -> None:
    frames = list(open_source(folder, fps=10, start=0.25, stride=3))
    assert indices(frames) == [3, 6, 9]
    assert [f.time for f in frames] == pytest.approx([0.3, 0.6, 0.9])
    assert indices(open_source(folder, start=4, max_frames=2)) == [4, 5]


def test_image_folder_skips_unreadable_and_rejects_other_sizes(folder: Path) -> None:
    (folder / "img_5.png").write_bytes(b"not a png")
    source = open_source(folder)
    with pytest.warns(UserWarning, match="img_5.png"):
        got = indices(source)
    assert got == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11] and source.skipped == 1
    cv2.imwrite(str(folder / "img_7.png"), np.zeros((H + 2, W, 3), np.uint8))
    with pytest.raises(SamtrackError, match="img_7.png"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        list(open_source(folder))


# -- bad input ----------------------------------------------------------------------------


@pytest.fixture()
def bad_inputs(tmp_path: Path, video: Path) -> dict[str, object]:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    empty_file = tmp_path / "empty.mkv"
    empty_file.write_bytes(b"")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    only_text = tmp_path / "texts"
    only_text.mkdir()
    (only_text / "1.txt").write_text("x")
    audio = tmp_path / "tone.wav"
    with av.open(str(audio), "w") as c:
        s = c.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for p in s.encode(frame):
            c.mux(p)
    return {
        "missing": tmp_path / "nope.mp4",
        "text": text,
        "empty_file": empty_file,
        "empty_dir": empty_dir,
        "only_text": only_text,
        "audio": audio,
        "video": video,
    }


@pytest.mark.parametrize(
    ("uri", "kwargs", "message"),
    [
        ("missing", {}, "no such file"),
        ("text", {}, "cannot open"),
        ("empty_file", {}, "cannot open"),
        ("empty_dir", {}, "no images"),
        ("only_text", {}, "no images"),
        ("audio", {}, "no video stream"),
        ("rtsp://127.0.0.1:9/x", {}, "cannot open rtsp://127.0.0.1:9/x"),
        ("http://127.0.0.1:9/x.mp4", {}, "cannot open"),
        ("/dev/video99", {}, "no webcam"),
        (99, {}, "no webcam"),
        (-1, {}, "webcam number"),
        (3.5, {}, "a path, a URL or a webcam"),
        ("video", {"start": -1}, "start"),
        ("video", {"start": float("nan")}, "start"),
        ("video", {"start": "2"}, "start"),
        ("video", {"start": 40}, "past the end"),
        ("video", {"start": 1.6}, "past the end"),
        ("video", {"stride": 0}, "stride"),
        ("video", {"stride": 1.5}, "stride"),
        ("video", {"max_frames": 0}, "max_frames"),
        ("video", {"max_frames": -3}, "max_frames"),
        ("video", {"timeout": 0}, "timeout"),
        ("empty_dir", {"fps": -2}, "fps"),
    ],
)
def test_bad_input_is_one_line_samtrack_error(
    bad_inputs: dict, uri: object, kwargs: dict, message: str
) -> None:
    uri = bad_inputs.get(uri, uri) if isinstance(uri, str) else uri
    began = time.monotonic()
    with pytest.raises(SamtrackError, match=message) as info:
        open_source(uri, **kwargs)
    assert "\n" not in str(info.value)
    assert time.monotonic() - began < 3


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_silent_server_times_out(scheme: str) -> None:
    """A server that accepts the connection and never answers: open fails after `timeout`."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        began = time.monotonic()
        with pytest.raises(SamtrackError, match="no answer within 0.5 s"):
            open_source(f"{scheme}://127.0.0.1:{port}/stream", timeout=0.5)
        assert time.monotonic() - began < 3
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


# -- streams ------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_http_url_reads_and_seeks(video: Path) -> None:
    handler = functools.partial(_QuietHandler, directory=str(video.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{video.name}"
        with open_source(url, start=21, stride=3, max_frames=4) as source:
            assert not source.is_live and source.frame_count == 40
            frames = list(source)
        assert indices(frames) == [21, 24, 27, 30]
        assert [index_of(f.image) for f in frames] == [21, 24, 27, 30]
    finally:
        server.shutdown()
        server.server_close()


def test_live_stream_decodes_and_drops_and_iterates_once() -> None:
    """An MPEG-TS stream over TCP (what a camera gateway sends): no frame count, no seeking."""
    with live_stream(W, H, 30, 4) as url:
        source = once_listening(lambda: open_source(url, start=3, stride=2))
        with source:
            assert source.is_live and source.frame_count is None and source.expected_frames is None
            assert source.size == (H, W) and source.fps == FPS
            frames = list(source)
            with pytest.raises(SamtrackError, match="only once"):
                iter(source)
        assert indices(frames) == list(range(3, 30, 2))
        assert [index_of(f.image) for f in frames] == list(range(3, 30, 2))
        assert all(f.time == pytest.approx(f.index / FPS) for f in frames)


def test_variable_frame_rate_counts_frames_and_keeps_pts_times(tmp_path: Path) -> None:
    """Frames on a 30 fps clock with every third tick missing (20 fps on average): indices
    count frames, times come from the pts, and `start` decodes and drops (no seeking)."""
    path = tmp_path / "vfr.mp4"
    ticks = [t for t in range(60) if t % 3 != 2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.gop_size = 5
        for k, tick in enumerate(ticks):
            frame = av.VideoFrame.from_ndarray(frame_image(k), format="rgb24")
            frame.pts, frame.time_base = tick, Fraction(1, 30)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with open_source(path) as source:
        assert source.fps == pytest.approx(20, rel=0.05)
        frames = list(source)
    assert indices(frames) == list(range(len(ticks)))
    assert [index_of(f.image) for f in frames] == list(range(len(ticks)))
    assert [f.time for f in frames] == pytest.approx([t / 30 for t in ticks])
    later = list(open_source(path, start=25, max_frames=3))
    assert indices(later) == [25, 26, 27]
    assert [index_of(f.image) for f in later] == [25, 26, 27]
    assert later[0].time == pytest.approx(ticks[25] / 30)
    by_time = next(iter(open_source(path, start=1.0)))
    assert by_time.time == pytest.approx(1.0) and by_time.index == ticks.index(30)
