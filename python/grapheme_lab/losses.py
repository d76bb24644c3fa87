"""Training losses built on the edit distances.

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

__all__ = ["GEDLoss", "GEDLossOutput"]


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
