"""The registry of output formats (samtrack.io.formats): the built-in table, and a format
registered in a test reaching open_sinks, FORMAT_FILES / OUTPUT_FILES and the command
line's --format, then gone when the test ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samtrack import cli
from samtrack.errors import SamtrackError
from samtrack.eval.synthetic_video import single_object
from samtrack.io.base import TextFileSink, partial_path
from samtrack.io.crops import CropSink
from samtrack.io.formats import (
    FORMATS,
    OutputFormat,
    SinkOptions,
    default_formats,
    format_names,
    register_format,
)
from samtrack.io.sinks import (
    FORMAT_FILES,
    OUTPUT_FILES,
    JsonlSink,
    MotSink,
    MotsSink,
    TrackSummaryCsvSink,
    VideoSink,
    open_sinks,
)
from samtrack.models.nano import CHECKPOINT
from samtrack.types import FrameResult, mask_to_box_xyxy

# What the formats were before the registry: names, order, files and defaults must not move
# (scripts and earlier runs' folders depend on them).
BUILT_IN = {
    "jsonl": ("{stem}.jsonl", JsonlSink, True),
    "mots": ("{stem}.mots.txt", MotsSink, True),
    "mot": ("{stem}.mot.txt", MotSink, False),
    "csv": ("{stem}_tracks.csv", TrackSummaryCsvSink, True),
    "video": ("{stem}_annotated.mp4", VideoSink, True),
    "crops": ("{stem}_crops", CropSink, False),
}
ANALYTICS = ["{stem}.events.jsonl", "{stem}.counts.csv", "{stem}.measurements.csv"]


class IdsSink(TextFileSink):
    """A throwaway format: one line per frame, the frame index and the visible ids."""

    def _write(self, result: FrameResult) -> None:
        ids = ",".join(str(i) for i in result.track_ids.tolist())
        self._write_lines([f"{result.frame_index} {ids}\n"])


IDS = OutputFormat("ids", "{stem}.ids.txt", lambda path, options: IdsSink(path), "ids per frame")


def result(i: int, ids: list[int], h: int = 24, w: int = 32) -> FrameResult:
    masks = np.zeros((len(ids), h, w), dtype=bool)
    for row, _ in enumerate(ids):
        masks[row, 2 + 4 * row : 5 + 4 * row, 3:9] = True
    return FrameResult(
        frame_index=i, time=i / 25, height=h, width=w,
        track_ids=np.array(ids, dtype=np.int64), masks=masks, boxes=mask_to_box_xyxy(masks),
        scores=np.full(len(ids), 0.9, dtype=np.float32),
    )


def format_flag() -> tuple[object, str]:
    """The --format action of ``samtrack track`` as the parser builds it now, and its help."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    track = sub.choices["track"]  # type: ignore[attr-defined]
    action = next(a for a in track._actions if a.dest == "format")
    return action, action.help or ""


@pytest.fixture
def restore_registry():  # type: ignore[no-untyped-def]
    """For tests that call register_format: the registry as it was, afterwards."""
    saved = dict(FORMATS)
    yield
    FORMATS.clear()
    FORMATS.update(saved)


def test_the_built_in_formats_are_the_old_table(tmp_path: Path) -> None:
    assert format_names() == list(BUILT_IN)
    assert dict(FORMAT_FILES) == {name: row[0] for name, row in BUILT_IN.items()}
    assert FORMAT_FILES == {name: row[0] for name, row in BUILT_IN.items()}
    assert list(OUTPUT_FILES) == [row[0] for row in BUILT_IN.values()] + ANALYTICS
    assert OUTPUT_FILES == [row[0] for row in BUILT_IN.values()] + ANALYTICS
    assert default_formats() == [name for name, row in BUILT_IN.items() if row[2]]
    for name, (pattern, kind, _) in BUILT_IN.items():
        sink = FORMATS[name].open(tmp_path / pattern.format(stem="a"), SinkOptions(fps=25.0))
        assert type(sink) is kind
        sink.abort(remove_partial=True)
    assert list(tmp_path.iterdir()) == []


def test_the_format_flag_is_built_from_the_registry() -> None:
    action, text = format_flag()
    assert action.default == ["jsonl", "mots", "csv", "video"]  # type: ignore[attr-defined]
    for fmt in FORMATS.values():
        assert f"{fmt.name} = {fmt.pattern.format(stem='<stem>')}, {fmt.description}" in text
    assert "(default: jsonl,mots,csv,video)" in text


