"""Who the assistant is: short conversations written from a small config, ``{name, maker}``, as
LanBot had. The questions are split by a hash of their text, so the held-out ones are
phrasings the model never trained on."""

from __future__ import annotations

import random

from grapheme_lab.chat.data import split_of, split_seed

DEFAULT = {"name": "Grapheme", "maker": "grapheme_lab"}

QUESTIONS = {
    "name": ("What is your name?", "Who are you?", "What should I call you?", "Do you have a name?",
             "Tell me your name.", "what's your name", "Hi, who am I talking to?", "Introduce yourself."),
    "maker": ("Who made you?", "Who built you?", "Who created you?", "Where do you come from?",
              "Who trained you?", "who is your maker", "Which company made you?", "Who wrote you?"),
    "skills": ("What can you do?", "How can you help me?", "What are you good at?", "Can you do math?",
               "Are you good with numbers?", "what do you do", "What are your skills?", "Can you help with sums?"),
}
ANSWERS = {
    "name": ("I am {name}, a small language model.", "My name is {name}.", "I'm {name}. How can I help?"),
    "maker": ("I was made by {maker}.", "{maker} built and trained me.", "I come from {maker}."),
    "skills": ("I can chat, and I use a calculator for arithmetic, so my sums come out right.",
               "I answer questions and work out math problems with my calculator."),
}


def rows(split: str, n: int, seed: int = 0, name: str = DEFAULT["name"], maker: str = DEFAULT["maker"]) -> list[dict]:
    if not name or not maker:
        raise ValueError("identity needs a non-empty name and maker")
    rng = random.Random("identity/" + split_seed(seed, split))
    pool = [(topic, q) for topic, qs in QUESTIONS.items() for q in qs if split_of(f"identity/{q}", 0.15, 0.15) == split]
    if not pool:
        return []
    out = []
    for i in range(n):
        topic, q = rng.choice(pool)
        answer = rng.choice(ANSWERS[topic]).format(name=name, maker=maker)
        out.append({"id": f"identity-{split}-{i}", "messages": [{"role": "user", "content": q},
                                                               {"role": "assistant", "content": answer}]})
    return out
