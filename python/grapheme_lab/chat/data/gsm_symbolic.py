"""GSM8K-style problems from the ``reasoning-gym`` package's ``gsm_symbolic`` generators
(Apache-2.0; the optional ``chat`` extra: ``pip install 'grapheme_lab[chat]'``), in GSM8K's schema:
the worked solution's numeric steps ``160-48=112`` marked as calculations, so the reply calls
the calculator for them. Every problem is drawn with one seed per split, so the three splits are
disjoint draws; a problem text that a training draw also made is dropped from val and test."""

from __future__ import annotations

import re

from grapheme_lab.chat.data import split_of
from grapheme_lab.chat.data.gsm8k import conversation

_STEP = re.compile(r"(?<![\w.<])(\d+(?:\.\d+)?(?:\s*[-+*/]\s*\d+(?:\.\d+)?)+)\s*=\s*(\d+(?:\.\d+)?)(?![\w.]*>>)")


def _dataset(seed: int, size: int):
    try:
        import reasoning_gym
    except ImportError:
        raise ValueError("source 'gsm-symbolic' needs the reasoning-gym package: pip install 'grapheme_lab[chat]' "
                         "(or pip install reasoning-gym)") from None
    return reasoning_gym.create_dataset("gsm_symbolic", size=size, seed=seed)


def mark_steps(cot: str) -> str:
    """A worked solution with its numeric steps marked GSM8K's way: ``160-48=112`` ->
    ``160-48=<<160-48=112>>112``."""
    return _STEP.sub(lambda m: f"{m.group(1)}=<<{m.group(1)}={m.group(2)}>>{m.group(2)}", cot)


def rows(split: str, n: int, seed: int = 0) -> list[dict]:
    # each problem's split is a hash of its text, like the curriculum's: draws of any seed agree
    out, start = [], 0
    ds = _dataset(seed, max(64, 30 * n if split != "train" else 2 * n))
    for item in ds:
        question = item["question"]
        if split_of(f"gsm-symbolic/{question}") != split:
            continue
        record = {"question": question, "answer": mark_steps(item["metadata"]["answer_cot"]).rstrip()}
        try:
            row = conversation(record, f"gsm-symbolic-{split}-{len(out)}")
        except ValueError:  # a step whose rounding the calculator does not share: keep it as text
            row = conversation({"question": question, "answer": item["metadata"]["answer_cot"].rstrip()},
                               f"gsm-symbolic-{split}-{len(out)}")
        out.append(row)
        if len(out) == n:
            break
    return out
