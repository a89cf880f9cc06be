"""Bad input, as one table: every row is a command line, the exit code, a fragment of the
one line it must print, and the promise that the folder tree (inputs, earlier results,
the output folder) is byte for byte the same afterwards: nothing written, nothing
overwritten, no partial file left."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from samtrack import cli
from samtrack.eval.synthetic_video import single_object

# Templates: {img} a 160x120 PNG, {video} a 12-frame 256x192 video (clip.mp4), {garbage}
# random bytes, {missing} a path that does not exist, {out} the output folder of a track
# run, {mask} the PNG a segment run writes, {earlier} a folder holding an earlier run's
# results for clip.mp4, {stale} one holding an interrupted run's .partial, {a_file} a
# plain file, {prompts:NAME} a prompts file from PROMPTS, {det:NAME} a detections file
# from DETECTIONS, {analytics:NAME} an analytics config from ANALYTICS, {counted} a folder
# holding an earlier run's analytics counts.
PROMPTS = {
    "not_json": "{ 0: [",
    "bad_frame": json.dumps({"first": [{"box": [1, 1, 5, 5]}]}),
    "bad_box": json.dumps({"0": [{"box": [1, 1, 5]}]}),
    "outside": json.dumps({"3": [{"box": [100, 100, 400, 150]}]}),
    "five": json.dumps({"0": [{"box": [i, i, i + 9, i + 9]} for i in range(5)]}),
    "at3": json.dumps({"3": [{"box": [1, 1, 9, 9]}]}),
    "at900": json.dumps({"900": [{"box": [1, 1, 9, 9]}]}),
}
ANALYTICS = {
    "not_json": '{"lines": [',
    "one_point": json.dumps({"lines": [{"name": "door", "points": [[10, 10]]}]}),
    "no_polygon": json.dumps({"zones": [{"name": "bench"}]}),
}
DETECTIONS = {
    "nan": "1,-1,10,10,nan,20,0.9,-1,-1,-1\n",
    "frame0": "0,-1,10,10,20,20,0.9,-1,-1,-1\n",
}

BAD_INPUT = [
    # --- segment: the image and its prompts
    ("segment {missing} --box 1,1,5,5 --out {mask}", "image not found"),
    ("segment {garbage} --box 1,1,5,5 --out {mask}", "cannot read image"),
    ("segment {img} --box 0,0,161,20 --out {mask}", "outside the 160x120"),
    ("segment {img} --box=-5,0,10,10 --out {mask}", "outside the 160x120"),
    ("segment {img} --box 10,10,20,121 --out {mask}", "outside the 160x120"),
    ("segment {img} --box 1,1,5,5 --box 50,10,40,30 --out {mask}", "x2 > x1"),
    ("segment {img} --box 50,10,60,10 --out {mask}", "y2 > y1"),
    ("segment {img} --box 1,2,3 --out {mask}", "invalid box '1,2,3'"),
    ("segment {img} --box a,b,c,d --out {mask}", "invalid box"),
    ("segment {img} --box 1,2,3,nan --out {mask}", "invalid box"),
    ("segment {img} --point 5 --out {mask}", "invalid point '5'"),
    ("segment {img} --point 5;5 --out {mask}", "invalid point"),
    ("segment {img} --point 160,5 --out {mask}", "point 160,5 lies outside the 160x120"),
    ("segment {img} --point 5,5 --negative 5,-1 --out {mask}", "outside"),
    ("segment {img} --box 1,1,5,5 --negative 3,3 --out {mask}", "--negative needs"),
    ("segment {img} --out {mask}", "one of the arguments --box --point --everything is required"),
    ("segment {img} --box 1,1,5,5 --point 2,2 --out {mask}", "not allowed with"),
    ("segment {img} --box 1,1,5,5", "required: --out"),
    ("segment {img} --box 1,1,5,5 --out {out}/mask.jpg", "must name a .png file"),
    ("segment {img} --box 1,1,5,5 --out {img}", "would replace the input"),
    ("segment {img} --box 1,1,5,5 --out {earlier}/mask.png", "already holds results"),
    ("segment {img} --everything --points-per-side 0 --out {mask}", "invalid count '0'"),
    ("segment {img} --everything --pred-iou-thresh 1.5 --out {mask}", "from 0 to 1"),
    ("segment {img} --everything --min-mask-area -3 --out {mask}", "invalid count '-3'"),
    # --- models and checkpoints
    ("segment {img} --box 1,1,5,5 --model sam_vit_q --out {mask}", "unknown model 'sam_vit_q'"),
    ("segment {img} --box 1,1,5,5 --checkpoint {missing} --out {mask}", "checkpoint not found"),
    ("segment {img} --box 1,1,5,5 --checkpoint {garbage} --out {mask}", "checkpoint"),
    ("segment {img} --box 1,1,5,5 --model nano --checkpoint {garbage} --out {mask}", "not allowed with"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:empty} --out {mask}", "is empty (0 bytes)"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:html} --out {mask}", "an HTML or XML page"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:plain_pickle} --out {mask}", "a plain Python pickle"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:truncated} --out {mask}", "is truncated"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:not_a_state_dict} --out {mask}", "it holds a list"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:unsafe_checkpoint} --out {mask}", "holds more than weights"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:nan} --out {mask}", "has non-finite weights"),
    ("segment {img} --box 1,1,5,5 --checkpoint {ckpt:huge_config} --out {mask}", "has an implausible config"),
    ("track {video} --checkpoint {ckpt:empty} --out {out}", "is empty (0 bytes)"),
    ("SAMTRACK_HOME={a_file} segment {img} --box 1,1,5,5 --out {mask}", "SAMTRACK_HOME is a file, not a folder"),
    ("segment {img} --box 1,1,5,5 --device tpu --model nano --out {mask}", "unknown device 'tpu'"),
    ("segment {img} --box 1,1,5,5 --dtype float8 --out {mask}", "invalid choice: 'float8'"),
    ("segment {img} --box 1,1,5,5 --model nano --image-size 100 --out {mask}", "multiple of the encoder's stride 8"),
    ("track {video} --model nano --image-size 0 --out {out}", "--image-size"),
    ("segment {img} --box 1,1,5,5 --out {mask}", "try samtrack offline with the bundled model: --model nano"),
    ("track {video} --box 1,1,9,9 --out {out}", "try samtrack offline with the bundled model: --model nano"),
    # --- track: the input
    ("track {missing} --out {out}", "no such file or folder"),
    ("track {garbage} --out {out}", "Invalid data found"),
    ("track rtsp://127.0.0.1:9/nothing --out {out}", "cannot open rtsp://127.0.0.1:9/nothing"),
    # --- track: prompts and detections
    ("track {video} --prompts {missing} --out {out}", "does not exist"),
    ("track {video} --prompts {prompts:not_json} --out {out}", "is not valid JSON"),
    ("track {video} --prompts {prompts:bad_frame} --out {out}", "is not a frame index"),
    ("track {video} --prompts {prompts:bad_box} --out {out}", "box must be a list of 4 numbers"),
    ("track {video} --prompts {prompts:outside} --out {out}", "lies outside the 256x192 frame"),
    ("track {video} --box 10,10,300,50 --out {out}", "box 10,10,300,50 lies outside the 256x192"),
    ("track {video} --box 50,10,40,30 --out {out}", "x2 > x1"),
    ("track {video} --point 5,500 --out {out}", "point 5,500 lies outside the 256x192 frame"),
    ("track {video} --box 1,2,3 --out {out}", "invalid box '1,2,3'"),
    ("track {video} --negative 3,3 --out {out}", "--negative needs"),
    ("track {video} --box 1,1,9,9 --prompts {prompts:outside} --out {out}", "not allowed with"),
    ("track {video} --detections {missing} --out {out}", "detections file not found"),
    ("track {video} --detections {det:nan} --model nano --out {out}", "is not a number"),
    ("track {video} --detections {det:frame0} --model nano --out {out}", "frame"),
    ("track {video} --model nano --prompts {prompts:five} --max-objects 4 --out {out}", "more than max_objects"),
    ("track {video} --model nano --box 1,1,5,5 --box 6,6,9,9 --max-objects 1 --out {out}", "more than max_objects"),
    ("track {video} --model nano --prompts {prompts:at3} --start 5 --out {out}", "lie before frame 5"),
    ("track {video} --model nano --prompts {prompts:at3} --start 0.2s --out {out}", "lie before frame 5"),
    ("track {video} --model nano --prompts {prompts:at900} --out {out}", "beyond the video's 12 frames"),
    # --- track: image folders
    ("track {mixed} --model nano --out {out}", "all images in a folder must have one size"),
    # --- track: tracker settings
    ("track {video} --model nano --min-score -3 --out {out}", "min_score (--min-score) must be a number from 0 to 1, not -3"),
    ("track {video} --model nano --min-score nan --out {out}", "not nan"),
    ("track {video} --model nano --motion-weight nan --out {out}", "motion_weight (--motion-weight)"),
    ("track {video} --model nano --max-age -1 --out {out}", "max_age (--max-age) must be a whole number"),
    ("track {video} --model nano --match-iou 1.5 --out {out}", "match_iou (--match-iou)"),
    ("track {video} --model nano --max-area-change 0.5 --out {out}", "of 1 or more, not 0.5"),
    ("track {video} --model nano --max-objects 0 --out {out}", "max_objects (--max-objects)"),
    ("track {video} --model nano --discover-points-per-side 0 --out {out}", "from 1 to 256"),
    ("track {video} --associate-by centre --out {out}", "invalid choice: 'centre'"),
    # --- track: options
    ("track {video} --model sam_vit_q --out {out}", "unknown model 'sam_vit_q'"),
    ("track {video} --checkpoint {missing} --out {out}", "checkpoint not found"),
    ("track {video} --format jsonl,xml --out {out}", "invalid format 'jsonl,xml'"),
    ("track {video} --stride 0 --out {out}", "invalid count '0'"),
    ("track {video} --start soon --out {out}", "invalid start 'soon'"),
    ("track {video} --max-age x --out {out}", "invalid int value: 'x'"),
    # --- track: analytics (checked before the video is opened or the model loaded)
    ("track {video} --model nano --analytics {missing} --out {out}", "analytics config not found"),
    ("track {video} --model nano --analytics {analytics:not_json} --out {out}", "is not valid JSON"),
    ("track {video} --model nano --analytics {analytics:one_point} --out {out}", "points must be 2 points"),
    ("track {video} --model nano --analytics {analytics:no_polygon} --out {out}", "needs a polygon"),
    ("track {missing} --model nano --analytics {analytics:one_point} --out {out}", "points must be 2 points"),
    ("track {video} --model nano --analytics {analytics:not_json} --interval 0 --out {out}", "invalid interval '0'"),
    ("track {video} --model nano --out {counted}", "already holds results of an earlier run"),
    # --- track: outputs never clobber
    ("track {video} --model nano --out {earlier}", "already holds results of an earlier run"),
    ("track {video} --model nano --out {stale}", "already holds results of an earlier run"),
    ("track {video} --model nano --out {a_file}", "is not a folder"),
    ("track {video} --model nano --out {locked}", "another samtrack run"),
    ("track {inputs}/clip.jsonl --model nano --out {inputs}", "would replace the input"),
    ("track {video} --model nano --prompts {inputs}/clip.mots.txt --out {inputs}", "would replace the input"),
    # --- eval
    ("eval {missing} {gt}", "missing.mp4"),
    ("eval {half} {gt}", "results and ground truth must be of one video at one size"),
    # --- the other commands
    ("demo --out {a_file}", "is not a folder"),
    ("demo --seed x --out {out}", "invalid int value"),
    ("demo --frames 0", "invalid count '0'"),
    ("segmnet {img}", "invalid choice: 'segmnet'"),
    ("", "required: COMMAND"),
]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clip")
    video = folder / "clip.mp4"
    single_object(seed=3, n_frames=12).write(video)
    return video


def _tree(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (hidden ones too) with a hash of its bytes."""
    tree = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        tree[key] = "dir" if path.is_dir() else hashlib.sha1(path.read_bytes()).hexdigest()
    return tree


