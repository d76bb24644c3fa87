"""Rows to batches.

Rows come from the generated JSONL splits (``DIR/{train,val,test}/level_N.jsonl``)
when ``paths.train_data`` exists, otherwise they are generated in memory by the
engine (``[data] samples`` rows a level, the generator's default size when unset).
With ``[hardware] stream_data`` the train split is read from disk each epoch
through a seeded shuffle buffer instead of being held in memory.

Batches hold examples of about the same length (``length_bucketed``). Batch order is a
pure function of (seed, level, epoch), so a resumed run sees the same batches; under DDP
every rank takes its slice of each global batch.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from grapheme_lab import generate
from grapheme_lab.brain import sites
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import tree_positions as TP
from grapheme_lab.brain import vocab as V
from grapheme_lab.config import Config

Example = tuple[list[int], list[int], dict[str, Any]]  # source ids, target ids (+EOS), row
SHUFFLE_BUFFER = 8192
BUCKET_BATCHES = 32  # batches grouped by length together: little padding, still well mixed
BUCKET_WIDTH = 10  # source tokens a length bucket spans; a level-1 row (at most 9) stays in one


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None


def rows_by_level(path: str | Path) -> dict[int, list[dict[str, Any]]]:
    """Rows of a split folder (``level_N.jsonl`` files) or of one JSONL file, by level."""
    p = Path(path)
    files = sorted(p.glob("level_*.jsonl")) if p.is_dir() else [p]
    if p.is_dir() and not files:
        raise FileNotFoundError(f"{p} holds no level_N.jsonl files")
    if not p.exists():
        raise FileNotFoundError(f"{p} does not exist")
    out: dict[int, list[dict[str, Any]]] = {}
    for f in files:
        for row in read_jsonl(f):
            if "level" not in row or "input_polish" not in row:
                raise ValueError(f"{f}: a row without 'level' or 'input_polish': {str(row)[:80]}")
            out.setdefault(int(row["level"]), []).append(row)
    return dict(sorted(out.items()))


class Curriculum:
    """The rows of every level and split, loaded (or generated) on first use."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.root = Path(cfg.paths.train_data)
        self.on_disk = self.root.exists()
        self._rows: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self._examples: dict[tuple[int, str], list[Example]] = {}
        self._streamed_sizes: dict[int, int] = {}

    def _file(self, level: int, split: str) -> Path:
        return self.root / split / f"level_{level}.jsonl"

    def rows(self, level: int, split: str) -> list[dict[str, Any]]:
        key = (level, split)
        if key not in self._rows:
            if self.on_disk:
                f = self._file(level, split)
                if not f.exists():
                    raise FileNotFoundError(f"{f} does not exist (generate it with `generate --all-levels --output {self.root}`)")
                self._rows[key] = list(read_jsonl(f))
            else:
                n = self.cfg.data.samples.get(str(level))
                splits: dict[str, list] = {s: [] for s in generate.SPLITS}
                for s, row in generate.iter_level(level, n, self.cfg.data.seed, with_split=True):
                    splits[s].append(row)
                for s, rows in splits.items():
                    self._rows[(level, s)] = rows
        return self._rows[key]

    def _fits(self, src: list[int], tgt: list[int]) -> bool:
        return len(src) <= self.cfg.model.max_source_len and len(tgt) <= self.cfg.model.max_target_len

    def encode(self, row: dict[str, Any]) -> Example | None:
        """The row as a question and its whole answer (what validation solves), None when too long."""
        order = self.cfg.data.number_order
        src = V.encode(T.source_tokens(row, order))
        tgt = V.encode(T.target_tokens(row, order)) + [V.EOS]
        return (src, tgt, row) if self._fits(src, tgt) else None

    def training_examples(self, row: dict[str, Any]) -> list[Example]:
        """What the brain learns from the row: its answer, or with ``target = "steps"`` each
        reduction step of it and the steps that recover from a wrong quotient, all
        ``[data] repeat`` times; with ``target = "sites"`` each site of those steps on its
        own (``sites``), where a row of level 4 or above leaves its sites of arithmetic on
        rationals to levels 1-3 (replay keeps them; a linear equation has 18 such sites
        after its first step). Examples too long for the model are left out."""
        order, target = self.cfg.data.number_order, self.cfg.data.target
        # training_pairs is None without a trace: has_steps's own test, not computed twice
        pairs = T.training_pairs(row, order) if T.by_steps(int(row["level"]), target) else None
        if pairs is not None and target == "sites":
            try:
                pairs = [qa for s, t in pairs for qa in sites.asked(s, t, order)]
            except ValueError:  # a line the tokens cannot carry (a decimal past 15 places): the answer alone
                pairs = None
            if pairs is not None and int(row["level"]) not in T.LINE_LEVELS:
                pairs = [(q, a) for q, a in pairs if not T.is_arithmetic(q)]
        if pairs is None:
            e = self.encode(row)
            return [] if e is None else [e] * self._repeats(row)
        out = []
        for s, t in pairs:
            src, tgt = V.encode(s), V.encode(t) + [V.EOS]
            if self._fits(src, tgt):
                out.append((src, tgt, row))
        return out * self._repeats(row)

    def _repeats(self, row: dict[str, Any]) -> int:
        """How many times a training row is seen an epoch: ``[data] repeat`` for a level-1 row's
        operator. Its skills are rarer in the generated mix than ``+`` and ``-``, which the model
        had nearly right while quotients and products lagged (docs/training.md)."""
        if int(row["level"]) != 1:
            return 1
        return self.cfg.data.repeat.get(row["input_polish"].lstrip("(").split(maxsplit=1)[0], 1)

    def examples(self, level: int, split: str) -> list[Example]:
        """Training examples of the train split; the rows to solve (question, answer) of the others."""
        key = (level, split)
        if key not in self._examples:
            rows = self.rows(level, split)
            if split == "train":
                self._examples[key] = [e for row in rows for e in self.training_examples(row)]
            else:
                self._examples[key] = [e for e in map(self.encode, rows) if e is not None]
        return self._examples[key]

    def _streamed(self, level: int, rng: random.Random) -> Iterator[Example]:
        buf: list[Example] = []
        for row in read_jsonl(self._file(level, "train")):
            buf += self.training_examples(row)
            if len(buf) >= SHUFFLE_BUFFER:
                rng.shuffle(buf)
                yield from buf
                buf = []
        rng.shuffle(buf)
        yield from buf

    def epoch(self, level: int, epoch: int) -> Iterator[Example]:
        """This epoch's training examples in order: the level's rows and a replay share of earlier levels."""
        cfg = self.cfg
        rng = random.Random(f"{cfg.training.seed}/{level}/{epoch}")
        replay: list[Example] = []
        earlier = range(cfg.curriculum.start_level, level)
        if cfg.curriculum.replay_fraction > 0 and len(earlier):
            pool = [e for lv in earlier for e in self.examples(lv, "train")]
            n = round(cfg.curriculum.replay_fraction * self.train_size(level))
            replay = [pool[rng.randrange(len(pool))] for _ in range(n)] if pool else []
        if cfg.hardware.stream_data and self.on_disk:
            main = self._streamed(level, rng)
            # spread the replay rows evenly through the stream
            every = max(1, self.train_size(level) // max(1, len(replay))) if replay else 0
            k = 0
            for i, e in enumerate(main):
                yield e
                if replay and k < len(replay) and i % every == every - 1:
                    yield replay[k]
                    k += 1
            yield from replay[k:]
            return
        items = self.examples(level, "train") + replay
        order = list(range(len(items)))
        rng.shuffle(order)
        for i in order:
            yield items[i]

    def batches(self, level: int, epoch: int, batch_size: int) -> Iterator[list[Example]]:
        """This epoch's global batches: ``epoch``'s examples, bucketed by length."""
        rng = random.Random(f"{self.cfg.training.seed}/{level}/{epoch}/batches")
        return length_bucketed(self.epoch(level, epoch), batch_size, rng)

    def train_size(self, level: int) -> int:
        if self.cfg.hardware.stream_data and self.on_disk:
            if level not in self._streamed_sizes:
                rows = read_jsonl(self._file(level, "train"))
                self._streamed_sizes[level] = sum(len(self.training_examples(row)) for row in rows)
            return self._streamed_sizes[level]
        return len(self.examples(level, "train"))


def pad(seqs: list[list[int]], device: torch.device | str = "cpu") -> torch.Tensor:
    """Id lists as one [B, longest] tensor, PAD after each."""
    out = np.full((len(seqs), max(map(len, seqs))), V.PAD, dtype=np.int64)
    for i, s in enumerate(seqs):  # numpy: a row copy costs a fraction of a torch.tensor call
        out[i, : len(s)] = s
    return torch.from_numpy(out).to(device)


class Batch(NamedTuple):
    """A batch's tensors: ids [B, S] and [B, T] padded with PAD (``tgt_in`` starts with
    BOS), and the tree features of ``src`` and ``tgt_in`` (see ``tree_positions``)."""

    src: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor
    src_tree: torch.Tensor
    tgt_tree: torch.Tensor


def collate(examples: list[Example], device: torch.device | str = "cpu") -> Batch:
    """The examples as tensors (training runs this in the batch-preparing thread)."""
    sources, inputs = [e[0] for e in examples], [[V.BOS] + e[1][:-1] for e in examples]
    src, tgt_in, tgt_out = pad(sources), pad(inputs), pad([e[1] for e in examples])
    trees = TP.rows_features(sources, src.shape[1]), TP.rows_features(inputs, tgt_in.shape[1])
    return Batch(*(x.to(device) for x in (src, tgt_in, tgt_out, *trees)))


def length_bucketed(examples: Iterator[Example], batch_size: int, rng: random.Random) -> Iterator[list[Example]]:
    """Global batches of examples of about the same length.

    Each window of ``BUCKET_BATCHES`` batches is grouped by source length in buckets of
    ``BUCKET_WIDTH`` tokens (a stable sort, so each bucket keeps the epoch's random order),
    cut into batches, and the batches are shuffled. Level-2 steps run from 3 to 47 tokens,
    so plain batches were two-thirds padding; bucketed, far more rows a second train
    there (`benches/brain_batches.py`, docs/training.md). Not sorted by exact length: a batch of one
    length is rows of one shape, often of one operation, and level 1 barely learned.
    """
    window: list[Example] = []

    def cut() -> list[list[Example]]:
        window.sort(key=lambda e: len(e[0]) // BUCKET_WIDTH)
        out = [window[i : i + batch_size] for i in range(0, len(window), batch_size)]
        rng.shuffle(out)
        window.clear()
        return out

    for e in examples:
        window.append(e)
        if len(window) == batch_size * BUCKET_BATCHES:
            yield from cut()
    yield from cut()


def rank_slice(batch: list[Example], rank: int, world: int) -> list[Example]:
    """This rank's contiguous share of a global batch (sizes differ by at most one)."""
    n = len(batch)
    lo, hi = rank * n // world, (rank + 1) * n // world
    return batch[lo:hi]
