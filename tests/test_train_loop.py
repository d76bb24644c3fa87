"""The training loop: curriculum decisions, schedule, losses, exact resume, checkpoints, logs."""

import json

import pytest
import torch

from grapheme_lab import config as C
from grapheme_lab.brain import checkpoint as ckpt_io
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.curriculum import CurriculumState, next_level, record_epoch
from grapheme_lab.brain.data import BUCKET_WIDTH, Curriculum, collate
from grapheme_lab.brain import train as train_module
from grapheme_lab.brain.train import level_clock, lr_at, teacher_forced_ged, train

from brain_helpers import tiny, write_toml
from grapheme_lab.cli import main
from grapheme_lab.cli.train import summary_text


def cfg_with(**kv):
    d = {"training": {"patience": 3, "epochs_per_level": 6},
         "curriculum": {"min_epochs_per_level": 2, "advance_threshold": 0.9, "start_level": 1, "end_level": 3}}
    for k, v in kv.items():
        section, key = k.split("__")
        d.setdefault(section, {})[key] = v
    return C.from_dict(d)


def test_advance_needs_min_epochs_and_threshold():
    cfg, s = cfg_with(), CurriculumState(level=1)
    assert record_epoch(s, 0.95, cfg) == "stay"  # one epoch < min_epochs_per_level
    assert record_epoch(s, 0.85, cfg) == "stay"  # below the threshold
    assert record_epoch(s, 0.90, cfg) == "advance"  # >= threshold after 3 epochs
    next_level(s)
    assert (s.level, s.epoch, s.best_acc, s.step_in_level) == (2, 0, -1.0, 0)


def test_patience_and_budget_stall():
    cfg, s = cfg_with(), CurriculumState(level=1)
    decisions = [record_epoch(s, a, cfg) for a in (0.5, 0.6, 0.6, 0.55, 0.6)]
    assert decisions == ["stay", "stay", "stay", "stay", "stall"]  # 3 epochs without a new best
    cfg, s = cfg_with(training__patience=100), CurriculumState(level=1)
    decisions = [record_epoch(s, 0.1 * i, cfg) for i in range(6)]
    assert decisions[-1] == "stall" and decisions[:-1] == ["stay"] * 5  # epochs_per_level budget
    cfg, s = cfg_with(curriculum__advance_on_stall=False), CurriculumState(level=1)
    assert [record_epoch(s, 0.5, cfg) for _ in range(4)][-1] == "stop" and s.finished


def test_last_level_finishes():
    cfg, s = cfg_with(), CurriculumState(level=3)
    record_epoch(s, 0.99, cfg)
    assert record_epoch(s, 0.99, cfg) == "done" and s.finished


def test_warmup_then_cosine():
    cfg = C.from_dict({"training": {"learning_rate": 1.0, "warmup_steps": 10, "min_lr_ratio": 0.1}})
    lrs = [lr_at(cfg, s, 110) for s in range(111)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[60] == pytest.approx(0.55) and lrs[110] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:]))


def test_cosine_follows_the_time_share_when_it_is_further_along():
    cfg = C.from_dict({"training": {"learning_rate": 1.0, "warmup_steps": 10, "min_lr_ratio": 0.1}})
    assert lr_at(cfg, 60, 110, time_spent=0.2) == pytest.approx(0.55)  # steps lead: as before
    assert lr_at(cfg, 10, 110, time_spent=0.5) == pytest.approx(0.55)  # the clock leads
    assert lr_at(cfg, 10, 110, time_spent=1.0) == pytest.approx(0.1)
    assert lr_at(cfg, 3, 110, time_spent=1.0) == pytest.approx(0.04)  # warmup stays by steps


class _Sizes:
    def __init__(self, sizes):
        self.sizes = sizes

    def train_size(self, level):
        return self.sizes[level]


def test_time_limit_is_shared_out_by_planned_steps():
    cfg = C.from_dict({"training": {"batch_size": 10, "time_limit_minutes": 10},
                       "curriculum": {"start_level": 1, "end_level": 3, "replay_fraction": 0.5}})
    data = _Sizes({1: 1000, 2: 1000, 3: 2000})  # epochs of 100, 150 (with replay) and 300 batches
    assert level_clock(cfg, data, 1, lambda: 0.0) == pytest.approx([0.0, 600 * 100 / 550])
    assert level_clock(cfg, data, 2, lambda: 300.0) == pytest.approx([300.0, 300 + 300 * 150 / 450])
    assert level_clock(cfg, data, 3, lambda: 500.0) == pytest.approx([500.0, 600.0])  # the last level: the rest


