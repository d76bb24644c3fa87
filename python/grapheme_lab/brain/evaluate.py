"""``evaluate --model CKPT --data PATH``: a per-level table of engine-verified accuracy,
the same on the uncontaminated rows (whose question training never asked, see
``contamination``), mean GED of the answer to the target, and malformed-output rate.

PATH is a split folder (``data/generated/test``, files ``level_N.jsonl``) or one JSONL
file of rows in the curriculum schema (e.g. hand-written edge cases). Rows too long
for the model count as wrong (and are reported).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import torch

from grapheme_lab.brain import contamination, sites
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.checkpoint import load_model
from grapheme_lab.brain.data import Curriculum, Example, pad, rows_by_level
from grapheme_lab.brain.judge import Verdict, judge
from grapheme_lab.brain.model import Brain
from grapheme_lab.config import Config
from grapheme_lab.ged import expression_ged_batch


def decode_steps(raw: Brain, sources: list[list[int]], stepped: list[bool], cfg: Config, device,
                 beam: int = 1) -> list[list[str]]:
    """One decode of each source: its answer, or its next step (``stepped``: its row is solved
    by steps, ``targets.has_steps``). Under ``target = "sites"`` a step's sites are asked one
    by one (all sources' in one batch) and spliced back in; a step whose answers do not fit
    its sites comes out malformed (``<unk>`` first)."""
    by_sites = [cfg.data.target == "sites" and b for b in stepped]
    order = cfg.data.number_order
    questions = [[V.encode(q) for q in sites.questions(V.decode(s), order)] if b else [s] for s, b in zip(sources, by_sites)]
    # a site the model wrote too long to be read back is not asked: its step is malformed
    questions = [[] if b and any(len(q) > cfg.model.max_source_len for q in qs) else qs for qs, b in zip(questions, by_sites)]
    flat = [q for qs in questions for q in qs]
    seqs = []
    if flat:
        src, n = pad(flat, device), cfg.model.max_target_len
        seqs = (raw.beam(src, n, beam) if beam > 1 else raw.greedy(src, n)).tolist()
    decoded = iter(V.decode(ids) for ids in seqs)
    out = []
    for s, qs, b in zip(sources, questions, by_sites):
        answers = [next(decoded) for _ in qs]
        if not b:
            out.append(answers[0])
            continue
        if not qs:
            out.append(["<unk>"])
            continue
        whole = sites.splice(V.decode(s), answers, order)
        out.append(whole if whole is not None else ["<unk>", *(t for a in answers for t in a)])
    return out


def _next_source(row: dict[str, Any], toks: list[str], stepped: bool, cfg: Config) -> list[int] | None:
    """The source of the row's next step: ``toks`` when the row is solved by steps and they
    are an expression (not yet a value) short enough to read back; else None, the chain's end.
    By sites the model reads only the sites, so a line may be longer than its source
    (a level-6 line of two series runs to 700 tokens)."""
    if not stepped or T.is_answer_line(row, toks) or not V.tokens_to_polish(toks, cfg.data.number_order):
        return None
    src = V.encode(toks)
    longest = T.MAX_LINE_TOKENS if cfg.data.target == "sites" else cfg.model.max_source_len
    return src if len(src) <= longest else None


@torch.no_grad()
def solve(raw: Brain, examples: list[Example], cfg: Config, device, beam: int = 1) -> list[list[str]]:
    """The decoded answer of each example. A row learned by steps is fed its own output
    until a value comes out (or the output is malformed, too long to read back, or
    MAX_STEPS is reached); its steps are joined by ``;``, the answer last."""
    raw.eval()
    out: list[list[str]] = [[] for _ in examples]
    sources = [e[0] for e in examples]
    stepped = [T.has_steps(e[2], cfg.data.target) for e in examples]  # once a row, not once a step
    todo = list(range(len(examples)))
    for _ in range(T.MAX_STEPS):
        if not todo:
            break
        decoded = decode_steps(raw, [sources[i] for i in todo], [stepped[i] for i in todo], cfg, device, beam)
        todo_next = []
        for i, toks in zip(todo, decoded):
            out[i] += ([";"] if out[i] else []) + toks
            src = _next_source(examples[i][2], toks, stepped[i], cfg)
            if src is not None:
                sources[i] = src
                todo_next.append(i)
        todo = todo_next
    return out


def evaluate_examples(raw: Brain, examples: list[Example], cfg: Config, device, beam: int = 1,
                      batch_size: int = 256) -> list[tuple[list[str], Verdict]]:
    """(decoded tokens, verdict) for each example, greedy or beam."""
    out = []
    for i in range(0, len(examples), batch_size):
        chunk = examples[i : i + batch_size]
        for toks, e in zip(solve(raw, chunk, cfg, device, beam), chunk):
            out.append((toks, judge(e[2], toks, cfg.data.number_order)))
    return out


def answer_geds(results: list[tuple[list[str], Verdict]], examples: list[Example], cfg: Config) -> np.ndarray:
    """GED of each judged answer to its example's target (a malformed answer scores its penalty reading)."""
    if not examples:
        return np.zeros(0)
    return expression_ged_batch([v.answer or "" for _, v in results], [T.target_polish(e[2]) for e in examples],
                                cfg.ged_costs(), malformed="penalty")


def evaluate(model, cfg, rows: list[dict[str, Any]], beam: int = 1, device="cpu",
             contaminated: list[bool] | None = None) -> dict[str, Any]:
    """Accuracy, mean GED, malformed rate and counts over ``rows`` (one level or a mix); with
    ``contaminated`` (a flag a row), also ``clean_n`` and ``clean_accuracy`` over the rows not
    flagged (None when there are none) and the ``contaminated`` share."""
    encoder = Curriculum(cfg)
    examples, at = [], []
    for i, r in enumerate(rows):
        e = encoder.encode(r)
        if e is not None:
            examples.append(e)
            at.append(i)
    too_long = len(rows) - len(examples)
    results = evaluate_examples(model, examples, cfg, device, beam=beam)
    correct = [False] * len(rows)  # a row too long for the model is wrong
    for i, (_, v) in zip(at, results):
        correct[i] = v.correct
    geds = answer_geds(results, examples, cfg)
    n = len(rows)
    out: dict[str, Any] = {
        "n": n,
        "accuracy": sum(correct) / max(n, 1),
        "ged": float(sum(geds)) / max(len(examples), 1),
        "malformed": (sum(v.malformed for _, v in results) + too_long) / max(n, 1),
        "too_long": too_long,
    }
    if contaminated is not None:
        clean = [c for c, seen in zip(correct, contaminated) if not seen]
        out["clean_n"] = len(clean)
        out["clean_accuracy"] = sum(clean) / len(clean) if clean else None
        out["contaminated"] = 1 - len(clean) / max(n, 1)
    return out


def table(results: dict[int, dict[str, Any]]) -> str:
    lines = ["level      rows  accuracy  clean rows  clean accuracy  contaminated  mean GED  malformed",
             "-----  --------  --------  ----------  --------------  ------------  --------  ---------"]
    for level, r in results.items():
        clean_acc = "-" if r.get("clean_accuracy") is None else f"{r['clean_accuracy']:.1%}"
        clean_n, share = (r["clean_n"], f"{r['contaminated']:.1%}") if "clean_n" in r else ("-", "-")
        lines.append(f"{level:>5}  {r['n']:>8}  {r['accuracy']:>8.1%}  {clean_n:>10}  {clean_acc:>14}  "
                     f"{share:>12}  {r['ged']:>8.2f}  {r['malformed']:>9.1%}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, cfg = load_model(args.model, device)
    if args.beam < 1:
        raise ValueError(f"--beam must be >= 1, got {args.beam}")
    train_rows, train_from = contamination.training_rows(cfg, getattr(args, "train", None))
    seen = contamination.trained_questions(cfg, (row for rows in train_rows.values() for row in rows))
    results = {}
    for level, rows in rows_by_level(args.data).items():
        rows = rows[: args.limit] if args.limit else rows
        flags = contamination.contaminated(cfg, rows, seen)
        results[level] = evaluate(model, cfg, rows, beam=args.beam, device=device, contaminated=flags)
    print(f"model {args.model} on {args.data} ({'greedy' if args.beam == 1 else f'beam {args.beam}'})")
    print(table(results))
    asked = {"sites": " or one of its sites", "steps": " or one of its steps"}.get(cfg.data.target, "")
    levels = ", ".join(map(str, train_rows)) or "none"
    print(f"clean: rows whose question training never asked, as a training row's question{asked}")
    print(f"training rows: levels {levels}, {train_from}")
    sys.stdout.flush()
    return 0
