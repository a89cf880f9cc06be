"""Bad input to sources and to `samtrack eval`: truncated or undecodable videos, image folders
of mixed or empty sizes, and results that do not fit the ground truth. Each gives one
SamtrackWarning (the run goes on with what it has) or a one-line SamtrackError."""

from __future__ import annotations

import dataclasses
import json
import struct
import warnings
import zlib
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from samtrack.errors import SamtrackError, SamtrackWarning
from samtrack.io import JsonlSink, MotsSink, open_source
from samtrack.types import FrameResult

H, W, FPS = 96, 128, 25


def frame_image(i: int, h: int = H, w: int = W) -> np.ndarray:
    image = np.full((h, w, 3), (4 * i) % 256, dtype=np.uint8)
    x = (3 * i) % (w - 16)
    image[h // 2 - 8 : h // 2 + 8, x : x + 16] = 255
    return image


def write_video(path: Path, n: int, **options: str) -> Path:
    """An H.264 video of n noisy frames (so the bytes spread evenly over them); mp4 with
    ``movflags="faststart"`` has its index first, so a cut-off copy still opens (as a
    download in progress would)."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(n):
            image = frame_image(i) // 2 + rng.integers(0, 64, (H, W, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cut(path: Path, fraction: float, *, zero: bool = False) -> Path:
    """A copy of ``path`` cut to ``fraction`` of its bytes (or with the rest zeroed)."""
    data = path.read_bytes()
    keep = int(len(data) * fraction)
    out = path.with_name(f"{'zeroed' if zero else 'cut'}-{path.name}")
    out.write_bytes(data[:keep] + (bytes(len(data) - keep) if zero else b""))
    return out


def read_all(source) -> tuple[list[int], list[str]]:
    """Frame indices and the SamtrackWarnings iterating gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        indices = [f.index for f in source]
    return indices, [str(w.message) for w in caught if issubclass(w.category, SamtrackWarning)]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {
        "mp4": write_video(folder / "v.mp4", 60, movflags="faststart"),  # exact frame count
        "mkv": write_video(folder / "v.mkv", 60),  # count estimated from the duration
        "long": write_video(folder / "long.mp4", 250, movflags="faststart"),
    }


# -- videos that end early ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mp4", "mkv"])
def test_intact_video_gives_no_warning(videos: dict[str, Path], kind: str) -> None:
    indices, caught = read_all(open_source(videos[kind]))
    assert indices == list(range(60)) and caught == []


@pytest.mark.parametrize("kind", ["mp4", "mkv"])
def test_truncated_video_warns_once_and_keeps_its_frames(
    videos: dict[str, Path], kind: str
) -> None:
    path = cut(videos[kind], 0.6)
    with open_source(path) as source:
        assert source.frame_count == 60
        indices, caught = read_all(source)
    assert 10 < len(indices) < 60 and indices == list(range(len(indices)))
    assert len(caught) == 1, caught
    n = len(indices)
    assert caught[0] == (
        f"{path} ended at frame {n} of 60 (truncated or corrupt after that?); "
        f"results cover frames 0-{n - 1}"
    )


def test_truncated_video_with_stride_warns_but_not_when_fewer_frames_were_asked(
    videos: dict[str, Path],
) -> None:
    path = cut(videos["mp4"], 0.6)
    indices, caught = read_all(open_source(path, stride=4))
    assert indices[:3] == [0, 4, 8] and len(caught) == 1 and "ended at frame" in caught[0]
    indices, caught = read_all(open_source(path, max_frames=5))
    assert indices == [0, 1, 2, 3, 4] and caught == []


def test_undecodable_rest_of_a_video_warns_and_keeps_its_frames(videos: dict[str, Path]) -> None:
    path = cut(videos["long"], 0.4, zero=True)  # 150 frames of zeros: past the error limit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the skipped-frame warnings
        list(open_source(path, max_frames=1))  # opens fine
    indices, caught = read_all(open_source(path))
    assert 10 < len(indices) < 250 and indices == list(range(len(indices)))
    stop = [m for m in caught if "results cover" in m]
    assert len(stop) == 1 and "\n" not in stop[0]
    assert f"cannot be decoded after frame {indices[-1]}" in stop[0]
    assert stop[0].endswith(f"results cover frames 0-{indices[-1]}")


def test_video_of_empty_frames_is_refused_on_opening() -> None:
    # FFmpeg's own decoders refuse 0-pixel frames; a stand-in container shows what a source
    # does if one gets through.
    from types import SimpleNamespace as Fake

    from samtrack.io import VideoSource

    frame = Fake(pts=0, time_base=Fraction(1, FPS), is_corrupt=False, height=0, width=0)
    rate = Fraction(FPS)
    stream = Fake(average_rate=rate, guessed_rate=rate, base_rate=rate, time_base=1 / rate)
    stream.start_time, stream.frames, stream.duration = 0, 1, 1
    closed: list[bool] = []
    container = Fake(
        streams=Fake(video=[stream]),
        demux=lambda _: iter([Fake(decode=lambda: [frame])]),
        close=lambda: closed.append(True),
        duration=None,
    )
    with pytest.raises(SamtrackError, match=r"empty\.mkv has frames of 0x0 pixels") as info:
        VideoSource(container, "empty.mkv", live=False, start=None, stride=1, max_frames=None)
    assert closed and "\n" not in str(info.value)


# -- image folders ------------------------------------------------------------------------


def write_images(folder: Path, n: int, h: int = H, w: int = W, ext: str = "png") -> Path:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        image = cv2.cvtColor(frame_image(i, h, w), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(folder / f"{i:04d}.{ext}"), image)
    return folder


@pytest.mark.parametrize("ext", ["png", "jpg", "bmp"])
def test_image_of_another_size_is_refused_before_any_frame(tmp_path: Path, ext: str) -> None:
    folder = write_images(tmp_path / "frames", 12, ext=ext)
    cv2.imwrite(str(folder / f"0007.{ext}"), np.zeros((H, W + 10, 3), np.uint8))
    with pytest.raises(SamtrackError) as info:
        open_source(folder)  # not a single frame read
    message = str(info.value)
    assert "\n" not in message
    assert f"0007.{ext} is {W + 10}x{H} but 0000.{ext} is {W}x{H}" in message
    # Images the run will not read do not count.
    assert len(list(open_source(folder, max_frames=7))) == 7
    assert len(list(open_source(folder, start=8))) == 4


def test_rotated_jpegs_of_one_size_are_accepted(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    folder = tmp_path / "phone"
    folder.mkdir()
    for i in range(4):
        exif = pil.Exif()
        exif[0x0112] = 6  # "rotate 90 degrees": OpenCV turns the image upright on reading
        pil.fromarray(frame_image(i)).save(folder / f"{i}.jpg", exif=exif.tobytes())
    with open_source(folder) as source:
        assert source.size == (W, H)
        assert len(list(source)) == 4


def png_bytes(width: int, height: int) -> bytes:
    """A PNG file of any size, even 0 x 0 (which encoders refuse to write)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\0" + bytes(3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(0, 0), (0, 5), (5, 0)])
def test_empty_image_is_refused_before_any_frame(tmp_path: Path, size: tuple[int, int]) -> None:
    folder = write_images(tmp_path / "frames", 6)
    (folder / "0003.png").write_bytes(png_bytes(*size))
    with pytest.raises(
        SamtrackError, match=r"0003\.png is an empty image \(\d+x\d+ pixels\)"
    ) as info:
        open_source(folder)
    assert "\n" not in str(info.value)


# -- samtrack eval ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def truth() -> list[FrameResult]:
    pytest.importorskip("trackeval")
    from samtrack.eval.synthetic_video import RandomVideoConfig, random_video

    spec = random_video(3, RandomVideoConfig(n_frames=30, n_objects=(2, 2)))
    return [gt.as_result() for _, gt in spec.frames()]


def write(sink_cls, path: Path, frames: list[FrameResult]) -> Path:
    sink = sink_cls(path)
    for r in frames:
        sink.write(r)
    sink.close()
    return path


def halved(r: FrameResult) -> FrameResult:
    return dataclasses.replace(
        r, height=r.height // 2, width=r.width // 2, masks=r.masks[:, ::2, ::2], boxes=r.boxes / 2
    )


def run_eval(capsys, pred: Path, gt: Path) -> tuple[int, str]:
    from samtrack.cli import main

    code = main(["eval", str(pred), str(gt), "--no-j-and-f", "--json"])
    return code, capsys.readouterr().err


def test_partial_prediction_warns_with_its_coverage(tmp_path: Path, truth) -> None:
    from samtrack.eval.metrics import evaluate_files

    gt = write(MotsSink, tmp_path / "gt.mots.txt", truth)
    short = write(JsonlSink, tmp_path / "short.jsonl", truth[:5])
    with pytest.warns(SamtrackWarning, match="missing frames count as misses") as caught:
        result = evaluate_files(short, gt, j_and_f=False)
    assert str(caught[0].message) == (
        f"{short} covers 5 of {gt}'s 30 frames; missing frames count as misses"
    )
    assert result["DetA"] < 0.3
    # The whole video, as JSONL or MOTS: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate_files(write(JsonlSink, tmp_path / "all.jsonl", truth), gt, j_and_f=False)
        evaluate_files(write(MotsSink, tmp_path / "all.mots.txt", truth), gt, j_and_f=False)
    short_mots = write(MotsSink, tmp_path / "short.mots.txt", truth[:5])
    with pytest.warns(SamtrackWarning, match=r"short\.mots\.txt covers 5 of .*'s 30 frames"):
        evaluate_files(short_mots, gt, j_and_f=False)


def test_rle_of_another_size_than_its_frame_is_refused(tmp_path: Path, truth, capsys) -> None:
    gt = write(MotsSink, tmp_path / "gt.mots.txt", truth)
    pred = write(JsonlSink, tmp_path / "pred.jsonl", truth)
    # Frame 2's masks become RLEs of a half-size mask, under the full size's header.
    lines = pred.read_text().splitlines()
    small = json.loads(write(JsonlSink, tmp_path / "small.jsonl", [halved(truth[2])]).read_text())
    frame = json.loads(lines[2])
    assert frame["objects"]
    for obj, other in zip(frame["objects"], small["objects"]):
        obj["rle"]["counts"] = other["rle"]["counts"]
    lines[2] = json.dumps(frame)
    pred.write_text("\n".join(lines) + "\n")
    code, err = run_eval(capsys, pred, gt)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    h, w = truth[2].height, truth[2].width
    assert f"{pred} line 3 (frame 2): a mask whose RLE holds {h // 2 * (w // 2)} pixels" in err
    assert f"in a {w}x{h} frame ({h * w} pixels)" in err


def test_size_mismatch_names_both_files_with_their_sizes(tmp_path: Path, truth, capsys) -> None:
    gt = write(MotsSink, tmp_path / "gt.mots.txt", truth)
    pred = write(JsonlSink, tmp_path / "pred.jsonl", [halved(r) for r in truth])
    code, err = run_eval(capsys, pred, gt)
    h, w = truth[0].height, truth[0].width
    assert code == 2 and err.count("\n") == 1
    assert f"{pred} is {w // 2}x{h // 2} but {gt} is {w}x{h}" in err


def test_file_whose_frames_differ_in_size_is_the_one_named(tmp_path: Path, truth, capsys) -> None:
    gt = write(MotsSink, tmp_path / "gt.mots.txt", truth)
    mixed = [halved(r) if r.frame_index == 4 else r for r in truth]
    pred = write(JsonlSink, tmp_path / "pred.jsonl", mixed)
    code, err = run_eval(capsys, pred, gt)
    h, w = truth[0].height, truth[0].width
    assert code == 2 and err.count("\n") == 1
    assert f"{pred}: frame 4 is {w // 2}x{h // 2} but frame 0 is {w}x{h}" in err
    assert str(gt) not in err
    # The same, the other way round: the ground truth is at fault.
    code, err = run_eval(capsys, write(MotsSink, tmp_path / "good.mots.txt", truth), pred)
    assert code == 2 and f"{pred}: frame 4" in err and "good.mots.txt" not in err
