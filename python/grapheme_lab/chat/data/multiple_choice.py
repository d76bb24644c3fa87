"""Multiple-choice questions from any local file in ARC's schema (``question``, ``choices``
``{"text": [...], "label": [...]}``, ``answerKey``) or MMLU's (``question``, ``choices`` a list,
``answer`` its index), rendered as nanochat renders them: the question, one ``- A=choice`` line
a choice, and "Respond only with the letter of the correct answer."; the assistant answers the
letter. The file is the split (a local copy of the hub's test split is the test split)."""

from __future__ import annotations

import random

from grapheme_lab.chat.data import read_records, split_seed

LETTERS = "ABCDEFGHIJ"


def render_question(question: str, choices: list[str], letters: str) -> str:
    lines = [f"Multiple Choice question: {question}"] + [f"- {c}={t}" for c, t in zip(letters, choices)]
    return "\n".join(lines) + "\n\nRespond only with the letter of the correct answer."


def normalize(record: dict, where: str) -> tuple[str, list[str], str, str]:
    """(question, choices, their letters, the right letter) of an ARC or MMLU record."""
    q, choices = record.get("question"), record.get("choices")
    if isinstance(q, dict) and "stem" in q:  # ARC's original JSONL: question {stem, choices}
        q, choices = q["stem"], {"text": [c["text"] for c in q["choices"]], "label": [c["label"] for c in q["choices"]]}
    if not isinstance(q, str):
        raise ValueError(f"{where}: no 'question' text")
    if isinstance(choices, dict) and "text" in choices:  # ARC
        texts, labels = list(choices["text"]), [str(x) for x in choices.get("label") or LETTERS[:len(choices["text"])]]
        key = str(record.get("answerKey", ""))
        if key not in labels:
            raise ValueError(f"{where}: answerKey {key!r} is not one of the labels {labels}")
        right = labels.index(key)
    elif isinstance(choices, list) and isinstance(record.get("answer"), int):  # MMLU
        texts, right = [str(c) for c in choices], record["answer"]
        if not 0 <= right < len(texts):
            raise ValueError(f"{where}: answer {right} is not an index of its {len(texts)} choices")
    else:
        raise ValueError(f"{where}: not ARC's schema (choices {{text, label}}, answerKey) nor MMLU's "
                         "(choices [...], answer index)")
    if not 2 <= len(texts) <= len(LETTERS):
        raise ValueError(f"{where}: {len(texts)} choices (2 to {len(LETTERS)} allowed)")
    letters = LETTERS[:len(texts)]
    return q, texts, letters, letters[right]


def rows(split: str, n: int, seed: int = 0, path: str | None = None) -> list[dict]:
    if not path:
        raise ValueError("source 'multiple-choice' needs path = a local ARC- or MMLU-schema file")
    records = read_records(path)
    order = list(range(len(records)))
    random.Random("multiple-choice/" + split_seed(seed, split)).shuffle(order)
    out = []
    for i in order[:n]:
        q, texts, letters, right = normalize(records[i], f"{path}: row {i}")
        out.append({"id": f"multiple-choice-{i}", "answer": right, "letters": letters,
                    "messages": [{"role": "user", "content": render_question(q, texts, letters)},
                                 {"role": "assistant", "content": right}]})
    return out
