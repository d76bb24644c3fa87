"""The language-model training loop, for every kind: read it top to bottom.

Set-up (process, threads, corpus, model, optimizer, a resumed checkpoint), then steps:
a learning rate from warmup and decay (over ``max_steps``, or over the time limit when that
is further along), ``grad_accum`` micro-batches of random windows, clipping, one optimizer
step; every ``eval_every`` steps the validation split's bits per byte, ``best.pt`` when it
improves and early stopping after ``patience`` evaluations without; ``latest.pt`` every
``checkpoint_every`` steps; at the end ``final.pt`` and a summary.

Under ``torchrun`` every rank draws the same global batch and trains on its share, and DDP
averages the gradients, so N processes take the steps one process takes. Checkpoints carry the
optimizer, the loader's generator and the RNG states: a run resumed from ``latest.pt``
takes the same steps as one never stopped (for a run bounded by steps, not by the clock).

A chat stage (``[stage] kind = "mid"`` or ``"sft"``, ``grapheme_lab.chat.stage``) starts from its
init checkpoint's weights and trains on its mixture's conversations with the loss mask (targets
-1 outside what the assistant writes); its validation figure is the bits per byte of the
validation conversations' assistant tokens.

A config with ``[[phase]]`` tables (``grapheme_lab.lm.curriculum``) runs them in order: each
phase draws from its own data mix with its own batch, window length and learning rate (warmup
and decay restart in each phase); ``[data] corpus`` still gives the vocabulary and the
validation split.
"""

from __future__ import annotations

import gc
import math
import random
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grapheme_lab.lm import models
from grapheme_lab.lm.bpb import Score, document_windows, score_windows, token_byte_lengths
from grapheme_lab.lm.config import LMConfig
from grapheme_lab.lm.corpus import Corpus, ensure_embedded
from grapheme_lab.lm.curriculum import open_phase_corpora, phase_at, phase_loader
from grapheme_lab.lm.loader import Windows
from grapheme_lab.training import checkpoint as ckpt_io
from grapheme_lab.training.dist import Dist, autocast, native_bf16
from grapheme_lab.training.log import Log
from grapheme_lab.training.muon import Muon
from grapheme_lab.training.optimizers import Optimizers, fused_ok
from grapheme_lab.training.threads import set_threads

from grapheme_lab.lm.checkpoint import FORMAT, tokenizer_spec


def open_corpus(cfg: LMConfig, log: Log | None = None) -> Corpus:
    """The config's corpus; the embedded one is prepared there first when the folder is absent."""
    path = Path(cfg.data.corpus)
    if (path / "manifest.json").exists():
        return Corpus.open(path)
    if cfg.data.inputs or cfg.data.chat_tokens:  # e.g. a chat model's base: the plays and worded arithmetic
        from grapheme_lab.lm.corpus import EMBEDDED_TEST, EMBEDDED_VAL, prepare
        from grapheme_lab.tokenizer import CHAT_SPECIAL_TOKENS

        inputs = list(cfg.data.inputs) or ["embedded"]
        plays = "embedded" in inputs  # its fixed held-out works
        if log is not None:
            log.line(f"Preparing a corpus of {', '.join(inputs)} at {path} (vocabulary {cfg.data.vocab_size:,})")
        return prepare(inputs, path, vocab_size=cfg.data.vocab_size,
                       holdout=list(EMBEDDED_TEST) if plays else None, val=list(EMBEDDED_VAL) if plays else None,
                       special_tokens=CHAT_SPECIAL_TOKENS if cfg.data.chat_tokens else ("<|bos|>",), progress=False)
    if log is not None:
        log.line(f"Preparing the embedded corpus at {path} (vocabulary {cfg.data.vocab_size:,})")
    return ensure_embedded(path, vocab_size=cfg.data.vocab_size)


