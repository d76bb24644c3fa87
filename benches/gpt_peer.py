"""Training tokens/s of the package's GPT against Hugging Face ``transformers``'
GPT2LMHeadModel of the same depth, width, heads, vocabulary and context, in one process:
each step is forward, cross-entropy, backward and a fused AdamW step on the same batch
shape; the two models are timed alternately (so load from other work falls on both) and
the medians compared, as each runs by default and like for like (eager float32, eager bf16
autocast, both compiled).

    python benches/gpt_peer.py                        # depth 4, width 256, 4 heads, context 256
    python benches/gpt_peer.py --n-layer 6 --n-embd 384 --threads 2

Needs ``pip install transformers``. The models differ as nanochat's GPT differs from GPT-2:
ours has rotary positions, QK-norm, parameter-free RMSNorm, ReLU^2 and no biases; GPT-2 has
learned positions, LayerNorm with gains and biases, GELU and a tied head.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from grapheme_lab.lm.gpt import GPT, GPTConfig
from grapheme_lab.training.dist import native_bf16


def gpt2(args):
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(vocab_size=args.vocab, n_positions=args.seq, n_embd=args.n_embd, n_layer=args.n_layer,
                     n_head=args.n_embd // args.head_dim, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    cfg._attn_implementation = "sdpa"
    model = GPT2LMHeadModel(cfg)
    return model, lambda x: model(input_ids=x).logits


def ours(args):
    model = GPT(GPTConfig(vocab_size=args.vocab, sequence_len=args.seq, n_layer=args.n_layer, n_embd=args.n_embd,
                          head_dim=args.head_dim))
    return model, model


def step_time(forward, opt, x, y, bf16: bool) -> float:
    t = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits = forward(x)
    loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=8, help="timed steps per model (after 2 warm-up steps)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ours_bf16 = native_bf16(torch.device("cpu"))
    torch.manual_seed(0)
    sides = {}
    for name, make in (("grapheme_lab GPT", ours), ("transformers GPT2LMHeadModel", gpt2)):
        model, forward = make(args)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        sides[name] = (model, forward, opt)
    x = torch.randint(0, args.vocab, (args.batch, args.seq + 1))
    x, y = x[:, :-1], x[:, 1:]
    tokens = args.batch * args.seq
    print(f"depth {args.n_layer}, width {args.n_embd}, {args.n_embd // args.head_dim} heads, context {args.seq}, "
          f"vocabulary {args.vocab}, batch {args.batch}, {args.threads} threads, torch {torch.__version__}")
    # each as it runs by default (ours: compiled, under bf16 autocast on a CPU that multiplies
    # bf16 natively; the peer: eager float32), then like for like
    modes = [("as shipped", (True, ours_bf16), (False, False)),
             ("eager, both float32", (False, False), (False, False))]
    if ours_bf16:
        modes += [("eager, both bf16 autocast", (False, True), (False, True)),
                  ("compiled, both bf16 autocast", (True, True), (True, True))]
    compiled = {}
    for label, *how in modes:
        times = {name: [] for name in sides}
        for i in range(args.steps + 2):
            for (name, (model, forward, opt)), (comp, bf16) in zip(sides.items(), how):
                f = compiled.setdefault(name, torch.compile(forward)) if comp else forward
                dt = step_time(f, opt, x, y, bf16)
                if i >= 2:
                    times[name].append(dt)
        print(f"{label}:")
        rate = {}
        for (name, (model, _, _)), (comp, bf16) in zip(sides.items(), how):
            med = statistics.median(times[name])
            rate[name] = tokens / med
            n = sum(p.numel() for p in model.parameters())
            mode = ("compiled " if comp else "eager ") + ("bf16" if bf16 else "fp32")
            print(f"  {name:<30} {mode:<13} {n:>11,} parameters  {rate[name]:>9,.0f} tokens/s  "
                  f"(median of {len(times[name])} steps, {min(times[name]) * 1e3:.0f}-{max(times[name]) * 1e3:.0f} ms)")
        a, b = rate.values()
        print(f"  ratio: {a / b:.2f}x", flush=True)


if __name__ == "__main__":
    main()
