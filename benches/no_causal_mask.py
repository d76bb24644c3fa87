"""The seed's failure, re-measured: a byte-level GPT trained without the causal mask.

Shvayambhu's "BLT" trained its byte transformer with full (bidirectional) attention, so the
position that had to predict byte t + 1 could read byte t + 1: its training loss fell to
0.002, and its text was gibberish. Here the same byte GPT is trained twice for the same
steps, with and without the mask (the unmasked attention exists only in this bench, not as
an option of the package), and each is scored on held-out bytes two ways:

- teacher-forced windows, the seed's figure: the whole window in, every position scored at
  once (the unmasked model reads the answers);
- left to right, as generation sees the text: byte t + 1 predicted from bytes <= t only (the
  last position of each prefix).

    python benches/no_causal_mask.py --corpus /tmp/blt-bytes --steps 300
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from grapheme_lab.lm.corpus import ensure_embedded  # noqa: E402
from grapheme_lab.lm.gpt import GPT, Attention, GPTConfig, rms_norm, rotary  # noqa: E402
from grapheme_lab.lm.loader import Windows  # noqa: E402


class UnmaskedAttention(Attention):
    """The seed's mistake: every position attends to every other, later ones included."""

    def forward(self, x, cos, sin, cache=None, layer=0):
        b, t, c = x.shape
        heads = lambda y: y.view(b, t, self.n_head, self.head_dim).transpose(1, 2)  # noqa: E731
        q, k, v = heads(self.c_q(x)), heads(self.c_k(x)), heads(self.c_v(x))
        q, k = rms_norm(rotary(q, cos, sin)), rms_norm(rotary(k, cos, sin))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=False)
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


def byte_gpt(masked: bool, length: int) -> GPT:
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=257, sequence_len=length, n_layer=2, n_embd=128, head_dim=32))
    if not masked:
        for blk in m.blocks:
            blk.attn.__class__ = UnmaskedAttention
    return m


def train(m: GPT, windows: Windows, steps: int, lr: float) -> list[float]:
    opt = torch.optim.AdamW(m.parameters(), lr=lr, betas=(0.9, 0.95))
    losses = []
    m.train()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 20)
        x, y = windows.next()
        loss = F.cross_entropy(m(x).flatten(0, 1), y.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
    return losses


@torch.no_grad()
def teacher_forced_bpb(m: GPT, rows: torch.Tensor) -> float:
    logits = m(rows[:, :-1])
    return float(F.cross_entropy(logits.flatten(0, 1), rows[:, 1:].flatten())) / math.log(2)


@torch.no_grad()
def left_to_right_bpb(m: GPT, rows: torch.Tensor) -> float:
    """Byte k + 1 from bytes 0..k only: the last logit of each prefix, as when generating."""
    nll = 0.0
    for k in range(rows.shape[1] - 1):
        logits = m(rows[:, : k + 1])[:, -1]
        nll += float(F.cross_entropy(logits, rows[:, k + 1], reduction="sum"))
    return nll / (math.log(2) * rows.shape[0] * (rows.shape[1] - 1))


@torch.no_grad()
def greedy(m: GPT, prompt: bytes, n: int) -> bytes:
    ids = [256] + list(prompt)
    for _ in range(n):
        ids.append(int(m(torch.tensor([ids[-m.cfg.sequence_len :]]))[0, -1, :256].argmax()))
    return bytes(ids[1:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("data/lm/shakespeare-bytes"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--eval-windows", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    corpus = ensure_embedded(a.corpus, vocab_size=257)
    train_bytes = np.concatenate([np.asarray(s) for s in corpus.shards("train")])
    counts = np.bincount(train_bytes[train_bytes < 256], minlength=256).astype(np.float64)
    p = counts / counts.sum()
    unigram = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
    test = np.concatenate([np.asarray(s) for s in corpus.shards("test")]).astype(np.int64)
    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(test) - a.length - 1, a.eval_windows)
    rows = torch.from_numpy(np.stack([test[s : s + a.length + 1] for s in starts]))
    print(f"{a.steps} steps of {a.batch} x {a.length} bytes each; held-out: {a.eval_windows} random windows "
          f"of the test split. Chance: 8.000 bits a byte uniform, {unigram:.3f} from byte frequencies.")
    print(f"{'model':<22} {'final train loss':>16} {'teacher-forced bpb':>18} {'left-to-right bpb':>17} {'time':>6}")
    for masked in (True, False):
        m = byte_gpt(masked, a.length)
        t0 = time.time()
        losses = train(m, Windows([(corpus.shards("train"), 1.0)], a.length, a.batch, seed=0), a.steps, a.lr)
        m.eval()
        final = sum(losses[-10:]) / 10
        name = "causal (the fix)" if masked else "no causal mask (seed)"
        print(f"{name:<22} {final:>16.4f} {teacher_forced_bpb(m, rows):>18.4f} {left_to_right_bpb(m, rows):>17.4f} "
              f"{time.time() - t0:>5.0f}s", flush=True)
        print(f"  greedy after 'ROMEO.': {greedy(m, b'ROMEO.', 60).decode('utf-8', errors='replace')!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