@pytest.fixture
def world(clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The files a row may name, under ``tmp_path/world``, and no network."""
    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setenv("SAMTRACK_HOME", str(tmp_path / "cache"))
    root = tmp_path / "world"
    inputs = root / "in"
    inputs.mkdir(parents=True)
    image = np.zeros((120, 160, 3), np.uint8)
    cv2.rectangle(image, (40, 30), (90, 80), (200, 60, 60), -1)
    cv2.imwrite(str(inputs / "scene.png"), image)
    video = inputs / "clip.mp4"
    video.write_bytes(clip.read_bytes())
    (inputs / "clip.jsonl").write_bytes(clip.read_bytes())  # a video whose name clashes
    (inputs / "clip.mots.txt").write_text('{"0": [{"box": [1, 1, 9, 9]}]}')
    (inputs / "garbage.bin").write_bytes(b"definitely not an image, video or checkpoint " * 9)
    (inputs / "a_file").write_text("a file, not a folder\n")
    paths = {
        "img": inputs / "scene.png",
        "video": video,
        "garbage": inputs / "garbage.bin",
        "missing": inputs / "missing.mp4",
        "a_file": inputs / "a_file",
        "inputs": inputs,
        "out": root / "out",
        "mask": root / "out" / "mask.png",
        "earlier": root / "earlier",
        "stale": root / "stale",
        "locked": root / "locked",
    }
    for name, text in PROMPTS.items():
        paths[f"prompts:{name}"] = inputs / f"{name}.json"
        paths[f"prompts:{name}"].write_text(text)
    for name, text in ANALYTICS.items():
        paths[f"analytics:{name}"] = inputs / f"{name}.analytics.json"
        paths[f"analytics:{name}"].write_text(text)
    paths["counted"] = root / "counted"
    paths["counted"].mkdir()
    (paths["counted"] / "clip.counts.csv").write_text("interval_start,interval_end\n")
    for name, text in DETECTIONS.items():
        paths[f"det:{name}"] = inputs / f"{name}.det.txt"
        paths[f"det:{name}"].write_text(text)
    mixed = paths["mixed"] = inputs / "frames"
    mixed.mkdir()
    for i in range(4):
        cv2.imwrite(str(mixed / f"{i:04d}.png"), np.full((48, 64 + 8 * (i == 2), 3), 90, np.uint8))
    paths["gt"], paths["half"] = inputs / "gt.mots.txt", inputs / "half.jsonl"
    _results(paths["gt"], 48, 64)
    _results(paths["half"], 24, 32)
    paths["earlier"].mkdir()
    (paths["earlier"] / "clip.jsonl").write_text('{"frame": 0}\n')
    (paths["earlier"] / "mask.png").write_bytes(b"an earlier mask")
    paths["stale"].mkdir()
    (paths["stale"] / "clip.mots.txt.partial").write_text("1 1 2 3 4 5\n")
    paths["locked"].mkdir()
    return root, paths


def _results(path: Path, height: int, width: int) -> None:
    """Three frames of one square object, written by the sink that the suffix names."""
    from samtrack.io.sinks import JsonlSink, MotsSink
    from samtrack.types import FrameResult, mask_to_box_xyxy

    with (JsonlSink if path.suffix == ".jsonl" else MotsSink)(path) as sink:
        for i in range(3):
            masks = np.zeros((1, height, width), bool)
            masks[0, 4 : height // 2, 4 : width // 2] = True
            sink.write(FrameResult(frame_index=i, time=i / 10, height=height, width=width,
                                   track_ids=np.array([1]), masks=masks,
                                   boxes=mask_to_box_xyxy(masks), scores=np.ones(1, np.float32)))


def _checkpoints(folder: Path, template: str) -> dict[str, Path]:
    """The checkpoint files a row names ({ckpt:NAME}), made by tests/test_registry's writers."""
    import test_registry as made

    writers = {
        "empty": made._write_empty,
        "html": made._write_html,
        "plain_pickle": made._write_plain_pickle,
        "truncated": made._write_truncated,
        "not_a_state_dict": made._write_not_a_state_dict,
        "unsafe_checkpoint": made._write_unsafe_checkpoint,
        "nan": made._write_nan,
        "huge_config": lambda path: made._with_config(path, embed_dim=10**9),
    }
    found = {}
    for name, write in writers.items():
        if "{ckpt:" + name + "}" in template:
            found["ckpt:" + name] = folder / f"{name}.pt"
            write(found["ckpt:" + name])
    return found


def _argv(template: str, paths: dict[str, Path]) -> list[str]:
    for name, path in sorted(paths.items(), key=lambda kv: -len(kv[0])):
        template = template.replace("{" + name + "}", str(path))
    assert "{" not in template, template
    return template.split()


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[a or "(nothing)" for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    args: str,
    message: str,
    world,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, paths = world
    paths = {**paths, **_checkpoints(paths["inputs"], args)}
    argv = _argv(args, paths)
    if argv and argv[0].startswith("SAMTRACK_HOME="):
        monkeypatch.setenv("SAMTRACK_HOME", argv.pop(0).partition("=")[2])
    argv += ["--quiet"] if argv and argv[0] == "track" else []
    before = _tree(root)
    lock = None
    if "{locked}" in args:  # another run holds that folder
        lock = os.open(paths["locked"] / ".samtrack.lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        before = _tree(root)
    try:
        code = cli.main(argv)
    finally:
        if lock is not None:
            os.close(lock)
    out, err = capsys.readouterr()

    assert code == 2, err
    assert err.startswith("samtrack: error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in out + err
    assert _tree(root) == before


def test_the_table_is_long_enough() -> None:
    assert len(BAD_INPUT) >= 40 and len(set(BAD_INPUT)) == len(BAD_INPUT)


def test_bad_input_in_a_fresh_process_prints_no_traceback(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.json"
    prompts.write_text('{"0": [{"box": [1, 2]}]}')
    done = subprocess.run(
        [sys.executable, "-m", "samtrack.cli", "track", str(tmp_path / "none.mp4"),
         "--prompts", str(prompts), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prompts.json"]
