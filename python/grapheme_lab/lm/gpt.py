"""A nanochat-style GPT: rotary positions, QK-norm, ReLU^2 MLP, parameter-free RMSNorm,
an untied head with soft-capped logits, causal ``scaled_dot_product_attention`` and a KV
cache for generation. Sized by depth as nanochat sizes it: width 64 x depth unless set,
heads of 64 dimensions.

Every language model of the package has this interface (the loop, the sampler and the
evaluation call nothing else): ``forward(idx) -> logits``, ``init_cache(batch) / decode(idx,
cache) -> logits`` for incremental generation, ``matrix_params()`` (what Muon may train),
``param_groups()`` (named groups whose learning rates a config sets),
``state_bytes_per_layer()``, ``cache_bytes(cache)``, ``flops_per_token()``, ``num_params()``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 4096  # filled from the corpus
    sequence_len: int = 256
    n_layer: int = 4
    n_embd: int = 0  # 0: 64 x n_layer, as nanochat sizes a model by its depth
    head_dim: int = 64
    logit_softcap: float = 15.0  # 0 = off
    rope_base: float = 10000.0

    def __post_init__(self):
        if self.n_embd == 0:
            self.n_embd = 64 * self.n_layer
        for name in ("vocab_size", "sequence_len", "n_layer", "n_embd", "head_dim"):
            if getattr(self, name) <= 0:
                raise ValueError(f"[model] {name} must be > 0, got {getattr(self, name)}")
        if self.n_embd % self.head_dim:
            raise ValueError(f"[model] n_embd {self.n_embd} is not a multiple of head_dim {self.head_dim}")

    @property
    def n_head(self) -> int:
        return self.n_embd // self.head_dim


def rms_norm(x: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (x.size(-1),))


def rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotates the two halves of each head's channels by position ([B, H, T, D])."""
    d = x.shape[-1] // 2
    x1, x2 = x[..., :d], x[..., d:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).type_as(x)


