"""Chat stages: [stage] configs are checked with clear errors; mid and SFT train on the loss mask
and change the weights; RL's policy gradient pushes up what was rewarded, its rewards come from
the engine, and the same seed gives the same weights; evaluate --task scores a tiny checkpoint
and builds the report card."""

import argparse

import numpy as np
import pytest
import torch

from chat_helpers import chat_tokenizer, tiny_chat_checkpoint
from grapheme_lab import GraphemeError
from grapheme_lab.chat import report, rl
from grapheme_lab.chat.batches import PackedWindows, PaddedConversations
from grapheme_lab.chat.data import rows
from grapheme_lab.chat.format import render_conversation
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.checkpoint import load_model
from grapheme_lab.lm.train import train


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_chat_checkpoint(tmp_path_factory.mktemp("chat_base"))


def stage_cfg(tmp, init, kind, **stage):
    return {"stage": {"kind": kind, "init": str(init), "data": {"worded": 2, "identity": 1}, "rows": 40,
                      "val_rows": 6, "problems": 2, "samples": 3, "max_new_tokens": 12, **stage},
            "training": {"batch_size": 4, "max_steps": 3, "eval_every": 0, "log_every": 1, "checkpoint_every": 3,
                         "warmup_steps": 1, "learning_rate": 0.01},
            "paths": {"output_dir": str(tmp / kind)}, "hardware": {"num_threads": 1, "amp": "off"}}


@pytest.mark.parametrize("change,message", [
    ({"init": ""}, r"\[stage\] needs init"),
    ({"init": "nope.pt"}, r"\[stage\] init 'nope.pt' does not exist"),
    ({"data": {}}, r"\[stage\] needs data"),
    ({"data": {"wordy": 1}}, r"unknown data source 'wordy'"),
    ({"data": {"worded": 0}}, r"data weight of 'worded' must be a number > 0"),
    ({"kind": "dpo"}, r"\[stage\] kind = 'dpo' is not one of"),
    ({"rows": 0}, r"\[stage\] rows must be > 0"),
    ({"kind": "rl", "samples": 1}, r"samples >= 2"),
    ({"identity": {"name": "x", "colour": "red"}}, r"identity takes name and maker"),
])
def test_stage_configs_are_checked(tmp_path, base, change, message):
    cfg = stage_cfg(tmp_path, base, "sft")
    cfg["stage"].update(change)
    with pytest.raises(GraphemeError, match=message):
        LC.from_dict(cfg, "s.toml")


def test_a_stage_takes_its_model_from_init(tmp_path, base):
    cfg = LC.from_dict(stage_cfg(tmp_path, base, "mid"))
    assert cfg.kind == "gpt" and cfg.model.n_layer == 2 and cfg.model.vocab_size == 320
    with pytest.raises(GraphemeError, match=r"\[\[phase\]\] tables are for pretraining"):
        LC.from_dict({**stage_cfg(tmp_path, base, "mid"), "phase": [{"steps": 1, "batch_size": 4, "sequence_len": 8,
                                                                    "learning_rate": 1.0, "data": {"x": 1}}]})


def test_batches_train_only_on_the_assistant_tokens():
    tok = chat_tokenizer()
    rendered = [render_conversation(tok, r["messages"]) for r in rows("worded", "train", 30)]
    assistant = {(tuple(ids[: k + 1])) for ids, mask in rendered for k in range(len(ids) - 1) if mask[k + 1]}
    for loader in (PackedWindows(rendered, 24, 8, seed=0), PaddedConversations(rendered, 64, 8, seed=0)):
        x, y = loader.next()
        assert x.shape == y.shape
        assert (y != -1).any() and (y == -1).any()
    # in a padded batch, a target is kept exactly where the conversation's mask is 1
    x, y = PaddedConversations(rendered[:1], 200, 1, seed=0).next()
    ids, mask = rendered[0]
    assert y[0].tolist() == [t if m else -1 for t, m in zip(ids[1:], mask[1:])]
    assert x[0].tolist() == ids[:-1]
    assert assistant  # the worded replies have assistant tokens


@pytest.mark.parametrize("kind", ["mid", "sft"])
def test_mid_and_sft_change_the_weights(tmp_path, base, kind):
    summary = train(LC.from_dict(stage_cfg(tmp_path, base, kind)))
    assert summary["steps"] == 3 and np.isfinite(summary["val_bpb"])
    before, _, _, _ = load_model(base)
    after, cfg, _, ck = load_model(tmp_path / kind / "final.pt")
    assert cfg.stage.kind == kind and ck["tokenizer"] == torch.load(base, weights_only=False)["tokenizer"]
    changed = [n for (n, a), b in zip(before.named_parameters(), after.parameters()) if not torch.equal(a, b)]
    assert changed


