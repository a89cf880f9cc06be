"""``samtrack track`` and ``samtrack demo`` with the bundled nano model on a generated
video: the happy paths, earlier results kept unless --overwrite, and SIGTERM / SIGINT
leaving valid partial files (bad input: test_bad_input)."""

from __future__ import annotations

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


@needs_nano
def test_track_writes_every_format_and_they_read_back(
    clip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video, truth, box = clip
    out_dir = tmp_path / "out"
    box_text = ",".join(f"{v:g}" for v in box)
    code, out, err = _run(
        ["track", str(video), "--box", box_text, "--out", str(out_dir), "--format",
         "jsonl,mots,mot,csv,video", "--discover-every", "0", "--device", "cpu", "--quiet",
         "--model", "nano"],
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
        "synthetic_crops",
    }
    assert {p.suffix for p in (folder / "synthetic_crops").iterdir()} == {".png"}
    line = next(line for line in out.splitlines() if "mean mask IoU" in line)
    assert float(line.split("mean mask IoU ")[1].split(",")[0]) > 0.6
    assert len(list(read_mots(folder / "synthetic_gt.mots.txt"))) == 15


@needs_nano
def test_earlier_results_are_kept_unless_overwrite_which_also_removes_stale_formats(
    clip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video, _, box = clip
    out_dir = tmp_path / "out"
    base = ["track", str(video), "--box", ",".join(f"{v:g}" for v in box), "--out", str(out_dir),
            "--discover-every", "0", "--device", "cpu", "--quiet", "--model", "nano"]
    code, _, err = _run(base + ["--format", "jsonl,csv"], capsys)
    assert code == 0, err
    first = (out_dir / "clip.jsonl").read_bytes()
    (out_dir / "notes.txt").write_text("mine")  # not a result of this stem: never touched

    code, _, err = _run(base + ["--format", "mots"], capsys)
    assert code == 2 and "--overwrite" in err
    assert (out_dir / "clip.jsonl").read_bytes() == first
    assert not (out_dir / "clip.mots.txt").exists()

    code, out, err = _run(base + ["--format", "mots", "--overwrite"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["clip.mots.txt", "notes.txt"]
    assert "removed" in out and "clip.jsonl" in out
    assert len(list(read_mots(out_dir / "clip.mots.txt"))) == 12


@needs_nano
@pytest.mark.parametrize("signal_name, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_finishes_the_frame_and_leaves_valid_partial_files(
    signal_name: str, code: int, tmp_path: Path
) -> None:
    import signal
    import time

    import av

    video = tmp_path / "long.mp4"
    spec = single_object(seed=3, n_frames=400)
    spec.write(video)
    _, gt = next(iter(spec.frames()))
    box = ",".join(f"{v:g}" for v in mask_to_box_xyxy(gt.masks)[0])
    out_dir = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-m", "samtrack.cli", "track", str(video), "--box", box, "--model",
         "nano", "--device", "cpu", "--out", str(out_dir), "--discover-every", "0", "--format",
         "jsonl,mots,csv,video"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    jsonl = out_dir / "long.jsonl.partial"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (jsonl.exists() and jsonl.stat().st_size > 0):
        time.sleep(0.2)
    run.send_signal(getattr(signal, signal_name))
    _, err = run.communicate(timeout=120)

    assert run.returncode == code, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"samtrack: interrupted by {signal_name} after "), err
    assert str(jsonl) in last and "Traceback" not in err
    frames = int(last.split(" after ")[1].split()[0])
    assert 1 <= frames < 400
    # every file holds exactly the frames done, and the video plays
    assert len(list(read_jsonl(jsonl))) == frames
    assert len(list(read_mots(out_dir / "long.mots.txt.partial"))) == frames
    (summary,) = read_track_summary_csv(out_dir / "long_tracks.csv.partial")
    assert summary.frames_visible == frames
    with av.open(str(out_dir / "long_annotated.mp4.partial"), format="mp4") as container:
        assert sum(1 for _ in container.decode(video=0)) == frames
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "long.jsonl.partial", "long.mots.txt.partial", "long_annotated.mp4.partial",
        "long_tracks.csv.partial",
    ]
