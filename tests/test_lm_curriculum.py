"""[[phase]] curricula: the phases run in order on their own data, a run resumed mid-phase or at a
phase boundary takes the same steps as one never stopped, and phase tables that do not add up
are clear errors."""

from __future__ import annotations

import json

import pytest
import torch
from lm_helpers import lm_config, tiny_corpus

from grapheme_lab import GraphemeError
from grapheme_lab.cli import main as cli
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.checkpoint import load
from grapheme_lab.lm.curriculum import phase_at
from grapheme_lab.lm.train import train

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("curriculum")
    return tiny_corpus(tmp / "a"), tiny_corpus(tmp / "b", n_docs=4, words=200)


def phased(tmp, corpora, kind="turngpt", **training):
    a, b = corpora
    cfg = lm_config(tmp, a.dir, kind=kind, eval_every=0, checkpoint_every=1, **training)
    cfg["training"]["max_steps"] = training.get("max_steps", 0)
    cfg["phase"] = [
        {"name": "foundation", "steps": 2, "batch_size": 4, "sequence_len": 16, "learning_rate": 3e-3,
         "data": {str(a.dir): 1.0}},
        {"name": "conversation", "steps": 2, "batch_size": 2, "sequence_len": 24, "learning_rate": 2e-3,
         "data": {str(a.dir): 0.3, str(b.dir): 0.7}},
        {"name": "refinement", "steps": 2, "batch_size": 2, "sequence_len": 32, "learning_rate": 1e-3,
         "data": {str(b.dir): 1}},
    ]
    return cfg


def test_phase_at(tmp_path, corpora):
    phases = LC.from_dict(phased(tmp_path, corpora)).phases
    assert [phase_at(phases, s) for s in range(7)] == [(0, 0), (0, 0), (1, 2), (1, 2), (2, 4), (2, 4), (2, 4)]


def test_the_phases_run_in_order_and_resume_across_their_boundaries(tmp_path, corpora, capsys):
    cfg = LC.from_dict(phased(tmp_path / "full", corpora))
    assert cfg.training.max_steps == 6
    s = train(cfg)
    out = capsys.readouterr().out
    assert s["steps"] == 6
    for i, name in enumerate(("foundation", "conversation", "refinement"), 1):
        assert f"phase {i} of 3 ({name})" in out
    full = load(tmp_path / "full" / "run" / "final.pt")
    assert full["phase"] == 2 and full["tokens_seen"] == 2 * (4 * 16 + 2 * 24 + 2 * 32)
    for stop in (2, 3):  # at the boundary of phases 1 and 2, and inside phase 2
        run = tmp_path / f"stop{stop}"
        train(LC.from_dict(phased(run, corpora, max_steps=stop)))
        train(LC.from_dict(phased(run, corpora)), resume=str(run / "run" / "latest.pt"))
        resumed = load(run / "run" / "final.pt")
        for k in full["model"]:
            assert torch.equal(full["model"][k], resumed["model"][k]), (stop, k)
        steps = [json.loads(x)["loss"] for x in (run / "run" / "training.log").read_text().splitlines()
                 if '"event": "step"' in x]
        assert steps == [json.loads(x)["loss"] for x in (tmp_path / "full" / "run" / "training.log").read_text()
                         .splitlines() if '"event": "step"' in x]


@pytest.mark.parametrize("change, says", [
    (lambda c: c["phase"][1].update(steps=0), r"\[\[phase\]\] 2 \(conversation\): steps must be > 0"),
    (lambda c: c["phase"][0].pop("data"), r"\[\[phase\]\] 1 \(foundation\): needs data"),
    (lambda c: c["phase"][2].pop("learning_rate"), r"\[\[phase\]\] 3 \(refinement\): needs learning_rate"),
    (lambda c: c["phase"][2].update(data={"x": -1}), "data weight of 'x' must be a number > 0"),
    (lambda c: c["phase"][2].update(sequence_len=64), "longer than \\[model\\] sequence_len 32"),
    (lambda c: c["phase"][0].update(epochs=3), "unknown key 'epochs'"),
    (lambda c: c["training"].update(max_steps=7), "max_steps 7 is more than the 6 steps"),
])
def test_bad_phase_tables(tmp_path, corpora, change, says):
    cfg = phased(tmp_path, corpora)
    change(cfg)
    with pytest.raises(GraphemeError, match=says):
        LC.from_dict(cfg, "c.toml")


def test_missing_phase_data_is_exit_2(tmp_path, corpora, capsys):
    cfg = phased(tmp_path, corpora)
    cfg["phase"][1]["data"] = {str(tmp_path / "nowhere"): 1.0}
    lines = []
    for section, table in cfg.items():
        if section != "phase":
            lines += [f"[{section}]"] + [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    for p in cfg["phase"]:
        data = ", ".join(f"{json.dumps(k)} = {v}" for k, v in p.pop("data").items())
        lines += ["[[phase]]"] + [f"{k} = {json.dumps(v)}" for k, v in p.items()] + [f"data = {{ {data} }}"]
    (tmp_path / "c.toml").write_text("\n".join(lines) + "\n")
    assert cli(["train", "--config", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert "[[phase]] 2 (conversation): data" in err and "nowhere" in err


def test_the_turngpt_quickstart_loads_and_matches_its_package_copy():
    import filecmp
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "configs" / "turngpt_quickstart.toml"
    packaged = Path(LC.__file__).parent.parent / "configs" / "turngpt_quickstart.toml"
    assert filecmp.cmp(root, packaged, shallow=False)
    cfg = LC.load(root)
    assert cfg.kind == "turngpt" and [p.name for p in cfg.phases] == ["foundation", "conversation", "refinement"]
    assert [(p.batch_size, p.sequence_len, p.learning_rate) for p in cfg.phases] == [
        (6, 64, 3e-4), (4, 128, 2e-4), (3, 256, 1e-4)]  # the seed's plan
    assert cfg.training.max_steps == sum(p.steps for p in cfg.phases)
    assert LC.load("turngpt_quickstart").to_dict() == cfg.to_dict()


def test_a_phase_corpus_with_another_tokenizer_is_refused(tmp_path, corpora):
    from grapheme_lab.lm.corpus import prepare

    other = prepare([str(corpora[0].dir.parent / "texts")], tmp_path / "bpe", vocab_size=300, progress=False)
    cfg = phased(tmp_path, corpora)
    cfg["phase"][2]["data"] = {str(other.dir): 1.0}
    with pytest.raises(ValueError, match=r"\[\[phase\]\] 3 \(refinement\): data .* is tokenized differently"):
        train(LC.from_dict(cfg))
