"""Peer comparison of the edit distances, all in this one process.

    python benches/ged_peer.py            # the issue's targets, a few minutes on 2 cores
    python benches/ged_peer.py --quick    # smaller samples, a smoke run

1. tree edit distance, one pair at a time, against the ``apted`` package on random
   trees of 120 nodes (three shapes: random recursive trees, deep trees whose
   nodes hang off one of the 8 previous nodes, and zig-zag trees, the worst case
   of our Zhang-Shasha); every distance is checked equal;
2. our batch call against our one-at-a-time calls on the same pairs, with the
   CPU time (user + system, all threads) beside the wall time: CPU / wall near
   the core count means the batch ran in parallel;
3. exact graph edit distance against ``networkx.graph_edit_distance`` on random
   labelled digraphs of 5-7 nodes with the same costs; every distance checked equal;
4. a batch of 1,024 expression pairs of 20-40 nodes (a target and a mutated copy,
   as minimum-risk training scores them; then independent pairs), best and median.

Times are best-of-repeats (median too where it says so). The machine is shared
and noisy: ratios measured here, in one process, are what to read.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import threading
import time
from collections.abc import Callable

from grapheme_lab import ged


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each of `repeats` runs, and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return walls, cpus, out


def thread_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of every thread of this process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


# ---------------------------------------------------------------- inputs


def random_tree(rng: random.Random, n: int, window: int | None, labels: str = "abcde") -> str:
    """A tree of exactly n nodes: node v hangs off a random earlier node (off one
    of the `window` previous nodes when given: deeper trees)."""
    kids: list[list[int]] = [[] for _ in range(n)]
    for v in range(1, n):
        lo = 0 if window is None else max(0, v - window)
        kids[rng.randrange(lo, v)].append(v)
    label = [rng.choice(labels) for _ in range(n)]

    def show(v: int) -> str:
        if not kids[v]:
            return label[v]
        return "(" + label[v] + " " + " ".join(show(k) for k in kids[v]) + ")"

    return show(0)


def zigzag_tree(rng: random.Random, n: int, labels: str = "abcde") -> str:
    """A spine whose next node is alternately the left and the right child, a leaf
    on the other side: every path decomposition of Zhang-Shasha (left or right)
    has about n/2 keyroots over large subtrees, its O(n^4) worst case."""
    spine = (n - 1) // 2
    text = rng.choice(labels)
    for k in range(spine):
        leaf, node = rng.choice(labels), rng.choice(labels)
        text = f"({node} {text} {leaf})" if k % 2 else f"({node} {leaf} {text})"
    return text


def to_apted(s: str):
    from apted.helpers import Tree

    # Our s-expression to apted's bracket notation, via our own parser's graph.
    labels, edges = ged.expression_graph(s.replace("+", "p").replace("*", "m"))
    kids: list[list[int]] = [[] for _ in labels]
    for u, v, lab in edges:
        if lab != "clique":
            kids[u].append(v)

    def show(v: int) -> str:
        return "{" + labels[v] + "".join(show(k) for k in kids[v]) + "}"

    return Tree.from_text(show(0))


def random_graph(rng: random.Random) -> tuple[list[str], list[tuple[int, int, str]]]:
    n = rng.randint(5, 7)
    labels = [rng.choice("ABC") for _ in range(n)]
    edges = [(u, v, rng.choice("pq")) for u in range(n) for v in range(n) if u != v and rng.random() < 0.3]
    return labels, edges


LEAVES = ["x", "y", "z", "1", "2", "3"]
OPS = [("+", 2), ("*", 2), ("-", 2), ("/", 2), ("^", 2), ("sin", 1), ("+", 3)]


def random_expr(rng: random.Random, n: int) -> str:
    """A random expression of exactly n nodes."""
    if n == 1:
        return rng.choice(LEAVES)
    op, arity = rng.choice([o for o in OPS if o[1] <= n - 1])
    cuts = sorted(rng.sample(range(1, n - 1), arity - 1))  # split n - 1 nodes among the operands
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, n - 1])]
    return "(" + op + " " + " ".join(random_expr(rng, k) for k in parts) + ")"


def mutate(rng: random.Random, expr: str) -> str:
    """The expression with one random subtree replaced by a fresh one of <= 6 nodes."""
    labels, edges = ged.expression_graph(expr)
    kids: list[list[int]] = [[] for _ in labels]
    for u, v, lab in edges:
        if lab != "clique":
            kids[u].append(v)
    victim = rng.randrange(len(labels))
    fresh = random_expr(rng, rng.randint(1, 6))

    def show(v: int) -> str:
        if v == victim:
            return fresh
        if not kids[v]:
            return labels[v]
        return "(" + labels[v] + " " + " ".join(show(k) for k in kids[v]) + ")"

    return show(0)


def size(expr: str) -> int:
    return len(ged.expression_graph(expr)[0])


# ---------------------------------------------------------------- benches


def bench_ted(rng: random.Random, pairs: int, repeats: int) -> None:
    from apted import APTED

    print(f"1. tree edit distance, {pairs} pairs of 120-node trees, one pair at a time")
    shapes = {
        "random recursive": lambda: random_tree(rng, 120, None),
        "deep (window 8)": lambda: random_tree(rng, 120, 8),
        "zig-zag": lambda: zigzag_tree(rng, 121),
    }
    for shape, make in shapes.items():
        a = [make() for _ in range(pairs)]
        b = [make() for _ in range(pairs)]
        ta, tb = [to_apted(x) for x in a], [to_apted(x) for x in b]
        walls, _, theirs = timed(lambda: [APTED(x, y).compute_edit_distance() for x, y in zip(ta, tb)], 1)
        t_apted = min(walls)
        walls, _, ours = timed(lambda: [ged.tree_edit_distance(x, y) for x, y in zip(a, b)], repeats)
        assert ours == [float(d) for d in theirs], "distances differ from apted"
        t_ours = min(walls)
        print(
            f"   {shape:17s} apted {1e3 * t_apted / pairs:8.2f} ms/pair   ours {1e3 * t_ours / pairs:7.3f} ms/pair"
            f"   ours {t_apted / t_ours:6.1f}x faster (distances equal)"
        )


def bench_batch(rng: random.Random, pairs: int, repeats: int) -> None:
    print(f"2. tree edit distance, our batch call vs our one-at-a-time calls, {pairs} pairs of 120 nodes")
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    busy = " (above the core count: other work takes the cores)" if load > cores else ""
    print(
        f"   cores: {cores}, RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')},"
        f" load average {load:.1f}{busy}"
    )
    for shape, window in (("random recursive", None), ("deep (window 8)", 8)):
        a = [random_tree(rng, 120, window) for _ in range(pairs)]
        b = [random_tree(rng, 120, window) for _ in range(pairs)]
        ws, cs, single = timed(lambda: [ged.tree_edit_distance(x, y) for x, y in zip(a, b)], repeats)
        wb, cb, batch = timed(lambda: ged.tree_edit_distance_batch(a, b), repeats)
        assert batch.tolist() == single
        i, j = ws.index(min(ws)), wb.index(min(wb))
        print(
            f"   {shape:17s} single {1e3 * ws[i]:7.1f} ms (cpu/wall {cs[i] / ws[i]:.2f})"
            f"   batch {1e3 * wb[j]:7.1f} ms (cpu/wall {cb[j] / wb[j]:.2f})"
            f"   batch {ws[i] / wb[j]:.2f}x faster (best of {repeats})"
        )
    # Which threads did the batch's work: with the GIL released, rayon's workers
    # share it; wall time can only fall by as much as the cores we are given.
    before = thread_cpu()
    t0 = time.perf_counter()
    ged.tree_edit_distance_batch(a, b)
    wall = time.perf_counter() - t0
    after = thread_cpu()
    busy = sorted((after[t] - before.get(t, 0.0) for t in after), reverse=True)
    busy = [x for x in busy if x > 0.05 * wall]
    print(
        f"   batch once more: {len(busy)} threads busy, CPU seconds {', '.join(f'{x:.3f}' for x in busy)},"
        f" wall {wall:.3f} s"
    )
    # The GIL is released: a Python thread keeps counting while the batch runs.
    ticks, stop = [0], threading.Event()

    def count() -> None:
        while not stop.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.01)
    start = ticks[0]
    ged.tree_edit_distance_batch(a, b)
    during = ticks[0] - start
    stop.set()
    counter.join()
    print(f"   a Python thread counted {during:,} times during one batch call (0 if the GIL were held)")
    # Per-pair overhead of the batch path: tiny trees, where the distance itself is nothing.
    n = 20_000
    a = ["(a b c)"] * n
    b = ["(a c b)"] * n
    ws, _, _ = timed(lambda: [ged.tree_edit_distance(x, y) for x, y in zip(a, b)], repeats)
    wb, _, _ = timed(lambda: ged.tree_edit_distance_batch(a, b), repeats)
    print(
        f"   overhead, {n} pairs of 3-node trees: single {1e6 * min(ws) / n:.2f} us/pair,"
        f" batch {1e6 * min(wb) / n:.2f} us/pair"
    )


def bench_graph(rng: random.Random, pairs: int, repeats: int) -> None:
    import networkx as nx

    print(f"3. exact graph edit distance vs networkx.graph_edit_distance, {pairs} pairs of 5-7-node digraphs")
    graphs = [(random_graph(rng), random_graph(rng)) for _ in range(pairs)]

    def nx_graph(g):
        labels, edges = g
        h = nx.DiGraph()
        h.add_nodes_from((i, {"label": lab}) for i, lab in enumerate(labels))
        h.add_edges_from((u, v, {"label": lab}) for u, v, lab in edges)
        return h

    nxg = [(nx_graph(x), nx_graph(y)) for x, y in graphs]
    same = lambda x, y: x["label"] == y["label"]  # noqa: E731

    def theirs():
        return [
            nx.graph_edit_distance(
                x,
                y,
                node_subst_cost=lambda p, q: 0.0 if same(p, q) else 1.0,
                node_del_cost=lambda p: 1.0,
                node_ins_cost=lambda p: 1.0,
                edge_subst_cost=lambda p, q: 0.0 if same(p, q) else 1.0,
                edge_del_cost=lambda p: 1.0,
                edge_ins_cost=lambda p: 1.0,
            )
            for x, y in nxg
        ]

    walls, _, want = timed(theirs, 1)
    t_nx = min(walls)
    walls, _, got = timed(lambda: [ged.graph_edit_distance(x, y) for x, y in graphs], repeats)
    assert all(r.exact for r in got)
    assert [r.distance for r in got] == [float(d) for d in want], "distances differ from networkx"
    t_ours = min(walls)
    print(
        f"   networkx {1e3 * t_nx / pairs:9.2f} ms/pair   ours {1e3 * t_ours / pairs:7.3f} ms/pair"
        f"   ours {t_nx / t_ours:7.1f}x faster (distances equal)"
    )


def bench_expr(rng: random.Random, repeats: int) -> None:
    n = 1024
    print(f"4. expression GED batch, {n} pairs of 20-40 nodes, method='auto', {repeats} runs")
    def draw(make: Callable[[], str]) -> str:
        while True:  # rejection keeps every expression within 40 nodes
            e = make()
            if size(e) <= 40:
                return e

    targets = [draw(lambda: random_expr(rng, rng.randint(20, 40))) for _ in range(n)]
    related = [draw(lambda t=t: mutate(rng, t)) for t in targets]
    independent = [draw(lambda: random_expr(rng, rng.randint(20, 40))) for _ in range(n)]
    for name, hyps in (("target vs mutated copy", related), ("independent pairs", independent)):
        assert max(map(size, hyps + targets)) <= 40
        walls, cpus, out = timed(lambda: ged.expression_ged_batch(hyps, targets, return_details=True), repeats)
        sizes = [size(x) for x in hyps + targets]
        print(
            f"   {name:22s} wall best {1e3 * min(walls):6.1f} ms, median {1e3 * statistics.median(walls):6.1f} ms;"
            f" CPU best {1e3 * min(cpus):5.1f} ms, median {1e3 * statistics.median(cpus):5.1f} ms;"
            f" mean size {statistics.mean(sizes):.1f} nodes; exact {out.exact.mean():.1%}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small samples (a smoke run)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    q = args.quick
    rng = random.Random(args.seed)
    bench_ted(rng, pairs=3 if q else 20, repeats=3 if q else 10)
    bench_batch(rng, pairs=64 if q else 512, repeats=3 if q else 7)
    bench_graph(rng, pairs=3 if q else 20, repeats=3 if q else 10)
    bench_expr(rng, repeats=3 if q else 21)


if __name__ == "__main__":
    main()
