"""The brain: a small pre-norm encoder-decoder transformer (nanoGPT style).

Embeddings are token + the place of a digit within its number (units, tens, ... when
digits come least significant first), so that digits of the same place line up
across numbers. Positions are rotary (RoPE) in self-attention, relative rather than
absolute: a step's operands sit next to their operator wherever the operation is, and
long inputs, rare in training, gave the learned absolute positions little to learn
from. Every token also carries its tree position (``tree_positions``): the path of its
node and of the next open slot, so that cross-attention can find the source node a
step's output node comes from by its path, wherever the tokens are. The decoder is
causal; incremental decoding keeps a key/value cache (self-attention grows by one step,
cross-attention keys and values are computed once) and extends the tree positions one
token at a time. Greedy, beam and sampled decoding share that cache.
"""

from __future__ import annotations

import functools
from contextlib import nullcontext

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from grapheme_lab.brain import tree_positions as TP
from grapheme_lab.brain import vocab as V
from grapheme_lab.config import ModelConfig

# Attention on a CPU: PyTorch's math kernel (matmul, softmax, matmul). At these sizes (heads
# of 16 channels, a few dozen tokens) its fused CPU kernel trained 1.1-1.2x slower
# (benches/brain_batches.py --compare attention); on a GPU PyTorch picks.
CPU_ATTENTION = [SDPBackend.MATH]


@functools.lru_cache(maxsize=512)
def _rotation(t: int, offset: int, e: int, device: torch.device) -> torch.Tensor:
    """The rotary turns of positions offset..offset+T-1 as unit complex numbers, [T, E/2]:
    the same for every layer, head, query and key, so computed once per length and offset."""
    with torch.inference_mode(False):  # cached tensors must stay usable by autograd
        freq = 1.0 / (10000 ** (torch.arange(0, e, 2, device=device, dtype=torch.float32) / e))
        angle = torch.arange(offset, offset + t, device=device, dtype=torch.float32)[:, None] * freq
        return torch.polar(torch.ones_like(angle), angle)


def rotate(x: torch.Tensor, offset: int) -> torch.Tensor:
    """Rotary position embedding of ``x`` [B, H, T, E] at positions offset..offset+T-1:
    each pair of channels turns by an angle proportional to the position, so a query's
    dot product with a key depends on their distance, not on where they are. The pairs are
    multiplied as complex numbers: one operation, where four products of their halves took
    2-3x as long."""
    pairs = torch.view_as_complex(x.float().unflatten(-1, (-1, 2)))
    return torch.view_as_real(pairs * _rotation(x.shape[2], offset, x.shape[3], x.device)).flatten(-2).to(x.dtype)


