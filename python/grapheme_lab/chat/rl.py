"""The RL stage, as nanochat does it (a simplified GRPO, i.e. REINFORCE with a group baseline):
for each problem, sample ``samples`` answers with the calculator running; the reward is 1 when
the engine finds the final answer equal to the truth (``chat.answers``), else 0; the advantage
is the reward minus the mean over the problem's samples; the loss is minus the advantage times
the log-probability of each sampled token (tool outputs are forced, not sampled, so they carry
no gradient), averaged over the sampled tokens of the step. No KL term, no ratio clipping, no
reference model. A problem whose samples all score the same teaches nothing and is skipped.

Every ``eval_every`` steps: greedy accuracy on the validation problems; ``best.pt`` keeps the
best. Sampling is seeded by (seed, step, problem, sample), so the same seed gives the same run.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from grapheme_lab.chat.answers import is_correct
from grapheme_lab.chat.data import mixture
from grapheme_lab.chat.evaluate import solve
from grapheme_lab.chat.format import render_prompt
from grapheme_lab.chat.generate import Reply, Sampling, generate_reply
from grapheme_lab.chat.stage import open_init, source_options
from grapheme_lab.chat.tools import default_registry
from grapheme_lab.lm import models
from grapheme_lab.lm.checkpoint import FORMAT
from grapheme_lab.training import checkpoint as ckpt_io


def rollout(model, tok, prompt: list[int], tools, sampling: Sampling, max_tokens: int) -> tuple[Reply, list[int], list[int]]:
    """One sampled reply: (the reply, its token ids, 1 for each sampled token and 0 for each forced one)."""
    reply, ids, sampled = Reply(), [], []
    for event in generate_reply(model, tok, prompt, lambda text: tools.call(text).output, sampling, max_tokens):
        reply.add(event)
        ids += event.tokens
        sampled += [0 if event.forced else 1] * len(event.tokens)
    return reply, ids, sampled


def policy_loss(model, sequences: list[tuple[list[int], list[int], float]], length: int, device) -> tuple[torch.Tensor, int]:
    """Sum over sequences of -advantage x log p(sampled token), and the number of sampled tokens.
    A sequence is (ids, sampled mask over ids, advantage); it is cut to ``length`` + 1 tokens."""
    width = min(length + 1, max(len(ids) for ids, _, _ in sequences))
    x = torch.zeros(len(sequences), width, dtype=torch.long)
    weight = torch.zeros(len(sequences), width)
    for row, (ids, sampled, adv) in enumerate(sequences):
        ids, sampled = ids[:width], sampled[:width]
        x[row, : len(ids)] = torch.tensor(ids)
        weight[row, : len(ids)] = torch.tensor(sampled, dtype=torch.float) * adv
    x, weight = x.to(device), weight.to(device)
    logp = F.log_softmax(model(x[:, :-1]).float(), -1).gather(-1, x[:, 1:, None])[..., 0]
    counted = int((weight[:, 1:] != 0).sum())
    return -(logp * weight[:, 1:]).sum(), counted


def train_rl(cfg, resume, ck, d, log) -> dict[str, Any]:
    from grapheme_lab.lm.train import lr_scale, make_optimizer, stop_reason

    t, s = cfg.training, cfg.stage
    init, tok = open_init(cfg)
    raw = models.build(cfg.kind, cfg.model)
    raw.load_state_dict((ck or init)["model"])
    raw = raw.to(d.device)
    opts = source_options(cfg)
    problems = [r for r in mixture(s.data, "train", s.rows, t.seed, **opts) if r.get("answer")]
    val = [r for r in mixture(s.data, "val", s.val_rows, t.seed, **opts) if r.get("answer")]
    if not problems or not val:
        raise ValueError(f"[stage] an RL stage needs sources whose rows have an answer (worded, arithmetic, "
                         f"gsm-symbolic, spelling-bee); {sorted(s.data)} gave {len(problems)} training and "
                         f"{len(val)} validation problems")
    tools = default_registry()
    optimizer = make_optimizer(cfg, raw)
    picker = torch.Generator().manual_seed(t.seed)
    step, best, elapsed_before = 0, -math.inf, 0.0
    if ck is not None:
        optimizer.load_state_dict(ck["optimizer"])
        picker.set_state(ck["loader"]["generator"])
        ckpt_io.set_rng_state(ck["rng"])
        step, best, elapsed_before = ck["step"], ck["best_accuracy"], ck["elapsed"]
        log.line(f"Resumed from {resume} at step {step}")
    out = Path(cfg.paths.output_dir)
    log.line(f"rl stage from {s.init}: {len(problems):,} training and {len(val):,} validation problems of "
             + ", ".join(f"{k} x{v:g}" for k, v in s.data.items())
             + f"; {s.problems} problems x {s.samples} samples a step, at most {s.max_new_tokens} tokens, "
             f"temperature {s.temperature:g}")
    limit = t.time_limit_minutes * 60 if t.time_limit_minutes > 0 else math.inf
    start = time.time()

    def elapsed() -> float:
        return elapsed_before + time.time() - start

    def save(name: str, **extra) -> None:
        if d.main:
            ckpt_io.save_atomic({
                "format": FORMAT, "kind": cfg.kind, "model": raw.state_dict(), "optimizer": optimizer.state_dict(),
                "loader": {"generator": picker.get_state()}, "rng": ckpt_io.rng_state(), "config": cfg.to_dict(),
                "corpus": init["corpus"], "tokenizer": init["tokenizer"], "step": step, "elapsed": elapsed(),
                "best_accuracy": best, "log_bytes": log.size(), **extra}, out / name)

    evaluated = {}  # step -> accuracy

    def evaluate() -> float:
        nonlocal best
        if step in evaluated:
            return evaluated[step]
        r = solve(raw, tok, val[d.rank :: d.world], tools, s.max_new_tokens)  # each rank its share
        right, used, n = d.sum(r["right"], r["used"], r["n"])
        accuracy, tool_use = right / max(1, n), used / max(1, n)
        improved = accuracy > best
        if improved:
            best = accuracy
            save("best.pt", val_accuracy=best)
        log.line(f"  step {step}: validation accuracy {accuracy:.1%} (tool use {tool_use:.0%})"
                 + (" *" if improved else ""))
        log.metrics(event="eval", step=step, val_accuracy=accuracy, tool_use=tool_use, elapsed=round(elapsed(), 3))
        evaluated[step] = accuracy
        return accuracy

    if step == 0:
        evaluate()
    log.open_bar(t.max_steps or 0, "rl", initial=step)
    while True:
        stop = stop_reason(t, step, elapsed())
        if stop:
            break
        scale = lr_scale(cfg, step, elapsed() / limit if limit < math.inf else 0.0)
        for g in optimizer.param_groups:
            g["lr"] = g["base_lr"] * scale
        picks = torch.randint(len(problems), (s.problems,), generator=picker).tolist()
        rewards, groups = [], []
        for i, k in enumerate(picks):
            p = problems[k]
            prompt = render_prompt(tok, p["messages"][:1])
            group = []
            for j in range(s.samples):
                sampling = Sampling(temperature=s.temperature, top_k=s.top_k,
                                    seed=((t.seed * 100_003 + step) * 1_009 + i) * 1_013 + j)
                reply, ids, sampled = rollout(raw, tok, prompt, tools, sampling, s.max_new_tokens)
                group.append((prompt + ids, [0] * len(prompt) + sampled, float(is_correct(reply.text, p["answer"]))))
            mean = sum(r for _, _, r in group) / len(group)
            rewards += [r for _, _, r in group]
            if any(r != mean for _, _, r in group):  # all equal: no advantage, nothing to learn
                groups.append([(ids, sampled, r - mean) for ids, sampled, r in group])
        raw.train()
        counted = 0
        if groups:
            losses = []
            for group in groups:  # one forward a problem: k sequences of similar length
                loss, n = policy_loss(raw, group, cfg.model.sequence_len, d.device)
                losses.append(loss)
                counted += n
            (torch.stack(losses).sum() / max(1, counted)).backward()
            if t.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(raw.parameters(), t.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        step += 1
        mean_reward = sum(rewards) / len(rewards)
        log.tick(reward=f"{mean_reward:.2f}")
        if step % t.log_every == 0:
            log.line(f"step {step}: mean reward {mean_reward:.3f}, {len(groups)} of {len(picks)} problems with an "
                     f"advantage, lr x{scale:.3f}, {elapsed():.0f} s")
        log.metrics(event="step", step=step, reward=mean_reward, problems_learned=len(groups), lr_scale=scale)
        if t.eval_every and step % t.eval_every == 0:
            evaluate()
            save("latest.pt")
        elif step % t.checkpoint_every == 0:
            save("latest.pt")
    log.close_bar()
    final = evaluate()
    save("latest.pt")
    save("final.pt", val_accuracy=final)
    summary = {"kind": "rl", "steps": step, "stopped_by": stop, "val_accuracy": final, "best_val_accuracy": best,
               "params": raw.num_params(), "elapsed": elapsed(), "output_dir": str(out), "log_file": cfg.log_file}
    log.metrics(event="done", **{k: v for k, v in summary.items() if k not in ("output_dir", "log_file")})
    m, sec = divmod(int(round(elapsed())), 60)
    log.line(f"Done: rl, {step:,} steps in {m}:{sec:02d} (stopped by {stop}); validation accuracy {final:.1%} at the "
             f"end, {best:.1%} at best\n  checkpoints: {out}/final.pt, {out}/best.pt, {out}/latest.pt; log: "
             f"{cfg.log_file}\n  next:\n    python -m grapheme_lab evaluate --model {out}/best.pt --task worded")
    d.close()
    return summary
