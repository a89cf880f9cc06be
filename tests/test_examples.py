"""The examples run as-is (each on a video it generates) and say what is true of it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from samtrack.models.nano import CHECKPOINT

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")
def test_cctv_line_count_counts_one_in_and_one_out(capsys: pytest.CaptureFixture[str]) -> None:
    # The generated clip: object 1 walks left to right and object 2 right to left across
    # a vertical line drawn downwards, so 1 leaves its right side (out) and 2 enters it (in).
    assert _load("cctv_line_count").main([]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "door: 1 in, 1 out"
    crossings = [line.split() for line in lines[:-1]]
    assert [(c[3], c[5]) for c in crossings] == [("1", "out"), ("2", "in")]


def test_cctv_line_count_needs_a_line_for_a_real_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        _load("cctv_line_count").main(["rtsp://camera/stream"])
    assert stop.value.code == 2 and "--line" in capsys.readouterr().err


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")
def test_conveyor_parts_counts_and_measures_the_parts(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from samtrack.analytics.measure import rect_size
    from samtrack.eval.scenarios import entries_exits

    assert _load("conveyor_parts").main([]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    # The truth: the parts whose centre goes from left of the line (0.6 of the width) to
    # its right, and their size (median minimum-area rectangle, 2 px per mm).
    spec = entries_exits(seed=0)
    line_x, centres, sizes = spec.width * 0.6, {}, {}
    for _, gt in spec.frames():
        for i, mask in zip(gt.ids, gt.masks):
            centres.setdefault(int(i), []).append(np.nonzero(mask)[1].mean())
            sizes.setdefault(int(i), []).append(rect_size(mask))
    crossing = [i for i, xs in centres.items() if xs[0] < line_x - 3 and xs[-1] > line_x + 3]
    reported = [line for line in lines[:-1] if " part " in line]
    assert len(reported) == len(crossing) and lines[-1].startswith(f"{len(crossing)} parts in ")
    truth = sorted(tuple(np.median(np.array(sizes[i]), axis=0) / 2) for i in crossing)
    measured = sorted(tuple(float(v) for v in line.split(": ")[1].split(" mm")[0].split(" x ")) for line in reported)
    for (tl, tw), (ml, mw) in zip(truth, measured):
        assert abs(ml - tl) <= 0.1 * tl and abs(mw - tw) <= 0.1 * tw, (truth, measured)


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")
def test_wildlife_batch_writes_a_row_per_clip_and_animal(tmp_path: Path) -> None:
    import csv

    import numpy as np

    from samtrack.eval.synthetic_video import RandomVideoConfig, random_video

    out = tmp_path / "summary.csv"
    assert _load("wildlife_batch").main(["--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    for seed in range(3):  # the clips the example generates, and their truth
        spec = random_video(seed, RandomVideoConfig(n_frames=40, n_objects=(1, 3)))
        areas: dict[int, list[int]] = {}
        for _, gt in spec.frames():
            for i, mask in zip(gt.ids, gt.masks):
                areas.setdefault(int(i), []).append(int(mask.sum()))
        mine = [r for r in rows if r["clip"] == f"trap{seed + 1}.mp4"]
        assert len(mine) == len(areas), (seed, mine)
        for r in mine:
            assert 0 <= float(r["duration_s"]) <= spec.n_frames / spec.fps
        if len(areas) == 1:  # one animal: its size as the truth has it
            (truth,) = areas.values()
            assert abs(float(mine[0]["mean_area_px"]) - np.mean(truth)) <= 0.1 * np.mean(truth)


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")
def test_annotated_frame_draws_the_line_and_its_counts(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from samtrack.render import LINE_COLOR

    out = tmp_path / "frame.png"
    assert _load("annotated_frame").main([str(out)]) == 0
    image = cv2.imread(str(out))[:, :, ::-1]
    assert image.shape == (384, 512, 3)  # the 256 x 192 clip scaled 2x
    # the vertical door line at x = 0.5 of the width, in the line colour (video-coded)
    column = image[40:360, 254:260].reshape(-1, 3).astype(int)
    near = np.abs(column - np.array(LINE_COLOR)).max(axis=1) < 60
    assert near.mean() > 0.5
