"""Checkpoints: everything a run needs to continue exactly, written atomically.

A checkpoint holds the model, the optimizer, the curriculum state (which carries
the schedule's step counters), the config, the RNG states (Python, torch, CUDA)
and the byte length of the metrics log at that moment (a resumed run truncates the
log there, so lines of lost work are not repeated).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import torch

from grapheme_lab.atomic import atomic_write

FORMAT = "grapheme_lab.brain/5"  # 5: gcd, div and cancel tokens; 4: tree positions; 3: rotary positions (no learned position tables); 2: no key bias


def save_atomic(obj: Any, path: str | Path) -> None:
    with atomic_write(path, "wb") as f:
        torch.save(obj, f)


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"checkpoint {str(p)!r} does not exist")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file
        raise ValueError(f"{p} is not a readable checkpoint ({type(e).__name__}: {e})") from None
    found = ckpt.get("format") if isinstance(ckpt, dict) else None
    if not isinstance(found, str) or not found.startswith("grapheme_lab.brain/"):
        raise ValueError(f"{p} is not a grapheme_lab brain checkpoint")
    if found != FORMAT:
        raise ValueError(f"{p} is a checkpoint of format {found!r}; this version reads {FORMAT!r} (retrain it)")
    return ckpt


def load_model(path: str | Path, device: str | torch.device = "cpu"):
    """(model in eval mode, Config) from a checkpoint."""
    from grapheme_lab import config as C
    from grapheme_lab.brain.model import Brain

    ckpt = load(path)
    cfg = C.from_dict(ckpt["config"], str(path))
    model = Brain(cfg.model)
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval(), cfg
