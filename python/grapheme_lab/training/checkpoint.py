"""Checkpoints: written atomically, with the RNG states a run needs to continue exactly.
Each kind of checkpoint carries a ``format`` string ("grapheme_lab.brain/5",
"grapheme_lab.lm/1"); a reader names the family and version it reads."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grapheme_lab.atomic import atomic_write


def save_atomic(obj: Any, path: str | Path) -> None:
    with atomic_write(path, "wb") as f:
        torch.save(obj, f)


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    if "numpy" in state:
        np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _load(path: str | Path, mmap: bool = False) -> tuple[dict[str, Any], str]:
    """(the checkpoint, its format) of a grapheme_lab checkpoint file; anything else is an error."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"checkpoint {str(p)!r} does not exist")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=False, mmap=mmap)
    except Exception as e:  # a truncated or foreign file
        raise ValueError(f"{p} is not a readable checkpoint ({type(e).__name__}: {e})") from None
    found = ckpt.get("format") if isinstance(ckpt, dict) else None
    if not isinstance(found, str) or not found.startswith("grapheme_lab."):
        raise ValueError(f"{p} is not a grapheme_lab checkpoint")
    return ckpt, found


def read(path: str | Path, fmt: str) -> dict[str, Any]:
    """The checkpoint at ``path``, which must be of format ``fmt`` ("family/version"): a
    missing file, a truncated or foreign one, another family or version is a clear error."""
    ckpt, found = _load(path)
    p, family = Path(path), fmt.split("/")[0]
    if not found.startswith(family + "/"):
        what = {"grapheme_lab.brain": "a GRAPHEME brain", "grapheme_lab.lm": "a language-model"}
        raise ValueError(f"{p} is {what.get(found.split('/')[0], found)} checkpoint, not "
                         f"{what.get(family, family)} checkpoint")
    if found != fmt:
        raise ValueError(f"{p} is a checkpoint of format {found!r}; this version reads {fmt!r} (retrain it)")
    return ckpt


def family(path: str | Path) -> str:
    """"grapheme_lab.brain" or "grapheme_lab.lm": which kind of model a checkpoint holds
    (read memory-mapped: only the format string is looked at)."""
    return _load(path, mmap=True)[1].split("/")[0]
