"""A language model's checkpoint: the model's weights, the config it was trained with, the
tokenizer it reads (so that a checkpoint moved away from its corpus still samples), and what
the training loop needs to resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from grapheme_lab.training.checkpoint import read

FORMAT = "grapheme_lab.lm/1"


def load(path: str | Path) -> dict[str, Any]:
    return read(path, FORMAT)


def tokenizer_spec(corpus) -> str | dict:
    """What a checkpoint stores of its corpus's tokenizer: "bytes", or the BPE tokenizer's JSON form."""
    return "bytes" if corpus.tokenizer_spec == "bytes" else corpus.tokenizer().to_dict()


def tokenizer_from_spec(spec: str | dict):
    from grapheme_lab.lm.corpus import ByteTokenizer
    from grapheme_lab.tokenizer import BPETokenizer

    return ByteTokenizer() if spec == "bytes" else BPETokenizer.from_dict(spec, "the checkpoint's tokenizer")


def load_model(path: str | Path, device: str | torch.device = "cpu"):
    """(model in eval mode, LMConfig, tokenizer, the checkpoint dict) from a checkpoint."""
    from grapheme_lab.lm import config as LC
    from grapheme_lab.lm import models

    ck = load(path)
    cfg = LC.from_dict(ck["config"], str(path))
    model = models.build(cfg.kind, cfg.model)
    model.load_state_dict(ck["model"])
    return model.to(device).eval(), cfg, tokenizer_from_spec(ck["tokenizer"]), ck