class Layout:
    """Where a padded batch's tokens sit in its [B, T] grid, so that the layers that work
    token by token (projections, MLPs, norms, the output head) skip the padding, which is
    a quarter to a half of a batch (benches/brain_batches.py); attention works on the grid."""

    def __init__(self, keep: torch.Tensor):
        self.b, self.t = keep.shape
        self.index = keep.flatten().nonzero()[:, 0]

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, ...] -> [N, ...]"""
        return x.reshape(self.b * self.t, *x.shape[2:]).index_select(0, self.index)

    def grid(self, x: torch.Tensor) -> torch.Tensor:
        """[N, ...] -> [B, T, ...], zeros where there is no token."""
        out = x.new_zeros((self.b * self.t, *x.shape[1:]))
        return out.index_copy(0, self.index, x).view(self.b, self.t, *x.shape[1:])


class Attention(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(d, d)
        # no key bias: it adds the same amount to every score of a query, which softmax
        # ignores, so its gradient is rounding noise that Adam would scale up into steps
        self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d)
        self.out = nn.Linear(d, d)
        self.dropout = dropout

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, ctx=None, mask=None, causal=False, cache=None, layout=None):
        """``ctx`` None: self-attention (a ``cache`` appends this step's keys); else
        cross-attention to ``ctx`` [B, S, d] (a ``cache`` keeps its keys after the first
        call). With a ``layout``, ``x`` is its tokens [N, d] and so is the result."""
        grid = (lambda y: y) if layout is None else layout.grid
        q = self._split(grid(self.q(x)))
        if ctx is None:  # self-attention: rotary positions, after those already cached
            offset = cache["k"].shape[2] if cache is not None and "k" in cache else 0
            q = rotate(q, offset)
        if cache is not None and ctx is not None and "k" in cache:
            k, v = cache["k"], cache["v"]
        else:
            if ctx is None:
                k, v = self._split(grid(self.k(x))), self._split(grid(self.v(x)))
                k = rotate(k, offset)
            else:
                k, v = self._split(self.k(ctx)), self._split(self.v(ctx))
            if cache is not None:
                if ctx is None and "k" in cache:
                    k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
                cache["k"], cache["v"] = k, v
        p = self.dropout if self.training else 0.0
        with sdpa_kernel(CPU_ATTENTION) if q.device.type == "cpu" else nullcontext():
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, is_causal=causal and mask is None)
        b, h, t, e = y.shape
        y = y.transpose(1, 2).reshape(b, t, h * e)
        return self.out(y if layout is None else layout.tokens(y))


class Block(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, dropout: float, cross: bool):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads, dropout)
        self.cross = cross
        if cross:
            self.ln2 = nn.LayerNorm(d)
            self.xattn = Attention(d, heads, dropout)
        self.ln3 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d), nn.Dropout(dropout))

    def forward(self, x, mem=None, self_mask=None, mem_mask=None, causal=False, cache=None, layout=None):
        x = x + self.attn(self.ln1(x), mask=self_mask, causal=causal, cache=None if cache is None else cache["self"],
                          layout=layout)
        if self.cross:
            x = x + self.xattn(self.ln2(x), ctx=mem, mask=mem_mask, cache=None if cache is None else cache["cross"],
                               layout=layout)
        return x + self.mlp(self.ln3(x))


def _is_digit(ids: torch.Tensor) -> torch.Tensor:
    return (ids >= V.INDEX["0"]) & (ids <= V.INDEX["9"])


def _places(ids: torch.Tensor) -> torch.Tensor:
    """Digit places (1 = first digit of a run, 2 = second, ...), 0 elsewhere, for a [B, T] batch."""
    is_digit = _is_digit(ids)
    pos = torch.arange(ids.shape[1], device=ids.device).expand_as(ids)
    last_other = torch.where(is_digit, torch.full_like(pos, -1), pos).cummax(1).values
    return torch.where(is_digit, (pos - last_other).clamp(max=V.MAX_PLACE), torch.zeros_like(pos))


def _next_place(place: torch.Tensor, nxt: torch.Tensor) -> torch.Tensor:
    """The place [B, 1] of the just-decoded tokens ``nxt`` [B], given the previous places [B]."""
    return torch.where(_is_digit(nxt), (place + 1).clamp(max=V.MAX_PLACE), torch.zeros_like(nxt))[:, None]


def shift_right(seqs: torch.Tensor) -> torch.Tensor:
    """Decoder inputs for ``seqs`` (ids after BOS): BOS, then all but the last id."""
    return torch.cat([torch.full_like(seqs[:, :1], V.BOS), seqs[:, :-1]], 1)


def sequence_logprobs_of(logits: torch.Tensor, seqs: torch.Tensor) -> torch.Tensor:
    """Sum over each row of ``seqs`` [B, T] (PAD ignored) of its log-probability under ``logits`` [B, T, V]."""
    lp = torch.log_softmax(logits, -1).gather(-1, seqs[..., None])[..., 0]
    return (lp * (seqs != V.PAD)).sum(1)


class Brain(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.tok = nn.Embedding(V.vocab_size(), d)
        self.place = nn.Embedding(V.MAX_PLACE + 1, d)
        self.tree = nn.Linear(TP.FEATURES, d, bias=False)
        self.drop = nn.Dropout(cfg.dropout)
        self.encoder = nn.ModuleList(Block(d, cfg.n_heads, cfg.d_ff, cfg.dropout, False) for _ in range(cfg.encoder_layers))
        self.decoder = nn.ModuleList(Block(d, cfg.n_heads, cfg.d_ff, cfg.dropout, True) for _ in range(cfg.decoder_layers))
        self.ln_enc = nn.LayerNorm(d)
        self.ln_dec = nn.LayerNorm(d)
        self.head = nn.Linear(d, V.vocab_size(), bias=False)
        self.head.weight = self.tok.weight  # tied input/output embeddings
        self.apply(self._init)
        nn.init.zeros_(self.tree.weight)  # start as a model without tree positions, and learn their use

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def _embed(self, ids, places, tree):
        return self.drop(self.tok(ids) + self.place(places) + self.tree(tree))

    def _embed_tokens(self, ids: torch.Tensor, tree: torch.Tensor | None, layout: Layout) -> torch.Tensor:
        """The embeddings [N, d] of a padded batch's tokens."""
        tree = TP.features(ids) if tree is None else tree
        return self._embed(*(layout.tokens(x) for x in (ids, _places(ids), tree)))

    def encode(self, src: torch.Tensor, tree: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Memory [B, S, d] and the key mask [B, 1, 1, S] (True = attend); ``tree``: the
        tree features of ``src`` when already worked out."""
        if src.shape[1] > self.cfg.max_source_len:
            raise ValueError(f"source of {src.shape[1]} tokens is longer than max_source_len {self.cfg.max_source_len}")
        keep = src != V.PAD
        layout = Layout(keep)
        x = self._embed_tokens(src, tree, layout)
        for blk in self.encoder:
            x = blk(x, self_mask=keep[:, None, None, :], layout=layout)
        return layout.grid(self.ln_enc(x)), keep[:, None, None, :]

    def decode(self, tgt_in: torch.Tensor, mem: torch.Tensor, mem_mask: torch.Tensor,
               tree: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced logits [B, T, vocab] (zeros after a row's last token); position t
        sees tgt_in[:, :t+1] only."""
        # every position up to a row's last token, so that a PAD inside a row (a sampled
        # sequence may hold one) is computed as before
        layout = Layout((tgt_in != V.PAD).flip(1).cummax(1).values.flip(1))
        x = self._embed_tokens(tgt_in, tree, layout)
        for blk in self.decoder:
            x = blk(x, mem=mem, mem_mask=mem_mask, causal=True, layout=layout)
        return layout.grid(self.head(self.ln_dec(x)))

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor, src_tree: torch.Tensor | None = None,
                tgt_tree: torch.Tensor | None = None) -> torch.Tensor:
        mem, mask = self.encode(src, src_tree)
        return self.decode(tgt_in, mem, mask, tgt_tree)

    # ------------------------------------------------------------ incremental decoding

    def _step(self, tok, place, tree, mem, mem_mask, caches):
        x = self._embed(tok, place, tree)
        for blk, c in zip(self.decoder, caches):
            x = blk(x, mem=mem, mem_mask=mem_mask, cache=c)
        return self.head(self.ln_dec(x))[:, -1].float()

    def _run(self, src, max_len, choose):
        """Shared loop: ``choose(logits) -> next ids``; returns [B, <=max_len] ids (after BOS)."""
        mem, mask = self.encode(src)
        b = src.shape[0]
        caches = [{"self": {}, "cross": {}} for _ in self.decoder]
        tok = torch.full((b, 1), V.BOS, dtype=torch.long, device=src.device)
        place = torch.zeros_like(tok)
        slots = [TP.Slots() for _ in range(b)]
        tree = TP.step_features(slots, [V.BOS] * b, src.device)
        done = torch.zeros(b, dtype=torch.bool, device=src.device)
        out = []
        for _ in range(min(max_len, self.cfg.max_target_len)):
            nxt = choose(self._step(tok, place, tree, mem, mask, caches))
            nxt = torch.where(done, torch.full_like(nxt, V.PAD), nxt)
            out.append(nxt)
            done |= nxt == V.EOS
            if bool(done.all()):
                break
            place = _next_place(place[:, 0], nxt)
            tree = TP.step_features(slots, nxt.tolist(), src.device)
            tok = nxt[:, None]
        return torch.stack(out, 1) if out else torch.zeros((b, 0), dtype=torch.long, device=src.device)

    @torch.no_grad()
    def greedy(self, src: torch.Tensor, max_len: int) -> torch.Tensor:
        return self._run(src, max_len, lambda logits: logits.argmax(-1))

    @torch.no_grad()
    def sample(self, src: torch.Tensor, max_len: int, temperature: float = 1.0, generator=None) -> torch.Tensor:
        def choose(logits):
            probs = torch.softmax(logits / max(temperature, 1e-6), -1)
            return torch.multinomial(probs, 1, generator=generator)[:, 0]

        return self._run(src, max_len, choose)

    @torch.no_grad()
    def beam(self, src: torch.Tensor, max_len: int, width: int) -> torch.Tensor:
        """Beam search (length-normalised log-probability); the best sequence per source."""
        if width <= 1:
            return self.greedy(src, max_len)
        b = src.shape[0]
        mem, mask = self.encode(src)
        mem, mask = mem.repeat_interleave(width, 0), mask.repeat_interleave(width, 0)
        caches = [{"self": {}, "cross": {}} for _ in self.decoder]
        dev = src.device
        tok = torch.full((b * width, 1), V.BOS, dtype=torch.long, device=dev)
        place = torch.zeros_like(tok)
        slots = [TP.Slots() for _ in range(b * width)]
        tree = TP.step_features(slots, [V.BOS] * (b * width), dev)
        score = torch.full((b, width), float("-inf"), device=dev)
        score[:, 0] = 0.0
        done = torch.zeros(b * width, dtype=torch.bool, device=dev)
        lengths = torch.zeros(b * width, device=dev)
        seqs = torch.zeros((b * width, 0), dtype=torch.long, device=dev)
        nv = V.vocab_size()
        for _ in range(min(max_len, self.cfg.max_target_len)):
            logp = torch.log_softmax(self._step(tok, place, tree, mem, mask, caches), -1)
            # a finished hypothesis only extends with PAD, at no cost
            frozen = torch.full_like(logp, float("-inf"))
            frozen[:, V.PAD] = 0.0
            logp = torch.where(done[:, None], frozen, logp)
            cand = (score.view(-1, 1) + logp).view(b, width * nv)
            new_len = (lengths + (~done).float()).view(b, width, 1).expand(b, width, nv).reshape(b, width * nv)
            top = (cand / new_len.clamp(min=1)).topk(width, -1).indices
            score = cand.gather(1, top)
            parent = (top // nv) + torch.arange(b, device=dev)[:, None] * width
            nxt = (top % nv).view(-1)
            parent = parent.view(-1)
            for c in caches:
                c["self"]["k"] = c["self"]["k"].index_select(0, parent)
                c["self"]["v"] = c["self"]["v"].index_select(0, parent)
            seqs = torch.cat([seqs.index_select(0, parent), nxt[:, None]], 1)
            lengths = new_len.view(b, width * nv).gather(1, top).view(-1)
            done = done.index_select(0, parent) | (nxt == V.EOS)
            if bool(done.all()):
                break
            place = _next_place(place.index_select(0, parent)[:, 0], nxt)
            slots = [slots[i].copy() for i in parent.tolist()]
            tree = TP.step_features(slots, nxt.tolist(), dev)
            tok = nxt[:, None]
        best = (score / lengths.view(b, width).clamp(min=1)).argmax(-1)
        return seqs.view(b, width, -1)[torch.arange(b, device=dev), best]

    def sequence_logprobs(self, src: torch.Tensor, seqs: torch.Tensor) -> torch.Tensor:
        """Sum of log-probabilities of each decoded sequence (with gradient), [B]. ``seqs``
        are ids after BOS, PAD after the EOS."""
        return sequence_logprobs_of(self.forward(src, shift_right(seqs)).float(), seqs)


def num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
