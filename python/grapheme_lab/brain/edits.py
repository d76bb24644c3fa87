"""Steps written as edits (``[data] target = "edits"``): only what a step changes.

A reduction step (``vocab.step_pairs``) rewrites an expression into the same tree with its
*sites* replaced: every innermost operation (an operator whose operands are all numbers),
or, in a level-3 row's first step, every variable (its binding substituted). Written out
whole, the rest of the line is the source copied back. As an edit, the target is the
sites' replacements, one subtree each, in prefix order (a level-2 step: 6.1 tokens on
average instead of 9.6, docs/training.md):

    + * P 2 P 3 / M 4 P 6     ->  P 6 / M 2 P 3      (whole: + P 6 / M 2 P 3)
    + x P 3 with x P 2        ->  P 2                (whole: + P 2 P 3)

The decoder writes each replacement at its site's tree position (``starts``: its parse
state starts with the sites as its open slots), so it looks up the operands by path as
it would writing the whole line, and it is done when no site is left open. ``splice``
puts the edits back into the source; an edit that does not fit is malformed.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from grapheme_lab.brain import tree_positions as TP
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.tree_positions import Path


class Node(NamedTuple):
    path: Path
    start: int  # token span [start, end)
    end: int
    kind: str  # "number", "symbol" or "op"
    innermost: bool  # an operation whose operands are all numbers


def _walk(tokens: list[str], pos: int, path: Path, out: list[Node]) -> int:
    """Parse the expression at ``tokens[pos]``, whose node sits at ``path``; its nodes are
    appended to ``out`` in prefix order; returns where it ends. IndexError or ValueError
    when it is cut short or holds a token that is no node."""
    t = tokens[pos]
    if t in ("P", "M"):
        end = pos + 1
        while end < len(tokens) and tokens[end] in V.NUMBER_BODY:
            end += 1
        out.append(Node(path, pos, end, "number", False))
        return end
    if t in V.LETTERS or t in V.CONSTANTS:
        out.append(Node(path, pos, pos + 1, "symbol", False))
        return pos + 1
    if t not in V.ARITY:
        raise ValueError(t)
    me = len(out)
    out.append(Node(path, pos, pos, "op", False))  # completed below
    end, operands = pos + 1, []
    for b in range(V.ARITY[t]):
        operands.append(len(out))
        end = _walk(tokens, end, path + (b,), out)
    out[me] = Node(path, pos, end, "op", all(out[k].kind == "number" for k in operands))
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


def sites(tokens: list[str]) -> list[Node]:
    """The nodes a step of ``tokens`` replaces: the variables when bindings follow, else the
    innermost operations; none when the tokens are not an expression."""
    nodes = _nodes(_expression(tokens)) or []
    if "with" in tokens:
        return [n for n in nodes if n.kind == "symbol"]
    return [n for n in nodes if n.innermost]


def starts(tokens: list[str]) -> list[Path]:
    """The tree paths the decoder's edits go to, in order (the root when there is no site)."""
    return [n.path for n in sites(tokens)] or list(TP.ROOT)


def _subtrees(tokens: list[str]) -> list[list[str]] | None:
    """``tokens`` cut into consecutive whole expressions, or None when they do not cut."""
    out, pos = [], 0
    while pos < len(tokens):
        try:
            end = _walk(tokens, pos, (), [])
        except (IndexError, ValueError):
            return None
        out.append(tokens[pos:end])
        pos = end
    return out


def _replaced(expr: list[str], where: list[Node], pieces: list[list[str]]) -> list[str]:
    """``expr`` with the span of each node of ``where`` replaced by its piece."""
    out, pos = [], 0
    for node, piece in zip(where, pieces):
        out += expr[pos : node.start] + piece
        pos = node.end
    return out + expr[pos:]


def splice(source: list[str], edits: list[str]) -> list[str] | None:
    """``source`` with its sites replaced by ``edits`` (bindings dropped once substituted),
    or None when the edits are not one expression per site."""
    where = sites(source)
    pieces = _subtrees(edits)
    if not where or pieces is None or len(pieces) != len(where):
        return None
    return _replaced(_expression(source), where, pieces)


def edit(source: list[str], target: list[str]) -> list[str]:
    """The edits that make ``target``, one whole step, out of ``source``: the target's
    subtrees at the source's sites (training makes one per step, so the source is parsed once)."""
    by_path = {n.path: n for n in _nodes(target) or []}
    where, pieces = sites(source), []
    for node in where:
        if node.path not in by_path:
            raise ValueError(f"step {' '.join(target)} has no node where {' '.join(source)} is reduced")
        t = by_path[node.path]
        pieces.append(target[t.start : t.end])
    if not where or _replaced(_expression(source), where, pieces) != target:
        raise ValueError(f"step {' '.join(source)} -> {' '.join(target)} changes more than its sites")
    return [t for piece in pieces for t in piece]


@functools.lru_cache(maxsize=1 << 18)
def _starts_of(source: tuple[int, ...]) -> tuple[Path, ...]:
    return tuple(starts(V.decode(list(source))))


def decoder_starts(sources: list[list[int]], rows: list[dict[str, Any]], mode: str) -> list[tuple[Path, ...]] | None:
    """Where the decoder writes each source's answer (``Brain.greedy``'s ``starts``): at its
    sites for a step written as edits, else at the root; None when every one is at the root."""
    if mode != "edits":
        return None
    return [_starts_of(tuple(s)) if V.has_steps(r, mode) else TP.ROOT for s, r in zip(sources, rows)]


def written(source: list[str], decoded: list[str], row: dict[str, Any], mode: str) -> list[str]:
    """What a decoded answer to ``source`` says as a whole: under ``edits`` a step's edits
    spliced into its source (``<unk>`` first, so malformed, when they do not fit); else itself."""
    if mode != "edits" or not V.has_steps(row, mode):
        return decoded
    whole = splice(source, decoded)
    return whole if whole is not None else ["<unk>", *decoded]
