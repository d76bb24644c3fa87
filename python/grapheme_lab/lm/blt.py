"""A Byte Latent Transformer (Pagnoni et al., 2024, arXiv 2412.09871) at small scale.

Bytes are grouped into patches by a small frozen byte-level GPT, the entropy model: a new
patch starts at byte t + 1 when the entropy of its prediction for byte t + 1 (made from
bytes <= t) is high, under a global threshold (``H_t > theta``) or the paper's monotonic
rule (``H_t - H_{t-1} > theta``). Three trained parts then read the bytes:

- the local encoder: each byte's embedding plus hashed embeddings of the n-grams ending at
  it (n = ``ngram_min`` .. ``ngram_max``), a few causal byte layers, and a cross-attention
  that pools each patch's own bytes into the patch's representation (its query starts as
  the max over those bytes);
- the latent transformer, causal over the patches. Its input is a learned start vector and
  then patches 0 .. M-2, so its output k has read patches < k only;
- the local decoder: each byte of patch k cross-attends to the latent outputs 0 .. k (built
  from whole patches that ended before it), then causal byte layers predict the next byte.

Every path is causal, the patching included: whether byte s starts a patch depends on bytes
< s, and what byte t reads of the latent comes from patches that ended before t's patch
began (``tests/test_lm_blt.py`` changes later bytes and checks that no earlier logit moves).

The entropy model is trained first (``configs/blt_entropy.toml``, ``kind = "gpt"`` on a
bytes corpus). ``[model] entropy_model`` names its checkpoint: the BLT reads its config
when built and its weights once before training (:meth:`BLT.load_frozen_parts`), and keeps
them as buffers, so the optimizer never sees them and a BLT checkpoint needs nothing else.

Generation is incremental: a prompt is read in one pass, then each byte goes once through
the entropy model and the byte layers, on their KV caches; the open patch's byte states are
kept, and when a patch closes the latent transformer takes one step on its own KV cache and
the decoder's keys and values of its output are computed, once.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from grapheme_lab.lm.gpt import GPT, Block, GPTConfig, KVCache, rms_norm

PATCHING = ("global", "monotonic")
HASH_MULTIPLIER = 1_000_003
HASH_MODULUS = 2_147_483_647  # (byte + 1) * (M^i mod P) < 2^40, and a sum of a few terms mod P: int64


@dataclass
class BLTConfig:
    vocab_size: int = 257  # bytes and <|bos|>: filled from the corpus
    sequence_len: int = 256  # bytes of context
    entropy_model: str = ""  # checkpoint of the frozen entropy model (a byte-level gpt)
    entropy_gpt: dict = field(default_factory=dict)  # its GPTConfig: filled from that checkpoint
    patching: str = "global"  # "global": H_t > threshold; "monotonic": H_t - H_{t-1} > threshold
    entropy_threshold: float = 2.0  # bits
    max_patch_len: int = 0  # a patch closes at this length whatever the entropy (0 = no limit)
    d_local: int = 128  # width of the byte layers (encoder and decoder)
    n_local_encoder: int = 1
    n_local_decoder: int = 2
    d_latent: int = 256  # width of the latent transformer over patches
    n_latent: int = 4
    head_dim: int = 32
    hash_buckets: int = 4096  # rows of each n-gram's hash table
    ngram_min: int = 3
    ngram_max: int = 8
    logit_softcap: float = 15.0  # 0 = off
    rope_base: float = 10000.0

    def __post_init__(self):
        for name in ("vocab_size", "sequence_len", "d_local", "n_local_decoder", "d_latent", "n_latent",
                     "head_dim", "hash_buckets"):
            if getattr(self, name) <= 0:
                raise ValueError(f"[model] {name} must be > 0, got {getattr(self, name)}")
        for name in ("n_local_encoder", "max_patch_len"):
            if getattr(self, name) < 0:
                raise ValueError(f"[model] {name} must be >= 0, got {getattr(self, name)}")
        for name in ("d_local", "d_latent"):
            if getattr(self, name) % self.head_dim:
                raise ValueError(f"[model] {name} {getattr(self, name)} is not a multiple of head_dim {self.head_dim}")
        if self.patching not in PATCHING:
            raise ValueError(f"[model] patching = {self.patching!r} is not one of {list(PATCHING)}")
        if not 1 <= self.ngram_min <= self.ngram_max:
            raise ValueError(f"[model] needs 1 <= ngram_min <= ngram_max, got {self.ngram_min}, {self.ngram_max}")
        if not self.entropy_gpt:
            if not self.entropy_model:
                raise ValueError("[model] entropy_model must name the entropy model's checkpoint (a byte-level "
                                 "kind = 'gpt', e.g. trained with configs/blt_entropy.toml)")
            self.entropy_gpt = entropy_config_of(self.entropy_model)


def entropy_config_of(path: str) -> dict:
    from pathlib import Path

    from grapheme_lab.lm.checkpoint import load

    if not Path(path).is_file():
        raise ValueError(f"[model] entropy_model {path!r} does not exist: train the entropy model first "
                         "(python -m grapheme_lab train --config configs/blt_entropy.toml)")
    ck = load(path)
    if ck["kind"] != "gpt" or ck["tokenizer"] != "bytes":
        raise ValueError(f"{path}: the entropy model must be a byte-level gpt, not a {ck['kind']} "
                         f"over {'bytes' if ck['tokenizer'] == 'bytes' else 'BPE tokens'}")
    return {k: v for k, v in ck["config"]["model"].items() if k != "kind"}


# ---------------------------------------------------------------- patching


def entropy_bits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy in bits of each softmax(logits) over the last dimension."""
    logp = F.log_softmax(logits.float(), -1)
    return -(logp.exp() * logp).sum(-1) / math.log(2)