def test_a_level_out_of_its_time_share_moves_on(tmp_path, monkeypatch):
    ticks = iter(range(10**9))  # a clock that moves a second a reading: the same run on any machine
    monkeypatch.setattr(train_module.time, "time", lambda: float(next(ticks)))
    cfg = C.from_dict(tiny(tmp_path, training={"epochs_per_level": 3, "time_limit_minutes": 1.5}))
    summary = train(cfg)
    events = [json.loads(x) for x in (tmp_path / "ck" / "training.log").read_text().splitlines()]
    moved = [e for e in events if e["event"] == "time"]
    assert len(moved) == 1 and moved[0]["level"] == 1  # level 1 left before its 3 epochs
    epochs_1 = [e for e in events if e["event"] == "epoch" and e["level"] == 1]
    assert len(epochs_1) < 3
    assert [h[3] for h in summary["state"]["history"]] == ["time"]
    stop = [e for e in events if e["event"] == "time_limit"]
    assert len(stop) == 1 and stop[0]["level"] == 2  # level 2 had the rest of the time
    assert summary["time_limit_at"] == 2
    assert [(lv["level"], lv["ended"]) for lv in summary["levels"]] == [(1, "time"), (2, "time_limit")]
    assert summary["levels"][1]["epochs"] == stop[0]["epoch"]
    text = summary_text(summary, cfg)
    assert "level 1: validation accuracy" in text and "its share of the time limit spent" in text
    assert "the 1.5 min time limit ended the run at level 2" in text
    lrs_1 = [e["lr"] for e in events if e["event"] == "batch" and e["level"] == 1]
    assert lrs_1[-1] < 0.5 * cfg.training.learning_rate  # decayed inside level 1's share
    # a checkpoint keeps the level's share for --resume: level 2's ends at the limit
    state = ckpt_io.load(tmp_path / "ck" / "epoch_1_level_2.pt")["state"]
    assert state["level"] == 2 and state["level_clock"][1] == pytest.approx(90.0)
    del state["level_clock"]  # a checkpoint from before shares reads as "no share yet"
    assert CurriculumState.from_dict(state).level_clock is None


def test_a_last_epoch_cut_by_the_time_share_says_so(tmp_path, monkeypatch, capsys):
    ticks = iter(range(10**9))
    monkeypatch.setattr(train_module.time, "time", lambda: float(next(ticks)))
    cfg = C.from_dict(tiny(tmp_path, training={"epochs_per_level": 1, "time_limit_minutes": 0.5}))
    train(cfg)
    events = [json.loads(x) for x in (tmp_path / "ck" / "training.log").read_text().splitlines()]
    epoch_1 = [e for e in events if e["event"] == "epoch" and e["level"] == 1]
    assert len(epoch_1) == 1 and epoch_1[0]["rows_rank0"] < len(Curriculum(cfg).examples(1, "train"))  # cut short
    assert ("[Level 1] Moving on to Level 2 after 1 epoch, the last cut short by its share of the time limit"
            in capsys.readouterr().out)


def params(path):
    return ckpt_io.load(path)["model"]


def tensors_in(state) -> list[torch.Tensor]:
    """Every tensor of an optimizer's state dict (one optimizer's or several's), in order."""
    if isinstance(state, torch.Tensor):
        return [state]
    if isinstance(state, dict):
        return [t for k in sorted(state, key=str) for t in tensors_in(state[k])]
    if isinstance(state, (list, tuple)):
        return [t for x in state for t in tensors_in(x)]
    return []


