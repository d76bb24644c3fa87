"""Checkpoints: everything a run needs to continue exactly, written atomically.

A checkpoint holds the model, the optimizer, the curriculum state (which carries
the schedule's step counters), the config, the RNG states (Python, torch, CUDA)
and the byte length of the metrics log at that moment (a resumed run truncates the
log there, so lines of lost work are not repeated).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grapheme_lab.training.checkpoint import read, rng_state, save_atomic, set_rng_state  # noqa: F401

FORMAT = "grapheme_lab.brain/5"  # 5: gcd, div and cancel tokens; 4: tree positions; 3: rotary positions (no learned position tables); 2: no key bias


def load(path: str | Path) -> dict[str, Any]:
    return read(path, FORMAT)


def load_model(path: str | Path, device: str | torch.device = "cpu"):
    """(model in eval mode, Config) from a checkpoint."""
    from grapheme_lab import config as C
    from grapheme_lab.brain.model import Brain

    ckpt = load(path)
    cfg = C.from_dict(ckpt["config"], str(path))
    model = Brain(cfg.model)
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval(), cfg
