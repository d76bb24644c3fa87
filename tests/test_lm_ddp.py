"""The language-model loop under torchrun: 2 CPU processes with gloo take the steps one
process takes on the same global batch."""

from __future__ import annotations

import os
import subprocess
import sys

import torch
from lm_helpers import lm_config, tiny_corpus, write_toml

from grapheme_lab.lm.checkpoint import load


def test_two_gloo_processes_match_one(tmp_path):
    corpus = tiny_corpus(tmp_path / "c")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    for name in ("one", "two"):
        cfg = lm_config(tmp_path / name, corpus.dir, max_steps=4, eval_every=2)
        cfg["hardware"]["amp"] = "off"  # float32 on both sides: the sums differ only in order
        write_toml(cfg, tmp_path / f"{name}.toml")
    run = lambda *a: subprocess.run([sys.executable, *a], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    one = run("-m", "grapheme_lab", "train", "--config", str(tmp_path / "one.toml"))
    assert one.returncode == 0, one.stderr[-3000:]
    two = run("-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "grapheme_lab", "train",
              "--config", str(tmp_path / "two.toml"))
    assert two.returncode == 0, two.stderr[-3000:]
    assert "cpu x2" in two.stdout
    a, b = load(tmp_path / "one" / "run" / "final.pt"), load(tmp_path / "two" / "run" / "final.pt")
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=1e-4, atol=1e-5, msg=k)
    assert abs(a["val_bpb"] - b["val_bpb"]) < 1e-4  # the validation windows shared out and summed
