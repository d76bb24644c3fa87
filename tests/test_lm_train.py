"""The language-model loop end to end on a tiny corpus: it learns, resumes exactly, writes its
checkpoints and log where told, and the CLI's sample and evaluate read what it wrote."""

from __future__ import annotations

import json
import math

import pytest
import torch
from lm_helpers import lm_config, tiny_corpus, write_toml

from grapheme_lab.cli import main as cli
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.checkpoint import load, load_model
from grapheme_lab.lm.train import train


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("lm"))


def test_training_lowers_the_validation_bpb(tmp_path, corpus):
    cfg = LC.from_dict(lm_config(tmp_path, corpus.dir, max_steps=40, eval_every=20, learning_rate=0.01,
                                 warmup_steps=5))
    s = train(cfg)
    events = [json.loads(line) for line in (tmp_path / "run" / "training.log").read_text().splitlines()]
    evals = [e["val_bpb"] for e in events if e["event"] == "eval"]
    # a uniform guess is 8.0 bits a byte; this word salad's entropy is near 1.1
    assert evals[-1] < evals[0] < 0.5 * math.log2(257) and evals[-1] < 2.6
    assert s["steps"] == 40 and s["stopped_by"] == "40 steps"
    for name in ("best.pt", "latest.pt", "final.pt"):
        assert load(tmp_path / "run" / name)["kind"] == "gpt"


def test_a_resumed_run_takes_the_same_steps(tmp_path, corpus):
    full = LC.from_dict(lm_config(tmp_path / "a", corpus.dir, max_steps=6, eval_every=0, checkpoint_every=3))
    train(full)
    half = lm_config(tmp_path / "b", corpus.dir, max_steps=3, eval_every=0, checkpoint_every=3)
    train(LC.from_dict(half))
    half["training"]["max_steps"] = 6
    train(LC.from_dict(half), resume=str(tmp_path / "b" / "run" / "latest.pt"))
    a, b = load(tmp_path / "a" / "run" / "final.pt"), load(tmp_path / "b" / "run" / "final.pt")
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    steps = lambda p: [json.loads(x)["step"] for x in p.read_text().splitlines() if '"event": "step"' in x]  # noqa: E731
    assert steps(tmp_path / "b" / "run" / "training.log") == steps(tmp_path / "a" / "run" / "training.log")


def test_cli_train_output_sample_and_evaluate(tmp_path, corpus, capsys):
    write_toml(lm_config(tmp_path, corpus.dir, max_steps=4), tmp_path / "c.toml")
    assert cli(["train", "--config", str(tmp_path / "c.toml"), "--output", str(tmp_path / "elsewhere")]) == 0
    out = capsys.readouterr().out
    assert "Done: gpt" in out and "validation bits per byte" in out and "next:" in out
    assert (tmp_path / "elsewhere" / "training.log").exists() and not (tmp_path / "run").exists()
    ckpt = str(tmp_path / "elsewhere" / "final.pt")
    assert cli(["sample", "--model", ckpt, "--prompt", "the king", "--max-tokens", "20", "--seed", "1"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("the king") and len(first) > len("the king\n")
    cli(["sample", "--model", ckpt, "--prompt", "the king", "--max-tokens", "20", "--seed", "1"])
    assert capsys.readouterr().out == first  # seeded
    model, lmcfg, tok, _ = load_model(ckpt)
    assert lmcfg.kind == "gpt" and tok.vocab_size == 257


def test_bad_language_model_input_is_a_clear_error(tmp_path, corpus, capsys):
    cfg = lm_config(tmp_path, corpus.dir)
    cfg["model"]["sequence_len"] = 100_000
    with pytest.raises(ValueError, match="longer than every training document"):
        train(LC.from_dict(cfg))
    cfg = lm_config(tmp_path, corpus.dir)
    cfg["model"]["dropout"] = 0.1
    with pytest.raises(Exception, match="unknown key 'dropout' in \\[model\\] for kind 'gpt'"):
        LC.from_dict(cfg, "x.toml")
    cfg = lm_config(tmp_path, corpus.dir)
    cfg["training"]["max_steps"] = 0
    with pytest.raises(Exception, match="needs max_steps or time_limit_minutes"):
        LC.from_dict(cfg, "x.toml")
    cfg = lm_config(tmp_path, corpus.dir)
    cfg["optimizer"]["group_lr"] = {"turns": 0.1}
    with pytest.raises(ValueError, match="parameter group 'turns'"):
        train(LC.from_dict(cfg))
    # a brain checkpoint handed to sample
    torch.save({"format": "grapheme_lab.brain/5"}, tmp_path / "brain.pt")
    assert cli(["sample", "--model", str(tmp_path / "brain.pt"), "--prompt", "x"]) == 2
    assert "GRAPHEME brain checkpoint, not a language-model checkpoint" in capsys.readouterr().err
