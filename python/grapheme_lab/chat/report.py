"""The report card: one column a stage (base -> mid -> sft -> rl), one row a task's figure, as
nanochat's report shows its stages side by side. Each ``evaluate --task ... --report FILE``
adds its figures to FILE (JSON lines, rewritten atomically; the same stage and task again
replaces the old figures)."""

from __future__ import annotations

import json
from pathlib import Path

from grapheme_lab.atomic import atomic_write

FIGURES = (("accuracy", "accuracy"), ("accuracy_no_tool", "accuracy without the calculator"),
           ("tool_use", "calculator use"), ("bpb", "assistant bpb"))


def read(path: str | Path) -> list[dict]:
    p = Path(path)
    if not p.exists():
        return []
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {i} is not JSON: {e}") from None
    return out


def add(path: str | Path, row: dict) -> None:
    rows = [r for r in read(path) if (r.get("stage"), r.get("task")) != (row["stage"], row["task"])] + [row]
    with atomic_write(Path(path)) as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def card(path_or_rows) -> str:
    """A markdown table: a row a (task, figure), a column a stage in the order first reported."""
    rows = read(path_or_rows) if isinstance(path_or_rows, (str, Path)) else path_or_rows
    stages = list(dict.fromkeys(r["stage"] for r in rows))
    by = {(r["stage"], r["task"]): r for r in rows}
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    lines = ["| task | figure | " + " | ".join(stages) + " |", "| --- | --- |" + " --- |" * len(stages)]
    for task in tasks:
        n = max((by[s, task]["n"] for s in stages if (s, task) in by), default=0)
        for key, label in FIGURES:
            if not any(key in by.get((s, task), {}) for s in stages):
                continue
            cells = []
            for s in stages:
                v = by.get((s, task), {}).get(key)
                cells.append("-" if v is None else f"{v:.3f}" if key == "bpb" else f"{v:.1%}")
            lines.append(f"| {task} ({n}) | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
