"""Edit distances: trees, graphs and expression graphs (Rust, ``grapheme_lab._core``).

Trees and expressions are s-expressions: the head atom of a list is the node's
label, ``(a (b c d) e)`` is a root ``a`` with children ``(b c d)`` and ``e``, a
bare atom is a leaf. Every function raises :class:`grapheme_lab.GraphemeError`
on malformed input, negative costs or mismatched batch lengths. Batch calls run
in parallel (rayon) with the GIL released and return numpy arrays.

See docs/ged.md for the algorithms, their exactness and measured speed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Literal

import numpy as np

from grapheme_lab import GraphemeError, _core

__all__ = [
    "GEDCosts",
    "GEDResult",
    "ExpressionGEDResult",
    "tree_edit_distance",
    "tree_edit_mapping",
    "tree_edit_distance_batch",
    "graph_edit_distance",
    "expression_graph",
    "expression_ged",
    "expression_ged_batch",
]

Method = Literal["auto", "bipartite", "exact"]


@dataclasses.dataclass(frozen=True)
class GEDCosts:
    """Costs of the expression graph edit distance.

    Defaults are GRAPHEME's ``train_config.toml`` ``[loss]`` section;
    ``node_substitution_cost`` (relabelling a node) is not in GRAPHEME's and
    defaults to 1.0. A clique edge (joining two operands of ``+`` or ``*``)
    costs ``clique_weight`` to insert or delete; relabelling an edge costs its
    deletion plus the insertion of the new one.
    """

    node_insertion_cost: float = 1.0
    node_deletion_cost: float = 1.0
    node_substitution_cost: float = 1.0
    edge_insertion_cost: float = 0.5
    edge_deletion_cost: float = 0.5
    clique_weight: float = 2.0

    #: Keys of ``[loss]`` that belong to the loss, not to the costs; ``from_config``
    #: skips them. Any other unknown key is an error.
    LOSS_KEYS = frozenset({"type", "alpha", "ce_weight", "num_samples", "samples", "temperature", "method",
                           "label_smoothing"})

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise GraphemeError(f"{f.name} must be a number, got {v!r}")
            if not math.isfinite(v) or v < 0:
                raise GraphemeError(f"{f.name} must be a finite number >= 0, got {v!r}")
            object.__setattr__(self, f.name, float(v))

    @classmethod
    def from_config(cls, loss_section: Mapping[str, object]) -> GEDCosts:
        """Costs from a ``[loss]`` config table; missing keys keep their defaults.

        Known loss keys (``GEDCosts.LOSS_KEYS``: ``type``, ``alpha``,
        ``ce_weight``, ``num_samples``, ``samples``, ``temperature``, ``method``,
        ``label_smoothing``)
        are skipped; any other key that is not a cost is an error naming it.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {}
        for key, value in loss_section.items():
            if key in names:
                kwargs[key] = value
            elif key not in cls.LOSS_KEYS:
                raise GraphemeError(
                    f"unknown key {key!r} in [loss]: expected one of {sorted(names | cls.LOSS_KEYS)}"
                )
        return cls(**kwargs)

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        return (
            self.node_insertion_cost,
            self.node_deletion_cost,
            self.node_substitution_cost,
            self.edge_insertion_cost,
            self.edge_deletion_cost,
            self.clique_weight,
        )


@dataclasses.dataclass(frozen=True)
class GEDResult:
    """A graph edit distance and the edit path it comes from.

    ``distance`` is the cost of ``mapping`` (node ``u`` of the first graph
    becomes node ``mapping[u]`` of the second, or is deleted when ``None``;
    second-graph nodes no one maps to are inserted). When ``exact`` it is the
    edit distance; otherwise ``lower_bound <= GED <= distance``.
    """

    distance: float
    lower_bound: float
    exact: bool
    mapping: list[int | None]

    @property
    def upper_bound(self) -> float:
        return self.distance

    def inserted(self, n2: int) -> list[int]:
        """Nodes of the second graph (of ``n2`` nodes) that the edit path inserts."""
        hit = {v for v in self.mapping if v is not None}
        return [v for v in range(n2) if v not in hit]


@dataclasses.dataclass(frozen=True)
class ExpressionGEDResult:
    """Edit distance between expression graphs; ``value`` is exact when ``exact``,
    otherwise an upper bound, with ``lower_bound <= GED <= value``."""

    value: float
    lower_bound: float
    exact: bool
    mapping: list[int | None]


def _check_costs(**costs: float) -> None:
    for name, v in costs.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise GraphemeError(f"{name} must be a number, got {v!r}")


