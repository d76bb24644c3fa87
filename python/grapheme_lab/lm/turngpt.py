"""TurnGPT: the GPT's blocks over a token embedding generated from 8 "turn" coordinates a token,
with the output head tied to it.

    emb(v) = sum over i < n_turns, d < degree of  turns[v, i]^d * coefficients[i, d, :]

so the embedding costs V x 8 + 8 x 5 x D parameters instead of V x D. Written as matrices,
``E = P @ C`` with ``P`` (V x 40) the turns' powers and ``C`` (40 x D) the coefficients. The
head is tied: ``logits = h @ E^T = (h @ C^T) @ P^T``, which never builds the V x D matrix.
Positions are the GPT's rotary ones and the embedding is RMS-normalised as the GPT's is.

The turns are bounded, ``turn_bound * tanh(raw / turn_bound)``, and their powers are taken in
float32 outside autocast: with |t| <= 2 the largest power is 16, where the seed's integer turns
in [-10, 10] reached 10^4, which bf16 holds only to 3 significant digits.

Initialisation (``init``): "random" (seeded normal turns); "categories" (the words of
``grapheme_lab/data/turngpt/categories.txt``: a seeded centre a category, plus seeded noise a
word, so no two words share coordinates); "ppmi" (an 8-dimensional truncated SVD of the PPMI
matrix of the training shards' co-occurrences, plus tiny noise to separate tokens the corpus
never shows). "categories" needs the tokenizer and "ppmi" the training shards: the training loop
calls :meth:`TurnGPT.init_from_corpus` on a fresh model.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from grapheme_lab.lm.analogies import word_token
from grapheme_lab.lm.gpt import GPTConfig, Transformer

INITS = ("random", "categories", "ppmi")
CATEGORIES_FILE = Path(__file__).parent.parent / "data" / "turngpt" / "categories.txt"


@dataclass
class TurnGPTConfig:
    vocab_size: int = 4096  # filled from the corpus
    sequence_len: int = 256
    n_layer: int = 4
    n_embd: int = 0  # 0: 64 x n_layer, as the GPT
    head_dim: int = 64
    logit_softcap: float = 15.0  # 0 = off
    rope_base: float = 10000.0
    n_turns: int = 8  # turn coordinates a token
    degree: int = 5  # powers 0 .. degree - 1 of each turn
    turn_bound: float = 2.0  # |turn| stays below this (tanh), so turn^4 <= 16
    init: str = "random"  # "random", "categories" or "ppmi"
    init_scale: float = 0.7  # spread of the turns at the start (categories: of the centres)
    init_noise: float = 0.15  # categories: each word's offset from its category's centre
    init_seed: int = 0
    ppmi_window: int = 4  # ppmi: tokens either side that count as co-occurring
    ppmi_max_tokens: int = 4_000_000  # ppmi: training tokens read (0 = all)

    def __post_init__(self):
        if self.n_embd == 0:
            self.n_embd = 64 * self.n_layer
        for name in ("vocab_size", "sequence_len", "n_layer", "n_embd", "head_dim", "n_turns", "degree",
                     "ppmi_window"):
            if getattr(self, name) <= 0:
                raise ValueError(f"[model] {name} must be > 0, got {getattr(self, name)}")
        if self.n_embd % self.head_dim:
            raise ValueError(f"[model] n_embd {self.n_embd} is not a multiple of head_dim {self.head_dim}")
        if self.init not in INITS:
            raise ValueError(f"[model] init = {self.init!r} is not one of {list(INITS)}")
        if not self.turn_bound > 0 or self.init_scale <= 0 or self.init_noise < 0:
            raise ValueError("[model] turn_bound and init_scale must be > 0, init_noise >= 0")

    @property
    def n_head(self) -> int:
        return self.n_embd // self.head_dim

    def gpt(self) -> GPTConfig:
        """The GPT of the same depth and width (its blocks are the ones this model uses)."""
        return GPTConfig(vocab_size=self.vocab_size, sequence_len=self.sequence_len, n_layer=self.n_layer,
                         n_embd=self.n_embd, head_dim=self.head_dim, logit_softcap=self.logit_softcap,
                         rope_base=self.rope_base)


class TurnGPT(Transformer):
    no_weight_decay_groups = ("turns",)  # a token's 8 coordinates are its whole identity: no decay

    def __init__(self, cfg: TurnGPTConfig):
        super().__init__(cfg.gpt())  # the GPT's blocks, positions, cache and forward pass
        self.cfg = cfg
        self.turns = nn.Parameter(torch.empty(cfg.vocab_size, cfg.n_turns))  # raw: bounded by tanh
        self.coefficients = nn.Parameter(torch.empty(cfg.n_turns, cfg.degree, cfg.n_embd))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        g = torch.Generator().manual_seed(self.cfg.init_seed)
        self.turns.copy_(torch.randn(self.turns.shape, generator=g) * self.cfg.init_scale)
        # the embedding enters RMS-normalised, so the coefficients' scale only sets the tied
        # head's: this one starts the logits with a spread of about 1
        features = self.cfg.n_turns * self.cfg.degree
        nn.init.normal_(self.coefficients, std=1.0 / math.sqrt(features * self.cfg.n_embd))
        self.reset_blocks()  # as the GPT: every block starts as the identity

    # ------------------------------------------------------------ the turn embedding

    def bounded_turns(self, idx: torch.Tensor | None = None) -> torch.Tensor:
        """The turns in (-turn_bound, turn_bound), float32: [V, n_turns], or [..., n_turns] of ``idx``."""
        raw = self.turns if idx is None else self.turns[idx]
        b = self.cfg.turn_bound
        return b * torch.tanh(raw.float() / b)

    def powers(self, idx: torch.Tensor | None = None) -> torch.Tensor:
        """P: each turn's powers 0 .. degree-1, flattened to [..., n_turns x degree], in float32
        whatever the autocast (the powers are where low precision would hurt)."""
        with torch.autocast(self.turns.device.type, enabled=False):
            t = self.bounded_turns(idx).unsqueeze(-1)
            # 1, t, t^2, ... as a running product: t ** 0 would have a NaN gradient at t = 0
            p = torch.cat([torch.ones_like(t), t.expand(*t.shape[:-1], self.cfg.degree - 1)], -1).cumprod(-1)
            return p.flatten(-2)

    def coefficient_matrix(self) -> torch.Tensor:
        """C: [n_turns x degree, D], rows in the order of :meth:`powers`'s columns."""
        return self.coefficients.reshape(-1, self.cfg.n_embd)

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        """The embedding rows of ``idx``: P[idx] @ C, without building the others."""
        return self.powers(idx).to(self.coefficients.dtype) @ self.coefficient_matrix()

    def token_embeddings(self) -> torch.Tensor:
        """E = P @ C, the whole [V, D] embedding (for analogies; training never builds it)."""
        return self.powers() @ self.coefficient_matrix().float()

    def head(self, x: torch.Tensor) -> torch.Tensor:
        # tied, factorised: (h @ C^T) @ P^T costs (D + V) x 40 a token, not V x D
        h = x @ self.coefficient_matrix().t().to(x.dtype)
        return h @ self.powers().t().to(h.dtype)

    # ------------------------------------------------------------ accounting

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"turns": [self.turns], "coefficients": [self.coefficients], "matrix": self.matrix_params()}

    def flops_per_token(self, context: int | None = None) -> int:
        """Forward FLOPs a token (2 per multiply-add): the blocks, the embedding row (40 x D), the
        factorised head (D x 40 + 40 x V), and attention over an average context / 2."""
        c = self.cfg
        f = c.n_turns * c.degree
        return self.block_flops_per_token(context) + 2 * (f * c.n_embd + f * c.n_embd + f * c.vocab_size)

    def parameter_counts(self) -> dict[str, int]:
        """embedding (turns + coefficients), head (0: tied), blocks, total."""
        emb = self.turns.numel() + self.coefficients.numel()
        blocks = sum(p.numel() for p in self.blocks.parameters())
        return {"embedding": emb, "head": 0, "blocks": blocks, "total": self.num_params()}

    def compression(self) -> dict[str, float]:
        """The whole model against a GPT of the same depth and width: untied (its own head,
        as the GPT here and the seed's code) and tied; and the embedding alone (the seed's claim)."""
        return compression_report(self.cfg)

    def parameter_report(self) -> str:
        c, r = self.parameter_counts(), self.compression()
        return (f"parameters: embedding {c['embedding']:,} (turns {self.turns.numel():,} + coefficients "
                f"{self.coefficients.numel():,}), head {c['head']:,} (tied), blocks {c['blocks']:,}, total "
                f"{c['total']:,}; a GPT of this depth and width: {r['gpt_untied']:,} untied "
                f"({r['vs_untied']:.2f}x this), {r['gpt_tied']:,} tied ({r['vs_tied']:.2f}x); "
                f"the embedding alone {r['embedding_ratio']:.1f}x smaller")

    # ------------------------------------------------------------ initialisation from the corpus

    def init_from_corpus(self, corpus) -> str | None:
        """Sets the turns from the corpus for ``init`` "categories" (its tokenizer) or "ppmi"
        (its training shards); a line saying what it did, or None for "random"."""
        if self.cfg.init == "categories":
            turns, n = category_turns(corpus.tokenizer(), self.cfg)
            msg = f"turns of {n:,} category words set from {CATEGORIES_FILE.name}, the rest random"
        elif self.cfg.init == "ppmi":
            turns, n = ppmi_turns(corpus.shards("train"), self.cfg)
            msg = f"turns from an {self.cfg.n_turns}-dimensional SVD of the PPMI of {n:,} training tokens"
        else:
            return None
        b = self.cfg.turn_bound
        with torch.no_grad():  # raw = the inverse of the bound, so the bounded turns are the ones computed
            t = turns.clamp(-0.95 * b, 0.95 * b)
            self.turns.copy_((b * torch.atanh(t / b)).to(self.turns.dtype))
        return msg


