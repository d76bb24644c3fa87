"""``evaluate --model CKPT --task NAME``: a chat model on held-out items (the ``test`` split
unless ``--split val``; a split's items never occur in training rows, see ``chat.data``).

| task | items | figures |
| --- | --- | --- |
| worded, arithmetic, gsm-symbolic, spelling | problems with a numeric answer (spelling: SpellingBee) | accuracy with the calculator, accuracy without it (a call is answered "error: no tools are available"), the share of replies that call it |
| conversation-bpb | chitchat conversations | bits per byte of the assistant's tokens |
| multiple-choice | an ARC/MMLU-schema file (``--data``) | accuracy: the letter whose token the model ranks first after the prompt |

Answers are judged by the engine (``chat.answers``); replies are greedy. ``--report FILE``
appends the figures as one stage's column of a report card (``chat.report``)."""

from __future__ import annotations

import argparse

import torch

from grapheme_lab.chat.answers import is_correct
from grapheme_lab.chat.data import rows
from grapheme_lab.chat.format import ChatTokens, render_conversation, render_prompt
from grapheme_lab.chat.generate import Reply, Sampling, generate_reply

PROBLEM_TASKS = {"worded": "worded", "arithmetic": "arithmetic", "gsm-symbolic": "gsm-symbolic",
                 "spelling": "spelling-bee"}
TASKS = (*PROBLEM_TASKS, "conversation-bpb", "multiple-choice")


def solve(model, tok, problems: list[dict], tools=None, max_tokens: int = 64) -> dict[str, float]:
    """Greedy accuracy and tool-use rate over problems (``tools`` None: calls are answered
    ``error: no tools are available``), and the counts behind them (``right``, ``used``, ``n``)."""
    right = used = 0
    for p in problems:
        prompt = render_prompt(tok, p["messages"][:1])
        reply = Reply()
        run = (lambda text: tools.call(text).output) if tools is not None else None
        for event in generate_reply(model, tok, prompt, run, Sampling(), max_tokens):
            reply.add(event)
        right += is_correct(reply.text, p["answer"])
        used += any(part["type"] == "python" for part in reply.parts)
    n = max(1, len(problems))
    return {"accuracy": right / n, "tool_use": used / n, "n": len(problems), "right": right, "used": used}


@torch.no_grad()
def multiple_choice_accuracy(model, tok, items: list[dict]) -> float:
    right = 0
    for r in items:
        prompt = render_prompt(tok, r["messages"][:1])
        logits = model(torch.tensor([prompt]))[0, -1]
        firsts = [tok.encode(letter)[0] for letter in r["letters"]]
        right += r["letters"][int(torch.argmax(logits[firsts]))] == r["answer"]
    return right / max(1, len(items))


@torch.no_grad()
def run_task(model, tok, task: str, split: str = "test", n: int = 100, seed: int = 0, tool: str = "both",
             data: str | None = None, max_tokens: int = 64) -> dict:
    """The task's figures: ``tool`` is "both", "with" or "without" (problem tasks only)."""
    from grapheme_lab.chat.tools import default_registry

    if task not in TASKS:
        raise ValueError(f"--task {task!r} is not one of {', '.join(TASKS)}")
    ChatTokens.of(tok)
    model.eval()
    if task in PROBLEM_TASKS:
        items = rows(PROBLEM_TASKS[task], split, n, seed)
        out = {"n": len(items)}
        if tool in ("both", "with"):
            r = solve(model, tok, items, default_registry(), max_tokens)
            out.update(accuracy=r["accuracy"], tool_use=r["tool_use"])
        if tool in ("both", "without"):
            out["accuracy_no_tool"] = solve(model, tok, items, None, max_tokens)["accuracy"]
        return out
    if task == "conversation-bpb":
        from grapheme_lab.chat.score import conversation_score
        from grapheme_lab.lm.bpb import token_byte_lengths

        items = rows("chitchat", split, n, seed)
        s = conversation_score(model, [render_conversation(tok, r["messages"]) for r in items],
                               token_byte_lengths(tok, model.cfg.vocab_size), model.cfg.sequence_len)
        return {"n": len(items), "bpb": s.bpb}
    if not data:
        raise ValueError("--task multiple-choice needs --data FILE (questions in ARC's or MMLU's schema)")
    items = rows("multiple-choice", split, n, seed, path=data)
    return {"n": len(items), "accuracy": multiple_choice_accuracy(model, tok, items)}


def main(args: argparse.Namespace) -> int:
    from grapheme_lab.lm.checkpoint import load_model
    from grapheme_lab.training.threads import set_threads

    set_threads(0, "cpu")
    model, cfg, tok, _ = load_model(args.model)
    tool = "without" if args.no_tool else "both"
    figures = run_task(model, tok, args.task, args.split, args.n, args.seed, tool, args.data)
    print(f"{args.model}: {args.task}, {figures['n']} {args.split} items (seed {args.seed})")
    for key, label in (("accuracy", "accuracy with the calculator"), ("accuracy_no_tool", "accuracy without it"),
                       ("tool_use", "replies that call the calculator"), ("bpb", "assistant bits per byte")):
        if key in figures:
            value = f"{figures[key]:.4f}" if key == "bpb" else f"{figures[key]:.1%}"
            print(f"  {label:<34} {value}")
    if args.report:
        from grapheme_lab.chat.report import add, card

        stage = args.stage or (cfg.stage.kind or "base")
        add(args.report, {"stage": stage, "model": args.model, "task": args.task, "split": args.split,
                          "seed": args.seed, **figures})
        print()
        print(card(args.report))
    return 0
