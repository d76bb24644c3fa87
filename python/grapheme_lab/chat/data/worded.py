"""Math word problems with numeric answers, from the curriculum: level-1 rows (one operation on
two integers) told as short stories, and level 1-2 rows (nested arithmetic) asked bare. Each is
written in GSM8K's schema with its calculation marked, so the reply is a calculator call, its
output, and "The answer is N." (``gsm8k.conversation``). The generator verified each row with
the engine; the calculator's answer is checked against it again when the reply is built.

A row's split is a hash of what it asks (``asked_key``), so a held-out problem can never be
drawn for training, whatever the seed, the count or the level it came from."""

from __future__ import annotations

import random

from grapheme_lab import generate
from grapheme_lab.chat.calculator import format_result
from grapheme_lab.chat.data import split_seed
from grapheme_lab.chat.data.gsm8k import conversation

NAMES = ("Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kim", "Leo", "Mia", "Nils", "Ola",
         "Pia")
THINGS = ("apple", "book", "coin", "stamp", "marble", "card", "shell", "pencil", "cookie", "sticker")

# (operation, whether the story needs positive operands, template); {x} is a thing, {p} a name
STORIES = {
    "+": [(True, "{p} has {a} {x}s and gets {b} more. How many {x}s does {p} have now?"),
          (True, "A box holds {a} {x}s. {p} puts in {b} more. How many {x}s are in the box?"),
          (False, "The temperature is {a} degrees and rises by {b} degrees. What is the temperature now?"),
          (False, "What is the sum of {a} and {b}?")],
    "-": [(True, "{p} has {a} {x}s and gives away {b}. How many {x}s are left?"),
          (True, "There are {a} {x}s on a table. {p} takes {b} of them. How many are still on the table?"),
          (False, "A balance of {a} dollars goes down by {b} dollars. What is the balance now?"),
          (False, "Subtract {b} from {a}. What do you get?")],
    "*": [(True, "{p} buys {a} bags with {b} {x}s in each bag. How many {x}s does {p} buy?"),
          (True, "There are {a} rows of {x}s with {b} {x}s in each row. How many {x}s are there?"),
          (False, "What is {a} times {b}?"),
          (False, "Multiply {a} by {b}. What is the product?")],
    "/": [(True, "{p} shares {a} {x}s equally among {b} friends. How many {x}s does each friend get?"),
          (True, "{a} {x}s are packed into {b} equal boxes. How many {x}s go in each box?"),
          (False, "What is {a} divided by {b}?"),
          (False, "Divide {a} by {b}. What is the quotient?")],
}
OPS = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}  # precedence (a unary minus binds like * and /)


def _parse(tokens: list[str]):
    tok = tokens.pop(0)
    if tok != "(":
        return int(tok)
    op = tokens.pop(0)
    args = []
    while tokens[0] != ")":
        args.append(_parse(tokens))
    tokens.pop(0)
    return (op, *args)


def polish_tree(polish: str):
    """``(- 4 (/ 9 6))`` -> ``("-", 4, ("/", 9, 6))``: a level 1-2 row's tree; None for a row the
    calculator's infix cannot write (``mod``)."""
    tree = _parse(polish.replace("(", " ( ").replace(")", " ) ").split())
    return tree if _writable(tree) else None


def _writable(tree) -> bool:
    if isinstance(tree, int):
        return True
    op, *args = tree
    return (op in OPS and len(args) == 2 or op == "neg" and len(args) == 1) and all(map(_writable, args))


def infix(tree, parent: int = 0, right: bool = False) -> str:
    """The tree as a word problem writes it, with the brackets it needs: ``4 - 9/6``,
    ``4 - (8 - 1)``, ``5 - (-3)``, ``(-2)^2``."""
    if isinstance(tree, int):
        return f"({tree})" if tree < 0 and (right or parent) else str(tree)
    if tree[0] == "neg":
        text = f"-{infix(tree[1], 3)}"
        return f"({text})" if right or parent >= 2 else text
    op, a, b = tree
    # ^ is right-associative: its left operand of equal precedence needs brackets, not its right
    left_eq, right_eq = (True, False) if op == "^" else (False, True)
    text = f"{infix(a, OPS[op] + left_eq)} {op} {infix(b, OPS[op] + right_eq, True)}"
    return f"({text})" if OPS[op] < parent else text


