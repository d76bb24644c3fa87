"""Random training windows over a corpus split, drawn by a seeded generator: the same seed
gives the same batches on any thread count, and the generator's state goes into each
checkpoint, so a resumed run draws the batches the uninterrupted run would have drawn."""

from __future__ import annotations

import numpy as np
import torch


class Windows:
    """Batches of ``batch`` windows of ``length`` + 1 tokens from the shards of one split:
    (inputs [B, length], targets [B, length]). A window may cross a document boundary, as in
    nanoGPT: each document starts with its <|bos|>, which tells the model a new one begins."""

    def __init__(self, shards: list[np.ndarray], length: int, batch: int, seed: int, rank: int = 0,
                 where: str = "the training split"):
        self.shards = [s for s in shards if len(s) > length]
        if not self.shards:
            longest = max((len(s) for s in shards), default=0)
            raise ValueError(f"{where} has {longest:,} tokens in its largest shard, fewer than a window of "
                             f"sequence_len + 1 = {length + 1}: lower [model] sequence_len or add text")
        self.length, self.batch = length, batch
        sizes = torch.tensor([len(s) - length for s in self.shards], dtype=torch.float64)
        self.weights = sizes / sizes.sum()
        self.generator = torch.Generator().manual_seed(seed * 1_000_003 + rank)

    def next(self, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        which = torch.multinomial(self.weights, self.batch, replacement=True, generator=self.generator)
        rows = []
        for i in which.tolist():
            shard = self.shards[i]
            start = int(torch.randint(len(shard) - self.length, (1,), generator=self.generator))
            rows.append(np.asarray(shard[start : start + self.length + 1], dtype=np.int64))
        w = torch.from_numpy(np.stack(rows)).to(device)
        return w[:, :-1], w[:, 1:]

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


class Mixture:
    """Windows drawn from several corpora's training shards: each row's corpus picked by the
    ``weights`` (a curriculum phase's data mix), then a shard by its size, then a start. The
    same interface as :class:`Windows`; one seeded generator, saved and restored the same way."""

    def __init__(self, sources: list[tuple[list[np.ndarray], float]], length: int, batch: int, seed: int,
                 rank: int = 0, where: str = "the phase's data"):
        self.sources = []
        for shards, weight in sources:
            usable = [s for s in shards if len(s) > length]
            if not usable:
                raise ValueError(f"{where}: a corpus has no shard longer than a window of sequence_len + 1 = "
                                 f"{length + 1} tokens")
            sizes = torch.tensor([len(s) - length for s in usable], dtype=torch.float64)
            self.sources.append((usable, sizes / sizes.sum()))
        self.weights = torch.tensor([w for _, w in sources], dtype=torch.float64)
        self.length, self.batch = length, batch
        self.generator = torch.Generator().manual_seed(seed * 1_000_003 + rank)

    def next(self, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        which = torch.multinomial(self.weights, self.batch, replacement=True, generator=self.generator)
        rows = []
        for k in which.tolist():
            shards, sizes = self.sources[k]
            shard = shards[int(torch.multinomial(sizes, 1, generator=self.generator))]
            start = int(torch.randint(len(shard) - self.length, (1,), generator=self.generator))
            rows.append(np.asarray(shard[start : start + self.length + 1], dtype=np.int64))
        w = torch.from_numpy(np.stack(rows)).to(device)
        return w[:, :-1], w[:, 1:]

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
