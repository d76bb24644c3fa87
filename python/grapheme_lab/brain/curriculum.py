"""Curriculum advancement: when to leave a level.

After each epoch at a level, with validation accuracy ``acc``:
  * advance when at least ``min_epochs_per_level`` epochs are done and
    ``acc >= advance_threshold``;
  * otherwise, when ``patience`` epochs passed without a new best accuracy or the
    level's ``epochs_per_level`` budget is spent, the level has stalled: move on
    (``advance_on_stall``) or stop the run;
  * otherwise, under a time limit, when the level's share of it is spent (``time_up``; the
    share is ``train.level_clock``, and the epoch may have been cut short), move on;
  * otherwise stay.
Past ``end_level`` the run is finished.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from grapheme_lab.config import Config

Decision = Literal["stay", "advance", "stall", "time", "stop", "done"]


@dataclasses.dataclass
class CurriculumState:
    level: int
    epoch: int = 0  # epochs finished at this level
    best_acc: float = -1.0
    since_best: int = 0
    step_in_level: int = 0  # optimizer steps at this level (drives warmup/cosine)
    global_step: int = 0
    level_clock: list | None = None  # [start, deadline] of this level, run seconds, under a time limit
    finished: bool = False
    history: list = dataclasses.field(default_factory=list)  # (level, epochs, best_acc, reason)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CurriculumState:
        return cls(**d)


def record_epoch(state: CurriculumState, acc: float, cfg: Config, time_up: bool = False) -> Decision:
    """Count a finished epoch with validation accuracy ``acc`` and decide what comes next;
    ``time_up``: the level's share of the time limit is spent."""
    c, t = cfg.curriculum, cfg.training
    state.epoch += 1
    if acc > state.best_acc:
        state.best_acc, state.since_best = acc, 0
    else:
        state.since_best += 1
    if state.epoch >= c.min_epochs_per_level and acc >= c.advance_threshold:
        decision: Decision = "advance"
    elif state.since_best >= t.patience or state.epoch >= t.epochs_per_level:
        decision = "stall" if c.advance_on_stall else "stop"
    elif time_up and state.level < c.end_level:
        decision = "time"
    else:
        return "stay"
    state.history.append([state.level, state.epoch, state.best_acc, decision])
    if decision == "stop" or state.level >= c.end_level:
        state.finished = True
        return "done" if decision != "stop" else "stop"
    return decision


def next_level(state: CurriculumState) -> None:
    state.level += 1
    state.epoch, state.best_acc, state.since_best, state.step_in_level = 0, -1.0, 0, 0
    state.level_clock = None