@pytest.mark.parametrize("optimizer", ["adam", "muon"])
def test_resume_continues_exactly(tmp_path, optimizer):
    opt = {"optimizer": {"type": optimizer}}
    cfg = C.from_dict(tiny(tmp_path / "a", **opt))
    train(cfg)
    out = tmp_path / "a" / "ck"
    names = {p.name for p in out.iterdir()}
    assert {"epoch_1_level_1.pt", "epoch_2_level_1.pt", "epoch_2_level_2.pt", "latest.pt", "best.pt", "final.pt"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    full_log = (out / "training.log").read_text().splitlines()
    # resume from the end of level 1, epoch 1 into a copy of the log
    cfg_b = C.from_dict(tiny(tmp_path / "b", **opt))
    (tmp_path / "b" / "ck").mkdir(parents=True)
    ck = ckpt_io.load(out / "epoch_1_level_1.pt")
    (tmp_path / "b" / "ck" / "training.log").write_bytes((out / "training.log").read_bytes()[: ck["log_bytes"]] + b'{"junk": 1}\n')
    train(cfg_b, resume=str(out / "epoch_1_level_1.pt"))
    a, b = params(out / "final.pt"), params(tmp_path / "b" / "ck" / "final.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    strip = lambda lines: [{k: v for k, v in json.loads(x).items() if k not in ("time", "elapsed")} for x in lines]  # noqa: E731
    assert strip((tmp_path / "b" / "ck" / "training.log").read_text().splitlines()) == strip(full_log)
    # the optimizer state came back too
    sa, sb = ckpt_io.load(out / "final.pt")["optimizer"], ckpt_io.load(tmp_path / "b" / "ck" / "final.pt")["optimizer"]
    ta, tb = tensors_in(sa), tensors_in(sb)
    assert len(ta) == len(tb) > 0 and all(torch.equal(x, y) for x, y in zip(ta, tb))


def test_resume_with_another_optimizer_type_is_refused(tmp_path):
    short = {"curriculum": {"end_level": 1}, "training": {"epochs_per_level": 1}}
    train(C.from_dict(tiny(tmp_path / "a", optimizer={"type": "muon"}, **short)))
    with pytest.raises(ValueError, match=r"final.pt was trained with \[optimizer\] type = 'muon'.*type = 'adam'"):
        train(C.from_dict(tiny(tmp_path / "b", **short)), resume=str(tmp_path / "a" / "ck" / "final.pt"))


def test_log_events_and_replay(tmp_path):
    cfg = C.from_dict(tiny(tmp_path))
    summary = train(cfg)
    events = [json.loads(x) for x in (tmp_path / "ck" / "training.log").read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("epoch") == 4 and kinds[-1] == "done" and "batch" in kinds
    assert {e["level"] for e in events if e["event"] == "epoch"} == {1, 2}
    assert summary["state"]["level"] == 2 and summary["state"]["finished"]
    # level 2 epochs hold the level's train rows plus a quarter replayed from level 1
    data = Curriculum(cfg)
    rows = list(data.epoch(2, 0))
    n2 = data.train_size(2)
    assert len(rows) == n2 + round(0.25 * n2)
    assert sum(e[2]["level"] == 1 for e in rows) == round(0.25 * n2)
    assert [e[2]["id"] for e in data.epoch(2, 0)] == [e[2]["id"] for e in rows]  # same seed, same order
    assert [e[2]["id"] for e in data.epoch(2, 1)] != [e[2]["id"] for e in rows]


def test_repeat_multiplies_level_one_rows_of_an_operator(tmp_path):
    d = tiny(tmp_path)
    plain = Curriculum(C.from_dict(d))
    repeated = Curriculum(C.from_dict({**d, "data": {**d.get("data", {}), "repeat": {"/": 3}}}))
    for level in (1, 2):
        for row in plain.rows(level, "train")[:200]:
            times = 3 if level == 1 and row["input_polish"].startswith("(/ ") else 1
            assert repeated.training_examples(row) == plain.training_examples(row) * times
    assert any(r["input_polish"].startswith("(/ ") for r in plain.rows(1, "train")[:200])


def test_batches_bucket_by_length(tmp_path):
    import math

    cfg = C.from_dict(tiny(tmp_path))
    data = Curriculum(cfg)
    examples = list(data.epoch(2, 0))
    batches = list(data.batches(2, 0, 8))
    key = lambda e: (e[2]["id"], e[0], e[1])  # noqa: E731
    assert sorted(key(e) for b in batches for e in b) == sorted(map(key, examples))  # every example, once
    assert len(batches) == math.ceil(len(examples) / 8) and sum(len(b) < 8 for b in batches) <= 1
    assert [list(map(key, b)) for b in data.batches(2, 0, 8)] == [list(map(key, b)) for b in batches]  # seeded
    padded = lambda bs: sum(len(b) * max(len(e[0]) for e in b) for b in bs)  # noqa: E731
    plain = [examples[i : i + 8] for i in range(0, len(examples), 8)]
    assert padded(batches) < 0.8 * padded(plain)  # bucketing by source length cuts the sources' padding
    # a bucket keeps the epoch's order: level-1 rows (one bucket) come out as shuffled as before
    level_1 = [key(e) for b in batches for e in b if len(e[0]) < BUCKET_WIDTH]
    assert level_1 != sorted(level_1, key=lambda k: (len(k[1]), len(k[2])))


@pytest.mark.parametrize("loss,target,level", [("ged", "steps", 1), ("ged+ce", "steps", 1), ("ged+ce", "sites", 2)])
def test_ged_losses_train(tmp_path, loss, target, level):
    cfg = C.from_dict(tiny(tmp_path, loss={"type": loss, "num_samples": 3}, data={"target": target},
                           curriculum={"start_level": level, "end_level": level}, training={"epochs_per_level": 1}))
    before = None
    torch.manual_seed(cfg.training.seed)
    from grapheme_lab.brain.model import Brain

    before = Brain(cfg.model).state_dict()
    train(cfg)
    after = params(tmp_path / "ck" / "final.pt")
    assert any(not torch.equal(before[k], after[k]) for k in before)  # the GED loss reached the weights
    events = [json.loads(x) for x in (tmp_path / "ck" / "training.log").read_text().splitlines()]
    assert all(e["ged"] >= 0 for e in events if e["event"] == "batch")


def test_optimizers_and_time_limit(tmp_path):
    for opt in ("sgd", "adamw", "muon"):
        cfg = C.from_dict(tiny(tmp_path / opt, optimizer={"type": opt}, curriculum={"end_level": 1},
                               training={"epochs_per_level": 1}))
        assert train(cfg)["state"]["finished"]
    cfg = C.from_dict(tiny(tmp_path / "t", training={"time_limit_minutes": 1e-6}))
    summary = train(cfg)
    assert summary["state"]["level"] == 1 and summary["state"]["epoch"] == 1  # stopped after the first epoch
    events = [json.loads(x) for x in (tmp_path / "t" / "ck" / "training.log").read_text().splitlines()]
    stop = [e for e in events if e["event"] == "time_limit"]
    # cut at its first batch: said so, and the cut epoch decides nothing (no advance, stall or done)
    assert len(stop) == 1 and stop[0]["batch"] == 1 and stop[0]["epoch"] == 1
    assert not [e for e in events if e["event"] in ("advance", "stall", "done", "stop") and "accuracy" in e]


def test_streamed_jsonl_data(tmp_path):
    from grapheme_lab import generate

    generate.write_dataset(tmp_path / "data", levels=(1, 2), sizes={1: 150, 2: 60}, seed=1, progress=False)
    d = tiny(tmp_path, curriculum={"end_level": 1}, training={"epochs_per_level": 1})
    d["paths"]["train_data"] = str(tmp_path / "data")
    for stream in (False, True):
        d["hardware"]["stream_data"] = stream
        d["paths"]["output_dir"] = str(tmp_path / f"ck{stream}")
        cfg = C.from_dict(d)
        data = Curriculum(cfg)
        ids = sorted({e[2]["id"] for e in data.epoch(1, 0)})  # a product or `mod` row is several steps
        assert ids == sorted(r["id"] for r in generate.level(1, 150, seed=1) if r["id"] in set(ids)) and len(ids) > 100
        train(cfg)
        assert (tmp_path / f"ck{stream}" / "final.pt").exists()
    # a level-2 row is several step examples, read from disk or held in memory alike
    held, streamed = (Curriculum(C.from_dict({**d, "hardware": {**d["hardware"], "stream_data": s}})) for s in (False, True))
    key = lambda e: (e[2]["id"], e[0], e[1])  # noqa: E731
    assert sorted(map(key, streamed.epoch(2, 0))) == sorted(map(key, held.epoch(2, 0)))
    assert streamed.train_size(2) == held.train_size(2) > 60


def test_missing_split_file_is_a_clear_error(tmp_path):
    (tmp_path / "data" / "train").mkdir(parents=True)
    d = tiny(tmp_path)
    d["paths"]["train_data"] = str(tmp_path / "data")
    with pytest.raises(FileNotFoundError, match="level_1.jsonl"):
        train(C.from_dict(d))


def test_bad_checkpoint(tmp_path):
    p = tmp_path / "x.pt"
    p.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        ckpt_io.load(p)
    torch.save({"format": "grapheme_lab.brain/1", "model": {}}, p)  # an older layout
    with pytest.raises(ValueError, match="format 'grapheme_lab.brain/1'; this version reads"):
        ckpt_io.load(p)
    torch.save({"format": "something else"}, p)
    with pytest.raises(ValueError, match="not a grapheme_lab checkpoint"):
        ckpt_io.load(p)


@pytest.mark.parametrize("target", ["steps", "sites"])
def test_ged_targets_are_the_steps(tmp_path, target):
    # a step example (or one site of it) is scored against its step (or site), not against the row's final answer
    cfg = C.from_dict(tiny(tmp_path, data={"target": target}))
    batch = Curriculum(cfg).examples(2, "train")[:32]
    assert any(len(T.step_pairs(e[2])) > 1 for e in batch)
    tgt_out = collate(batch).tgt_out
    perfect = torch.nn.functional.one_hot(tgt_out, V.vocab_size()).float()
    assert teacher_forced_ged(perfect, batch, cfg) == 0.0
    wrong = torch.nn.functional.one_hot(torch.full_like(tgt_out, V.INDEX["P"]), V.vocab_size()).float()
    assert teacher_forced_ged(wrong, batch, cfg) > 0.0


def test_output_moves_the_log_and_the_run_ends_with_a_summary(tmp_path, capsys):
    d = tiny(tmp_path, curriculum={"end_level": 1}, training={"epochs_per_level": 1})
    config = write_toml(d, tmp_path / "c.toml")  # its log_file: tmp_path/ck/training.log
    out = tmp_path / "elsewhere"
    for _ in range(2):  # a second run starts its own log, never appends to the first's
        assert main(["train", "--config", str(config), "--output", str(out)]) == 0
    assert not (tmp_path / "ck").exists()  # nothing written at the config's paths
    events = [json.loads(x)["event"] for x in (out / "training.log").read_text().splitlines()]
    assert events.count("epoch") == 1 and events[-1] == "done"  # one run's lines
    assert (out / "final.pt").exists() and (out / "best.pt").exists()
    printed = capsys.readouterr().out.split("Run summary")[-1]
    acc = ckpt_io.load(out / "final.pt")["val"]["accuracy"]
    assert f"level 1: validation accuracy {acc:.1%} (best of 1 epoch; stalled: patience or epoch budget spent)" in printed
    assert f"checkpoint: {out / 'final.pt'}" in printed and f"log: {out / 'training.log'}" in printed
    # the rows were generated in memory: the same rows on disk, then the test split scored
    assert f"generate --level 1 --samples 120 --seed 0 --output {tmp_path / 'no-data'}" in printed
    assert f"evaluate --model {out / 'final.pt'} --data {tmp_path / 'no-data' / 'test'}" in printed
    assert f"repl --model {out / 'final.pt'}" in printed and f"plot {out / 'training.log'}" in printed


def test_levels_reached_adds_the_level_a_time_limit_cut():
    s = CurriculumState(level=3, epoch=2, best_acc=0.4, history=[[1, 3, 0.97, "advance"], [2, 4, 0.8, "stall"]])
    assert train_module.levels_reached(s) == [
        {"level": 1, "epochs": 3, "best_accuracy": 0.97, "ended": "advance"},
        {"level": 2, "epochs": 4, "best_accuracy": 0.8, "ended": "stall"},
        {"level": 3, "epochs": 2, "best_accuracy": 0.4, "ended": "time_limit"},
    ]
    s.history.append([3, 2, 0.4, "done"])
    assert [lv["ended"] for lv in train_module.levels_reached(s)] == ["advance", "stall", "done"]
    assert train_module.levels_reached(CurriculumState(level=1)) == []  # nothing trained yet
