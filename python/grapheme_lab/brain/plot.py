"""``plot training.log --output curves.png``: training loss and validation accuracy per level.

Reads the JSONL metrics log the train loop writes (``batch`` and ``epoch`` events)
and draws two panels against the optimizer step, one colour per level.
The PNG is written to a temporary file and renamed.
"""

from __future__ import annotations

import json
from pathlib import Path

from grapheme_lab.atomic import atomic_write


def read_log(path: str | Path) -> list[dict]:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"log {str(p)!r} does not exist")
    events = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                raise ValueError(f"{p}:{n}: not a JSON line (is this a training.log from `train`?)") from None
    if not any(e.get("event") in ("batch", "epoch", "eval") for e in events):
        raise ValueError(f"{p} holds no batch, epoch or eval events")
    return events


def plot(events: list[dict], output: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    levels = sorted({e["level"] for e in events if "level" in e and e.get("event") in ("batch", "epoch")})
    for level in levels:
        batch = [e for e in events if e.get("event") == "batch" and e["level"] == level]
        epoch = [e for e in events if e.get("event") == "epoch" and e["level"] == level]
        if batch:
            ax_loss.plot([e["step"] for e in batch], [e["loss"] for e in batch], label=f"level {level}")
        if epoch:
            ax_acc.plot([e["step"] for e in epoch], [e["accuracy"] for e in epoch], marker="o", label=f"level {level}")
    ax_loss.set_ylabel("training loss")
    ax_loss.set_yscale("log")
    ax_acc.set_ylabel("validation accuracy (engine-verified)")
    ax_acc.set_xlabel("optimizer step")
    ax_acc.set_ylim(-0.02, 1.02)
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    try:
        with atomic_write(output, "wb") as f:
            fig.savefig(f, format="png", dpi=110)
    finally:
        plt.close(fig)