class KVCache:
    """Keys and values of every layer for the positions seen so far, grown in blocks."""

    def __init__(self, n_layer: int, batch: int, n_head: int, head_dim: int, device, dtype, block: int = 256):
        self.pos = 0
        self.block = block
        shape = (batch, n_head, block, head_dim)
        self.k = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]
        self.v = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Stores the new keys and values at ``pos`` and returns all of them so far."""
        t = k.shape[2]
        need = self.pos + t
        if need > self.k[layer].shape[2]:
            grow = math.ceil(need / self.block) * self.block - self.k[layer].shape[2]
            pad = lambda x: F.pad(x, (0, 0, 0, grow))  # noqa: E731
            self.k[layer], self.v[layer] = pad(self.k[layer]), pad(self.v[layer])
        self.k[layer][:, :, self.pos : need] = k
        self.v[layer][:, :, self.pos : need] = v
        return self.k[layer][:, :, :need], self.v[layer][:, :, :need]

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.k + self.v)


class Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head, self.head_dim = cfg.n_head, cfg.head_dim
        self.c_q = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)
        self.c_k = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)
        self.c_v = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x, cos, sin, cache: KVCache | None = None, layer: int = 0):
        b, t, c = x.shape
        # one matmul for the three projections (kept as three matrices, each orthogonalized
        # on its own by Muon): 1.2x the step of three matmuls on a CPU at width 256
        w = torch.cat([self.c_q.weight, self.c_k.weight, self.c_v.weight])
        qkv = F.linear(x, w).view(b, t, 3, self.n_head, self.head_dim).permute(2, 0, 3, 1, 4)
        qk = rms_norm(rotary(qkv[:2], cos, sin))  # rotary positions, then QK-norm, on q and k at once
        q, k, v = qk[0], qk[1], qkv[2]
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            start = cache.pos
            k, v = cache.append(layer, k, v)
            if t == 1:
                y = F.scaled_dot_product_attention(q, k, v)  # one new query sees every key so far
            else:  # queries start+i see keys 0..start+i
                keys = torch.arange(k.shape[2], device=x.device)
                mask = keys[None, :] <= (start + torch.arange(t, device=x.device))[:, None]
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=False)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x):
        return self.c_proj(F.relu(self.c_fc(x)).square())


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, cache=None, layer=0):
        x = x + self.attn(rms_norm(x), cos, sin, cache, layer)
        return x + self.mlp(rms_norm(x))


class Transformer(nn.Module):
    """The causal stack the GPT-shaped kinds share: the blocks, rotary positions, the forward
    pass, the KV cache and the accounting. A kind gives its token embedding (``embed``) and
    its head (``head``, on the normalised last hidden state)."""

    bounded_context = True  # rotary positions past sequence_len were never trained

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        inv = 1.0 / cfg.rope_base ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim)
        self.register_buffer("inv_freq", inv, persistent=False)
        self.block_cfg = cfg

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def head(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def reset_blocks(self) -> None:
        # nanochat's start: each residual branch's output projection at zero, so every block
        # starts as the identity
        for blk in self.blocks:
            for lin in (blk.attn.c_q, blk.attn.c_k, blk.attn.c_v, blk.mlp.c_fc):
                bound = math.sqrt(3.0) / math.sqrt(lin.in_features)
                nn.init.uniform_(lin.weight, -bound, bound)
            nn.init.zeros_(blk.attn.c_proj.weight)
            nn.init.zeros_(blk.mlp.c_proj.weight)

    def _rotary(self, start: int, t: int, device):
        pos = torch.arange(start, start + t, device=device, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq.to(device))
        return freqs.cos()[None, None], freqs.sin()[None, None]

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.head(rms_norm(x)).float()
        cap = self.block_cfg.logit_softcap
        return cap * torch.tanh(logits * (1.0 / cap)) if cap > 0 else logits

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits [B, T, V] for every position of ``idx`` [B, T], each from the tokens up to it."""
        cos, sin = self._rotary(0, idx.shape[1], idx.device)
        x = rms_norm(self.embed(idx))
        for blk in self.blocks:
            x = blk(x, cos, sin)
        return self._logits(x)

    # ------------------------------------------------------------ generation

    def init_cache(self, batch_size: int, device=None) -> KVCache:
        # the weights' device and type (buffers where a frozen copy holds them, as the BLT's entropy model)
        p = next(itertools.chain(self.blocks.parameters(), self.blocks.buffers()))
        c = self.block_cfg
        return KVCache(c.n_layer, batch_size, c.n_head, c.head_dim, device or p.device, p.dtype)

    def decode(self, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Logits [B, t, V] of ``idx`` [B, t] continuing the cached positions; the cache grows by t."""
        cos, sin = self._rotary(cache.pos, idx.shape[1], idx.device)
        x = rms_norm(self.embed(idx))
        for i, blk in enumerate(self.blocks):
            x = blk(x, cos, sin, cache, i)
        cache.pos += idx.shape[1]
        return self._logits(x)

    # ------------------------------------------------------------ accounting

    def matrix_params(self) -> list[nn.Parameter]:
        return [p for p in self.blocks.parameters() if p.dim() == 2]

    def state_bytes_per_layer(self) -> int | None:
        """None: attention keeps every earlier position (the KV cache grows with the context)."""
        return None

    def cache_bytes(self, cache: KVCache) -> int:
        return cache.nbytes()

    def block_flops_per_token(self, context: int | None = None) -> int:
        """Forward FLOPs a token in the blocks (2 per multiply-add): the matrices, plus
        attention's scores and weighted sum over an average context of ``context`` / 2."""
        c = self.block_cfg
        return 2 * (c.n_layer * 12 * c.n_embd * c.n_embd + c.n_layer * 2 * c.n_embd * (context or c.sequence_len) // 2)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


class GPT(Transformer):
    def __init__(self, cfg: GPTConfig):
        super().__init__(cfg)
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # nanochat's start: unit embeddings and a near-zero head
        nn.init.normal_(self.wte.weight, std=1.0)
        nn.init.normal_(self.lm_head.weight, std=0.001)
        self.reset_blocks()

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        return self.wte(idx)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.lm_head(x)

    def flops_per_token(self, context: int | None = None) -> int:
        """Forward FLOPs a token: the blocks' and the head's (the embedding is a lookup)."""
        return self.block_flops_per_token(context) + 2 * self.cfg.n_embd * self.cfg.vocab_size

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"embedding": [self.wte.weight], "head": [self.lm_head.weight], "matrix": self.matrix_params()}
