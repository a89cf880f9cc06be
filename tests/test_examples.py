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
