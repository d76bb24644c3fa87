"""Muon for the brain's hidden matrices: momentum, then each update orthogonalized by a few
Newton-Schulz iterations (Keller Jordan's Muon; Liu et al. 2025, "Muon is scalable for LLM
training", for the learning-rate rule). Embeddings, norms and biases stay with AdamW.

PyTorch has ``torch.optim.Muon``, but it runs its iterations in bfloat16, one matrix at a
time, which on a CPU took about three times as long as the rest of a training step
(docs/training.md). Here the matrices of one shape are stacked and iterated together in
float32: a few batched matmuls a step.
"""

from __future__ import annotations

import math

import torch

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)  # Keller Jordan's quintic: steep at zero, so 5 steps do
NS_STEPS = 5


def orthogonalize(g: torch.Tensor, steps: int = NS_STEPS, eps: float = 1e-7) -> torch.Tensor:
    """About U V^T of each matrix of ``g`` [n, A, B] (U S V^T its SVD), by Newton-Schulz iterations."""
    a, b, c = NS_COEFFICIENTS
    tall = g.shape[-2] > g.shape[-1]
    x = g.mT if tall else g  # iterate on the smaller Gram matrix
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + eps)  # spectral norm at most 1
    for _ in range(steps):
        gram = x @ x.mT
        x = torch.baddbmm(x, torch.baddbmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.mT if tall else x


class Muon(torch.optim.Optimizer):
    """Nesterov momentum, orthogonalized, with decoupled weight decay. The step of an A x B
    matrix is scaled by ``rms_scale * sqrt(max(A, B))`` so that its size matches AdamW's at the
    same learning rate (0.2, Liu et al.), and one ``learning_rate`` serves both optimizers."""

    def __init__(self, params, lr: float, momentum: float = 0.95, weight_decay: float = 0.0,
                 rms_scale: float = 0.2):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay,
                                  "rms_scale": rms_scale})
        for group in self.param_groups:
            if any(p.dim() != 2 for p in group["params"]):
                raise ValueError("Muon takes matrices only; embeddings, norms and biases belong to AdamW")

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            by_shape: dict[torch.Size, list[torch.Tensor]] = {}
            for p in group["params"]:
                if p.grad is not None:
                    by_shape.setdefault(p.shape, []).append(p)
            mu, lr = group["momentum"], group["lr"]
            for shape, params in by_shape.items():
                grads = [p.grad for p in params]
                bufs = [self.state[p].setdefault("momentum", torch.zeros_like(p)) for p in params]
                torch._foreach_lerp_(bufs, grads, 1 - mu)
                nesterov = torch.stack(grads).lerp_(torch.stack(bufs), mu)
                update = orthogonalize(nesterov)
                if group["weight_decay"]:
                    torch._foreach_mul_(params, 1 - lr * group["weight_decay"])
                torch._foreach_add_(params, list(update.unbind(0)),
                                    alpha=-lr * group["rms_scale"] * math.sqrt(max(shape)))
        return loss
