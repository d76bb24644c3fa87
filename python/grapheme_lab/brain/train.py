"""The training loop: curriculum levels, losses, optimizers, schedule, checkpoints, DDP.

One process, or one per device under ``torchrun`` (DistributedDataParallel: NCCL on
GPUs, gloo on CPUs). Every rank takes its slice of each global batch of
``batch_size`` rows; the CE loss is a sum over the rank's tokens divided by the
global token count (times the world size, which DDP's gradient averaging undoes),
so N processes compute the same update as one process on the same global batch.

Losses (``[loss] type``): ``ce`` (teacher-forced cross-entropy); ``ged``
(minimum-risk: K sampled answers per row scored by expression GED against the
target, :class:`grapheme_lab.losses.GEDLoss`); ``ged+ce`` (both, CE weighted by
``ce_weight``). Samples are drawn with the KV cache, without gradient, and rescored
with gradient in the same forward pass as the CE batch.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from grapheme_lab.brain import checkpoint as ckpt_io
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.curriculum import CurriculumState, next_level, record_epoch
from grapheme_lab.brain.data import Batch, Curriculum, Example, collate, rank_slice
from grapheme_lab.brain.evaluate import answer_geds, evaluate_examples
from grapheme_lab.brain.model import Brain, num_params, sequence_logprobs_of, shift_right
from grapheme_lab.config import Config
from grapheme_lab.ged import expression_ged_batch
from grapheme_lab.losses import GEDLoss
from grapheme_lab.training.dist import Dist, autocast
from grapheme_lab.training.log import Log
from grapheme_lab.training.muon import Muon
from grapheme_lab.training.optimizers import Optimizers, decay_groups, fused_ok
from grapheme_lab.training.prefetch import prefetch
from grapheme_lab.training.threads import set_threads


# ---------------------------------------------------------------- setup


def make_optimizer(cfg: Config, model: torch.nn.Module) -> torch.optim.Optimizer | Optimizers:
    o, lr = cfg.optimizer, cfg.training.learning_rate
    fused = fused_ok(model)
    hidden = [p for n, p in model.named_parameters() if p.dim() == 2 and n.startswith(("encoder.", "decoder."))]
    muon = Muon(hidden, lr=lr, weight_decay=o.weight_decay) if o.type == "muon" else None
    taken = {id(p) for p in hidden} if muon else set()
    params = [p for p in model.parameters() if id(p) not in taken]
    groups = decay_groups(params, o.weight_decay)
    if o.type == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=o.momentum)
    cls = torch.optim.Adam if o.type == "adam" else torch.optim.AdamW
    adam = cls(groups, lr=lr, betas=(o.beta1, o.beta2), eps=o.epsilon, fused=fused)
    # the blocks' matrices learn far faster under Muon: level 1 at validation 0.86 after
    # 1,400 steps against 0.41 with AdamW alone (docs/training.md)
    return Optimizers(adam, muon) if muon else adam


def lr_at(cfg: Config, step: int, total: int, time_spent: float = 0.0) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio`` over the level's step budget, or
    over its share of the time limit when that is further along (``time_spent``, 0 to 1)."""
    t = cfg.training
    warm = min(1.0, (step + 1) / t.warmup_steps) if t.warmup_steps > 0 else 1.0
    if t.lr_schedule == "constant":
        return t.learning_rate * warm
    progress = min(1.0, max(0.0, (step - t.warmup_steps) / max(1, total - t.warmup_steps), time_spent))
    return t.learning_rate * warm * (t.min_lr_ratio + (1 - t.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def level_batches(cfg: Config, data: Curriculum, level: int) -> int:
    """Global batches in one epoch of ``level``: its training examples and the replay share."""
    n_rows = data.train_size(level)
    n_rows += round(cfg.curriculum.replay_fraction * n_rows) if level > cfg.curriculum.start_level else 0
    return max(1, math.ceil(n_rows / cfg.training.batch_size))


def level_clock(cfg: Config, data: Curriculum, level: int, clock) -> list[float]:
    """When (run seconds) ``level`` starts and must end under the time limit: the time left,
    shared out to this level and the later ones by their planned steps. On a machine too
    slow for the planned run every level still gets its share and decays its learning rate
    in it; cut by the clock alone, the first levels took all the time and the last one never
    annealed (docs/training.md)."""
    steps = [level_batches(cfg, data, lv) for lv in range(level, cfg.curriculum.end_level + 1)]
    now = clock()  # after the planning, which may generate the later levels' rows
    return [now, now + (cfg.training.time_limit_minutes * 60 - now) * steps[0] / sum(steps)]


def my_slices(batches: Iterator[list[Example]], d: Dist) -> Iterator[tuple[list[Example], list[Example], Batch | None]]:
    """Each global batch with this rank's slice of it and that slice's tensors (no slice
    when the batch has fewer rows than ranks)."""
    for batch in batches:
        mine = rank_slice(batch, d.rank, d.world) if len(batch) >= d.world else []
        yield batch, mine, collate(mine, d.device) if mine else None


# ---------------------------------------------------------------- steps


def teacher_forced_ged(logits: torch.Tensor, batch: list[Example], cfg: Config) -> float:
    """Mean GED of the argmax of teacher-forced logits to the target (a cheap training-time signal)."""
    hyps = []
    for ids in logits.argmax(-1).tolist():
        hyps.append(V.tokens_to_polish(V.answer_tokens(V.decode(ids)), cfg.data.number_order) or "")
    return float(expression_ged_batch(hyps, example_targets(batch, cfg), cfg.ged_costs(), malformed="penalty").mean())


def example_targets(batch: list[Example], cfg: Config) -> list[str]:
    """What each example teaches, as Polish: a row's answer, or one step of it."""
    return [V.tokens_to_polish(V.decode(e[1]), cfg.data.number_order) or "" for e in batch]


def train_step(model, raw: Brain, batch: list[Example], tensors: Batch, cfg: Config, d: Dist,
               ged_loss: GEDLoss | None, amp, step: int) -> tuple[torch.Tensor, float | None, torch.Tensor]:
    """Loss of this rank's slice (scaled for DDP) and, for GED losses, the expected GED."""
    src, tgt_in, tgt_out = tensors.src, tensors.tgt_in, tensors.tgt_out
    ntok = d.sum(float((tgt_out != V.PAD).sum()))[0]
    b = src.shape[0]
    if ged_loss is None:
        with amp:
            logits = model(src, tgt_in, tensors.src_tree, tensors.tgt_tree)
        ce = F.cross_entropy(logits.float().flatten(0, 1), tgt_out.flatten(), ignore_index=V.PAD,
                             reduction="sum", label_smoothing=cfg.loss.label_smoothing)
        return ce / ntok * d.world, None, logits
    k = cfg.loss.num_samples
    gen = torch.Generator(device=d.device).manual_seed(cfg.training.seed * 1_000_003 + step * 101 + d.rank)
    was_training = raw.training
    raw.eval()
    src_k = src.repeat_interleave(k, 0)
    # samples longer than the target by 8 tokens are wrong anyway; the cap keeps early steps cheap
    max_len = min(cfg.model.max_target_len, tgt_out.shape[1] + 8)
    seqs = raw.sample(src_k, max_len, cfg.loss.temperature, generator=gen)
    raw.train(was_training)
    if seqs.shape[1] == 0:
        seqs = torch.full((src_k.shape[0], 1), V.EOS, dtype=torch.long, device=d.device)
    seq_in = shift_right(seqs)
    t = max(tgt_in.shape[1], seq_in.shape[1])
    pad = lambda x: F.pad(x, (0, t - x.shape[1]), value=V.PAD)  # noqa: E731
    with amp:  # one forward pass for the CE rows and the rescored samples (one DDP call)
        logits = model(torch.cat([src, src_k]), torch.cat([pad(tgt_in), pad(seq_in)]))
    logits = logits.float()
    ce = F.cross_entropy(logits[:b, : tgt_in.shape[1]].flatten(0, 1), tgt_out.flatten(), ignore_index=V.PAD,
                         reduction="sum", label_smoothing=cfg.loss.label_smoothing) / ntok * d.world
    seq_lp = sequence_logprobs_of(logits[b:, : seqs.shape[1]], seqs).view(b, k)
    hyps = [[V.tokens_to_polish(V.answer_tokens(V.decode(s)), cfg.data.number_order) or "" for s in row]
            for row in seqs.view(b, k, -1).tolist()]
    out = ged_loss(seq_lp, hyps, example_targets(batch, cfg))
    nrows = d.sum(float(b))[0]
    risk = out.loss * (b / nrows * d.world)  # the global mean over rows, like the CE's over tokens
    loss = risk + (cfg.loss.ce_weight * ce if cfg.loss.type == "ged+ce" else 0.0)
    return loss, float(out.expected_ged), logits[:b, : tgt_in.shape[1]]


def validate(raw: Brain, examples: list[Example], cfg: Config, d: Dist) -> dict[str, float]:
    """Engine-verified accuracy, mean GED and malformed rate on this rank's share, summed over ranks."""
    mine = examples[d.rank :: d.world]
    results = evaluate_examples(raw, mine, cfg, d.device)
    correct = sum(v.correct for _, v in results)
    malformed = sum(v.malformed for _, v in results)
    geds = answer_geds(results, mine, cfg)
    n, c, m, g = d.sum(len(mine), correct, malformed, float(sum(geds)))
    return {"accuracy": c / max(n, 1), "malformed": m / max(n, 1), "ged": g / max(n, 1), "n": n}


# ---------------------------------------------------------------- the run


def levels_reached(state: CurriculumState) -> list[dict[str, Any]]:
    """Each level trained, in order: its epochs, best validation accuracy and how it ended
    ("advance", "stall", "time", "done", "stop"; "time_limit" for the level the run's time
    limit cut, which is not in the history)."""
    out = [{"level": lv, "epochs": ep, "best_accuracy": acc, "ended": why} for lv, ep, acc, why in state.history]
    if state.epoch > 0 and (not out or out[-1]["level"] != state.level):
        out.append({"level": state.level, "epochs": state.epoch, "best_accuracy": state.best_acc, "ended": "time_limit"})
    return out


@dataclasses.dataclass
class Run:
    """What a run holds from one epoch to the next."""

    cfg: Config
    d: Dist
    log: Log
    raw: Brain
    model: torch.nn.Module  # raw, wrapped for DDP
    optimizer: torch.optim.Optimizer | Optimizers
    state: CurriculumState
    data: Curriculum
    amp: Any
    scaler: Any
    ged_loss: GEDLoss | None
    elapsed_before: float  # training seconds of the earlier sessions of a resumed run
    best_key: tuple  # (level, validation accuracy) of best.pt
    start: float = dataclasses.field(default_factory=lambda: time.time())  # read when set up (tests patch time.time)
    last_val: dict[str, float] = dataclasses.field(default_factory=dict)
    time_limit_at: int | None = None  # the level the time limit ended the run at

    @property
    def limit(self) -> float:
        t = self.cfg.training.time_limit_minutes
        return t * 60 if t > 0 else math.inf

    def elapsed(self) -> float:
        return self.elapsed_before + time.time() - self.start

    def clock(self) -> float:
        # the ranks' mean: one time for all of them (their clocks differ), or they would pick
        # different learning rates and stop at different batches; without a limit no decision
        # reads it, and a step needs no extra all-reduce
        return self.d.sum(self.elapsed())[0] / self.d.world if self.limit < math.inf else self.elapsed()

    def save(self, name: str, extra: dict | None = None) -> None:
        if self.d.main:
            ckpt_io.save_atomic({
                "format": ckpt_io.FORMAT, "model": self.raw.state_dict(), "optimizer": self.optimizer.state_dict(),
                "state": self.state.to_dict(), "config": self.cfg.to_dict(), "rng": ckpt_io.rng_state(),
                "log_bytes": self.log.size(), "elapsed": self.elapsed(), "best_key": self.best_key, **(extra or {}),
            }, Path(self.cfg.paths.output_dir) / name)


@dataclasses.dataclass
class Epoch:
    """How one epoch of a level went."""

    level: int
    batches: int  # planned global batches
    done: int  # global batches taken
    avg_loss: float
    skipped: int  # rows of batches too small to give this rank a slice
    rows: int  # rows this rank trained on
    cut: str | None  # "run" or "level" when the time limit stopped it early
    begun: float  # when (run seconds) the level started, and when its share of the time ends
    deadline: float


def set_up(cfg: Config, resume: str | None, verbose: bool) -> Run:
    """Threads, seeds, the model and optimizer (from ``resume`` when given), the log, the data."""
    d = Dist(cfg.hardware.device)
    asked, idle = set_threads(cfg.hardware.num_threads, d.device.type)
    random.seed(cfg.training.seed)
    torch.manual_seed(cfg.training.seed)
    ck = ckpt_io.load(resume) if resume else None
    log = Log(cfg.paths.log_file, d.main, resume_bytes=ck["log_bytes"] if ck else None)
    if torch.get_num_threads() < asked:
        log.line(f"Using {torch.get_num_threads()} of {asked} threads: {idle:.1f} CPUs idle, "
                 "and a thread that shares a busy core holds up the others")
    raw = Brain(cfg.model).to(d.device)
    optimizer = make_optimizer(cfg, raw)
    state = CurriculumState(level=cfg.curriculum.start_level)
    elapsed_before, best_key = 0.0, (-1, -1.0)
    if ck is not None:
        raw.load_state_dict(ck["model"])
        saved = ck["config"]["optimizer"]["type"]
        if isinstance(optimizer, Optimizers) != ("parts" in ck["optimizer"]):
            raise ValueError(f"{resume} was trained with [optimizer] type = {saved!r}, and its optimizer state does "
                             f"not fit type = {cfg.optimizer.type!r}")
        optimizer.load_state_dict(ck["optimizer"])
        state = CurriculumState.from_dict(ck["state"])
        ckpt_io.set_rng_state(ck["rng"])
        elapsed_before = ck.get("elapsed", 0.0)
        best_key = tuple(ck.get("best_key", best_key))
        log.line(f"Resumed from {resume} at level {state.level}, epoch {state.epoch} (step {state.global_step})")
    model = d.wrap(raw)
    if verbose:
        log.line(f"Brain: {num_params(raw):,} parameters on {d.device} x{d.world}; loss={cfg.loss.type}, "
                 f"optimizer={cfg.optimizer.type}, threads={torch.get_num_threads()}")
    amp, scaler = autocast(cfg.hardware.amp, d.device)
    ged_loss = None if cfg.loss.type == "ce" else GEDLoss(cfg.ged_costs(), alpha=cfg.loss.alpha, ce_weight=0.0)
    return Run(cfg, d, log, raw, model, optimizer, state, Curriculum(cfg), amp, scaler, ged_loss,
               elapsed_before, best_key)


def optimizer_step(run: Run, loss: torch.Tensor) -> None:
    """Backward, clip, step (through the AMP scaler when there is one)."""
    optimizer, scaler = run.optimizer, run.scaler
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
    else:
        loss.backward()
    if run.cfg.training.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(run.raw.parameters(), run.cfg.training.grad_clip)
    if scaler is not None:
        scaler.step(optimizer)
        scaler.update()
    else:
        optimizer.step()


def train_epoch(run: Run) -> Epoch:
    """One epoch of the current level, until its batches or its share of the time limit end."""
    cfg, d, state, log, t = run.cfg, run.d, run.state, run.log, run.cfg.training
    level = state.level
    n_batches = level_batches(cfg, run.data, level)
    total_steps = n_batches * t.epochs_per_level
    if run.limit < math.inf and state.level_clock is None:
        state.level_clock = level_clock(cfg, run.data, level, run.clock)
    begun, deadline = state.level_clock or (0.0, math.inf)
    now = run.clock()
    log.line(f"[Level {level}] Epoch {state.epoch + 1}/{t.epochs_per_level}")
    run.model.train()
    loss_sum, loss_n, skipped, local_rows, cut, i = 0.0, 0, 0, 0, None, 0
    batches = prefetch(my_slices(run.data.batches(level, state.epoch, t.batch_size), d), cfg.hardware.parallel_batches)
    log.open_bar(n_batches, f"level {level}")
    for i, (batch, mine, tensors) in enumerate(batches, 1):
        if not mine:
            skipped += len(batch)
            continue
        lr = lr_at(cfg, state.step_in_level, total_steps, (now - begun) / max(deadline - begun, 1e-9))
        for g in run.optimizer.param_groups:
            g["lr"] = lr
        local_rows += len(mine)
        loss, ged, logits = train_step(run.model, run.raw, mine, tensors, cfg, d, run.ged_loss, run.amp,
                                       state.global_step)
        optimizer_step(run, loss)
        state.step_in_level += 1
        state.global_step += 1
        loss_value = d.sum(float(loss.detach()))[0] / d.world
        loss_sum += loss_value
        loss_n += 1
        log.tick(loss=f"{loss_value:.3f}")
        if i % t.log_every == 0 or i == n_batches:
            if ged is None:
                ged = teacher_forced_ged(logits.detach(), mine, cfg)
            log.line(f"  Batch {i}/{n_batches}: loss={loss_value:.3f}, GED={ged:.2f}")
            log.metrics(event="batch", level=level, epoch=state.epoch + 1, batch=i, step=state.global_step,
                        loss=loss_value, ged=ged, lr=lr)
        now = run.clock()
        if now >= deadline:
            cut = "run" if now >= run.limit or level >= cfg.curriculum.end_level else "level"
            break
    log.close_bar()
    return Epoch(level, n_batches, i, loss_sum / max(1, loss_n), skipped, local_rows, cut, begun, deadline)


def end_epoch(run: Run, ep: Epoch, verbose: bool) -> None:
    """Validate, log, let the curriculum decide (stay, advance, move on, stop), save checkpoints."""
    cfg, d, state, log, t = run.cfg, run.d, run.state, run.log, run.cfg.training
    level = ep.level
    val_examples = run.data.examples(level, "val")
    val_examples = val_examples[: t.val_samples] if t.val_samples > 0 else val_examples
    run.last_val = validate(run.raw, val_examples, cfg, d)
    acc = run.last_val["accuracy"]
    log.line(f"  Epoch complete: avg_loss={ep.avg_loss:.3f}, accuracy={acc:.2f}"
             + (f" (val GED={run.last_val['ged']:.2f}, malformed={run.last_val['malformed']:.2f}, "
                f"{run.elapsed():.0f}s)" if verbose else ""))
    log.metrics(event="epoch", level=level, epoch=state.epoch + 1, step=state.global_step, avg_loss=ep.avg_loss,
                accuracy=acc, val_ged=run.last_val["ged"], malformed=run.last_val["malformed"], skipped=ep.skipped,
                rows_rank0=ep.rows, world=d.world, elapsed=round(run.elapsed(), 3))
    epoch_done = state.epoch + 1
    if ep.cut == "run":  # an epoch cut short by the time limit decides nothing: the run ends here
        record_epoch(state, acc, cfg)
        decision = "cut"
    else:
        decision = record_epoch(state, acc, cfg, time_up=ep.cut == "level" or run.clock() >= ep.deadline)
    log_decision(run, ep, decision, acc)
    if decision not in ("stay", "cut"):
        log.metrics(event=decision, level=level, epoch=epoch_done, accuracy=acc)
    if decision in ("advance", "stall", "time"):
        next_level(state)
    if ep.cut == "run" or (not state.finished and run.clock() >= run.limit):
        state.finished = True
        where = f", batch {ep.done}/{ep.batches} of epoch {epoch_done}" if ep.cut == "run" else ""
        log.line(f"Time limit of {t.time_limit_minutes:g} min reached at level {level}{where}")
        run.time_limit_at = level
        log.metrics(event="time_limit", level=level, epoch=epoch_done, batch=ep.done if ep.cut == "run" else None)
    if (level, acc) > run.best_key:
        run.best_key = (level, acc)
        run.save("best.pt", {"val": run.last_val, "level_of_val": level})
    if epoch_done % t.checkpoint_every == 0:
        run.save(f"epoch_{epoch_done}_level_{level}.pt")
    run.save("latest.pt")


def log_decision(run: Run, ep: Epoch, decision: str, acc: float) -> None:
    state, level, thr = run.state, ep.level, run.cfg.curriculum.advance_threshold
    if decision == "advance":
        run.log.line(f"[Level {level}] Advancing to Level {level + 1} (accuracy {acc:.2f} >= {thr:.2f})")
    elif decision == "stall":
        short = ", the last cut short by its share of the time limit" if ep.cut == "level" else ""
        run.log.line(f"[Level {level}] Moving on to Level {level + 1} after {state.epoch} epoch"
                     f"{'s' * (state.epoch != 1)}{short} (best accuracy {state.best_acc:.2f} < {thr:.2f})")
    elif decision == "time":
        run.log.line(f"[Level {level}] Moving on to Level {level + 1}: its share of the time limit is spent "
                     f"({(ep.deadline - ep.begun) / 60:.1f} min, best accuracy {state.best_acc:.2f})")
    elif decision in ("done", "stop"):
        run.log.line(f"[Level {level}] Curriculum {'complete' if decision == 'done' else 'stopped'} "
                     f"(accuracy {acc:.2f}, threshold {thr:.2f})")


def finish(run: Run) -> dict[str, Any]:
    """The final checkpoint and the run's summary (see :func:`train`)."""
    run.save("final.pt", {"val": run.last_val})
    run.log.metrics(event="done", level=run.state.level, step=run.state.global_step, elapsed=round(run.elapsed(), 3))
    out_dir = Path(run.cfg.paths.output_dir)
    summary = {
        "state": run.state.to_dict(), "val": run.last_val, "elapsed": run.elapsed(), "params": num_params(run.raw),
        "levels": levels_reached(run.state), "time_limit_at": run.time_limit_at, "main": run.d.main,
        "checkpoint": str(out_dir / "final.pt"), "best": str(out_dir / "best.pt"), "log": str(run.log.path),
        "data": run.cfg.paths.train_data if run.data.on_disk else None,
    }
    # DDP's reducer holds the process group, and DDP sits in reference cycles: freed only at
    # the interpreter's exit, it can take gloo's threads down with it (SIGABRT, "terminate
    # called without an active exception"), so it goes first
    run.model = None
    gc.collect()
    run.d.close()
    return summary


def train(cfg: Config, resume: str | None = None, verbose: bool = False) -> dict[str, Any]:
    """Train through the curriculum. Returns a summary: ``levels`` (:func:`levels_reached`),
    ``val`` (the last validation), ``elapsed`` (training seconds, earlier sessions of a
    resumed run included), ``time_limit_at`` (the level the time limit ended the run at, or
    None), the paths of the ``checkpoint`` (final.pt), ``best`` and ``log``, ``data`` (the
    split folder, None when the rows were generated in memory), ``state``, ``params``, and
    ``main`` (whether this is rank 0, which alone writes and prints)."""
    run = set_up(cfg, resume, verbose)
    while not run.state.finished:
        end_epoch(run, train_epoch(run), verbose)
    return finish(run)
