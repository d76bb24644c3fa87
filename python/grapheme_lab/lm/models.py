"""The language-model kinds: ``[model] kind`` names one, its other keys are its config's fields."""

from __future__ import annotations

import dataclasses
import importlib
import typing
from typing import Any

import torch.nn as nn

from grapheme_lab import GraphemeError
from grapheme_lab.config import check_type

#: kind -> (module, model class, config class)
KINDS: dict[str, tuple[str, str, str]] = {
    "gpt": ("grapheme_lab.lm.gpt", "GPT", "GPTConfig"),
    "thyme": ("grapheme_lab.lm.thyme", "Thyme", "ThymeConfig"),
    "turngpt": ("grapheme_lab.lm.turngpt", "TurnGPT", "TurnGPTConfig"),
    "blt": ("grapheme_lab.lm.blt", "BLT", "BLTConfig"),
}


def classes(kind: str) -> tuple[type, type]:
    if kind not in KINDS:
        raise GraphemeError(f"[model] kind = {kind!r} is not one of {sorted(KINDS)} (or 'brain')")
    module, model, config = KINDS[kind]
    m = importlib.import_module(module)
    return getattr(m, model), getattr(m, config)


def model_config(table: dict[str, Any], where: str):
    """The config dataclass of ``table``'s kind, every other key checked against its fields."""
    kind = table.get("kind")
    if not isinstance(kind, str):
        raise GraphemeError(f"{where}: [model] needs kind = one of {sorted(KINDS)}")
    if kind not in KINDS:
        raise GraphemeError(f"{where}: [model] kind = {kind!r} is not one of {sorted(KINDS)} (or 'brain')")
    _, cfg_cls = classes(kind)
    hints = typing.get_type_hints(cfg_cls)
    values = {}
    for key, value in table.items():
        if key == "kind":
            continue
        if key not in hints:
            raise GraphemeError(f"{where}: unknown key {key!r} in [model] for kind {kind!r} "
                                f"(expected one of {sorted(hints)})")
        values[key] = check_type(value, hints[key], f"{where}: [model] {key}")
    try:
        return cfg_cls(**values)
    except ValueError as e:
        raise GraphemeError(f"{where}: {e}") from None


def build(kind: str, cfg) -> nn.Module:
    model_cls, _ = classes(kind)
    return model_cls(cfg)


def config_dict(cfg) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
