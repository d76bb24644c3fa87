"""Steps solved site by site (``[data] target = "sites"``).

A step (``targets.step_pairs``, from the engine's ``grapheme_lab.steps``) rewrites an
expression into the same tree with its *sites* replaced. Which nodes are sites is the
engine's word (``steps.sites``): every innermost operation, an exact value such as
``(sin (/ pi 6))``, ``pi`` and ``e``, a ``derive``; in a level-3 row's first step every
variable (its binding substituted); the whole line of a ``solve``, an ``integrate`` or an
equation. What a site becomes depends on the site alone, so the brain learns and solves
each one from its own subtree (a variable with the bindings), and solving splices the
answers back in:

    + * P 2 P 3 / M 4 P 6      sites  * P 2 P 3 -> P 6   and   / M 4 P 6 -> / M 2 P 3
    + x P 3 with x P 2         site   x with x P 2 -> P 2

Which nodes a step rewrites is the engine's order (every site at once); what each
becomes is the model's answer. A level-2 site is a level-1 question, so the second level
starts from what the first taught (docs/training.md).
"""

from __future__ import annotations

from typing import NamedTuple

from grapheme_lab import GraphemeError, steps
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.tree_positions import Path


class Node(NamedTuple):
    path: Path
    start: int  # token span [start, end)
    end: int


def _walk(tokens: list[str], pos: int, path: Path, out: list[Node]) -> int:
    """Parse the expression at ``tokens[pos]``, whose node sits at ``path``; its nodes are
    appended to ``out`` in prefix order; returns where it ends. IndexError or ValueError
    when it is cut short or holds a token that is no node."""
    t = tokens[pos]
    if t in ("P", "M"):
        end = pos + 1
        while end < len(tokens) and tokens[end] in V.NUMBER_BODY:
            end += 1
        out.append(Node(path, pos, end))
        return end
    if t in V.LETTERS or t in V.CONSTANTS:
        out.append(Node(path, pos, pos + 1))
        return pos + 1
    if t not in V.ARITY:
        raise ValueError(t)
    me = len(out)
    out.append(Node(path, pos, pos))  # its end set below
    end = pos + 1
    for b in range(V.ARITY[t]):
        end = _walk(tokens, end, path + (b,), out)
    out[me] = Node(path, pos, end)
    return end


def _nodes(tokens: list[str]) -> list[Node] | None:
    """The nodes of one prefix expression, in prefix order, or None when it is not exactly one."""
    out: list[Node] = []
    try:
        end = _walk(tokens, 0, (), out)
    except (IndexError, ValueError):
        return None
    return out if end == len(tokens) else None


def _expression(tokens: list[str]) -> list[str]:
    """The tokens before the bindings."""
    return tokens[: tokens.index("with")] if "with" in tokens else tokens


def sites(tokens: list[str], order: str = "lsd") -> list[Node]:
    """The nodes a step of ``tokens`` replaces, as the engine finds them (``steps.sites``);
    none when the tokens are not an expression the engine reads."""
    expr = _expression(tokens)
    nodes, polish = _nodes(expr), V.tokens_to_polish(expr, order)
    if not nodes or polish is None:
        return []
    try:
        paths = steps.sites(polish, bound="with" in tokens)
    except GraphemeError:
        return []
    by_path = {n.path: n for n in nodes}
    return [by_path[tuple(p)] for p in paths]


def _bindings(tokens: list[str]) -> list[str]:
    """The bindings after the expression, "with" first (none when there are none)."""
    return tokens[tokens.index("with") :] if "with" in tokens else []


def questions(tokens: list[str], order: str = "lsd") -> list[list[str]]:
    """What the brain is asked for each site of a step of ``tokens``: the site's subtree,
    followed by the bindings when there are any."""
    bindings = _bindings(tokens)
    return [tokens[n.start : n.end] + bindings for n in sites(tokens, order)]


def _replaced(expr: list[str], where: list[Node], answers: list[list[str]]) -> list[str]:
    """``expr`` with the span of each node of ``where`` replaced by its answer."""
    out, pos = [], 0
    for node, answer in zip(where, answers):
        out += expr[pos : node.start] + answer
        pos = node.end
    return out + expr[pos:]


def splice(source: list[str], answers: list[list[str]], order: str = "lsd") -> list[str] | None:
    """``source`` with each site replaced by its answer (bindings dropped once substituted),
    or None when there is not one answer per site or an answer is not one expression."""
    where = sites(source, order)
    if not where or len(answers) != len(where) or any(_nodes(a) is None for a in answers):
        return None
    return _replaced(_expression(source), where, answers)


def asked(source: list[str], target: list[str], order: str = "lsd") -> list[tuple[list[str], list[str]]]:
    """Each site of ``source`` as the brain is asked it (``questions``) with what it becomes
    in ``target``, one whole step of it (training makes one per step: ``source`` is parsed once)."""
    by_path = {n.path: n for n in _nodes(target) or []}
    where, out = sites(source, order), []
    for node in where:
        if node.path not in by_path:
            raise ValueError(f"step {' '.join(target)} has no node where {' '.join(source)} is reduced")
        t = by_path[node.path]
        out.append(target[t.start : t.end])
    if not where or _replaced(_expression(source), where, out) != target:
        raise ValueError(f"step {' '.join(source)} -> {' '.join(target)} changes more than its sites")
    bindings = _bindings(source)
    return [(source[n.start : n.end] + bindings, answer) for n, answer in zip(where, out)]


def answers(source: list[str], target: list[str], order: str = "lsd") -> list[list[str]]:
    """What each site of ``source`` becomes in ``target``, one whole step of it."""
    return [answer for _, answer in asked(source, target, order)]
