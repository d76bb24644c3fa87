"""Thyme: a recurrent language model whose memory is a decayed sum of outer products.

Each layer maps its input to 12 "axioms" (Linear E->12, LayerNorm, tanh) and those to 24
"composites" c_t (Linear 12->24, LayerNorm, tanh), and keeps a 24x24 state

    S_t = a * S_{t-1} + m * c_t c_t^T,        a = sigmoid(decay), m = sigmoid(mix)

that it reads with a query of its input, y_t = S_t q_t (q_t = Linear E->24), projected back
to the residual stream (Linear 24->E). A block is pre-norm with residuals,
x = x + readout(S_t q_t), then x = x + MLP(norm(x)); a final norm and the head give the logits.
The state is 24 * 24 = 576 floats a layer and a row (2,304 bytes in float32) whatever the
length: generation is a true recurrence with constant memory, and there are no positions to
outgrow (no learned absolute positions; the decay alone carries order).

The read is by a query, not a fixed map of the flattened state: S_t q_t = sum_s w_ts c_s (c_s . q_t)
lets the current token pick what it recalls (it is linear attention with keys = values =
c_s), where a Linear 576->E of the state would add the same quadratic features of the past
whatever the token.

Training runs over the whole sequence at once (``chunked_decay_scan``): the recurrence is
linear, so within a chunk of L tokens the outputs are a lower-triangular decay matrix
D[i, j] = a^(i-j) applied to the scores (q_i . c_j), times the c_j (the same sum as D times
the outer products c_j c_j^T, read by q_i, without building an L x 24 x 24 tensor); the
states entering the chunks come from the same decay-matrix product one level up, over the
chunks' summed outer products. Decay powers are exp of (distance x log a) computed in
float32 (float64 for a float64 model), and the scan runs outside autocast, so bf16 autocast
never rounds a = 0.995 to 0.996 nor sums a long history in bf16.

The seed this is rebuilt from ("Enhanced": embedding 512, 2 layers) had two bugs it does
not repeat:
- its 2 layers both read the embedding and only the last one's output was kept, so it was
  one layer; here each layer reads the previous one's output through the residual stream
  (tests/test_lm_thyme.py checks it);
- its decay and mix started so that the state remembered 3-4 tokens; here layer l's decay
  starts at a = 1 - 1/h_l with horizons h_l spread geometrically from ``horizon_min`` (50)
  to ``horizon_max`` (200) tokens (half-lives 35 to 139 tokens): the lower layer keeps the
  nearer past more sharply, the upper one a longer span, all well past the seed's 4 tokens
  and within the training window of 256. The mix starts at m = 1 - a, which makes S_t an
  exponential moving average of c c^T (of the scale of one c c^T) rather than a sum that
  grows to 1 / (1 - a) = 200 times it. Both are learnable scalars per layer: one decay per
  layer keeps the chunked scan two small matmuls; per-element decays were not measured to
  be better. ``horizons(model)`` reports them for a trained model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ThymeConfig:
    vocab_size: int = 4096  # filled from the corpus by the loop
    sequence_len: int = 256  # training window
    n_layer: int = 2
    n_embd: int = 256
    n_axioms: int = 12
    n_composites: int = 24  # the state is n_composites x n_composites a layer
    chunk_len: int = 64  # parallel-scan chunk
    tie_embeddings: bool = False
    mlp_mult: int = 4  # hidden width of each block's MLP, x n_embd; 0: no MLP
    horizon_min: float = 50.0  # initial horizon 1 / (1 - decay) of the first layer, tokens
    horizon_max: float = 200.0  # ... and of the last layer; geometric in between

    def __post_init__(self):
        for name in ("vocab_size", "sequence_len", "n_layer", "n_embd", "n_axioms", "n_composites", "chunk_len"):
            if getattr(self, name) <= 0:
                raise ValueError(f"[model] {name} must be > 0, got {getattr(self, name)}")
        if self.mlp_mult < 0:
            raise ValueError(f"[model] mlp_mult must be >= 0, got {self.mlp_mult}")
        if not 1.0 < self.horizon_min <= self.horizon_max:
            raise ValueError(f"[model] need 1 < horizon_min <= horizon_max, got {self.horizon_min}, {self.horizon_max}")


def chunked_decay_scan(c: torch.Tensor, q: torch.Tensor, log_decay: torch.Tensor, mix: torch.Tensor,
                       chunk_len: int, state: torch.Tensor | None = None, final_state: bool = False
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """y_t = S_t q_t for S_t = a S_{t-1} + m c_t c_t^T, S_{-1} = ``state`` (zeros if None), a = exp(log_decay).

    ``c``, ``q`` [B, T, C]; ``log_decay``, ``mix`` scalars. Returns y [B, T, C] and, if
    ``final_state``, S_{T-1} [B, C, C]. Computes in float32 at least, outside autocast."""
    dtype = torch.promote_types(c.dtype, torch.float32)
    with torch.autocast(device_type=c.device.type, enabled=False):
        c, q = c.to(dtype), q.to(dtype)
        log_a, m = log_decay.to(dtype), mix.to(dtype)
        b, t, n_c = c.shape
        size = min(chunk_len, t)
        n = -(-t // size)
        pad = n * size - t  # zero c and q at the end: they add nothing and their outputs are dropped
        cc = F.pad(c, (0, 0, 0, pad)).view(b, n, size, n_c)
        qc = F.pad(q, (0, 0, 0, pad)).view(b, n, size, n_c)
        pos = torch.arange(size, device=c.device, dtype=dtype)
        # D[i, j] = m a^(i-j) for j <= i: exponents clamped at 0 before exp, then masked, so
        # no inf appears in the values or the gradients
        dist = pos[:, None] - pos[None, :]
        decay = torch.exp(dist.clamp(min=0) * log_a) * (dist >= 0) * m
        y = ((qc @ cc.transpose(-1, -2)) * decay) @ cc  # within the chunk
        # what each chunk adds to the state at its end: sum_j m a^(L-1-j) c_j c_j^T
        to_end = m * torch.exp((size - 1 - pos) * log_a)
        added = (cc * to_end[:, None]).transpose(-1, -2) @ cc  # [B, N, C, C]
        # the state entering chunk k: sum_{j<k} a^((k-1-j) L) added_j (+ a^(k L) state)
        chunk = torch.arange(n, device=c.device, dtype=dtype)
        cdist = chunk[:, None] - chunk[None, :] - 1
        carry = torch.exp(cdist.clamp(min=0) * (size * log_a)) * (cdist >= 0)
        entering = torch.einsum("kj,bjxy->bkxy", carry, added)
        if state is not None:
            entering = entering + torch.exp(chunk * (size * log_a))[:, None, None] * state.to(dtype)[:, None]
        # token i of a chunk sees the entering state decayed i + 1 times
        y = y + torch.exp((pos + 1) * log_a)[:, None] * (qc @ entering.transpose(-1, -2))
        y = y.view(b, n * size, n_c)[:, :t]
        if not final_state:
            return y, None
        # S_{T-1} = a^T state + sum_s m a^(T-1-s) c_s c_s^T, in one product over the sequence
        to_last = m * torch.exp((t - 1 - torch.arange(t, device=c.device, dtype=dtype)) * log_a)
        last = (c * to_last[:, None]).transpose(-1, -2) @ c
        if state is not None:
            last = last + torch.exp(t * log_a) * state.to(dtype)
        return y, last


def recurrent_decay_scan(c: torch.Tensor, q: torch.Tensor, log_decay: torch.Tensor, mix: torch.Tensor
                         ) -> torch.Tensor:
    """``chunked_decay_scan`` from a zero state as a Python loop over the time steps, out of
    place so that autograd runs through it: the reference, and the benchmark's slow side."""
    dtype = torch.promote_types(c.dtype, torch.float32)
    with torch.autocast(device_type=c.device.type, enabled=False):
        c, q = c.to(dtype), q.to(dtype)
        a, m = log_decay.to(dtype).exp(), mix.to(dtype)
        state = c.new_zeros(c.shape[0], c.shape[2], c.shape[2])
        reads = []
        for t in range(c.shape[1]):
            state = a * state + m * (c[:, t, :, None] * c[:, t, None, :])
            reads.append((state @ q[:, t, :, None])[..., 0])
        return torch.stack(reads, 1)


