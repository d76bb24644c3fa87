"""Bits per byte: a model's summed next-token loss in nats over whole documents, divided by
ln 2 times the bytes those tokens stand for (special tokens stand for 0 bytes). Unlike
perplexity per token it compares models with different tokenizers, and a compressor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class Score:
    nats: float = 0.0
    tokens: int = 0
    bytes: int = 0

    @property
    def bpb(self) -> float:
        return self.nats / (math.log(2) * self.bytes) if self.bytes else math.nan

    @property
    def perplexity(self) -> float:
        return math.exp(self.nats / self.tokens) if self.tokens else math.nan

    def add(self, other: "Score") -> None:
        self.nats += other.nats
        self.tokens += other.tokens
        self.bytes += other.bytes


def token_byte_lengths(tokenizer, vocab_size: int) -> np.ndarray:
    """Bytes each id stands for (0 for special tokens)."""
    specials = set(tokenizer.special_tokens.values())
    return np.array([0 if i in specials else len(tokenizer.token_bytes(i)) for i in range(vocab_size)], dtype=np.int64)


@torch.no_grad()
def score_windows(model, windows: list[np.ndarray], nbytes: np.ndarray, device, batch: int = 16) -> Score:
    """Summed loss of predicting each window's tokens 1.. from those before them. Windows of
    one length are batched together."""
    total = Score()
    by_len: dict[int, list[np.ndarray]] = {}
    for w in windows:
        if len(w) >= 2:
            by_len.setdefault(len(w), []).append(w)
    for rows in by_len.values():
        for i in range(0, len(rows), batch):
            w = torch.from_numpy(np.stack(rows[i : i + batch]).astype(np.int64)).to(device)
            logits = model(w[:, :-1]).float()
            nll = F.cross_entropy(logits.flatten(0, 1), w[:, 1:].flatten(), reduction="sum")
            tgt = w[:, 1:].cpu().numpy()
            total.add(Score(float(nll), tgt.size, int(nbytes[tgt].sum())))
    return total


def document_windows(tokens: np.ndarray, length: int) -> list[np.ndarray]:
    """A document's tokens (its <|bos|> first) cut into windows of ``length`` + 1 that overlap
    by one token, so that every token after the first is predicted exactly once. Each window
    starts afresh: the model sees at most ``length`` tokens of context, as in training."""
    return [tokens[i : i + length + 1] for i in range(0, max(1, len(tokens) - 1), length)]