def boundary_rule(h: torch.Tensor, h_prev: torch.Tensor | None, patching: str, threshold: float) -> torch.Tensor:
    """Whether the byte after the one with entropy ``h`` starts a patch (before any length limit)."""
    if patching == "global":
        return h > threshold
    if h_prev is None:  # no earlier entropy: the monotonic rule has nothing to compare with
        return torch.zeros_like(h, dtype=torch.bool)
    return h - h_prev > threshold


def patch_starts(entropy: torch.Tensor, patching: str, threshold: float, max_len: int = 0) -> torch.Tensor:
    """[B, T] bool, True where a patch starts. ``entropy[:, t]`` is that of the prediction of
    byte t + 1 made at t, so whether byte s starts a patch depends on bytes < s only; byte 0
    always starts one. With ``max_len`` a patch also closes after that many bytes."""
    b, t = entropy.shape
    starts = torch.zeros(b, t, dtype=torch.bool, device=entropy.device)
    starts[:, 0] = True
    if t == 1:
        return starts
    prev = torch.cat([entropy[:, :1], entropy[:, :-2]], 1)  # H_{t-1} beside each H_t, t < T-1
    rule = boundary_rule(entropy[:, :-1], prev, patching, threshold)
    if patching == "monotonic":
        rule[:, 0] = False  # byte 0 has no earlier entropy
    if not max_len:
        starts[:, 1:] = rule
        return starts
    run = torch.ones(b, dtype=torch.long, device=entropy.device)  # length of the open patch, byte t in it
    for i in range(t - 1):
        s = rule[:, i] | (run >= max_len)
        starts[:, i + 1] = s
        run = torch.where(s, torch.ones_like(run), run + 1)
    return starts


