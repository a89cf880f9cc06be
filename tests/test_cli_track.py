"""``samtrack track`` and ``samtrack demo``: bad input as a table (one line, exit 2, no
output), and the happy paths with the bundled nano model on a generated video."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from samtrack import cli
from samtrack.eval.synthetic_video import single_object
from samtrack.io.sinks import read_jsonl, read_mots, read_track_summary_csv
from samtrack.models.nano import CHECKPOINT
from samtrack.types import mask_to_box_xyxy

needs_nano = pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    """A 12-frame 256x192 video of one object, its ground truth, and its first-frame box."""
    folder = tmp_path_factory.mktemp("clip")
    spec = single_object(seed=3, n_frames=12)
    video, truth = folder / "clip.mp4", folder / "clip_gt.mots.txt"
    spec.write(video, truth)
    _, gt = next(iter(spec.frames()))
    return video, truth, mask_to_box_xyxy(gt.masks)[0]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


BAD_INPUT = [
    ("track {missing}", "no such file or folder"),
    ("track {garbage}", "Invalid data found"),
    ("track rtsp://127.0.0.1:9/nothing", "cannot open rtsp://127.0.0.1:9/nothing"),
    ("track {video} --prompts {missing}", "does not exist"),
    ("track {video} --prompts {not_json}", "is not valid JSON"),
    ("track {video} --prompts {bad_frame}", "is not a frame index"),
    ("track {video} --prompts {bad_box}", "box must be a list of 4 numbers"),
    ("track {video} --prompts {outside}", "lies outside the 256x192 frame"),
    ("track {video} --box 10,10,300,50", "box 10,10,300,50 lies outside the 256x192 frame"),
    ("track {video} --box 50,10,40,30", "needs x2 > x1 and y2 > y1"),
    ("track {video} --point 5,500", "point 5,500 lies outside the 256x192 frame"),
    ("track {video} --box 1,2,3", "invalid box '1,2,3'"),
    ("track {video} --negative 3,3", "--negative needs"),
    ("track {video} --model sam_vit_q", "unknown model 'sam_vit_q'"),
    ("track {video} --checkpoint {missing}", "checkpoint not found"),
    ("track {video} --detections {missing}", "detections file not found"),
    ("track {video} --format jsonl,xml", "invalid format 'jsonl,xml'"),
    ("track {video} --stride 0", "invalid count '0'"),
    ("track {video} --start soon", "invalid start 'soon'"),
    ("track {video} --max-age x", "invalid int value: 'x'"),
    ("track {video} --box 1,1,9,9 --prompts {outside}", "not allowed with"),
    ("demo --frames 0", "invalid count '0'"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[a for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_no_output(
    args: str, message: str, clip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video, _, _ = clip
    files = {
        "not_json": "{ 0: [",
        "bad_frame": json.dumps({"first": [{"box": [1, 1, 5, 5]}]}),
        "bad_box": json.dumps({"0": [{"box": [1, 1, 5]}]}),
        "outside": json.dumps({"3": [{"box": [100, 100, 400, 150]}]}),
    }
    paths = {"video": video, "missing": tmp_path / "missing.mp4"}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(text)
    paths["garbage"] = tmp_path / "garbage.mp4"
    paths["garbage"].write_bytes(b"not a video at all " * 50)
    out_dir = tmp_path / "out"
    argv = args.format(**paths).split() + ["--out", str(out_dir), "--quiet"]

    code, out, err = _run(argv, capsys)

    assert code == 2, err
    assert err.startswith("samtrack: error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in out + err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_bad_input_in_a_fresh_process_prints_no_traceback(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.json"
    prompts.write_text('{"0": [{"box": [1, 2]}]}')
    done = subprocess.run(
        [sys.executable, "-m", "samtrack.cli", "track", str(tmp_path / "none.mp4"), "--prompts", str(prompts)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@needs_nano
def test_track_writes_every_format_and_they_read_back(
    clip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video, truth, box = clip
    out_dir = tmp_path / "out"
    box_text = ",".join(f"{v:g}" for v in box)
    code, out, err = _run(
        ["track", str(video), "--box", box_text, "--out", str(out_dir), "--format",
         "jsonl,mots,mot,csv,video", "--discover-every", "0", "--device", "cpu", "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert "tracked 12 frames" in out and "1 track" in out
    names = {p.name for p in out_dir.iterdir()}
    assert names == {"clip.jsonl", "clip.mots.txt", "clip.mot.txt", "clip_tracks.csv", "clip_annotated.mp4"}
    frames = list(read_jsonl(out_dir / "clip.jsonl"))
    mots = list(read_mots(out_dir / "clip.mots.txt"))
    assert len(frames) == 12 and len(mots) == 12
    for a, b in zip(frames, mots):
        assert a.track_ids.tolist() == b.track_ids.tolist() == [1]
        assert np.array_equal(a.masks, b.masks)
    gt = list(read_mots(truth))
    ious = [float((a.masks[0] & g.masks[0]).sum() / (a.masks[0] | g.masks[0]).sum()) for a, g in zip(frames, gt)]
    assert np.mean(ious) > 0.7, ious
    (summary,) = read_track_summary_csv(out_dir / "clip_tracks.csv")
    assert summary.id == 1 and summary.frames_visible == 12


@needs_nano
def test_demo_tracks_a_synthetic_video_and_scores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    code, out, err = _run(["demo", "--out", str(folder), "--frames", "15", "--device", "cpu", "--quiet"], capsys)
    assert code == 0, err
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "synthetic.mp4",
        "synthetic_gt.mots.txt",
        "synthetic.jsonl",
        "synthetic.mots.txt",
        "synthetic.mot.txt",
        "synthetic_tracks.csv",
        "synthetic_annotated.mp4",
    }
    line = next(line for line in out.splitlines() if "mean mask IoU" in line)
    assert float(line.split("mean mask IoU ")[1].split(",")[0]) > 0.6
    assert len(list(read_mots(folder / "synthetic_gt.mots.txt"))) == 15
