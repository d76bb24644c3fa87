"""Training batches of rendered conversations ((ids, mask) pairs), for the mid and SFT stages.
Targets are -1 where the mask is 0 (the user's turns, tool outputs, padding): the loss reads
only what the assistant writes.

``PackedWindows`` (mid-training): the conversations back to back in one stream, random windows
of it, as pretraining draws windows of documents. ``PaddedConversations`` (SFT): whole
conversations (cut at the window), a batch padded to its longest. Both draw with a seeded
generator whose state goes into checkpoints, and every rank draws the same global batch and
keeps its share, like ``lm.loader.Windows``."""

from __future__ import annotations

import numpy as np
import torch

IGNORE = -1  # the target of a position the loss skips


def masked_targets(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The targets of ``ids[:-1]``: ``ids[1:]`` where the mask is 1, else -1."""
    return np.where(mask[1:] == 1, ids[1:], IGNORE)


class _Drawn:
    def __init__(self, seed: int, batch: int, rank: int, world: int):
        self.batch, self.rank, self.world = batch, rank, world
        self.generator = torch.Generator().manual_seed(seed)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


class PackedWindows(_Drawn):
    def __init__(self, rendered: list[tuple[list[int], list[int]]], length: int, batch: int, seed: int,
                 rank: int = 0, world: int = 1):
        super().__init__(seed, batch, rank, world)
        order = torch.randperm(len(rendered), generator=torch.Generator().manual_seed(seed)).tolist()
        self.ids = np.concatenate([np.asarray(rendered[i][0], dtype=np.int64) for i in order])
        self.mask = np.concatenate([np.asarray(rendered[i][1], dtype=np.int8) for i in order])
        if len(self.ids) <= length:
            raise ValueError(f"the stage's conversations hold {len(self.ids):,} tokens, fewer than a window of "
                             f"sequence_len + 1 = {length + 1}: raise [stage] rows")
        self.length = length

    def next(self, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(len(self.ids) - self.length, (self.batch,), generator=self.generator).tolist()
        x, y = [], []
        for s in starts[self.rank :: self.world]:
            ids, mask = self.ids[s : s + self.length + 1], self.mask[s : s + self.length + 1]
            x.append(ids[:-1])
            y.append(masked_targets(ids, mask))
        return torch.from_numpy(np.stack(x)).to(device), torch.from_numpy(np.stack(y)).to(device)


def pad(rendered: list[tuple[list[int], list[int]]], length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of conversations cut at ``length`` + 1 tokens and padded to the longest
    (inputs with 0, targets with -1)."""
    cut = [(np.asarray(i[: length + 1], dtype=np.int64), np.asarray(m[: length + 1], dtype=np.int8))
           for i, m in rendered]
    width = max(len(i) for i, _ in cut) - 1
    x = np.zeros((len(cut), width), dtype=np.int64)
    y = np.full((len(cut), width), IGNORE, dtype=np.int64)
    for row, (ids, mask) in enumerate(cut):
        x[row, : len(ids) - 1] = ids[:-1]
        y[row, : len(ids) - 1] = masked_targets(ids, mask)
    return torch.from_numpy(x), torch.from_numpy(y)


class PaddedConversations(_Drawn):
    def __init__(self, rendered: list[tuple[list[int], list[int]]], length: int, batch: int, seed: int,
                 rank: int = 0, world: int = 1):
        super().__init__(seed, batch, rank, world)
        self.rendered = [r for r in rendered if sum(r[1][1 : length + 1]) > 0]  # something to learn in the window
        if not self.rendered:
            raise ValueError("no conversation of the stage has an assistant token within sequence_len")
        self.length = length

    def next(self, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
        picks = torch.randint(len(self.rendered), (self.batch,), generator=self.generator).tolist()
        x, y = pad([self.rendered[i] for i in picks[self.rank :: self.world]], self.length)
        return x.to(device), y.to(device)
