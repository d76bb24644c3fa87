"""The chat pipeline end to end for one seed: base -> mid -> SFT -> RL from configs/chat/*.toml,
each stage evaluated on held-out items (the test split) into one report card.

    python benches/chat_pipeline.py --seed 0 --output target/chat_pipeline/seed0
    python benches/chat_pipeline.py --seed 0 --output target/chat_pipeline/seed0 --only-evaluate   # re-score

Writes OUTPUT/{base,mid,sft,rl}/ (checkpoints and logs), OUTPUT/report.jsonl (the card's figures)
and OUTPUT/report.md (the card, the stages' wall times, the machine's load). Run it for 3 seeds to
compare RL with SFT: a difference counts only when it is larger than the spread across seeds."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("base", "mid", "sft", "rl")
TASKS = (("worded", 100), ("arithmetic", 100), ("spelling", 100), ("conversation-bpb", 100))


def grapheme(*args: str) -> None:
    cmd = [sys.executable, "-m", "grapheme_lab", *args]
    print("$", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", required=True)
    p.add_argument("--only-evaluate", action="store_true", help="score the checkpoints already in OUTPUT")
    args = p.parse_args()
    out = Path(args.output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.jsonl"
    walls = {}
    for i, stage in enumerate(STAGES):
        ckpt = out / stage / "final.pt"
        start = time.time()
        if not args.only_evaluate:
            extra = ["--data", str(out / "base-corpus")] if stage == "base" else ["--init", str(out / STAGES[i - 1] / "final.pt")]
            grapheme("train", "--config", str(ROOT / "configs" / "chat" / f"{stage}.toml"), "--seed", str(args.seed),
                     "--output", str(out / stage), *extra)
        trained = time.time()
        for task, n in TASKS:
            grapheme("evaluate", "--model", str(ckpt), "--task", task, "--n", str(n), "--split", "test",
                     "--report", str(report), "--stage", stage)
        walls[stage] = (trained - start, time.time() - trained)
    from grapheme_lab.chat.report import card

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    lines = [f"# chat pipeline, seed {args.seed} (commit {commit}, load {os.getloadavg()[0]:.2f} at the end, "
             f"{os.cpu_count()} CPUs)", "", card(report), "", "| stage | train s | evaluate s |", "| --- | --- | --- |"]
    lines += [f"| {s} | {w[0]:.0f} | {w[1]:.0f} |" for s, w in walls.items()]
    lines.append(f"| all | {sum(w[0] + w[1] for w in walls.values()):.0f} | |")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(json.dumps({"seed": args.seed, "walls": walls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
