"""A tiny brain really learns: through the real training loop, on fixed seeds and one
thread, its level-1 validation accuracy rises from nothing to above a stated floor within a
stated number of steps. The other brain tests check what the loop does, not that it learns."""

import json

import torch

from grapheme_lab import config as C
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.evaluate import evaluate
from grapheme_lab.brain.model import Brain
from grapheme_lab.brain.train import train

from brain_helpers import tiny

SEED = 0  # training and data
FLOOR = 0.12  # level-1 validation accuracy to reach
MAX_STEPS = 1_200  # within this many optimizer steps (4 epochs of 32-example batches)
UNTRAINED_CEILING = 0.02


def learning_config(tmp_path, seed: int = SEED) -> C.Config:
    """Level 1 alone, the quickstart's recipe (sites, Muon, cosine) on a 32-wide 1+2-layer
    model and 3,000 generated rows, 4 epochs of them; every validation row scored."""
    return C.from_dict(tiny(
        tmp_path,
        training={"batch_size": 32, "epochs_per_level": 4, "learning_rate": 0.01, "warmup_steps": 20,
                  "patience": 100, "val_samples": 0, "seed": seed, "log_every": 1000, "checkpoint_every": 100},
        curriculum={"start_level": 1, "end_level": 1, "advance_threshold": 1.0},
        model={"d_model": 32, "n_heads": 2, "d_ff": 128, "encoder_layers": 1, "decoder_layers": 2},
        data={"samples": {"1": 3000}, "target": "sites", "seed": seed},
        optimizer={"type": "muon"},
    ))


def test_a_tiny_brain_learns_level_1(tmp_path):
    """Floor and steps were chosen by trying (2026-12-07, a 2-core machine under a load of
    5-8, one thread): with these settings and seeds 0, 1, 2, 3 (the training and the data
    seed alike) the final validation accuracy after 1,152-1,212 steps was 33.3%, 23.6%,
    36.3% and 20.5% (mean 28.4%, 135-165 validation rows), in 25-27 s a run; the untrained
    models, the runs' own starting weights, scored 0.0% (every answer malformed). The floor
    of 12% sits below the worst seed by more than twice the sampling error of 144 rows (3.4
    points), so another CPU's rounding, which can take a run down another seed's path, still
    passes, and 12 points above the untrained model. Tried on seed 0 for 3 epochs and not
    kept: learning rates 3e-3 (16.7% at 864 steps) and 2e-2 (13.9%) against 1e-2 (24.3%), and a
    64-wide model with batches of 64 at 5e-3 (20.1% at 432 steps, 31 s)."""
    cfg = learning_config(tmp_path)
    val_rows = Curriculum(cfg).rows(1, "val")
    torch.manual_seed(cfg.training.seed)  # what train() does first: the run's own starting weights
    untrained = evaluate(Brain(cfg.model), cfg, val_rows)["accuracy"]
    assert untrained <= UNTRAINED_CEILING

    summary = train(cfg)
    events = [json.loads(x) for x in (tmp_path / "ck" / "training.log").read_text().splitlines()]
    accuracies = [e["accuracy"] for e in events if e["event"] == "epoch"]
    assert summary["state"]["global_step"] <= MAX_STEPS
    assert summary["val"]["n"] == len(val_rows) >= 100
    assert summary["val"]["accuracy"] >= FLOOR, accuracies
    assert accuracies[-1] > accuracies[0]  # it rose while training, not by a lucky start
