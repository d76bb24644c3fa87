"""Random training windows over corpus splits, drawn by a seeded generator: the same seed
gives the same batches on any thread count, and the generator's state goes into each
checkpoint, so a resumed run draws the batches the uninterrupted run would have drawn."""

from __future__ import annotations

import numpy as np
import torch


class Windows:
    """Batches of windows of ``length`` + 1 tokens: (inputs [b, length], targets [b, length]).

    ``sources`` are (shards, weight) pairs, one a corpus's training split (a curriculum
    phase's data mix has several): each window's source is drawn by the weights, then a shard
    by its size, then a start. A window may cross a document boundary, as in nanoGPT: each
    document starts with its <|bos|>, which tells the model a new one begins. Every rank draws
    the same global batch of ``batch`` windows and keeps its share (rows rank, rank + world,
    ...), so N processes train on what one process would."""

    def __init__(self, sources: list[tuple[list[np.ndarray], float]], length: int, batch: int, seed: int,
                 rank: int = 0, world: int = 1, where: str = "the training split"):
        self.sources = []
        for shards, _ in sources:
            usable = [s for s in shards if len(s) > length]
            if not usable:
                longest = max((len(s) for s in shards), default=0)
                raise ValueError(f"{where} has {longest:,} tokens in its largest shard, fewer than a window of "
                                 f"sequence_len + 1 = {length + 1}: lower [model] sequence_len or add text")
            sizes = torch.tensor([len(s) - length for s in usable], dtype=torch.float64)
            self.sources.append((usable, sizes / sizes.sum()))
        self.weights = torch.tensor([w for _, w in sources], dtype=torch.float64)
        self.length, self.batch, self.rank, self.world = length, batch, rank, world
        self.generator = torch.Generator().manual_seed(seed)

    def next(self, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        where = []
        for k in torch.multinomial(self.weights, self.batch, replacement=True, generator=self.generator).tolist():
            shards, sizes = self.sources[k]
            shard = shards[int(torch.multinomial(sizes, 1, generator=self.generator))]
            where.append((shard, int(torch.randint(len(shard) - self.length, (1,), generator=self.generator))))
        rows = [np.asarray(shard[start : start + self.length + 1], dtype=np.int64)
                for shard, start in where[self.rank :: self.world]]
        w = torch.from_numpy(np.stack(rows)).to(device)
        return w[:, :-1], w[:, 1:]

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
