"""Optimizers side by side: the quickstart model trained from the same initial weights on the
same batches for the same number of steps (the config's warmup and cosine, ``train.lr_at``),
one arm after the other in one process on 2 threads; per arm the time a step, the
optimizer's share of it, and greedy validation accuracy at the end.

Arms: ``adamw`` (the trainer's fused AdamW for every parameter), ``muon`` (the trainer's
``[optimizer] type = "muon"``: grapheme_lab's Muon for the blocks' matrices, AdamW for the
rest), ``torch-muon`` (the same split with PyTorch's ``torch.optim.Muon``, when it has one).

    python benches/brain_optimizers.py --level 1 --steps 1400
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from grapheme_lab import config as C
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum, collate
from grapheme_lab.brain.evaluate import evaluate_examples
from grapheme_lab.brain.model import Brain
from grapheme_lab.brain.train import lr_at, make_optimizer
from grapheme_lab.training.optimizers import Optimizers


def optimizer_for(arm: str, cfg: C.Config, model: Brain):
    cfg.optimizer.type = "adamw" if arm == "adamw" else "muon"
    opt = make_optimizer(cfg, model)
    if arm == "torch-muon":
        adamw, ours = opt.parts
        hidden = [p for g in ours.param_groups for p in g["params"]]
        theirs = torch.optim.Muon(hidden, lr=cfg.training.learning_rate, weight_decay=cfg.optimizer.weight_decay,
                                  adjust_lr_fn="match_rms_adamw")
        opt = Optimizers(adamw, theirs)
    return opt


def run(arm: str, cfg: C.Config, batches: list, val: list) -> str:
    torch.manual_seed(cfg.training.seed)
    model = Brain(cfg.model)
    opt = optimizer_for(arm, cfg, model)
    model.train()
    n = len(batches)
    in_opt, start = 0.0, time.perf_counter()
    for i, examples in enumerate(batches):
        b = collate(examples)
        for g in opt.param_groups:
            g["lr"] = lr_at(cfg, i, n)
        logits = model(b.src, b.tgt_in, b.src_tree, b.tgt_tree)
        loss = F.cross_entropy(logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=V.PAD)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.training.grad_clip)
        t = time.perf_counter()
        opt.step()
        in_opt += time.perf_counter() - t
    took = time.perf_counter() - start
    results = evaluate_examples(model, val, cfg, "cpu")
    acc = sum(v.correct for _, v in results) / len(results)
    return (f"{arm:>10}: {took / n * 1000:.1f} ms a step ({in_opt / n * 1000:.1f} in the optimizer), "
            f"last loss {loss.item():.3f}, validation accuracy {acc:.3f} ({len(val)} rows)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/quickstart.toml")
    ap.add_argument("--level", type=int, default=1)
    ap.add_argument("--steps", type=int, default=1400)
    ap.add_argument("--val", type=int, default=600, help="validation rows")
    ap.add_argument("--arms", default="adamw,muon,torch-muon")
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = C.load(args.config)
    data = Curriculum(cfg)
    batches: list = []
    epoch = 0
    while len(batches) < args.steps:
        batches += list(data.batches(args.level, epoch, cfg.training.batch_size))
        epoch += 1
    batches = batches[: args.steps]
    val = data.examples(args.level, "val")[: args.val]
    for arm in args.arms.split(","):
        if arm == "torch-muon" and not hasattr(torch.optim, "Muon"):
            print(f"{arm:>10}: this PyTorch has no torch.optim.Muon")
            continue
        print(run(arm, cfg, batches, val), flush=True)


if __name__ == "__main__":
    main()
