"""``generate`` and ``validate --input`` end to end, on small sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grapheme_lab.cli import main

SPLITS = ("train", "val", "test")


def generate(out: Path, *extra: str) -> int:
    return main(["generate", "--all-levels", "--samples", "60", "--output", str(out), "--quiet", *extra])


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite_manifest_checksums(root: Path) -> None:
    """Make the manifest match edited files, so that the row checks themselves are tested."""
    import hashlib

    manifest = json.loads((root / "manifest.json").read_text())
    for rel, entry in manifest["files"].items():
        data = (root / rel).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["rows"] = data.count(b"\n")
    (root / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "gen"
    assert generate(out) == 0
    return out


def test_generate_writes_every_split_and_a_manifest(dataset):
    manifest = json.loads((dataset / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["format"] == "jsonl"
    assert manifest["shard"] == {"index": 0, "count": 1}
    for lv in range(1, 8):
        counts = manifest["levels"][str(lv)]["counts"]
        assert sum(counts.values()) == 60
        for split in SPLITS:
            path = dataset / split / f"level_{lv}.jsonl"
            lines = path.read_text().splitlines()
            assert len(lines) == counts[split] == manifest["files"][f"{split}/level_{lv}.jsonl"]["rows"]
            for line in lines:
                assert json.loads(line)["level"] == lv
    # Atomic writes leave no temporary files behind.
    assert not [p for p in dataset.rglob(".*") if p.is_file()]


def test_validate_passes_on_fresh_data(dataset, capsys):
    assert main(["validate", "--input", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "OK: 420 rows" in out
    assert out.count(" ok") == 7


def test_validate_fails_on_a_corrupted_row(dataset, tmp_path, capsys):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(dataset, bad)
    path = bad / "train" / "level_2.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[3])
    row["expected_result"] += 1.0
    lines[3] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")
    # First the checksum catches the edit ...
    assert main(["validate", "--input", str(bad)]) == 1
    assert "sha256" in capsys.readouterr().out
    # ... and with the checksums made to match, the value check does.
    rewrite_manifest_checksums(bad)
    assert main(["validate", "--input", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "train/level_2.jsonl:4" in out and "FAIL" in out


def test_validate_detects_split_leakage_and_duplicates(dataset, tmp_path, capsys):
    import shutil

    bad = tmp_path / "leak"
    shutil.copytree(dataset, bad)
    train = bad / "train" / "level_4.jsonl"
    first = train.read_text().splitlines()[0]
    with (bad / "test" / "level_4.jsonl").open("a") as f:
        f.write(first + "\n")
    with train.open("a") as f:
        f.write(first + "\n")
    rewrite_manifest_checksums(bad)
    assert main(["validate", "--input", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "split leakage" in out and "duplicate" in out


def test_validate_fails_without_manifest(dataset, tmp_path, capsys):
    import shutil

    bad = tmp_path / "nomanifest"
    shutil.copytree(dataset, bad)
    (bad / "manifest.json").unlink()
    assert main(["validate", "--input", str(bad)]) == 1
    assert "manifest.json is missing" in capsys.readouterr().out


def test_output_is_byte_identical_across_thread_counts(tmp_path):
    a, b = tmp_path / "t1", tmp_path / "t2"
    assert generate(a, "--threads", "1", "--seed", "3") == 0
    assert generate(b, "--threads", "2", "--seed", "3") == 0
    assert tree_bytes(a) == tree_bytes(b)


def test_shards_concatenate_to_the_whole_data_set(tmp_path, dataset):
    parts = [tmp_path / f"part{k}" for k in range(3)]
    for k, part in enumerate(parts):
        assert generate(part, "--shard", f"{k}/3") == 0
        assert main(["validate", "--input", str(part)]) == 0
    for lv in range(1, 8):
        for split in SPLITS:
            name = f"{split}/level_{lv}.jsonl"
            joined = b"".join((p / name).read_bytes() for p in parts)
            assert joined == (dataset / name).read_bytes(), name


def test_single_level_keeps_other_levels_in_the_manifest(tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["generate", "--level", "3", "--samples", "30", "--output", str(out), "--quiet"]) == 0
    assert main(["generate", "--level", "5", "--samples", "30", "--output", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["levels"]) == ["3", "5"]
    assert main(["validate", "--input", str(out)]) == 0


def test_bad_flags_are_clear_errors(tmp_path, capsys):
    assert generate(tmp_path / "x", "--shard", "3/2") == 2
    assert "--shard" in capsys.readouterr().err
    assert generate(tmp_path / "x", "--split", "90/10") == 2
    with pytest.raises(SystemExit):
        main(["generate", "--level", "9", "--output", str(tmp_path / "y")])
    with pytest.raises(SystemExit):
        main(["generate", "--output", str(tmp_path / "y")])  # neither --all-levels nor --level
    assert main(["validate", "--input", str(tmp_path / "missing")]) == 2


def test_help_explains_every_flag():
    out = subprocess.run(
        [sys.executable, "-m", "grapheme_lab", "generate", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in ["--all-levels", "--level", "--output", "--samples", "--format", "--seed", "--threads", "--shard", "--split"]:
        assert flag in out
    assert "0 = all cores" in out and "manifest.json" in out


def test_help_lists_every_command_on_one_line():
    out = subprocess.run([sys.executable, "-m", "grapheme_lab", "--help"], capture_output=True, text=True,
                         check=True, env={**os.environ, "COLUMNS": "80"}).stdout
    from grapheme_lab.cli import COMMANDS

    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("    ") and line.split()}
    assert set(COMMANDS) <= set(lines) and {"evaluate", "validate", "train"} <= set(COMMANDS)
    assert all(len(lines[c].split()) > 2 for c in COMMANDS)  # the name and its help, on one line


def test_manifest_is_written_last_and_every_file_atomically(tmp_path, monkeypatch):
    import os

    import grapheme_lab.generate as gen

    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def recording_replace(src, dst):
        renames.append((str(src), str(dst)))
        # At the moment of each rename the target is not there yet, or is an old version.
        real_replace(src, dst)

    monkeypatch.setattr(gen.os, "replace", recording_replace)
    out = tmp_path / "atomic"
    assert generate(out) == 0
    targets = [Path(dst) for _, dst in renames]
    assert len(targets) == 7 * 3 + 1
    assert targets[-1] == out / "manifest.json"  # last
    assert sorted(map(str, targets[:-1])) == sorted(str(out / s / f"level_{lv}.jsonl") for s in SPLITS for lv in range(1, 8))
    for src, dst in renames:  # each from a temporary file beside its target
        assert Path(src).parent == Path(dst).parent and Path(src).name.startswith(".") and src.endswith(".tmp")
    # An interrupted run leaves the previous files and no temporary ones.
    class InterruptedStream:
        def __init__(self, *args):
            self.calls = 0

        def next_chunk(self, rows):
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            return [(0, '{"partial": true}')]

    before = tree_bytes(out)
    monkeypatch.setattr(gen._core, "GeneratorStream", InterruptedStream)
    assert main(["generate", "--level", "2", "--samples", "10", "--output", str(out), "--quiet"]) == 130
    assert tree_bytes(out) == before


def test_progress_bar_only_on_a_terminal(tmp_path):
    import os
    import pty

    cmd = [sys.executable, "-m", "grapheme_lab", "generate", "--level", "1", "--samples", "300", "--output"]
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.Popen([*cmd, str(tmp_path / "tty")], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        seen += data
    os.close(master)
    assert proc.wait(timeout=60) == 0
    assert b"level 1" in seen and b"300/300" in seen and b"rows" in seen, seen[-500:]
    piped = subprocess.run([*cmd, str(tmp_path / "pipe")], capture_output=True, check=True)
    assert b"300/300" not in piped.stderr and piped.stderr == b""
