"""Mutation fuzz of ``engine.run``: hostile expressions in a child process under a memory cap.

    python benches/engine_fuzz.py [--inputs 3000] [--seed 0] [--mem-mib 1024] [--max-seconds 1]

Starts from seed expressions (the issue's heavy inputs among them), mutates
them (high integer powers, huge numbers, nested ``derive``, ``solve`` and
``integrate`` wrappers, duplicated subtrees, swapped operators) and hands each
to ``engine.run`` in a child process whose address space is capped at
``--mem-mib``. The child reports each call's time; a call that crashes the
child (an abort, or an allocation beyond the cap) or takes longer than
``--max-seconds`` is a failure. Prints inputs tried, errors returned, the
worst time and the child's peak RSS; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import random
import resource
import select
import subprocess
import sys
import time

SEEDS = [
    "(solve (= (^ x 28) 1) x)",
    "(solve (= (^ x 30) 1) x)",
    "(solve (= (^ (* 2 x) 55) 13) x)",
    "(solve (= (* (* (- x 1) (- x 2)) (- x 3)) 0) x)",
    "(solve (= (+ (* 2 x) 5) 13) x)",
    "(solve (= (exp x) 2) x)",
    "(derive (* x (sin x)) x)",
    "(derive (^ (sin x) (cos x)) x)",
    "(integrate (* x (exp x)) x 0 1)",
    "(integrate (^ x 2) x 0 1)",
    "(+ (* 2 3) 4)",
    "(* (+ x 1) (+ x 2))",
]
HOSTILE_NUMBERS = ["28", "55", "64", "65", "200", "1000", "9223372036854775807", "-9223372036854775807", "1e300", "1e-300", "1/3", "0"]
OPERATORS = ["+", "-", "*", "/", "^"]

CHILD = r"""
import sys, time
from grapheme_lab import engine
for line in sys.stdin:
    start = time.perf_counter()
    try:
        engine.run(line.strip())
        outcome = "ok"
    except ValueError as e:
        outcome = "error:" + str(e).split(":")[0].replace(" ", "_")[:40]
    sys.stdout.write(f"{outcome} {time.perf_counter() - start:.6f}\n")
    sys.stdout.flush()
"""


def parse(text: str):
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def read():
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok != "(":
            return tok
        out = []
        while tokens[pos] != ")":
            out.append(read())
        pos += 1
        return out

    return read()


def show(tree) -> str:
    return tree if isinstance(tree, str) else "(" + " ".join(show(t) for t in tree) + ")"


def subtrees(tree, path=()):
    yield path, tree
    if isinstance(tree, list):
        for i, child in enumerate(tree[1:], start=1):
            # The variable of derive, integrate and solve stays a variable.
            if not (i == 2 and tree[0] in ("derive", "integrate", "solve")):
                yield from subtrees(child, path + (i,))


def replace(tree, path, new):
    if not path:
        return new
    out = list(tree)
    out[path[0]] = replace(tree[path[0]], path[1:], new)
    return out


def mutate(tree, rng: random.Random):
    path, sub = rng.choice(list(subtrees(tree)))
    kind = rng.randrange(7)
    if kind == 0:
        new = ["^", sub, rng.choice(HOSTILE_NUMBERS[:6])]
    elif kind == 1 and isinstance(sub, str) and sub != "x":
        new = rng.choice(HOSTILE_NUMBERS)
    elif kind == 2:
        new = ["derive", sub, "x"]
    elif kind == 3:
        new = ["*", sub, sub]
    elif kind == 4 and isinstance(sub, list) and sub[0] in OPERATORS:
        new = [rng.choice(OPERATORS)] + sub[1:]
    elif kind == 5:
        new = ["+", sub, ["*", rng.choice(HOSTILE_NUMBERS[:4]), "x"]]
    else:
        new = ["sin", sub] if rng.random() < 0.5 else ["exp", sub]
    out = replace(tree, path, new)
    if rng.random() < 0.15 and not (isinstance(out, list) and out[0] in ("solve", "derive", "integrate")):
        out = ["solve", ["=", out, rng.choice(["0", "1", "13"])], "x"]
    return out


def start_child(mem_mib: int) -> subprocess.Popen:
    def cap():
        limit = mem_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=cap
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mem-mib", type=int, default=1024)
    ap.add_argument("--max-seconds", type=float, default=1.0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pool = [parse(s) for s in SEEDS]
    inputs = list(SEEDS)
    while len(inputs) < args.inputs:
        tree = rng.choice(pool)
        for _ in range(rng.randint(1, 4)):
            tree = mutate(tree, rng)
        text = show(tree)
        if len(text) < 4000:
            inputs.append(text)
            pool.append(tree)

    failures, errors, worst, kinds = [], 0, (0.0, ""), {}
    child = start_child(args.mem_mib)
    wall = time.perf_counter()
    for text in inputs:
        child.stdin.write(text + "\n")
        child.stdin.flush()
        ready, _, _ = select.select([child.stdout], [], [], max(5.0, 5 * args.max_seconds))
        line = child.stdout.readline() if ready else ""
        if not line:
            child.kill()
            child.wait()
            failures.append(("hang" if not ready else f"crash (exit {child.returncode})", text))
            child = start_child(args.mem_mib)
            continue
        outcome, seconds = line.split()
        if outcome != "ok":
            errors += 1
            kinds[outcome] = kinds.get(outcome, 0) + 1
        if float(seconds) > worst[0]:
            worst = (float(seconds), text)
        if float(seconds) > args.max_seconds:
            failures.append((f"slow ({float(seconds):.2f} s)", text))
    child.stdin.close()
    child.wait()
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"inputs tried: {len(inputs)} (errors returned: {errors}), wall {time.perf_counter() - wall:.1f} s")
    print("errors by kind:", ", ".join(f"{k[6:]} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:6]))
    print(f"worst time: {worst[0]:.3f} s for {worst[1][:200]}")
    print(f"peak RSS of the child: {peak_mib:.0f} MiB (cap {args.mem_mib} MiB of address space)")
    for what, text in failures[:20]:
        print(f"FAIL {what}: {text[:300]}")
    print("failures:", len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
