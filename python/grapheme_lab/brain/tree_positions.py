"""Tree positions of prefix tokens: where in the expression tree each token sits.

A step rewrites an expression into the same tree with its innermost operations replaced
by values, so the node a decoder is writing has the same tree path as the source nodes it
needs: the operation it replaces, and that operation's operands one branch below. Each
token carries two paths, so that cross-attention can look nodes up by path rather than
by counting tokens (positions in the token sequence shift by the width of every number):

- ``own``: the node the token belongs to (every token of a number shares its leaf's path);
- ``next``: the open slot the next new node goes to, from parsing the tokens so far.

A path is encoded as a stack, most recent branch first (Shiv & Quirk, 2019, "Novel
positional encodings to enable tree-based transformers"): a one-hot branch per depth for
the last ``DEPTH`` branches, plus a flag for "has a path". A parent and its child then
differ by a shift, which attention's linear maps can learn.

Both paths depend only on the tokens up to and including this one, so the decoder stays
causal, and decoding extends them one token at a time (``Slots.feed``).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from grapheme_lab.brain import vocab as V

DEPTH = 12  # deeper branches are dropped from the root side; 3,000 generated rows a level nest 9 deep at most
BRANCHES = max(V.ARITY.values())
PATH_FEATURES = 1 + DEPTH * BRANCHES
FEATURES = 2 * PATH_FEATURES  # own path, then next slot

_OP, _LEAF, _BODY, _WITH, _SEMI, _OTHER = range(6)
_KIND = [_OTHER] * V.vocab_size()
for _i, _t in enumerate(V.TOKENS):
    if _t in V.ARITY:
        _KIND[_i] = _OP
    elif _t in ("P", "M", "<unk>") or _t in V.LETTERS or _t in V.CONSTANTS:
        _KIND[_i] = _LEAF
    elif _t in V.NUMBER_BODY:
        _KIND[_i] = _BODY
    elif _t == "with":
        _KIND[_i] = _WITH
    elif _t == ";":
        _KIND[_i] = _SEMI
_ARITY = [V.ARITY.get(t, 0) for t in V.TOKENS]

Path = tuple[int, ...]


@functools.lru_cache(maxsize=4096)
def _indices(path: Path | None, offset: int) -> tuple[int, ...]:
    if path is None:
        return ()
    return (offset,) + tuple(offset + 1 + i * BRANCHES + b for i, b in enumerate(reversed(path[-DEPTH:])))


class Slots:
    """Prefix-notation parse state of one token sequence, fed one token at a time."""

    __slots__ = ("pending", "leaf")

    def __init__(self) -> None:
        self.pending: list[Path] = [()]  # open slots, the next one last
        self.leaf: Path | None = None

    def copy(self) -> Slots:
        s = Slots()
        s.pending, s.leaf = list(self.pending), self.leaf
        return s

    def feed(self, token: int) -> tuple[int, ...]:
        """Take the next token; the indices of its nonzero features."""
        kind = _KIND[token] if 0 <= token < len(_KIND) else _OTHER
        own: Path | None = None
        if kind == _OP or kind == _LEAF:
            own = self.pending.pop() if self.pending else None
            self.leaf = own if kind == _LEAF else None
            if kind == _OP and own is not None:
                self.pending += [own + (b,) for b in reversed(range(_ARITY[token]))]
        elif kind == _BODY:
            own = self.leaf
        elif kind == _WITH:  # bindings follow the expression; they have no place in its tree
            self.pending, self.leaf = [], None
        elif kind == _SEMI:  # a new expression starts
            self.pending, self.leaf = [()], None
        nxt = self.pending[-1] if self.pending else None
        return _indices(own, 0) + _indices(nxt, PATH_FEATURES)


def _dense(flat, rows: int, length: int, device) -> torch.Tensor:
    """[rows, length, FEATURES] features, 1 at the ``flat`` indices of the flattened tensor."""
    out = np.zeros(rows * length * FEATURES, dtype=np.float32)
    out[flat] = 1.0
    return torch.from_numpy(out.reshape(rows, length, FEATURES)).to(device)


@functools.lru_cache(maxsize=1 << 19)
def _row_features(row: tuple[int, ...]) -> np.ndarray:
    """Indices of the nonzero features of one row (no PAD), flattened over [len(row),
    FEATURES] (training sees each example once an epoch, so its features are worked out once)."""
    s = Slots()
    return np.array([t * FEATURES + i for t, tok in enumerate(row) for i in s.feed(tok)], dtype=np.int32)


def features(ids: torch.Tensor) -> torch.Tensor:
    """Tree features of a [B, T] batch of token ids (PAD at the end of a row)."""
    rows = [row[: row.index(V.PAD)] if V.PAD in row else row for row in ids.tolist()]
    return rows_features(rows, ids.shape[1], ids.device)


def rows_features(rows: list[list[int]], length: int, device="cpu") -> torch.Tensor:
    """Tree features [B, length, FEATURES] of token rows without PAD, each at most ``length``
    long (the batch they are padded into)."""
    flat = [_row_features(tuple(row)) + i * length * FEATURES for i, row in enumerate(rows)]
    return _dense(np.concatenate(flat), len(rows), length, device)


def step_features(slots: list[Slots], tokens: list[int], device) -> torch.Tensor:
    """Feed one token to each row's parse state (PAD, after a row's end, is not fed); their
    features [B, 1, FEATURES]."""
    flat = [b * FEATURES + i for b, (s, tok) in enumerate(zip(slots, tokens)) if tok != V.PAD for i in s.feed(tok)]
    return _dense(flat, len(slots), 1, device)