def compression_report(cfg: TurnGPTConfig) -> dict[str, float]:
    v, d = cfg.vocab_size, cfg.n_embd
    ours_emb = v * cfg.n_turns + cfg.n_turns * cfg.degree * d
    blocks = cfg.n_layer * 12 * d * d  # the GPT's blocks: 4 attention + 2 MLP (4D) matrices, no biases
    ours = ours_emb + blocks
    untied, tied = 2 * v * d + blocks, v * d + blocks
    return {"total": ours, "gpt_untied": untied, "gpt_tied": tied, "vs_untied": untied / ours, "vs_tied": tied / ours,
            "embedding_ratio": v * d / ours_emb, "saved_vs_untied": 1 - ours / untied, "saved_vs_tied": 1 - ours / tied}


# ---------------------------------------------------------------- the initialisations


def load_categories(path: Path = CATEGORIES_FILE) -> dict[str, list[str]]:
    """category -> words, from lines ``[category]`` followed by words (several a line); ``#`` comments."""
    cats: dict[str, list[str]] = {}
    current = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            cats.setdefault(current, [])
        elif current is None:
            raise ValueError(f"{path}:{n}: words before the first '[category]' line")
        else:
            cats[current].extend(line.split())
    return cats


def _word_noise(word: str, seed: int, n: int) -> torch.Tensor:
    # seeded by the word itself, so a word's offset does not depend on the file's order
    h = int.from_bytes(hashlib.sha256(f"{seed}:{word}".encode()).digest()[:8], "little")
    return torch.randn(n, generator=torch.Generator().manual_seed(h))