def test_a_registered_format_reaches_every_list_and_is_gone_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with monkeypatch.context() as patch:
        patch.setitem(FORMATS, "ids", IDS)
        # the command line: in the help, accepted by --format, not on by default
        action, text = format_flag()
        assert "ids = <stem>.ids.txt, ids per frame" in text
        assert action.default == ["jsonl", "mots", "csv", "video"]  # type: ignore[attr-defined]
        args = cli.build_parser().parse_args(["track", "in.mp4", "--format", "jsonl,ids"])
        assert args.format == ["jsonl", "ids"]
        # the lists of files: an earlier run's ids file counts as earlier results
        assert FORMAT_FILES["ids"] == "{stem}.ids.txt"
        assert "{stem}.ids.txt" in OUTPUT_FILES
        # open_sinks opens it, under its pattern, beside a built-in one
        sinks = open_sinks(tmp_path, ["jsonl", "IDS"], stem="clip")
        assert [type(s) for s in sinks] == [JsonlSink, IdsSink]
        for sink in sinks:
            with sink:
                for i, ids in enumerate([[1, 2], [2], []]):
                    sink.write(result(i, ids))
        assert (tmp_path / "clip.ids.txt").read_text() == "0 1,2\n1 2\n2 \n"

    assert "ids" not in FORMATS and "ids" not in FORMAT_FILES
    assert "{stem}.ids.txt" not in OUTPUT_FILES
    assert "ids = " not in format_flag()[1]
    code = cli.main(["track", str(tmp_path / "in.mp4"), "--format", "ids"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        "samtrack: error: argument --format: invalid format 'ids': choose from "
        "jsonl, mots, mot, csv, video, crops (comma separated) (see 'samtrack track --help')"
    )
    with pytest.raises(SamtrackError, match="unknown output format 'ids'"):
        open_sinks(tmp_path / "later", ["ids"], stem="clip")


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")
def test_samtrack_track_writes_a_registered_format_and_guards_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(FORMATS, "ids", IDS)
    spec = single_object(seed=3, n_frames=2)
    video = tmp_path / "clip.mp4"
    spec.write(video, tmp_path / "clip_gt.mots.txt")
    _, gt = next(iter(spec.frames()))
    box = ",".join(f"{v:g}" for v in mask_to_box_xyxy(gt.masks)[0])
    out = tmp_path / "out"
    argv = ["track", str(video), "--box", box, "--model", "nano", "--device", "cpu",
            "--discover-every", "0", "--quiet", "--format", "ids", "--out", str(out)]
    code = cli.main(argv)
    _, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["clip.ids.txt"]
    lines = (out / "clip.ids.txt").read_text().splitlines()
    assert lines == ["0 1", "1 1"]  # the one object, tracked as id 1
    # a second run finds the ids file as an earlier result (OUTPUT_FILES knows its name)
    code = cli.main([*argv[:-4], "--format", "jsonl", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and "already holds results of an earlier run (clip.ids.txt)" in err


def test_a_sink_that_fails_to_open_undoes_those_opened_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, options: SinkOptions) -> IdsSink:
        raise SamtrackError(f"cannot open {path.name}")

    monkeypatch.setitem(FORMATS, "broken", OutputFormat("broken", "{stem}.b", broken, "fails"))
    with pytest.raises(SamtrackError, match="cannot open clip.b"):
        open_sinks(tmp_path, ["jsonl", "broken"], stem="clip")
    assert list(tmp_path.iterdir()) == []
    assert not partial_path(tmp_path / "clip.jsonl").exists()


def test_register_format_adds_and_replaces(restore_registry) -> None:  # type: ignore[no-untyped-def]
    assert register_format(IDS) is IDS
    assert format_names()[-1] == "ids"
    with pytest.raises(ValueError, match="already registered"):
        register_format(IDS)
    other = OutputFormat("ids", "{stem}.ids.csv", IDS.open, "ids per frame, as CSV")
    register_format(other, replace=True)
    assert FORMAT_FILES["ids"] == "{stem}.ids.csv"


def _fmt(**change: object) -> OutputFormat:
    fields = {"name": "ids", "pattern": "{stem}.ids.txt", "open": IDS.open, "description": "x"}
    return OutputFormat(**{**fields, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fmt", "error", "message"),
    [
        (_fmt(name="IDs"), ValueError, "lowercase letters"),
        (_fmt(name="a,b"), ValueError, "lowercase letters"),
        (_fmt(name=""), ValueError, "lowercase letters"),
        (_fmt(pattern="ids.txt"), ValueError, "with {stem}"),
        (_fmt(pattern="{stem}.{ext}"), ValueError, "no other field"),
        (_fmt(pattern="sub/{stem}.txt"), ValueError, "no other field or folder"),
        (_fmt(pattern="{stem}.JSONL"), ValueError, "already the file of format 'jsonl'"),
        (_fmt(pattern="{stem}.counts.csv"), ValueError, "analytics counts file"),
        (_fmt(open="not callable"), TypeError, "callable"),
        (_fmt(description="two\nlines"), ValueError, "one line"),
        (_fmt(description=" "), ValueError, "one line"),
    ],
)
def test_register_format_refuses(fmt: OutputFormat, error: type, message: str) -> None:
    before = dict(FORMATS)
    with pytest.raises(error, match=message):
        register_format(fmt)
    assert FORMATS == before  # nothing registered
