"""``plot training.log`` for a language model: the training loss and the validation bits per
byte against the optimizer step (``step`` and ``eval`` events of the JSONL log). The PNG is
written to a temporary file and renamed."""

from __future__ import annotations

from pathlib import Path

from grapheme_lab.atomic import atomic_write


def is_lm_log(events: list[dict]) -> bool:
    return any(e.get("event") == "eval" and "val_bpb" in e for e in events)


def plot(events: list[dict], output: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [e for e in events if e.get("event") == "step"]
    evals = [e for e in events if e.get("event") == "eval"]
    fig, (ax_loss, ax_bpb) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    ax_loss.plot([e["step"] for e in steps], [e["loss"] for e in steps], label="training loss (nats a token)")
    ax_bpb.plot([e["step"] for e in evals], [e["val_bpb"] for e in evals], marker="o", label="validation bits per byte")
    ax_loss.set_ylabel("training loss")
    ax_bpb.set_ylabel("validation bits per byte")
    ax_bpb.set_xlabel("optimizer step")
    for ax in (ax_loss, ax_bpb):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    try:
        with atomic_write(output, "wb") as f:
            fig.savefig(f, format="png", dpi=110)
    finally:
        plt.close(fig)