def ngram_hashes(windows: torch.Tensor) -> torch.Tensor:
    """[..., W] byte windows, oldest first -> [..., W]: at n - 1 the hash of the window's last n
    bytes, h_n = sum_i (x_{-1-i} + 1) * M^i mod P (Horner's polynomial hash, newest byte at
    M^0), in integer arithmetic: the same on every machine, one cumulative sum for every n."""
    terms = (windows.flip(-1).long() + 1) * hash_powers(windows.shape[-1], windows.device) % HASH_MODULUS
    return terms.cumsum(-1) % HASH_MODULUS  # W terms below 2^31 each: no int64 overflow


@functools.lru_cache(maxsize=8)
def hash_powers(w: int, device: torch.device) -> torch.Tensor:  # M^i mod P, i < w: built once, not each step
    return torch.tensor([pow(HASH_MULTIPLIER, i, HASH_MODULUS) for i in range(w)], dtype=torch.long, device=device)


def ngram_hash_ids(idx: torch.Tensor, n: int, buckets: int, pad: int) -> torch.Tensor:
    """[B, T] bucket of the n bytes ending at each position (``pad`` before the window starts)."""
    x = F.pad(idx.long(), (n - 1, 0), value=pad)
    return ngram_hashes(x.unfold(1, n, 1))[..., n - 1] % buckets


# ---------------------------------------------------------------- modules


