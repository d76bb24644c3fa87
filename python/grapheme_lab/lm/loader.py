"""Random training windows over a corpus split, drawn by a seeded generator: the same seed
gives the same batches on any thread count, and the generator's state goes into each
checkpoint, so a resumed run draws the batches the uninterrupted run would have drawn."""

from __future__ import annotations

import numpy as np
import torch


class Windows:
    """Batches of windows of ``length`` + 1 tokens from the shards of one split: (inputs [b,
    length], targets [b, length]). A window may cross a document boundary, as in nanoGPT: each
    document starts with its <|bos|>, which tells the model a new one begins. Every rank draws
    the same global batch of ``batch`` windows and keeps its share (rows rank, rank + world,
    ...), so N processes train on what one process would."""

    def __init__(self, shards: list[np.ndarray], length: int, batch: int, seed: int, rank: int = 0,
                 world: int = 1, where: str = "the training split"):
        self.shards = [s for s in shards if len(s) > length]
        if not self.shards:
            longest = max((len(s) for s in shards), default=0)
            raise ValueError(f"{where} has {longest:,} tokens in its largest shard, fewer than a window of "
                             f"sequence_len + 1 = {length + 1}: lower [model] sequence_len or add text")
        self.length, self.batch, self.rank, self.world = length, batch, rank, world
        sizes = torch.tensor([len(s) - length for s in self.shards], dtype=torch.float64)
        self.weights = sizes / sizes.sum()
        self.generator = torch.Generator().manual_seed(seed)

    def next(self, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        which = torch.multinomial(self.weights, self.batch, replacement=True, generator=self.generator)
        where = [(i, int(torch.randint(len(self.shards[i]) - self.length, (1,), generator=self.generator)))
                 for i in which.tolist()]
        rows = [np.asarray(self.shards[i][start : start + self.length + 1], dtype=np.int64)
                for i, start in where[self.rank :: self.world]]
        w = torch.from_numpy(np.stack(rows)).to(device)
        return w[:, :-1], w[:, 1:]

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