def make_optimizer(cfg: LMConfig, model: torch.nn.Module):
    """AdamW over the model's named groups (each group's rate and decay from the config), with
    Muon for the blocks' matrices when ``[optimizer] type = "muon"``."""
    o, lr = cfg.optimizer, cfg.training.learning_rate
    named = model.param_groups()
    for name in list(o.group_lr) + list(o.group_weight_decay):
        if name not in named:
            raise ValueError(f"[optimizer] names a parameter group {name!r}; a {cfg.kind} has {sorted(named)}")
    seen = {id(p) for ps in named.values() for p in ps}
    rest = [p for p in model.parameters() if id(p) not in seen]  # norms, gains, scalars
    muon = None
    groups = []
    for name, params in list(named.items()) + [("other", rest)]:
        if not params:
            continue
        g_lr = o.group_lr.get(name, lr)
        # norms and scalars, and the groups a model names (TurnGPT's turns), get no decay unless set
        no_decay = name == "other" or name in getattr(model, "no_weight_decay_groups", ())
        wd = o.group_weight_decay.get(name, 0.0 if no_decay else o.weight_decay)
        if name == "matrix" and o.type == "muon":
            muon = Muon(params, lr=g_lr, weight_decay=wd)
            muon.param_groups[0]["base_lr"] = g_lr
            continue
        groups.append({"params": params, "lr": g_lr, "base_lr": g_lr, "weight_decay": wd, "name": name})
    adam = torch.optim.AdamW(groups, lr=lr, betas=(o.beta1, o.beta2), eps=o.epsilon, fused=fused_ok(model))
    return Optimizers(adam, muon) if muon else Optimizers(adam)


def lr_scale(cfg: LMConfig, step: int, time_spent: float, total_steps: int | None = None) -> float:
    """The learning rate's factor at ``step``: linear warmup, then the schedule's decay to
    ``min_lr_ratio`` over the step budget (``total_steps``, default ``max_steps``) or the time
    budget (``time_spent``, 0 to 1), whichever is further along."""
    t = cfg.training
    total = t.max_steps if total_steps is None else total_steps
    warm = min(1.0, (step + 1) / t.warmup_steps) if t.warmup_steps else 1.0
    if t.lr_schedule == "constant":
        return warm
    by_steps = (step - t.warmup_steps) / max(1, total - t.warmup_steps) if total else 0.0
    progress = min(1.0, max(0.0, by_steps, time_spent))
    if t.lr_schedule == "linear":
        decay = 1 - progress
    else:
        decay = 0.5 * (1 + math.cos(math.pi * progress))
    return warm * (t.min_lr_ratio + (1 - t.min_lr_ratio) * decay)


def stop_reason(t, step: int, seconds: float) -> str | None:
    """Why a training loop stops before taking ``step``, ``seconds`` into the run: the step
    budget or the time limit of ``[training]`` ``t``; None to go on. The LM loop's and RL's."""
    if t.max_steps and step >= t.max_steps:
        return f"{t.max_steps} steps"
    if t.time_limit_minutes > 0 and seconds >= t.time_limit_minutes * 60:
        return f"the time limit of {t.time_limit_minutes:g} min"
    return None


def validation_windows(corpus: Corpus, split: str, length: int, max_tokens: int) -> list[np.ndarray]:
    """The windows of the split's whole documents (the first ``max_tokens`` of them, in
    document order, when not 0) that every evaluation of the run scores."""
    windows, n = [], 0
    for doc in corpus.documents(split):
        doc_windows = document_windows(np.asarray(corpus.tokens(doc)), length)
        windows += doc_windows
        n += sum(len(w) - 1 for w in doc_windows)
        if max_tokens and n >= max_tokens:
            break
    return windows


def validation_bpb(model, windows: list[np.ndarray], nbytes: np.ndarray, d: Dist) -> Score:
    """Bits per byte over ``windows``, each rank scoring every world-th one."""
    model.eval()
    s = score_windows(model, windows[d.rank :: d.world], nbytes, d.device)
    model.train()
    return summed(s, d)


def summed(s: Score, d: Dist) -> Score:
    """A score of this rank's share summed over the ranks (a collective: every rank calls it)."""
    if d.world == 1:
        return s
    nats, tokens, nb = d.sum(s.nats, s.tokens, s.bytes)
    return Score(nats, int(tokens), int(nb))