class CrossAttention(nn.Module):
    """Queries from one sequence, keys and values from another, under a boolean mask [B, 1, Q, K]."""

    def __init__(self, d_query: int, d_kv: int, head_dim: int):
        super().__init__()
        self.n_head, self.head_dim = d_query // head_dim, head_dim
        self.c_q = nn.Linear(d_query, d_query, bias=False)
        self.c_k = nn.Linear(d_kv, d_query, bias=False)
        self.c_v = nn.Linear(d_kv, d_query, bias=False)
        self.c_proj = nn.Linear(d_query, d_query, bias=False)

    def heads(self, y: torch.Tensor) -> torch.Tensor:  # [B, T, C] -> [B, H, T, D]
        return y.view(y.shape[0], y.shape[1], self.n_head, self.head_dim).transpose(1, 2)

    def keys_values(self, kv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The normalised keys and the values [B, H, K, D] of ``kv`` (generation keeps them)."""
        return rms_norm(self.heads(self.c_k(kv))), self.heads(self.c_v(kv))

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, tq, c = q.shape
        y = F.scaled_dot_product_attention(rms_norm(self.heads(self.c_q(q))), k, v, attn_mask=mask)
        return self.c_proj(y.transpose(1, 2).reshape(b, tq, c))

    def forward(self, q: torch.Tensor, kv: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.attend(q, *self.keys_values(kv), mask)


def rotary_tables(inv_freq: torch.Tensor, start: int, t: int, device):
    pos = torch.arange(start, start + t, device=device, dtype=torch.float32)
    freqs = torch.outer(pos, inv_freq.to(device))
    return freqs.cos()[None, None], freqs.sin()[None, None]


def grown(t: torch.Tensor, dim: int, need: int) -> torch.Tensor:
    """``t`` itself, or a copy with room for ``need`` along ``dim`` (at least doubled, zeros after)."""
    if t.shape[dim] >= need:
        return t
    shape = list(t.shape)
    shape[dim] = max(need, 2 * t.shape[dim])
    out = t.new_zeros(shape)
    out.narrow(dim, 0, t.shape[dim]).copy_(t)
    return out


class BLTCache:
    """Generation state: KV caches of the entropy model, the byte layers and (one a row) the
    latent transformer; the last bytes (for the n-gram hashes); the open patch's byte states;
    the decoder's keys and values of every latent output so far (projected once, when the
    latent makes it); and rotary tables sliced, not rebuilt, each step."""

    def __init__(self, model: "BLT", batch: int, device):
        c, p = model.cfg, model.byte_embedding.weight
        local_heads, latent_heads = c.d_local // c.head_dim, c.d_latent // c.head_dim
        self.pos = 0
        self.entropy = model.entropy.init_cache(batch, device)
        self.encoder = KVCache(max(1, c.n_local_encoder), batch, local_heads, c.head_dim, device, p.dtype)
        self.decoder = KVCache(c.n_local_decoder, batch, local_heads, c.head_dim, device, p.dtype)
        self.latent = [KVCache(c.n_latent, 1, latent_heads, c.head_dim, device, p.dtype) for _ in range(batch)]
        self.recent = torch.full((batch, c.ngram_max - 1), c.vocab_size, dtype=torch.long, device=device)
        self.prev_entropy: torch.Tensor | None = None
        self.run = [0] * batch  # bytes in each row's open patch
        self.open = torch.zeros(batch, c.max_patch_len or 16, c.d_local, device=device, dtype=p.dtype)
        self.outputs = [0] * batch  # latent outputs so far, each row (the start's included)
        self.read_k = torch.zeros(batch, local_heads, 16, c.head_dim, device=device, dtype=p.dtype)
        self.read_v = torch.zeros_like(self.read_k)
        self.inv_freq = model.inv_freq
        self.cos, self.sin = rotary_tables(self.inv_freq, 0, c.sequence_len, device)

    def rope(self, start: int, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        if start + t > self.cos.shape[2]:
            self.cos, self.sin = rotary_tables(self.inv_freq, 0, 2 * (start + t), self.cos.device)
        return self.cos[:, :, start : start + t], self.sin[:, :, start : start + t]

    def nbytes(self) -> int:
        caches = [self.entropy, self.encoder, self.decoder] + self.latent
        return sum(c.nbytes() for c in caches) + sum(t.numel() * t.element_size()
                                                      for t in (self.open, self.read_k, self.read_v))


class BLT(nn.Module):
    bounded_context = True  # byte positions past sequence_len were never trained

    def __init__(self, cfg: BLTConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg
        if c.entropy_gpt.get("vocab_size", c.vocab_size) != c.vocab_size:
            raise ValueError(f"[model] the entropy model reads {c.entropy_gpt['vocab_size']} symbols; "
                             f"this corpus has {c.vocab_size}")
        self.entropy = GPT(GPTConfig(**{**c.entropy_gpt, "vocab_size": c.vocab_size}))
        freeze_as_buffers(self.entropy)
        n_ngrams = c.ngram_max - c.ngram_min + 1
        self.byte_embedding = nn.Embedding(c.vocab_size, c.d_local)
        self.hash_embedding = nn.Embedding(n_ngrams * c.hash_buckets, c.d_local)
        self.register_buffer("hash_offsets", torch.arange(n_ngrams) * c.hash_buckets, persistent=False)
        local = GPTConfig(vocab_size=c.vocab_size, sequence_len=c.sequence_len, n_layer=1, n_embd=c.d_local,
                          head_dim=c.head_dim)
        latent = GPTConfig(vocab_size=c.vocab_size, sequence_len=c.sequence_len, n_layer=1, n_embd=c.d_latent,
                           head_dim=c.head_dim)
        self.encoder = nn.ModuleList(Block(local) for _ in range(c.n_local_encoder))
        self.pool = CrossAttention(c.d_local, c.d_local, c.head_dim)
        self.to_latent = nn.Linear(c.d_local, c.d_latent, bias=False)
        self.latent_start = nn.Parameter(torch.zeros(c.d_latent))
        self.latent = nn.ModuleList(Block(latent) for _ in range(c.n_latent))
        self.read_latent = CrossAttention(c.d_local, c.d_latent, c.head_dim)
        self.decoder = nn.ModuleList(Block(local) for _ in range(c.n_local_decoder))
        self.lm_head = nn.Linear(c.d_local, c.vocab_size, bias=False)
        inv = 1.0 / c.rope_base ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim)
        self.register_buffer("inv_freq", inv, persistent=False)
        self.patch_counts = [0, 0]  # patches and bytes seen by forward in eval mode: the mean patch length
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # the GPT's start: unit embeddings, a near-zero head, each residual branch's output at zero
        nn.init.normal_(self.byte_embedding.weight, std=1.0)
        nn.init.normal_(self.hash_embedding.weight, std=1.0)
        nn.init.normal_(self.latent_start, std=1.0)
        nn.init.normal_(self.lm_head.weight, std=0.001)
        for blk in list(self.encoder) + list(self.latent) + list(self.decoder):
            for lin in (blk.attn.c_q, blk.attn.c_k, blk.attn.c_v, blk.mlp.c_fc):
                uniform_fan_in(lin)
            nn.init.zeros_(blk.attn.c_proj.weight)
            nn.init.zeros_(blk.mlp.c_proj.weight)
        for xa in (self.pool, self.read_latent):
            for lin in (xa.c_q, xa.c_k, xa.c_v):
                uniform_fan_in(lin)
            nn.init.zeros_(xa.c_proj.weight)
        uniform_fan_in(self.to_latent)

    @torch.no_grad()
    def load_frozen_parts(self) -> str:
        """Reads the entropy model's weights from ``cfg.entropy_model`` (once, before training)."""
        from grapheme_lab.lm.checkpoint import load

        path = self.cfg.entropy_model
        state = load(path)["model"]
        own = dict(self.entropy.named_buffers())
        missing = sorted(set(k for k in own if k != "inv_freq") ^ set(state))
        if missing:
            raise ValueError(f"{path}: not the entropy model this config describes ({missing[:3]} differ)")
        for k, v in state.items():
            own[k].copy_(v)
        n = sum(v.numel() for v in state.values())
        return (f"entropy model: {path}, {n:,} parameters, frozen; {self.cfg.patching} threshold "
                f"{self.cfg.entropy_threshold:g} bits")

    # ------------------------------------------------------------ the parts

    def _embed(self, idx: torch.Tensor, history: torch.Tensor | None = None) -> torch.Tensor:
        """Byte embeddings plus hashed n-gram embeddings, normalised [B, T, d_local]. ``history``
        [B, ngram_max - 1]: the bytes before ``idx`` (None: the window's start, padding)."""
        c = self.cfg
        if history is None:
            history = idx.new_full((idx.shape[0], c.ngram_max - 1), c.vocab_size)
        windows = torch.cat([history, idx], 1).unfold(1, c.ngram_max, 1)  # [B, T, ngram_max], oldest first
        ids = ngram_hashes(windows)[..., c.ngram_min - 1 :] % c.hash_buckets + self.hash_offsets
        return rms_norm(self.byte_embedding(idx) + self.hash_embedding(ids).sum(-2))

    @torch.no_grad()
    def entropies(self, idx: torch.Tensor) -> torch.Tensor:
        """[B, T] entropy in bits of the entropy model's prediction of the byte after each."""
        return entropy_bits(self.entropy(idx))

    def patch_starts(self, idx: torch.Tensor) -> torch.Tensor:
        c = self.cfg
        return patch_starts(self.entropies(idx), c.patching, c.entropy_threshold, c.max_patch_len)

    def _pool(self, h: torch.Tensor, patch: torch.Tensor, m: int) -> torch.Tensor:
        """Patch representations [B, m, d_latent] from byte states ``h`` [B, T, d] and each
        byte's patch ``patch`` [B, T]: a patch's query is the max over its own bytes, refined by
        cross-attention to them (and no others)."""
        index = patch[..., None].expand_as(h)
        query = h.new_zeros(h.shape[0], m, h.shape[2]).scatter_reduce(1, index, h, "amax", include_self=False)
        member = patch[:, None, :] == torch.arange(m, device=h.device)[None, :, None]  # [B, m, T]
        member[:, :, 0] |= ~member.any(2)  # padding patches read byte 0 (never used) rather than nothing
        x = query + self.pool(rms_norm(query), rms_norm(h), member[:, None])
        return self.to_latent(x)

    @staticmethod
    def _run(blocks, x: torch.Tensor, cos, sin, cache: KVCache | None = None) -> torch.Tensor:
        for i, blk in enumerate(blocks):
            x = blk(x, cos, sin, cache, i)
        if cache is not None:
            cache.pos += x.shape[1]
        return x

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.lm_head(rms_norm(x)).float()
        cap = self.cfg.logit_softcap
        return cap * torch.tanh(logits / cap) if cap > 0 else logits

    # ------------------------------------------------------------ training and scoring

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits [B, T, V] for every byte of ``idx`` [B, T], each from the bytes up to it."""
        b, t = idx.shape
        starts = self.patch_starts(idx)
        patch = starts.long().cumsum(1) - 1  # [B, T]: the patch of each byte
        m = int(patch.max()) + 1
        if not self.training:
            self.patch_counts[0] += int(starts.sum())
            self.patch_counts[1] += starts.numel()
        cos, sin = rotary_tables(self.inv_freq, 0, t, idx.device)
        h = self._run(self.encoder, self._embed(idx), cos, sin)
        patches = self._pool(h, patch, m)
        # latent input k is patch k-1 (the start vector first): output k has read patches < k
        start = self.latent_start.to(patches.dtype).expand(b, 1, -1)
        latent = self._run(self.latent, torch.cat([start, patches[:, : m - 1]], 1), cos[:, :, :m], sin[:, :, :m])
        # byte t of patch k reads latent outputs 0..k: made from whole patches before its own
        reads = torch.arange(m, device=idx.device)[None, None, :] <= patch[:, :, None]  # [B, T, M]
        x = h + self.read_latent(rms_norm(h), rms_norm(latent), reads[:, None])
        return self._logits(self._run(self.decoder, x, cos, sin))

    def mean_patch_length(self, reset: bool = True) -> float | None:
        """Bytes per patch over the forward passes in eval mode since the last reset (None: none)."""
        patches, nbytes = self.patch_counts
        if reset:
            self.patch_counts = [0, 0]
        return nbytes / patches if patches else None

    def eval_metrics(self) -> dict[str, float]:
        """What the training loop logs beside an evaluation's bpb: the mean patch length in bytes."""
        mean = self.mean_patch_length()
        return {"mean_patch_length": mean} if mean else {}

    # ------------------------------------------------------------ generation

    @torch.no_grad()
    def init_cache(self, batch_size: int, device=None) -> BLTCache:
        device = device or self.byte_embedding.weight.device
        cache = BLTCache(self, batch_size, device)
        for row in range(batch_size):
            self._latent_step(self.latent_start.view(1, 1, -1), row, cache)
        return cache

    @torch.no_grad()
    def decode(self, idx: torch.Tensor, cache: BLTCache) -> torch.Tensor:
        """Logits [B, t, V] of ``idx`` [B, t] continuing the cached bytes: a prompt into an empty
        cache in one pass, as the forward pass reads it; later bytes one at a time."""
        if cache.pos == 0 and idx.shape[1] > 1:
            return self._prefill(idx, cache)
        steps = [self._step(idx[:, i], cache) for i in range(idx.shape[1])]
        return steps[0] if len(steps) == 1 else torch.cat(steps, 1)

    def _latent_step(self, x: torch.Tensor, row: int, cache: BLTCache) -> None:
        """The latent transformer over ``row``'s next inputs ``x`` [1, n, d_latent] on its KV cache;
        the decoder's keys and values of the n outputs are computed here, once."""
        lat, n0, n = cache.latent[row], cache.outputs[row], x.shape[1]
        cos, sin = cache.rope(lat.pos, n)
        k, v = self.read_latent.keys_values(rms_norm(self._run(self.latent, x, cos, sin, lat)))
        cache.read_k, cache.read_v = grown(cache.read_k, 2, n0 + n), grown(cache.read_v, 2, n0 + n)
        cache.read_k[row, :, n0 : n0 + n] = k[0]
        cache.read_v[row, :, n0 : n0 + n] = v[0]
        cache.outputs[row] += n

    def _read_latent(self, h: torch.Tensor, cache: BLTCache, reads: torch.Tensor | None) -> torch.Tensor:
        """``h`` plus what it reads of the latent outputs so far: those ``reads`` [B, t, n] allows
        (None: all of its row's)."""
        n = max(cache.outputs)
        if reads is None and min(cache.outputs) < n:
            reads = torch.arange(n, device=h.device)[None, None, :] < torch.tensor(cache.outputs, device=h.device)[
                :, None, None]
        mask = None if reads is None else reads[:, None]
        return h + self.read_latent.attend(rms_norm(h), cache.read_k[:, :, :n], cache.read_v[:, :, :n], mask)

    def _close_patch(self, row: int, cache: BLTCache) -> None:
        states = cache.open[row : row + 1, : cache.run[row]]
        one_patch = torch.zeros(1, states.shape[1], dtype=torch.long, device=states.device)
        self._latent_step(self._pool(states, one_patch, 1), row, cache)
        cache.run[row] = 0

    def _step(self, byte: torch.Tensor, cache: BLTCache) -> torch.Tensor:
        c = self.cfg
        # the encoder: the n-grams ending at this byte, then the byte layers on their KV cache
        cos, sin = cache.rope(cache.pos, 1)
        h = self._run(self.encoder, self._embed(byte[:, None], cache.recent), cos, sin, cache.encoder)
        cache.recent = torch.cat([cache.recent[:, 1:], byte[:, None]], 1)
        # the decoder reads the latent outputs so far (those of the patches closed before this one)
        x = self._read_latent(h, cache, None)
        logits = self._logits(self._run(self.decoder, x, cos, sin, cache.decoder))
        # the entropy of the next byte's prediction decides whether this byte closes its patch
        ent = entropy_bits(self.entropy.decode(byte[:, None], cache.entropy)[:, -1])
        closes = boundary_rule(ent, cache.prev_entropy, c.patching, c.entropy_threshold)
        cache.prev_entropy = ent
        cache.open = grown(cache.open, 1, max(cache.run) + 1)
        for r in range(byte.shape[0]):
            cache.open[r, cache.run[r]] = h[r, 0]
            cache.run[r] += 1
        closing = set(closes.nonzero().flatten().tolist())  # the step's one sync
        if c.max_patch_len:
            closing |= {r for r, n in enumerate(cache.run) if n >= c.max_patch_len}
        for r in sorted(closing):
            self._close_patch(r, cache)
        cache.pos += 1
        return logits

    def _prefill(self, idx: torch.Tensor, cache: BLTCache) -> torch.Tensor:
        """``decode`` of a prompt [B, t] into an empty cache: the forward pass's computation, run
        through the caches, which it leaves with the patch the prompt ends in open."""
        c = self.cfg
        b, t = idx.shape
        ent = entropy_bits(self.entropy.decode(idx, cache.entropy))
        # whether bytes 0..t start patches; byte t's says whether the prompt's last byte closes its own
        starts = patch_starts(F.pad(ent, (0, 1)), c.patching, c.entropy_threshold, c.max_patch_len)
        patch = starts[:, :t].long().cumsum(1) - 1
        cos, sin = cache.rope(0, t)
        h = self._run(self.encoder, self._embed(idx, cache.recent), cos, sin, cache.encoder)
        pooled = self._pool(h, patch, int(patch.max()) + 1)
        cache.open = grown(cache.open, 1, t)
        for r in range(b):
            last_start = int(starts[r, :t].nonzero()[-1])
            closed = int(patch[r, -1]) + int(starts[r, t])  # patches closed within the prompt
            if closed:
                self._latent_step(pooled[r : r + 1, :closed], r, cache)
            if not starts[r, t]:
                cache.run[r] = t - last_start
                cache.open[r, : t - last_start] = h[r, last_start:]
        reads = torch.arange(max(cache.outputs), device=idx.device)[None, None, :] <= patch[:, :, None]
        x = self._read_latent(h, cache, reads)
        logits = self._logits(self._run(self.decoder, x, cos, sin, cache.decoder))
        cache.recent = torch.cat([cache.recent, idx], 1)[:, t:]
        cache.prev_entropy = ent[:, -1]
        cache.pos = t
        return logits

    # ------------------------------------------------------------ accounting

    def matrix_params(self) -> list[nn.Parameter]:
        mods = [self.encoder, self.latent, self.decoder, self.pool, self.read_latent, self.to_latent]
        return [p for m in mods for p in m.parameters() if p.dim() == 2]

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"embedding": [self.byte_embedding.weight, self.hash_embedding.weight, self.latent_start],
                "head": [self.lm_head.weight], "matrix": self.matrix_params()}

    def state_bytes_per_layer(self) -> int | None:
        """None: the byte layers and the latent keep every earlier position (KV caches)."""
        return None

    def cache_bytes(self, cache: BLTCache) -> int:
        return cache.nbytes()

    def flops_per_byte(self, patch_len: float | None = None, context: int | None = None,
                       entropy_model: bool = True) -> float:
        """Forward FLOPs a byte (2 per multiply-add) for a mean patch length ``patch_len`` over an
        average context of ``context`` / 2 bytes (``sequence_len`` unless set). With L = patch_len,
        d = d_local, D = d_latent, T = context, M = T / L patches, V = vocab_size:

        - byte layers (encoder and decoder): 12 d^2 + d T each, as the GPT counts a layer;
        - pooling: keys and values of every byte 2 d^2, attention to its own patch 2 d, and per
          patch the query, output and up-projection d^2 + d^2 + d D (divided by L);
        - latent: per patch 12 D^2 + D M a layer (divided by L);
        - reading the latent: query and output 2 d^2, attention to M / 2 patches d M, and per
          patch its keys and values 2 D d (divided by L);
        - the head: d V;
        - the entropy model (when ``entropy_model``): its own forward FLOPs a byte.
        The hashed n-gram embeddings are lookups (no multiply-adds)."""
        c = self.cfg
        L = patch_len or self.mean_patch_length(reset=False) or 1.0
        d, D, T, V = c.d_local, c.d_latent, context or c.sequence_len, c.vocab_size
        M = T / L
        local = (c.n_local_encoder + c.n_local_decoder) * (12 * d * d + d * T)
        pool = 2 * d * d + 2 * d + (2 * d * d + d * D) / L
        latent = c.n_latent * (12 * D * D + D * M) / L
        read = 2 * d * d + d * M + 2 * D * d / L
        macs = local + pool + latent + read + d * V
        flops = 2 * macs
        if entropy_model:
            flops += self.entropy.flops_per_token(context)
        return flops

    def flops_per_token(self, context: int | None = None) -> int:
        """Forward FLOPs a byte, the entropy model included (see :meth:`flops_per_byte`)."""
        return int(self.flops_per_byte(context=context))

    def num_params(self) -> int:
        """Trained parameters (the frozen entropy model's are buffers, not counted here)."""
        return sum(p.numel() for p in self.parameters())


def freeze_as_buffers(module: nn.Module) -> None:
    """Turns every parameter of ``module`` into a buffer: saved with the model and moved with it,
    but invisible to ``parameters()``, so no optimizer trains it and no gradient reaches it."""
    for sub in module.modules():
        for name, p in list(sub._parameters.items()):
            if p is None:
                continue
            del sub._parameters[name]
            sub.register_buffer(name, p.detach())


def uniform_fan_in(lin: nn.Linear) -> None:
    bound = math.sqrt(3.0) / math.sqrt(lin.in_features)
    nn.init.uniform_(lin.weight, -bound, bound)