def tree_edit_distance(
    a: str, b: str, insert_cost: float = 1.0, delete_cost: float = 1.0, relabel_cost: float = 1.0
) -> float:
    """Exact ordered tree edit distance between two s-expression trees.

    Zhang–Shasha with the cheaper of left and right path decompositions; relabelling
    a node to the same label is free.
    """
    _check_costs(insert_cost=insert_cost, delete_cost=delete_cost, relabel_cost=relabel_cost)
    return _core.ged_tree_edit_distance(a, b, insert_cost, delete_cost, relabel_cost)


def tree_edit_mapping(
    a: str, b: str, insert_cost: float = 1.0, delete_cost: float = 1.0, relabel_cost: float = 1.0
) -> tuple[float, list[tuple[int | None, int | None]]]:
    """The distance and an optimal edit mapping: pairs of preorder node ids,
    ``(i, None)`` a deletion, ``(None, j)`` an insertion."""
    _check_costs(insert_cost=insert_cost, delete_cost=delete_cost, relabel_cost=relabel_cost)
    return _core.ged_tree_edit_mapping(a, b, insert_cost, delete_cost, relabel_cost)


def _strings(xs: Sequence[str], what: str) -> list[str]:
    if isinstance(xs, str):
        raise GraphemeError(f"{what} must be a sequence of strings, got a single string")
    out = list(xs)
    for i, x in enumerate(out):
        if not isinstance(x, str):
            raise GraphemeError(f"{what}[{i}] must be a string, got {type(x).__name__}")
    return out


def tree_edit_distance_batch(
    list_a: Sequence[str],
    list_b: Sequence[str],
    insert_cost: float = 1.0,
    delete_cost: float = 1.0,
    relabel_cost: float = 1.0,
) -> np.ndarray:
    """Tree edit distances of pairs ``(list_a[i], list_b[i])``, in parallel: float64 array."""
    _check_costs(insert_cost=insert_cost, delete_cost=delete_cost, relabel_cost=relabel_cost)
    a, b = _strings(list_a, "list_a"), _strings(list_b, "list_b")
    if len(a) != len(b):
        raise GraphemeError(f"batch lengths differ: {len(a)} first trees, {len(b)} second trees")
    return np.asarray(
        _core.ged_tree_edit_distance_batch(a, b, insert_cost, delete_cost, relabel_cost), dtype=np.float64
    )


Graph = tuple[Sequence[Hashable], Sequence[tuple]]


def _graph(g: Graph, name: str) -> tuple[list[str], list[tuple[int, int, str]]]:
    try:
        labels, edges = g
    except (TypeError, ValueError):
        raise GraphemeError(f"{name} must be a pair (node_labels, edges)") from None
    labels = [str(x) for x in labels]
    out = []
    for k, e in enumerate(edges):
        if not isinstance(e, (tuple, list)) or len(e) not in (2, 3):
            raise GraphemeError(f"{name}: edge {k} must be (u, v) or (u, v, label), got {e!r}")
        u, v = e[0], e[1]
        label = str(e[2]) if len(e) == 3 else ""
        for end in (u, v):
            if isinstance(end, bool) or not isinstance(end, int) or not 0 <= end < len(labels):
                raise GraphemeError(
                    f"{name}: edge {k} ({u!r}, {v!r}) names a missing node (the graph has {len(labels)} nodes)"
                )
        out.append((u, v, label))
    return labels, out


def graph_edit_distance(
    g1: Graph,
    g2: Graph,
    *,
    node_insertion_cost: float = 1.0,
    node_deletion_cost: float = 1.0,
    node_substitution_cost: float = 1.0,
    edge_insertion_cost: float = 1.0,
    edge_deletion_cost: float = 1.0,
    edge_substitution_cost: float = 1.0,
    exact: bool = True,
    timeout: float | None = None,
) -> GEDResult:
    """Graph edit distance between directed graphs ``(node_labels, edges)``.

    ``edges`` are ``(u, v, label)`` (or ``(u, v)``, label ``""``) with node indices;
    at most one edge per ordered pair. Labels compare by ``str()``; a
    substitution to the same label is free. ``exact=True``: depth-first branch and
    bound (a node budget of 16 per graph without ``timeout``; with a timeout that
    expires, the best path found comes back with ``exact=False`` and valid bounds).
    ``exact=False``: one bipartite assignment giving an upper and a lower bound.
    """
    _check_costs(
        node_insertion_cost=node_insertion_cost,
        node_deletion_cost=node_deletion_cost,
        node_substitution_cost=node_substitution_cost,
        edge_insertion_cost=edge_insertion_cost,
        edge_deletion_cost=edge_deletion_cost,
        edge_substitution_cost=edge_substitution_cost,
    )
    l1, e1 = _graph(g1, "g1")
    l2, e2 = _graph(g2, "g2")
    costs = (
        node_insertion_cost,
        node_deletion_cost,
        node_substitution_cost,
        edge_insertion_cost,
        edge_deletion_cost,
        edge_substitution_cost,
    )
    d, lb, ex, mapping = _core.ged_graph_edit_distance(l1, e1, l2, e2, costs, bool(exact), timeout)
    return GEDResult(distance=d, lower_bound=lb, exact=ex, mapping=mapping)