def train(cfg: LMConfig, resume: str | None = None) -> dict[str, Any]:
    # ------------------------------------------------------------ set-up
    d = Dist(cfg.hardware.device)
    asked, idle = set_threads(cfg.hardware.num_threads, d.device.type)
    t = cfg.training
    random.seed(t.seed)
    np.random.seed(t.seed)
    torch.manual_seed(t.seed)
    ck = ckpt_io.read(resume, FORMAT) if resume else None
    log = Log(cfg.log_file, d.main, resume_bytes=ck["log_bytes"] if ck else None)
    if torch.get_num_threads() < asked:
        log.line(f"Using {torch.get_num_threads()} of {asked} threads: {idle:.1f} CPUs idle")
    if cfg.stage.kind == "rl":  # its own loop: sampling and rewards, not batches of text
        from grapheme_lab.chat.rl import train_rl

        return train_rl(cfg, resume, ck, d, log)
    stage = None
    if cfg.stage.kind:  # a chat stage: the init checkpoint's model, its mixture's conversations
        from grapheme_lab.chat.stage import StageData

        stage = StageData.open(cfg)
        corpus_dir, tok_spec = stage.init["corpus"]["dir"], stage.init["tokenizer"]
        mix = ", ".join(f"{k} x{v:g}" for k, v in cfg.stage.data.items())
        log.line(f"{cfg.stage.kind} stage from {cfg.stage.init}: {len(stage.train):,} training and "
                 f"{len(stage.val):,} validation conversations of {mix}")
        return _train(cfg, resume, ck, d, log, stage, None, corpus_dir, tok_spec)
    corpus = open_corpus(cfg, log)
    return _train(cfg, resume, ck, d, log, None, corpus, str(corpus.dir), tokenizer_spec(corpus))


