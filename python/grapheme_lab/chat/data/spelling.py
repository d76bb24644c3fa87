"""nanochat's spelling tasks on the package's own word lists (the analogy questions' words and
TurnGPT's category words): SimpleSpelling (spell a word) and SpellingBee (count a letter in
a word, the answer a number). A word's split is a hash of the word."""

from __future__ import annotations

import random
import re
from functools import lru_cache
from importlib.resources import files

from grapheme_lab.chat.data import split_of, split_seed


@lru_cache(maxsize=1)
def words() -> tuple[str, ...]:
    """Lower-case alphabetic words of 3-12 letters from the shipped lists, sorted."""
    data = files("grapheme_lab") / "data"
    text = (data / "eval" / "questions-words.txt").read_text(encoding="utf-8")
    text += (data / "turngpt" / "categories.txt").read_text(encoding="utf-8")
    found = set()
    for line in text.splitlines():
        if line.startswith((":", "#", "[")):
            continue
        found.update(w.lower() for w in line.split() if re.fullmatch(r"[A-Za-z]{3,12}", w))
    return tuple(sorted(found))


def _split_words(split: str, seed: int, kind: str) -> tuple[random.Random, list[str]]:
    rng = random.Random(f"{kind}/" + split_seed(seed, split))
    return rng, [w for w in words() if split_of(f"spelling/{w}", 0.1, 0.1) == split]


def spelled(word: str) -> str:
    return ",".join(word)


def simple_spelling_rows(split: str, n: int, seed: int = 0) -> list[dict]:
    rng, pool = _split_words(split, seed, "simple-spelling")
    out = []
    for i in range(n if pool else 0):
        w = rng.choice(pool)
        q = rng.choice(("Spell the word: {w}", "Spell {w}.", "How do you spell {w}?")).format(w=w)
        out.append({"id": f"simple-spelling-{split}-{i}",
                    "messages": [{"role": "user", "content": q},
                                 {"role": "assistant", "content": f"{w}:{spelled(w)}"}]})
    return out


def spelling_bee_rows(split: str, n: int, seed: int = 0) -> list[dict]:
    """"How many r are in strawberry?": the word spelled out, the positions of the letter, and
    the count. Half the letters asked occur in the word, half are drawn from the alphabet."""
    rng, pool = _split_words(split, seed, "spelling-bee")
    out = []
    for i in range(n if pool else 0):
        w = rng.choice(pool)
        letter = rng.choice(w) if rng.random() < 0.5 else rng.choice("abcdefghijklmnopqrstuvwxyz")
        q = rng.choice(("How many {c} are in {w}?", "How many times does the letter {c} occur in {w}?",
                        "Count the letter {c} in the word {w}.")).format(c=letter, w=w)
        at = [str(k + 1) for k, ch in enumerate(w) if ch == letter]
        where = f"{letter} is at position {', '.join(at)}" if at else f"{letter} does not occur"
        reply = f"{w}:{spelled(w)}. The letter {where}. The answer is {len(at)}."
        out.append({"id": f"spelling-bee-{split}-{i}", "answer": str(len(at)),
                    "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": reply}]})
    return out
