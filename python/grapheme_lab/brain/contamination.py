"""Which held-out rows the model was trained on, word for word.

The generator keeps a level's splits disjoint, but not the levels: a level-1 question
such as ``(* 7 8)`` is also a site of level-2 rows, and under ``target = "sites"`` (or
"steps") training asks the model that very question. A test row is *contaminated* when
its question, as the model reads it (source token ids), is the question of a training row
or of one of the examples training makes of a row (``Curriculum.training_examples``: its
sites, steps, or the row itself, by ``[data] target``). Its score then reads recall as
much as skill, so ``evaluate`` reports each level's accuracy on the uncontaminated rows
beside the raw figure.

The training rows are those of the levels the config trains (``start_level`` to
``end_level``), read or generated the way training got them (``Curriculum.rows``), or a
split folder or JSONL file given instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum, rows_by_level
from grapheme_lab.config import Config

Question = tuple[int, ...]


def training_rows(cfg: Config, path: str | Path | None = None) -> tuple[dict[int, list[dict[str, Any]]], str]:
    """The train rows of the levels ``cfg`` trains, by level, and where they came from: the
    rows of ``path`` (a split folder or a JSONL file) when given, else the train split as
    training read or generated it."""
    levels = range(cfg.curriculum.start_level, cfg.curriculum.end_level + 1)
    if path is not None:
        return {lv: rows for lv, rows in rows_by_level(path).items() if lv in levels}, str(path)
    data = Curriculum(cfg)
    rows = {lv: data.rows(lv, "train") for lv in levels}
    if data.on_disk:
        return rows, str(data.root / "train")
    return rows, f"the config's train split, generated in memory ([data] seed {cfg.data.seed})"


def question(row: dict[str, Any], cfg: Config) -> Question:
    """A row's question as the model reads it."""
    return tuple(V.encode(T.source_tokens(row, cfg.data.number_order)))


def trained_questions(cfg: Config, rows: Iterable[dict[str, Any]]) -> set[Question]:
    """Every question training asks of ``rows``: each row's own and each training example's."""
    data, seen = Curriculum(cfg), set()
    for row in rows:
        seen.add(question(row, cfg))
        seen.update(tuple(src) for src, _, _ in data.training_examples(row))
    return seen


def contaminated(cfg: Config, rows: Iterable[dict[str, Any]], seen: set[Question]) -> list[bool]:
    """For each row, whether training asked its question."""
    return [question(row, cfg) in seen for row in rows]
