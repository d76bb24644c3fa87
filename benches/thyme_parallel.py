"""Thyme's training step in its parallel form (the chunked decay scan) against the same model
run as a recurrence (a Python loop over the time steps, the same math), forward + backward
on the same batch, the two timed alternately in one process so that load from other work
falls on both; prints each side's median and their ratio: first against the model run as
its recurrence, each token through every layer and the head before the next (how a
recurrent net is trained with a loop over time, and how Thyme generates), then with the
loop over time inside each layer's state update only, for the whole step (embedding,
layers, head, cross-entropy), for the layers alone (the loss a mean square of the last
layer's output), and for the scan alone (the state's recurrence on one layer's composites
and queries): the rest (embedding, projections, MLPs, head) is the same work in both forms,
so it dilutes the ratio of the whole step. Then the
model's decays as horizons, 1 / (1 - a) and the half-life, as ``horizons(model)`` gives them.

    PYTHONPATH=python python benches/thyme_parallel.py                 # seq 512, batch 8, ThymeConfig()
    PYTHONPATH=python python benches/thyme_parallel.py --mlp-mult 0 --vocab 512
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from grapheme_lab.lm.thyme import Thyme, ThymeConfig, chunked_decay_scan, horizons, recurrent_decay_scan

WHOLE, LAYERS, SCAN = "whole step (embedding, layers, head, loss)", "layers only (no head)", "the scan alone"
TOKENWISE = "whole step, the recurrent side token by token through every layer (as it generates)"


def tokenwise_logits(model: Thyme, idx: torch.Tensor) -> torch.Tensor:
    """The model as a recurrence, the way a recurrent net is trained with a loop over time:
    each token through the embedding, every layer (its state updated out of place, so that
    autograd runs through it) and the head before the next token."""
    n_c = model.cfg.n_composites
    states = [idx.new_zeros(idx.shape[0], n_c, n_c, dtype=torch.float32) for _ in model.layers]
    out = []
    for t in range(idx.shape[1]):
        x = model.wte(idx[:, t : t + 1])
        for i, layer in enumerate(model.layers):
            c, q = layer.features(x)
            c, q = c[:, 0], q[:, 0]
            states[i] = layer.log_decay().exp() * states[i] + layer.mix_weight() * (c[:, :, None] * c[:, None, :])
            x = layer.finish(x, torch.bmm(states[i], q[:, :, None]).transpose(1, 2))
        out.append(model._logits(x))
    return torch.cat(out, 1)


def step(model: Thyme, idx: torch.Tensor, recurrent: bool, what: str) -> float:
    """Seconds for one forward + backward."""
    model.zero_grad(set_to_none=True)
    if what == SCAN:  # on the first layer's composites and queries, computed outside the timing
        layer = model.layers[0]
        c, q = (t.detach().requires_grad_() for t in layer.features(model.wte(idx)))
        start = time.perf_counter()
        if recurrent:
            y = recurrent_decay_scan(c, q, layer.log_decay(), layer.mix_weight())
        else:
            y, _ = chunked_decay_scan(c, q, layer.log_decay(), layer.mix_weight(), model.cfg.chunk_len)
        y.square().mean().backward()
        return time.perf_counter() - start
    start = time.perf_counter()
    if what == TOKENWISE:
        logits = tokenwise_logits(model, idx) if recurrent else model(idx)
        F.cross_entropy(logits[:, :-1].flatten(0, 1), idx[:, 1:].flatten()).backward()
        return time.perf_counter() - start
    if what == LAYERS:
        x = model.wte(idx)
        for layer in model.layers:
            x = layer.forward_recurrent(x) if recurrent else layer(x, model.cfg.chunk_len)
        loss = x.square().mean()
    else:
        logits = model.forward_recurrent(idx) if recurrent else model(idx)
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), idx[:, 1:].flatten())
    loss.backward()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=5, help="timed pairs per comparison (after one warm-up pair)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-layer", type=int, default=ThymeConfig.n_layer)
    ap.add_argument("--n-embd", type=int, default=ThymeConfig.n_embd)
    ap.add_argument("--vocab", type=int, default=ThymeConfig.vocab_size)
    ap.add_argument("--chunk", type=int, default=ThymeConfig.chunk_len)
    ap.add_argument("--mlp-mult", type=int, default=ThymeConfig.mlp_mult, help="0: no MLPs, as the seed had")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = ThymeConfig(vocab_size=args.vocab, sequence_len=args.seq, n_layer=args.n_layer, n_embd=args.n_embd,
                      chunk_len=args.chunk, mlp_mult=args.mlp_mult)
    model = Thyme(cfg)
    idx = torch.randint(0, cfg.vocab_size, (args.batch, args.seq))
    print(f"Thyme {cfg}\n{model.num_params():,} parameters, batch {args.batch} x {args.seq} tokens, "
          f"{args.threads} thread(s), torch {torch.__version__}")

    with torch.no_grad():  # the two forms agree on this model and batch
        gap = (model(idx[:2]) - model.forward_recurrent(idx[:2])).abs().max().item()
    print(f"max |parallel - recurrent| logits: {gap:.2e}")

    with torch.no_grad():
        gap = (model(idx[:2, :64]) - tokenwise_logits(model, idx[:2, :64])).abs().max().item()
    print(f"max |parallel - token by token| logits: {gap:.2e}")
    for what in (TOKENWISE, WHOLE, LAYERS, SCAN):
        times = {False: [], True: []}
        for i in range(args.repeats + 1):
            for recurrent in ((False, True) if i % 2 == 0 else (True, False)):  # alternate who goes first
                t = step(model, idx, recurrent, what)
                if i > 0:
                    times[recurrent].append(t)
        par, rec = statistics.median(times[False]), statistics.median(times[True])
        ratios = [r / p for p, r in zip(times[False], times[True])]
        print(f"{what}: parallel {par * 1e3:.1f} ms, recurrent {rec * 1e3:.1f} ms (medians of {args.repeats}); "
              f"recurrent / parallel {rec / par:.1f}x (per pair {min(ratios):.1f}-{max(ratios):.1f}x)")

    print("decay horizons (this model, as initialised):")
    for h in horizons(model):
        print(f"  layer {h['layer']}: decay {h['decay']:.4f}, mix {h['mix']:.4f}, "
              f"horizon 1/(1-a) {h['horizon']:.1f} tokens, half-life {h['half_life']:.1f} tokens")


if __name__ == "__main__":
    main()
