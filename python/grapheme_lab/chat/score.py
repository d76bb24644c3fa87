"""Bits per byte of what the assistant writes: the summed loss in nats on the masked-in tokens
of conversations (each cut into windows of the model's length), divided by ln 2 times the bytes
those tokens stand for. The mid/SFT stages' validation figure and ``evaluate --task
conversation-bpb``."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from grapheme_lab.chat.batches import IGNORE, pad
from grapheme_lab.lm.bpb import Score, document_windows


@torch.no_grad()
def conversation_score(model, rendered: list[tuple[list[int], list[int]]], nbytes: np.ndarray, length: int,
                       device="cpu", batch: int = 16) -> Score:
    # each conversation cut as a document is, its mask alongside
    windows = [w for ids, mask in rendered for w in zip(document_windows(ids, length), document_windows(mask, length))]
    total = Score()
    was_training = model.training
    model.eval()
    for i in range(0, len(windows), batch):
        x, y = pad(windows[i : i + batch], length)
        x, y = x.to(device), y.to(device)
        logits = model(x).float()
        nll = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE, reduction="sum")
        kept = y[y != IGNORE].cpu().numpy()
        total.add(Score(float(nll), int(kept.size), int(nbytes[kept].sum())))
    model.train(was_training)
    return total
