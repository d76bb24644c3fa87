"""What a mid-training or SFT stage gives the language-model loop (``lm.train``) in place of a
corpus: the init checkpoint's model and tokenizer, the mixture's training batches (packed
windows for mid, padded conversations for SFT) and its validation conversations, scored in bits
per byte of the assistant's tokens."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grapheme_lab.chat.data import mixture
from grapheme_lab.chat.format import ChatTokens, render_conversation
from grapheme_lab.lm.bpb import Score, token_byte_lengths


def source_options(cfg) -> dict:
    return {"identity": dict(cfg.stage.identity)} if cfg.stage.identity else {}


def open_init(cfg) -> tuple[dict, object]:
    """The stage's init checkpoint and its tokenizer, which must have the chat special tokens."""
    from grapheme_lab.lm.checkpoint import load, tokenizer_from_spec

    init = load(cfg.stage.init)
    tok = tokenizer_from_spec(init["tokenizer"])
    try:
        ChatTokens.of(tok)
    except ValueError as e:
        raise ValueError(f"[stage] init {cfg.stage.init}: {e}") from None
    return init, tok


def rendered_rows(tokenizer, rows: list[dict]) -> list[tuple[list[int], list[int]]]:
    out = []
    for r in rows:
        try:
            out.append(render_conversation(tokenizer, r["messages"]))
        except ValueError as e:
            raise ValueError(f"row {r.get('id', '?')} of source {r.get('source', '?')}: {e}") from None
    return out


@dataclass
class StageData:
    init: dict  # the init checkpoint
    tokenizer: object
    train: list  # rendered training conversations
    val: list  # rendered validation conversations
    nbytes: np.ndarray

    @classmethod
    def open(cls, cfg) -> StageData:
        s = cfg.stage
        init, tok = open_init(cfg)
        seed = cfg.training.seed
        train = rendered_rows(tok, mixture(s.data, "train", s.rows, seed, **source_options(cfg)))
        val = rendered_rows(tok, mixture(s.data, "val", s.val_rows, seed, **source_options(cfg)))
        if not val:
            raise ValueError(f"[stage] data {s.data} has no validation rows")
        return cls(init, tok, train, val, token_byte_lengths(tok, init["config"]["model"]["vocab_size"]))

    def loader(self, cfg, batch: int, rank: int, world: int):
        from grapheme_lab.chat.batches import PackedWindows, PaddedConversations

        kind = PackedWindows if cfg.stage.kind == "mid" else PaddedConversations
        return kind(self.train, cfg.model.sequence_len, batch, cfg.training.seed, rank, world)

    def validate(self, model, length: int, device, rank: int = 0, world: int = 1) -> Score:
        """The score of this rank's share of the validation conversations (every world-th one):
        the ranks' scores summed are the whole set's."""
        from grapheme_lab.chat.score import conversation_score

        return conversation_score(model, self.val[rank::world], self.nbytes, length, device)
