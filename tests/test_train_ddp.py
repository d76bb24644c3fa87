"""Multi-process training: 2 CPU processes with gloo under torchrun match one process on the
same global batch; a run killed with SIGKILL resumes from its last checkpoint and ends where an
uninterrupted run ends."""

import os
import signal
import subprocess
import sys
import time

import torch

from grapheme_lab.brain import checkpoint as ckpt_io

from brain_helpers import tiny, write_toml


def env():
    e = dict(os.environ)
    e.pop("WORLD_SIZE", None)
    e["OMP_NUM_THREADS"] = "1"
    return e


def run(args, **kw):
    return subprocess.run([sys.executable, *args], env=env(), capture_output=True, text=True, timeout=300, **kw)


def final(tmp, name):
    return ckpt_io.load(tmp / name / "ck" / "final.pt")["model"]


def test_two_gloo_processes_match_one(tmp_path):
    for name in ("one", "two"):
        write_toml(tiny(tmp_path / name, training={"batch_size": 16}), tmp_path / f"{name}.toml")
    one = run(["-m", "grapheme_lab", "train", "--config", str(tmp_path / "one.toml")])
    assert one.returncode == 0, one.stderr
    two = run(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "grapheme_lab", "train",
               "--config", str(tmp_path / "two.toml")])
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = final(tmp_path, "one"), final(tmp_path, "two")
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5, msg=k)
    # each rank trained on its half of every global batch, not on the whole of it
    import json

    logs = {name: [json.loads(x) for x in (tmp_path / name / "ck" / "training.log").read_text().splitlines()]
            for name in ("one", "two")}
    epochs = {name: [e for e in events if e["event"] == "epoch"] for name, events in logs.items()}
    assert len(epochs["one"]) == len(epochs["two"]) == 4
    for e1, e2 in zip(epochs["one"], epochs["two"]):
        assert e2["world"] == 2 and abs(2 * e2["rows_rank0"] - e1["rows_rank0"]) <= 2 * e2["rows_rank0"] // 16 + 1
    lines_one = [x for x in one.stdout.splitlines() if "Advancing" in x or "Moving on" in x or "complete" in x]
    lines_two = [x for x in two.stdout.splitlines() if "Advancing" in x or "Moving on" in x or "complete" in x]
    assert lines_one == lines_two  # the same curriculum decisions (validation summed over ranks)


def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    # enough rows that an epoch takes a while; the run is killed once its first checkpoint exists
    big = {"data": {"samples": {"1": 1500, "2": 120}}, "training": {"epochs_per_level": 3}}
    for name in ("clean", "killed"):
        write_toml(tiny(tmp_path / name, **big), tmp_path / f"{name}.toml")
    clean = run(["-m", "grapheme_lab", "train", "--config", str(tmp_path / "clean.toml")])
    assert clean.returncode == 0, clean.stderr
    ck = tmp_path / "killed" / "ck"
    p = subprocess.Popen([sys.executable, "-m", "grapheme_lab", "train", "--config", str(tmp_path / "killed.toml")],
                         env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (ck / "latest.pt").exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert (ck / "latest.pt").exists() and not (ck / "final.pt").exists(), "the run ended before it could be killed"
    resumed = run(["-m", "grapheme_lab", "train", "--config", str(tmp_path / "killed.toml"), "--resume", str(ck / "latest.pt")])
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed from" in resumed.stdout
    a, b = final(tmp_path, "clean"), final(tmp_path, "killed")
    assert all(torch.equal(a[k], b[k]) for k in a)