def expression_graph(expr: str) -> tuple[list[str], list[tuple[int, int, str]]]:
    """The graph of an expression: node labels (preorder) and ``(parent, child, label)``
    edges labelled by argument position (``"0"``, ``"1"``, ...), ``"operand"`` under
    ``+``/``*``, whose operands are also joined by ``"clique"`` edges in both directions
    (each direction costs ``clique_weight / 2``)."""
    return _core.ged_expression_graph(expr)


def _costs(costs: GEDCosts | None) -> tuple[float, ...]:
    if costs is None:
        costs = GEDCosts()
    if not isinstance(costs, GEDCosts):
        raise GraphemeError(f"costs must be a GEDCosts, got {type(costs).__name__}")
    return costs.as_tuple()


def expression_ged(
    a: str, b: str, costs: GEDCosts | None = None, *, method: Method = "auto", timeout: float | None = None
) -> ExpressionGEDResult:
    """Edit distance between the graphs of two expressions.

    ``method="auto"`` (polynomial): label-count lower bound, upper bound from a
    tree-edit mapping with commutative operands in canonical order, exact search
    when they differ and both graphs have <= 10 nodes; exact whenever
    ``result.exact``. ``"bipartite"`` adds the LSAP bounds; ``"exact"`` searches
    to the end (or to ``timeout`` seconds).
    """
    v, lb, ex, mapping = _core.ged_expression_ged(a, b, _costs(costs), method, timeout)
    return ExpressionGEDResult(value=v, lower_bound=lb, exact=ex, mapping=mapping)


@dataclasses.dataclass(frozen=True)
class ExpressionGEDBatch:
    """Per-pair values (exact or upper bounds), lower bounds, exactness and
    which first expressions were malformed (scored by the penalty)."""

    values: np.ndarray
    lower_bounds: np.ndarray
    exact: np.ndarray
    malformed: np.ndarray


def expression_ged_batch(
    list_a: Sequence[str],
    list_b: Sequence[str],
    costs: GEDCosts | None = None,
    *,
    method: Method = "auto",
    malformed: Literal["raise", "penalty"] = "raise",
    timeout: float | None = None,
    return_details: bool = False,
) -> np.ndarray | ExpressionGEDBatch:
    """Expression GEDs of pairs ``(list_a[i], list_b[i])`` in parallel, GIL released.

    ``malformed="penalty"``: a first expression that does not parse is scored
    instead of raising, by what a forgiving reader makes of it: a ``(`` without a
    head atom or a ``)`` closing nothing is ignored, lists left open are closed,
    text after the tree is dropped; the score is GED(repaired, b) +
    ``node_deletion_cost`` per dropped atom + ``node_insertion_cost`` per
    parenthesis fix (with no atom at all: the cost of inserting b's whole graph
    + the fixes). So a malformed output always scores more than its repaired
    form, and partial outputs get partial credit. Second expressions must
    parse. Returns the float64 values, or all details with ``return_details``.
    """
    if malformed not in ("raise", "penalty"):
        raise GraphemeError(f"malformed must be 'raise' or 'penalty', got {malformed!r}")
    a, b = _strings(list_a, "list_a"), _strings(list_b, "list_b")
    if len(a) != len(b):
        raise GraphemeError(f"batch lengths differ: {len(a)} first expressions, {len(b)} second expressions")
    values, lower, exact, bad = _core.ged_expression_ged_batch(
        a, b, _costs(costs), method, malformed == "penalty", timeout
    )
    values = np.asarray(values, dtype=np.float64)
    if not return_details:
        return values
    return ExpressionGEDBatch(
        values=values,
        lower_bounds=np.asarray(lower, dtype=np.float64),
        exact=np.asarray(exact, dtype=bool),
        malformed=np.asarray(bad, dtype=bool),
    )