class ThymeCache:
    """The recurrent state of every layer, [B, C, C] each, and how many tokens it has seen
    (a count, not a history: the memory is the same after any number of tokens)."""

    def __init__(self, states: list[torch.Tensor]):
        self.states = states
        self.pos = 0

    def nbytes(self) -> int:
        return sum(s.numel() * s.element_size() for s in self.states)


class ThymeLayer(nn.Module):
    def __init__(self, cfg: ThymeConfig, horizon: float):
        super().__init__()
        e, n_a, n_c = cfg.n_embd, cfg.n_axioms, cfg.n_composites
        self.norm = nn.LayerNorm(e)
        # no biases before a LayerNorm: its shift makes them redundant
        self.axioms = nn.Linear(e, n_a, bias=False)
        self.axiom_norm = nn.LayerNorm(n_a)
        self.composites = nn.Linear(n_a, n_c, bias=False)
        self.composite_norm = nn.LayerNorm(n_c)
        self.query = nn.Linear(e, n_c, bias=False)
        self.readout = nn.Linear(n_c, e, bias=False)
        # a = 1 - 1/h, m = 1 - a = 1/h: logit(a) = log(h - 1) = -logit(m)
        self.decay = nn.Parameter(torch.tensor(math.log(horizon - 1.0)))
        self.mix = nn.Parameter(torch.tensor(-math.log(horizon - 1.0)))
        self.mlp = None
        if cfg.mlp_mult:
            self.mlp_norm = nn.LayerNorm(e)
            self.mlp = nn.Sequential(nn.Linear(e, cfg.mlp_mult * e, bias=False), nn.GELU(),
                                     nn.Linear(cfg.mlp_mult * e, e, bias=False))

    def log_decay(self) -> torch.Tensor:
        # log a in float32 at least: bf16 would round a = 0.995 to 0.996
        return F.logsigmoid(self.decay.to(torch.promote_types(self.decay.dtype, torch.float32)))

    def mix_weight(self) -> torch.Tensor:
        return torch.sigmoid(self.mix.to(torch.promote_types(self.mix.dtype, torch.float32)))

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The composites c_t and queries q_t of the layer's input x [B, T, E]."""
        h = self.norm(x)
        axioms = torch.tanh(self.axiom_norm(self.axioms(h)))
        return torch.tanh(self.composite_norm(self.composites(axioms))), self.query(h)

    def finish(self, x: torch.Tensor, read: torch.Tensor) -> torch.Tensor:
        x = x + self.readout(read.to(x.dtype))
        return x if self.mlp is None else x + self.mlp(self.mlp_norm(x))

    def forward(self, x: torch.Tensor, chunk_len: int) -> torch.Tensor:
        c, q = self.features(x)
        read, _ = chunked_decay_scan(c, q, self.log_decay(), self.mix_weight(), chunk_len)
        return self.finish(x, read)

    def forward_recurrent(self, x: torch.Tensor) -> torch.Tensor:
        """The same layer with the state updated token by token (``recurrent_decay_scan``)."""
        c, q = self.features(x)
        return self.finish(x, recurrent_decay_scan(c, q, self.log_decay(), self.mix_weight()))

    def step(self, x: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """One token x [B, 1, E]: updates ``state`` [B, C, C] in place, returns the layer's output."""
        c, q = self.features(x)
        c, q = c[:, 0].to(state.dtype), q[:, 0].to(state.dtype)
        a, m = self.log_decay().to(state.dtype).exp(), self.mix_weight().to(state.dtype)
        state.mul_(a).baddbmm_(c[:, :, None], c[:, None, :], alpha=m.item())
        return self.finish(x, torch.bmm(state, q[:, :, None]).transpose(1, 2))


class Thyme(nn.Module):
    def __init__(self, cfg: ThymeConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        n = cfg.n_layer
        ratio = cfg.horizon_max / cfg.horizon_min
        self.layers = nn.ModuleList(
            ThymeLayer(cfg, cfg.horizon_min * ratio ** (i / (n - 1) if n > 1 else 0.5)) for i in range(n))
        self.norm = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.wte.weight
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        # GPT-2's start: N(0, 0.02) everywhere, the residual branches' last projections scaled
        # down by sqrt(2 x layers) so that the stream's variance does not grow with depth
        nn.init.normal_(self.wte.weight, std=0.02)
        if not self.cfg.tie_embeddings:
            nn.init.normal_(self.head.weight, std=0.02)
        out_std = 0.02 / math.sqrt(2 * self.cfg.n_layer)
        for layer in self.layers:
            for lin in (layer.axioms, layer.composites, layer.query):
                nn.init.normal_(lin.weight, std=0.02)
            nn.init.normal_(layer.readout.weight, std=out_std)
            if layer.mlp is not None:
                nn.init.normal_(layer.mlp[0].weight, std=0.02)
                nn.init.normal_(layer.mlp[2].weight, std=out_std)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.norm(x))
        return logits.to(torch.promote_types(logits.dtype, torch.float32))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits [B, T, V] for every position of ``idx`` [B, T], each from the tokens up to it,
        all positions at once (the chunked scan)."""
        x = self.wte(idx)
        for layer in self.layers:
            x = layer(x, self.cfg.chunk_len)
        return self._logits(x)

    def forward_recurrent(self, idx: torch.Tensor) -> torch.Tensor:
        """``forward`` with each layer's state run token by token: for tests and benchmarks."""
        x = self.wte(idx)
        for layer in self.layers:
            x = layer.forward_recurrent(x)
        return self._logits(x)

    # ------------------------------------------------------------ generation

    def _state_dtype(self) -> torch.dtype:
        return torch.promote_types(self.wte.weight.dtype, torch.float32)

    def init_cache(self, batch_size: int, device=None) -> ThymeCache:
        n_c = self.cfg.n_composites
        device = device or self.wte.weight.device
        return ThymeCache([torch.zeros(batch_size, n_c, n_c, device=device, dtype=self._state_dtype())
                           for _ in self.layers])

    @torch.no_grad()
    def decode(self, idx: torch.Tensor, cache: ThymeCache) -> torch.Tensor:
        """Logits [B, t, V] of ``idx`` [B, t] continuing from ``cache``, whose states it updates in
        place. One token: the recurrence; a prompt (t > 1): the chunked scan from the cached
        states. No gradients: this is for generation."""
        x = self.wte(idx)
        for i, layer in enumerate(self.layers):
            state = cache.states[i]
            if idx.shape[1] == 1:
                x = layer.step(x, state)
            else:
                c, q = layer.features(x)
                read, last = chunked_decay_scan(c, q, layer.log_decay(), layer.mix_weight(),
                                                self.cfg.chunk_len, state=state, final_state=True)
                state.copy_(last)
                x = layer.finish(x, read)
        cache.pos += idx.shape[1]
        return self._logits(x)

    # ------------------------------------------------------------ accounting

    def matrix_params(self) -> list[nn.Parameter]:
        """The layers' 2-D weights (axioms, composites, query, readout, MLP): Muon's. The
        embedding and head, norms and the decay and mix scalars are AdamW's."""
        return [p for p in self.layers.parameters() if p.dim() == 2]

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Named groups whose rates a config may set; the loop puts the rest (norms, decays,
        mixes) in a group of its own without weight decay."""
        groups = {"embedding": [self.wte.weight], "matrix": self.matrix_params()}
        if not self.cfg.tie_embeddings:
            groups["head"] = [self.head.weight]
        return groups

    def state_bytes_per_layer(self) -> int:
        """Bytes of one layer's state for one row: n_composites^2 floats (2,304 for 24 in float32)."""
        return self.cfg.n_composites ** 2 * torch.finfo(self._state_dtype()).bits // 8

    def cache_bytes(self, cache: ThymeCache) -> int:
        return cache.nbytes()

    def flops_per_token(self) -> int:
        """Forward FLOPs a token (2 per multiply-add) of the parallel form over a training window:
        the layers' matrices, the head, and the scan (scores and weighted sum over a whole
        chunk, the chunk's outer products, the read of the entering state, the carry
        between chunks). The recurrent form's scan costs 4 C^2 instead of the last four."""
        c = self.cfg
        e, n_c = c.n_embd, c.n_composites
        size = min(c.chunk_len, c.sequence_len)
        chunks = -(-c.sequence_len // size)
        per_layer = e * c.n_axioms + c.n_axioms * n_c + 2 * e * n_c + 2 * c.mlp_mult * e * e
        # over the window padded to whole chunks, per token of the window
        scan = (chunks * size * (2 * size * n_c + 2 * n_c * n_c) + chunks * chunks * n_c * n_c) / c.sequence_len
        return round(2 * (c.n_layer * (per_layer + scan) + e * c.vocab_size))

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def horizons(model: Thyme) -> list[dict[str, float]]:
    """Each layer's decay a and mix m now, with the horizon 1 / (1 - a) (the sum of the weights
    a^k of the tokens the state holds: its effective window, in tokens) and the half-life ln 2 / -ln a (tokens until a token's weight halves)."""
    out = []
    for i, layer in enumerate(model.layers):
        log_a = layer.log_decay().item()
        a = math.exp(log_a)
        out.append({"layer": i, "decay": a, "mix": layer.mix_weight().item(),
                    "horizon": 1.0 / -math.expm1(log_a), "half_life": math.log(2.0) / -log_a})
    return out