def test_the_policy_gradient_raises_what_was_rewarded(base):
    model, _, _, _ = load_model(base)
    model.train()
    seq = [1, 5, 9, 12, 7, 30]
    sampled = [0, 0, 1, 1, 1, 1]
    opt = torch.optim.SGD(model.parameters(), lr=0.5)

    def logp():
        with torch.no_grad():
            lp = torch.log_softmax(model(torch.tensor([seq[:-1]])).float(), -1)[0]
            return sum(float(lp[i - 1, seq[i]]) for i in range(2, len(seq)))

    start = logp()
    loss, n = rl.policy_loss(model, [(seq, sampled, 1.0)], 64, "cpu")
    assert n == 4
    loss.backward()
    opt.step()
    assert logp() > start


def test_rl_steps_change_the_weights_with_engine_rewards_and_repeat_by_seed(tmp_path, base, monkeypatch):
    judged = []
    real = rl.is_correct

    def spy(reply, truth):
        judged.append(truth)
        # the random model never answers right; reward every other reply so the gradient is not 0,
        # after asking the engine (the judge RL uses)
        real(reply, truth)
        return len(judged) % 2 == 0

    monkeypatch.setattr(rl, "is_correct", spy)
    cfg = stage_cfg(tmp_path, base, "rl")
    cfg["stage"]["data"] = {"worded": 1}
    summary = train(LC.from_dict(cfg))
    answers = {r["answer"] for r in rows("worded", "train", 40)} | {r["answer"] for r in rows("worded", "val", 6)}
    assert summary["steps"] == 3 and judged and set(judged) <= answers
    before, _, _, _ = load_model(base)
    after, _, _, _ = load_model(tmp_path / "rl" / "final.pt")
    assert any(not torch.equal(a, b) for a, b in zip(before.parameters(), after.parameters()))
    judged.clear()
    cfg["paths"]["output_dir"] = str(tmp_path / "rl2")
    train(LC.from_dict(cfg))
    again, _, _, _ = load_model(tmp_path / "rl2" / "final.pt")
    assert all(torch.equal(a, b) for a, b in zip(after.parameters(), again.parameters()))


def test_rl_without_answerable_sources_is_an_error(tmp_path, base):
    cfg = stage_cfg(tmp_path, base, "rl")
    cfg["stage"]["data"] = {"identity": 1}
    with pytest.raises(ValueError, match="needs sources whose rows have an answer"):
        train(LC.from_dict(cfg))


def test_evaluate_task_prints_figures_and_builds_the_report_card(tmp_path, base, capsys):
    from grapheme_lab.cli.evaluate import run

    card = tmp_path / "card.jsonl"
    common = dict(what=None, data=None, train=None, limit=None, beam=1, compare=[], split="test", against_xz=False,
                  questions=None, pairs=[], n=4, seed=0, no_tool=False, report=str(card))
    for stage, task in (("base", "worded"), ("base", "conversation-bpb"), ("sft", "worded"), ("base", "worded")):
        assert run(argparse.Namespace(model=str(base), task=task, stage=stage, **common)) == 0
    out = capsys.readouterr().out
    assert "accuracy with the calculator" in out and "assistant bits per byte" in out
    got = report.read(card)
    assert [(r["stage"], r["task"]) for r in got] == [("base", "conversation-bpb"), ("sft", "worded"), ("base", "worded")]
    table = report.card(card)
    assert table.splitlines()[0] == "| task | figure | base | sft |"
    assert "| worded (4) | accuracy |" in table and "| conversation-bpb (4) | assistant bpb |" in table
    with pytest.raises(ValueError, match="--task 'nope' is not one of"):
        run(argparse.Namespace(model=str(base), task="nope", stage=None, **common))


def test_multiple_choice_task_reads_a_local_file(tmp_path, base):
    import json

    from grapheme_lab.chat.evaluate import run_task

    path = tmp_path / "mmlu.jsonl"
    path.write_text("".join(json.dumps({"question": f"q{i}?", "choices": ["a", "b", "c", "d"], "answer": i % 4}) + "\n"
                            for i in range(8)))
    model, _, tok, _ = load_model(base)
    r = run_task(model, tok, "multiple-choice", n=8, data=str(path))
    assert r["n"] == 8 and 0 <= r["accuracy"] <= 1
    with pytest.raises(ValueError, match="needs --data FILE"):
        run_task(model, tok, "multiple-choice", n=8)


@pytest.mark.parametrize("name", ["base", "mid", "sft", "rl"])
def test_shipped_chat_configs_load_and_match_package_copies(name, base):
    import filecmp
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    path = root / "configs" / "chat" / f"{name}.toml"
    assert filecmp.cmp(path, Path(LC.__file__).parent.parent / "configs" / "chat" / f"{name}.toml", shallow=False)
    data = LC.read_toml(f"chat/{name}")  # a bare name finds the packaged copy
    if name != "base":
        data["stage"]["init"] = str(base)
    cfg = LC.from_dict(data, str(path))
    assert cfg.stage.kind == ("" if name == "base" else name)
    assert name != "base" or (cfg.data.chat_tokens and cfg.data.inputs == ["embedded", "worded"])
