"""Training losses built on the edit distances.

:class:`OptimalCompletionLoss` (after Sabour et al. 2019, optimal completion
distillation) needs no sampling of whole outputs to score: at every step of a
sequence the model wrote, the edit-distance dynamic program between that prefix
and the target token sequence says which next tokens start an optimal completion,
and the model is trained towards them by cross-entropy.

:class:`GEDLoss` is minimum-risk training with the expression graph edit distance
as the risk: the model samples K outputs per example, each is scored against the
target by GED (one batched, parallel Rust call for the whole batch), and the loss
is the expected GED under the model's own sample probabilities renormalised over
the K samples. Its gradient pushes probability towards samples closer to the
target than the batch average: the GED reaches the weights through
``seq_logprobs``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import torch

from grapheme_lab import GraphemeError
from grapheme_lab.ged import GEDCosts, expression_ged_batch

__all__ = ["GEDLoss", "GEDLossOutput", "OptimalCompletionLoss", "optimal_next_tokens"]


@dataclasses.dataclass
class GEDLossOutput:
    """``loss``: scalar to backpropagate; ``expected_ged``: the batch mean of the
    expected GED under q (detached scalar); ``ged``: the GED of every sample, [B, K]."""

    loss: torch.Tensor
    expected_ged: torch.Tensor
    ged: np.ndarray


class GEDLoss(torch.nn.Module):
    """Minimum-risk training with expression GED.

    q = softmax(alpha * seq_logprobs) over the K samples of an example,
    risk = sum_k q_k * GED_k, loss = mean risk (+ ce_weight * ce_loss when given).
    alpha < 1 flattens q (Shen et al. 2016 use about 5e-3 for long sequences).

    A malformed sample (a hypothesis that does not parse) does not raise: it
    scores the GED of its repaired reading plus one node cost per parenthesis
    fix or dropped atom (``expression_ged_batch(malformed="penalty")``), so
    it always scores worse than its repaired form. Targets must parse. GEDs come from ``expression_ged_batch(method="auto")``: exact
    when its bounds meet or the graphs are small, a tight upper bound otherwise.
    """

    def __init__(self, costs: GEDCosts | None = None, *, alpha: float = 1.0, ce_weight: float = 0.0):
        super().__init__()
        if costs is not None and not isinstance(costs, GEDCosts):
            raise GraphemeError(f"costs must be a GEDCosts, got {type(costs).__name__}")
        for name, v in (("alpha", alpha), ("ce_weight", ce_weight)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise GraphemeError(f"{name} must be a finite number, got {v!r}")
        if alpha <= 0:
            raise GraphemeError(f"alpha must be > 0, got {alpha}")
        if ce_weight < 0:
            raise GraphemeError(f"ce_weight must be >= 0, got {ce_weight}")
        self.costs = costs if costs is not None else GEDCosts()
        self.alpha = float(alpha)
        self.ce_weight = float(ce_weight)

    def forward(
        self,
        seq_logprobs: torch.Tensor,
        hypotheses: Sequence[Sequence[str]],
        targets: Sequence[str],
        ce_loss: torch.Tensor | None = None,
    ) -> GEDLossOutput:
        if seq_logprobs.dim() != 2:
            raise GraphemeError(f"seq_logprobs must be [B, K], got shape {tuple(seq_logprobs.shape)}")
        b, k = seq_logprobs.shape
        if len(hypotheses) != b or len(targets) != b:
            raise GraphemeError(
                f"batch sizes differ: seq_logprobs has {b} rows, {len(hypotheses)} hypothesis lists, {len(targets)} targets"
            )
        flat_h: list[str] = []
        flat_t: list[str] = []
        for i, (hyps, target) in enumerate(zip(hypotheses, targets)):
            if len(hyps) != k:
                raise GraphemeError(f"example {i} has {len(hyps)} hypotheses, seq_logprobs has K={k}")
            flat_h.extend(hyps)
            flat_t.extend([target] * k)
        ged = expression_ged_batch(flat_h, flat_t, self.costs, malformed="penalty").reshape(b, k)
        ged_t = torch.as_tensor(ged, dtype=seq_logprobs.dtype, device=seq_logprobs.device)
        q = torch.softmax(self.alpha * seq_logprobs, dim=1)
        risk = (q * ged_t).sum(dim=1)
        loss = risk.mean()
        if ce_loss is not None and self.ce_weight > 0:
            loss = loss + self.ce_weight * ce_loss
        return GEDLossOutput(loss=loss, expected_ged=risk.detach().mean(), ged=ged)


def optimal_next_tokens(
    prefix: Sequence[int], target: Sequence[int], eos_id: int
) -> list[list[int]]:
    """For every step t = 0..len(prefix), the sorted next tokens that begin an
    optimal completion of ``prefix[:t]`` towards ``target`` under the unit-cost
    edit (Levenshtein) distance over tokens; ``eos_id`` when stopping is optimal.

    Row t of the dynamic program holds D[t, j] = ED(prefix[:t], target[:j]); the
    best completion of prefix[:t] costs m = min_j D[t, j] (write target[j:] after
    the best j), so the optimal next tokens are target[j] for every j < len(target)
    with D[t, j] = m, and EOS if D[t, len(target)] = m.
    """
    n = len(target)
    tgt = np.asarray(target, dtype=np.int64)
    ramp = np.arange(n + 1)
    row = ramp.copy()  # D[0, j] = j insertions
    out: list[list[int]] = []
    for t in range(len(prefix) + 1):
        best = row.min()
        hits = np.flatnonzero(row == best)
        toks = {int(tgt[j]) for j in hits if j < n}
        if hits[-1] == n:
            toks.add(int(eos_id))
        out.append(sorted(toks))
        if t == len(prefix):
            break
        # Next row: deletion of prefix[t] or a (mis)match, then insertions, whose
        # serial chain D[j] = min(E[j], D[j - 1] + 1) is a running minimum of E[j] - j.
        e = row + 1
        e[1:] = np.minimum(e[1:], row[:-1] + (tgt != prefix[t]))
        row = np.minimum.accumulate(e - ramp) + ramp
    return out


class OptimalCompletionLoss(torch.nn.Module):
    """Optimal completion distillation over prefix tokens.

    ``logits[n, t]`` is the model's next-token distribution after it wrote
    ``tokens[n, :t]`` (its own samples, or any sequence); steps ``t >= lengths[n]``
    are padding. The loss at each valid step is the cross-entropy against the
    uniform distribution over :func:`optimal_next_tokens`, averaged over valid
    steps. The targets need no parsing, so it applies to any token sequence.
    """

    def forward(
        self,
        logits: torch.Tensor,
        tokens: torch.Tensor,
        lengths: Sequence[int] | torch.Tensor,
        targets: Sequence[Sequence[int]],
        eos_id: int,
    ) -> torch.Tensor:
        if logits.dim() != 3 or tokens.dim() != 2 or logits.shape[:2] != tokens.shape:
            raise GraphemeError(
                f"logits must be [N, T, V] and tokens [N, T], got {tuple(logits.shape)} and {tuple(tokens.shape)}"
            )
        n, steps, vocab = logits.shape
        lengths = [int(x) for x in lengths]
        if len(lengths) != n or len(targets) != n:
            raise GraphemeError(f"batch sizes differ: {n} sequences, {len(lengths)} lengths, {len(targets)} targets")
        if not 0 <= eos_id < vocab:
            raise GraphemeError(f"eos_id {eos_id} is outside the vocabulary of {vocab} tokens")
        want = np.zeros((n, steps, vocab), dtype=np.float32)
        rows = tokens.detach().cpu().numpy()
        for i, (length, target) in enumerate(zip(lengths, targets)):
            if not 0 < length <= steps:
                raise GraphemeError(f"lengths[{i}] = {length}: must be in 1..{steps}")
            if any(not 0 <= int(x) < vocab for x in target):
                raise GraphemeError(f"targets[{i}] has a token outside the vocabulary of {vocab} tokens")
            # Steps 0..length-1 predict after prefixes of length 0..length-1.
            for t, toks in enumerate(optimal_next_tokens(rows[i, : length - 1].tolist(), target, eos_id)):
                want[i, t, toks] = 1.0 / len(toks)
        mask = torch.arange(steps)[None, :] < torch.as_tensor(lengths)[:, None]
        q = torch.as_tensor(want, device=logits.device, dtype=logits.dtype)
        ce = -(q * torch.log_softmax(logits, dim=-1)).sum(-1)
        return ce[mask.to(logits.device)].mean()