def category_turns(tokenizer, cfg: TurnGPTConfig) -> tuple[torch.Tensor, int]:
    """Random turns, with each category word's token at its category's centre plus its own
    noise. Words that are not one token are skipped; a token reached by two words keeps the first."""
    g = torch.Generator().manual_seed(cfg.init_seed)
    turns = torch.randn(cfg.vocab_size, cfg.n_turns, generator=g) * cfg.init_scale
    done: set[int] = set()
    for cat, words in load_categories().items():
        centre = torch.randn(cfg.n_turns, generator=g) * cfg.init_scale
        for w in words:
            tok = word_token(tokenizer, w)
            if tok is None or tok in done or tok >= cfg.vocab_size:
                continue
            turns[tok] = centre + cfg.init_noise * _word_noise(w, cfg.init_seed, cfg.n_turns)
            done.add(tok)
    return turns, len(done)


def ppmi_turns(shards: list[np.ndarray], cfg: TurnGPTConfig) -> tuple[torch.Tensor, int]:
    """The PPMI of co-occurrence within ``ppmi_window`` tokens (context counts smoothed to the
    power 0.75), reduced to ``n_turns`` dimensions by a truncated SVD (U sqrt(S)), each dimension
    scaled to a spread of ``init_scale``, plus noise 1e-3 x that so that no two tokens coincide.
    The matrix is sparse (only the pairs seen), so a 50k vocabulary costs no V x V memory."""
    v, w = cfg.vocab_size, cfg.ppmi_window
    keys, read = [], 0
    for shard in shards:
        ids = np.asarray(shard[: cfg.ppmi_max_tokens - read] if cfg.ppmi_max_tokens else shard, dtype=np.int64)
        read += len(ids)
        for k in range(1, w + 1):
            a, b = ids[:-k], ids[k:]
            keys += [a * v + b, b * v + a]
        if cfg.ppmi_max_tokens and read >= cfg.ppmi_max_tokens:
            break
    pairs, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True)
    rows, cols, counts = pairs // v, pairs % v, counts.astype(np.float64)
    row = np.bincount(rows, weights=counts, minlength=v)
    ctx = np.bincount(cols, weights=counts, minlength=v) ** 0.75
    # log p(a, b) / (p(a) p_0.75(b)), kept where positive
    pmi = np.log(counts * ctx.sum() / (row[rows] * ctx[cols]))
    keep = pmi > 0
    ppmi = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows[keep], cols[keep]])),
                                   torch.from_numpy(pmi[keep]).float(), (v, v), check_invariants=True).coalesce()
    with torch.random.fork_rng():  # the randomised SVD, seeded apart from the run's generators
        torch.manual_seed(cfg.init_seed)
        u, s, _ = torch.svd_lowrank(ppmi, q=cfg.n_turns + 4, niter=4)
    u, s = u[:, : cfg.n_turns], s[: cfg.n_turns]
    x = u * s.sqrt()
    x = x / x.std(0, keepdim=True).clamp_min(1e-12) * cfg.init_scale
    g = torch.Generator().manual_seed(cfg.init_seed)
    x = x + 1e-3 * cfg.init_scale * torch.randn(x.shape, generator=g)
    return x, read
