"""Several optimizers over disjoint parameters, stepped as one (Muon for a model's hidden
matrices, AdamW for the rest), and the AdamW parameter groups every loop uses."""

from __future__ import annotations

from typing import Any

import torch


class Optimizers:
    """Optimizers over disjoint parameters, stepped, zeroed and saved as one."""

    def __init__(self, *parts: torch.optim.Optimizer):
        self.parts = parts

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return [g for o in self.parts for g in o.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for o in self.parts:
            o.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for o in self.parts:
            o.step()

    def state_dict(self) -> dict[str, Any]:
        return {"parts": [o.state_dict() for o in self.parts]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if len(state.get("parts", ())) != len(self.parts):
            raise ValueError(f"the checkpoint's optimizer state is not of {len(self.parts)} optimizers "
                             "(was it saved with another optimizer type?)")
        for o, s in zip(self.parts, state["parts"]):
            o.load_state_dict(s)


def decay_groups(params: list[torch.nn.Parameter], weight_decay: float) -> list[dict[str, Any]]:
    """Two parameter groups: matrices and embeddings with ``weight_decay``; norms, gains and
    biases (fewer than 2 dimensions) without it."""
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]


def fused_ok(model: torch.nn.Module) -> bool:
    """Whether torch's fused Adam kernels run where the model lives: one kernel for all
    parameters, where the loop over them took a tenth of a small model's CPU step."""
    return next(model.parameters()).device.type in ("cpu", "cuda")