def short_number(x: float) -> bool:
    """Whether a result is written in at most 3 decimals (2.5, -14), not 0.666..."""
    return abs(x * 1000 - round(x * 1000)) < 1e-6 and abs(x) < 1e9


def asked_key(tree) -> str:
    """The canonical form of what a problem asks, for its split: the generator's canonical key
    (``+``/``*`` sorted and flattened) of the tree with ``(neg 2)`` folded into the literal -2.
    The generator's own key tells level 1's ``(* 7 -2)`` from level 2's ``(* (neg 2) 7)``,
    though both are asked as ``(-2)`` (``infix``); here they are one problem. A problem without
    a negated number keeps the generator's key, and so its split."""
    return generate.canonical_key(_folded_polish(tree))


def _folded_polish(tree) -> str:
    if isinstance(tree, int):
        return str(tree)
    if tree[0] == "neg" and isinstance(tree[1], int) and tree[1] > 0:
        return str(-tree[1])
    return f"({tree[0]} {' '.join(map(_folded_polish, tree[1:]))})"


def curriculum_rows(levels: tuple[int, ...], split: str, n: int, seed: int, binary: bool = False):
    """(row, tree) of curriculum rows of ``split`` with a short answer, up to ``n`` (levels in
    turn); ``binary``: only one of + - * / on two integers."""
    out = []
    share = -(-n // len(levels))
    for level in levels:
        # the split takes ~90% / 5% / 5% of a level's rows: ask the generator for enough
        total = share * (2 if split == "train" else 25) + 200
        got = 0
        for row in generate.iter_level(level, total, seed):
            tree = polish_tree(row["input_polish"])
            if binary and tree is not None and (tree[0] not in STORIES or not all(isinstance(x, int) for x in tree[1:])):
                tree = None
            if tree is None or not short_number(row["expected_result"]):
                continue
            if generate.split_of(asked_key(tree)) != split:
                continue
            out.append((row, tree))
            got += 1
            if got == share or len(out) == n:
                break
    return out[:n]


def _solution(expr: str, result: float) -> str:
    r = format_result(float(result))
    return f"<<{expr}={r}>>\n#### {r}"


def worded_rows(split: str, n: int, seed: int = 0) -> list[dict]:
    """Level-1 problems as stories (a story that needs positive numbers only for positive ones)."""
    rng = random.Random("worded/" + split_seed(seed, split))
    out = []
    for row, tree in curriculum_rows((1,), split, n, seed, binary=True):
        op, a, b = tree
        fits = a > 0 and b > 0 and (op != "-" or a >= b)
        story = rng.choice([t for positive, t in STORIES[op] if fits or not positive])
        question = story.format(a=a, b=b, p=rng.choice(NAMES), x=rng.choice(THINGS))
        expr = infix((op, a, b))
        out.append(conversation({"question": question, "answer": _solution(expr, row["expected_result"])},
                                f"worded-{split}-{len(out)}") | {"expression": expr})
    return out


ASK = ("What is {e}?", "Compute {e}.", "Calculate {e}.", "What does {e} come to?")


def arithmetic_rows(split: str, n: int, seed: int = 0) -> list[dict]:
    """Level 1-2 problems asked bare: "What is 4 - (8 - 9/6)?"."""
    rng = random.Random("arithmetic/" + split_seed(seed, split))
    out = []
    for row, tree in curriculum_rows((1, 2), split, n, seed):
        expr = infix(tree)
        question = rng.choice(ASK).format(e=expr)
        out.append(conversation({"question": question, "answer": _solution(expr, row["expected_result"])},
                                f"arithmetic-{split}-{len(out)}") | {"expression": expr})
    return out


def corpus_documents(n: int = 4000, per_document: int = 100, seed: int = 0):
    """(name, source, text) documents of worded and bare problems from the curriculum's train
    split, for a chat model's pretraining corpus: "Question: ...\\nAnswer: 12 + 7 = 19. The
    answer is 19." (the held-out splits never appear)."""
    problems = worded_rows("train", n // 2, seed) + arithmetic_rows("train", n - n // 2, seed)
    random.Random(f"corpus/{seed}").shuffle(problems)
    for k in range(0, len(problems), per_document):
        lines = []
        for r in problems[k : k + per_document]:
            lines.append(f"Question: {r['messages'][0]['content']}\nAnswer: {r['expression']} = {r['answer']}. "
                         f"The answer is {r['answer']}.\n")
        yield f"worded-{k // per_document:03d}", "grapheme_lab.chat.data.worded", "\n".join(lines)
