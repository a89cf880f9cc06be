"""The one atomic-write helper and the output folder's lock and rules."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samtrack.errors import SamtrackError
from samtrack.io.atomic import atomic_path, write_files, write_text
from samtrack.io.outdir import LOCK_NAME, check_outputs, locked, stale_files


def test_write_files_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.png").write_bytes(b"earlier")
    real_replace = os.replace
    calls = []

    def fail_second(src: str, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(OSError):
        write_files({tmp_path / "a.png": b"first", tmp_path / "b.png": b"second"})
    # no temporary file is left behind and the earlier file is untouched
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["a.png", "b.png"], names  # a.png was complete when it was renamed
    assert (tmp_path / "b.png").read_bytes() == b"earlier"


def test_a_failed_write_leaves_the_earlier_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    write_text(path, "one")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert path.read_text() == "one" and sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]
    with atomic_path(tmp_path / "clip.mp4") as tmp:  # writers that go by the suffix see it
        assert tmp.suffix == ".mp4" and tmp.name.startswith(".clip.")
        tmp.write_bytes(b"v")
    assert (tmp_path / "clip.mp4").read_bytes() == b"v"


def test_the_lock_refuses_a_second_process_and_is_reentrant_in_one(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    with locked(folder):
        with locked(folder):  # the same process (e.g. the demo around its run)
            pass
        held = subprocess.run(
            [sys.executable, "-c",
             f"from samtrack.io.outdir import locked\nwith locked({str(folder)!r}): pass"],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert held.returncode != 0 and "another samtrack run" in held.stderr
        assert f"process {os.getpid()}" in held.stderr
    # released: the lock file and the folder this made (still empty) are gone
    assert not folder.exists()
    folder.mkdir()
    lock = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with pytest.raises(SamtrackError, match="another samtrack run"), locked(folder):
            pass
    finally:
        os.close(lock)
    with locked(folder):  # a lock whose holder died is no lock
        (folder / "result.txt").write_text("r")
    assert sorted(p.name for p in folder.iterdir()) == ["result.txt"]


def test_outputs_never_replace_inputs_or_earlier_results(tmp_path: Path) -> None:
    clip = tmp_path / "clip.jsonl"
    clip.write_text("an input that happens to be named like a result")
    with pytest.raises(SamtrackError, match="would replace the input"):
        check_outputs([tmp_path / "clip.jsonl"], [clip], overwrite=True)
    link = tmp_path / "out.jsonl"
    link.symlink_to(clip)
    with pytest.raises(SamtrackError, match="would replace the input"):
        check_outputs([link], [clip], overwrite=True)
    (tmp_path / "x.mots.txt.partial").write_text("")
    with pytest.raises(SamtrackError, match="--overwrite"):
        check_outputs([tmp_path / "x.mots.txt"], [], overwrite=False)
    check_outputs([tmp_path / "x.mots.txt"], [], overwrite=True)
    found = stale_files(tmp_path, ["{stem}.jsonl", "{stem}.mots.txt"], "x", keep=[])
    assert [p.name for p in found] == ["x.mots.txt.partial"]
