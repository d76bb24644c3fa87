"""A tiny training config shared by the brain tests (seconds per run on 2 cores), and a
scripted stand-in for a Brain."""

from __future__ import annotations

import copy
from pathlib import Path

import torch

from grapheme_lab.brain import vocab as V

TINY = {
    "training": {"batch_size": 16, "epochs_per_level": 2, "learning_rate": 0.003, "checkpoint_every": 1,
                 "log_every": 3, "val_samples": 24, "warmup_steps": 3, "patience": 5},
    "curriculum": {"start_level": 1, "end_level": 2, "min_epochs_per_level": 1, "replay_fraction": 0.25},
    "model": {"d_model": 16, "n_heads": 2, "d_ff": 32, "encoder_layers": 1, "decoder_layers": 1,
              "max_source_len": 64, "max_target_len": 48, "dropout": 0.0},
    "data": {"samples": {"1": 120, "2": 120}, "target": "steps"},
    "hardware": {"num_threads": 1, "parallel_batches": True},
    "optimizer": {"type": "adam"},
    "loss": {"type": "ce"},
}


def tiny(tmp: Path, **sections) -> dict:
    d = copy.deepcopy(TINY)
    d["paths"] = {"train_data": str(tmp / "no-data"), "output_dir": str(tmp / "ck"), "log_file": str(tmp / "ck" / "training.log")}
    for name, table in sections.items():
        d.setdefault(name, {}).update(table)
    return d


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {_value(x)}' for k, x in v.items()) + " }"
    return repr(v)


def write_toml(d: dict, path: Path) -> Path:
    lines = []
    for section, table in d.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {_value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


class Scripted:
    """Stands in for a Brain: answers each source from a table (``fallback`` when absent)
    and counts its decodes."""

    def __init__(self, table: dict[tuple[int, ...], list[str]], fallback: list[str]):
        self.table, self.fallback, self.calls, self.asked = table, fallback, 0, []

    def eval(self):
        return self

    def greedy(self, src: torch.Tensor, max_len: int) -> torch.Tensor:
        self.calls += 1
        self.asked.append(len(src))
        outs = [V.encode(self.table.get(tuple(t for t in row if t != V.PAD), self.fallback)) + [V.EOS]
                for row in src.tolist()]
        y = torch.full((len(outs), max(map(len, outs))), V.PAD, dtype=torch.long)
        for i, o in enumerate(outs):
            y[i, : len(o)] = torch.tensor(o)
        return y