def _train(cfg: LMConfig, resume, ck, d: Dist, log: Log, stage, corpus: Corpus | None, corpus_dir: str,
           tok_spec) -> dict[str, Any]:
    t = cfg.training
    if corpus is not None:
        cfg.model.vocab_size = corpus.vocab_size
    raw = models.build(cfg.kind, cfg.model)
    if stage is not None and ck is None:
        raw.load_state_dict(stage.init["model"])
    if ck is None and corpus is not None and hasattr(raw, "init_from_corpus"):  # e.g. TurnGPT's turns from the training shards
        said = raw.init_from_corpus(corpus)
        if said:
            log.line(said)
    raw = raw.to(d.device)
    if ck is None and stage is None and hasattr(raw, "load_frozen_parts"):
        # a kind built on another checkpoint (the BLT's frozen entropy model) reads its weights
        # once here; its own checkpoints carry them, so resuming and loading need nothing else
        log.line(raw.load_frozen_parts())
    if t.batch_size % (d.world * t.grad_accum):
        raise ValueError(f"[training] batch_size {t.batch_size} is not a multiple of grad_accum x ranks "
                         f"({t.grad_accum} x {d.world})")
    if stage is not None:
        phase_corpora = None
        windows = stage.loader(cfg, t.batch_size // t.grad_accum, d.rank, d.world)

        def score(model) -> Score:
            model.eval()
            s = stage.validate(model, cfg.model.sequence_len, d.device, d.rank, d.world)
            model.train()
            return summed(s, d)
    else:
        longest = max(doc.end - doc.start for doc in corpus.documents("train"))
        if cfg.model.sequence_len >= longest:
            raise ValueError(f"[model] sequence_len {cfg.model.sequence_len} is longer than every training document "
                             f"of {corpus.dir} (the longest has {longest - 1:,} tokens)")
        phase_corpora = open_phase_corpora(cfg, corpus) if cfg.phases else None
        windows = Windows([(corpus.shards("train"), 1.0)], cfg.model.sequence_len, t.batch_size // t.grad_accum,
                          t.seed, d.rank, d.world)
        if not corpus.documents("val"):
            raise ValueError(f"{corpus.dir}: the corpus has no validation documents to evaluate on")
        nbytes = token_byte_lengths(corpus.tokenizer(), corpus.vocab_size)
        val_windows = validation_windows(corpus, "val", cfg.model.sequence_len, t.eval_tokens)

        def score(model) -> Score:
            return validation_bpb(model, val_windows, nbytes, d)
    optimizer = make_optimizer(cfg, raw)
    step, elapsed_before, best, bad_evals = 0, 0.0, math.inf, 0
    if ck is not None:
        raw.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        if not cfg.phases:
            windows.load_state_dict(ck["loader"])
        ckpt_io.set_rng_state(ck["rng"])
        step, elapsed_before = ck["step"], ck["elapsed"]
        best, bad_evals = ck["best_bpb"], ck["bad_evals"]
        log.line(f"Resumed from {resume} at step {step}")
    phase = None  # the phase whose loader `windows` is
    if cfg.phases:
        phase, _ = phase_at(cfg.phases, step)
        windows = phase_loader(cfg, phase, phase_corpora, d.world, d.rank)
        if ck is not None and ck.get("phase") == phase:  # resumed mid-phase: its draws go on
            windows.load_state_dict(ck["loader"])
    model = d.wrap(raw)
    eager = model
    if cfg.hardware.compile:
        model = torch.compile(model)
    amp_mode = cfg.hardware.amp
    if amp_mode == "auto":  # bf16 wherever the hardware multiplies it natively, CPUs included
        amp_mode = "bf16" if native_bf16(d.device) else "off"
    amp, scaler = autocast(amp_mode, d.device)
    out = Path(cfg.paths.output_dir)
    tokens_per_step = t.batch_size * cfg.model.sequence_len
    log.line(f"{cfg.kind}: {raw.num_params():,} parameters, {cfg.model.vocab_size:,} tokens in the vocabulary, "
             f"{tokens_per_step:,} tokens a step on {d.device} x{d.world} ({torch.get_num_threads()} threads, "
             f"{'float32' if amp_mode == 'off' else amp_mode + ' autocast'})")
    if hasattr(raw, "parameter_report"):
        log.line(raw.parameter_report())
    limit = t.time_limit_minutes * 60 if t.time_limit_minutes > 0 else math.inf
    start = time.time()
    train_time = ck["train_time"] if ck else 0.0  # seconds spent in steps (not evaluation): tokens/s
    tokens_seen = ck.get("tokens_seen", step * tokens_per_step) if ck else 0

    def elapsed() -> float:
        return elapsed_before + time.time() - start

    def clock() -> float:
        # the ranks' mean, so that all of them pick the same rate and stop at the same step
        # (a collective: every rank calls it at the same point)
        return d.sum(elapsed())[0] / d.world if d.world > 1 else elapsed()

    def save(name: str, **extra: Any) -> None:
        if d.main:
            ckpt_io.save_atomic({
                "format": FORMAT, "kind": cfg.kind, "model": raw.state_dict(), "optimizer": optimizer.state_dict(),
                "loader": windows.state_dict(), "rng": ckpt_io.rng_state(), "config": cfg.to_dict(),
                "corpus": {"dir": corpus_dir}, "tokenizer": tok_spec,
                "step": step, "elapsed": elapsed(), "train_time": train_time, "best_bpb": best,
                "bad_evals": bad_evals, "log_bytes": log.size(), "phase": phase, "tokens_seen": tokens_seen,
                "tokens_per_second": tokens_seen / max(train_time, 1e-9), **extra,
            }, out / name)

    last_eval: list = [None, None]  # (step, score) of the latest evaluation

    def evaluate() -> Score:
        nonlocal best, bad_evals
        if last_eval[0] == step:
            return last_eval[1]
        s = score(raw)
        improved = s.bpb < best
        if improved:
            best, bad_evals = s.bpb, 0
            save("best.pt", val_bpb=s.bpb)
        else:
            bad_evals += 1
        extra = raw.eval_metrics() if hasattr(raw, "eval_metrics") else {}  # e.g. the BLT's mean patch length
        note = "".join(f", {k.replace('_', ' ')} {v:.2f}" for k, v in extra.items())
        log.line(f"  step {step}: validation bpb {s.bpb:.4f} (perplexity {s.perplexity:.1f} a token){note}"
                 + (" *" if improved else ""))
        log.metrics(event="eval", step=step, val_bpb=s.bpb, val_ppl=s.perplexity, elapsed=round(elapsed(), 3),
                    **extra)
        last_eval[:] = [step, s]
        return s

    # ------------------------------------------------------------ steps
    log.open_bar(t.max_steps or 0, cfg.kind, initial=step)
    stop = None
    loss_value, logged_time, logged_tokens = math.nan, train_time, tokens_seen
    while stop is None:
        now = clock()
        stop = stop_reason(t, step, now)
        if stop:
            break
        if cfg.phases:
            i, phase_start = phase_at(cfg.phases, step)
            p = cfg.phases[i]
            if i != phase:  # a new phase: its own data, batch and window length
                phase, windows = i, phase_loader(cfg, i, phase_corpora, d.world, d.rank)
            if step == phase_start:
                mix = ", ".join(f"{k} x{v:g}" for k, v in p.data.items())
                log.line(f"phase {i + 1} of {len(cfg.phases)} ({p.name}): {p.steps:,} steps of {p.batch_size} x "
                         f"{p.sequence_len} tokens, learning rate {p.learning_rate:g}, data {mix}")
            tokens_per_step = p.batch_size * p.sequence_len
            scale = lr_scale(cfg, step - phase_start, 0.0, p.steps) * p.learning_rate / t.learning_rate
        else:
            scale = lr_scale(cfg, step, now / limit if limit < math.inf else 0.0)
        for g in optimizer.param_groups:
            g["lr"] = g["base_lr"] * scale
        t0 = time.time()
        loss_sum = 0.0
        for micro in range(t.grad_accum):
            x, y = windows.next(d.device)
            sync = micro == t.grad_accum - 1 or d.world == 1
            ctx = model.no_sync() if not sync and hasattr(model, "no_sync") else nullcontext()
            with ctx, amp:
                try:
                    logits = model(x)
                except Exception as e:  # torch.compile needs a C++ compiler; without one, run eager
                    if model is eager:
                        raise
                    log.line(f"torch.compile failed ({type(e).__name__}: {str(e).splitlines()[0][:200]}); "
                             "training without it")
                    model = eager
                    logits = model(x)
                # -1 targets (a chat stage's masked positions) are skipped; a batch with none to learn adds 0
                nll = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), ignore_index=-1, reduction="sum")
                loss = nll / (y != -1).sum().clamp(min=1) / t.grad_accum
            (scaler.scale(loss) if scaler else loss).backward()
            loss_sum += float(loss.detach())
        if scaler:
            scaler.unscale_(optimizer.parts[0])
        if t.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(raw.parameters(), t.grad_clip)
        if scaler:
            scaler.step(optimizer.parts[0])
            for o in optimizer.parts[1:]:
                o.step()
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        train_time += time.time() - t0
        tokens_seen += tokens_per_step
        loss_value = d.sum(loss_sum)[0] / d.world
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"the training loss is {loss_value} at step {step}: lower the learning rate")
        log.tick(loss=f"{loss_value:.3f}")
        if step % t.log_every == 0:
            tps = (tokens_seen - logged_tokens) / max(train_time - logged_time, 1e-9)
            logged_time, logged_tokens = train_time, tokens_seen
            log.line(f"step {step}: loss {loss_value:.4f}, lr x{scale:.3f}, {tps:,.0f} tokens/s, {elapsed():.0f} s")
            log.metrics(event="step", step=step, loss=loss_value, lr_scale=scale, tokens_per_second=tps)
        if t.eval_every and step % t.eval_every == 0:
            evaluate()
            save("latest.pt")
            if t.patience and bad_evals >= t.patience:
                stop = f"no better validation bpb in {t.patience} evaluations"
        elif step % t.checkpoint_every == 0:
            save("latest.pt")
    log.close_bar()

    # ------------------------------------------------------------ the end
    final = evaluate()
    save("latest.pt")
    save("final.pt", val_bpb=final.bpb)
    summary = {"kind": cfg.kind, "steps": step, "stopped_by": stop, "val_bpb": final.bpb, "best_val_bpb": best,
               "params": raw.num_params(), "elapsed": elapsed(), "train_time": train_time,
               "tokens_per_second": tokens_seen / max(train_time, 1e-9),
               "output_dir": str(out), "log_file": cfg.log_file, "stage": cfg.stage.kind}
    log.metrics(event="done", **{k: v for k, v in summary.items() if k not in ("output_dir", "log_file", "stage")})
    log.line(summary_text(summary))
    del model
    gc.collect()
    d.close()
    return summary


def summary_text(s: dict[str, Any]) -> str:
    minutes, seconds = divmod(int(round(s["elapsed"])), 60)
    out = s["output_dir"]
    return "\n".join([
        f"Done: {s['kind']}, {s['params']:,} parameters, {s['steps']:,} steps in {minutes}:{seconds:02d} "
        f"(stopped by {s['stopped_by']}), {s['tokens_per_second']:,.0f} training tokens/s.",
        f"  validation bits per byte: {s['val_bpb']:.4f} at the end, {s['best_val_bpb']:.4f} at best",
        f"  checkpoints: {out}/final.pt, {out}/best.pt, {out}/latest.pt; log: {s['log_file']}",
        "  next:",
        *([f"    python -m grapheme_lab evaluate --model {out}/final.pt --task worded   # held-out problems",
           f"    python -m grapheme_lab chat --model {out}/final.pt"] if s.get("stage") else
          [f"    python -m grapheme_lab evaluate --model {out}/best.pt        # test-split bpb beside the seed's protocol",
           f"    python -m grapheme_lab sample --model {out}/best.pt --prompt 'ROMEO.'"]),
        f"    python -m grapheme_lab plot {s['log_file']} --output curves.png",
    ])
