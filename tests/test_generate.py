"""The curriculum generator's Python API: schema, determinism, shards, streaming,
and an independent re-check of generated answers with SymPy."""

from __future__ import annotations

import math
import random

import pytest

from grapheme_lab import GraphemeError
from grapheme_lab import generate as gen

FIELDS = ["id", "level", "input_polish", "input_expr", "expected_result", "expected_symbolic", "bindings"]


@pytest.mark.parametrize("lv", range(1, 8))
def test_rows_follow_the_schema(lv):
    rows = gen.level(lv, 40, seed=0)
    assert len(rows) == 40
    for i, row in enumerate(rows):
        keys = list(row)
        assert keys[: len(FIELDS)] == FIELDS
        # then solutions (level 7), precision (every row), steps (rows with a trace)
        rest = (["solutions"] if lv == 7 else []) + ["precision"]
        assert keys[len(FIELDS) :] in (rest, rest + ["steps"])
        assert row["precision"] == "exact" or row["precision"] == 1e-6
        if "steps" in row:  # a trace of Polish lines, the answer last
            assert row["steps"] and all(isinstance(x, str) for x in row["steps"])
        if lv in (1, 2, 3, 4, 5, 7):  # every row of these levels has a trace (level 6: not those needing parts)
            assert "steps" in row, row["input_polish"]
        assert row["id"] == f"L{lv}-{i + 1:05d}"
        assert row["level"] == lv
        assert isinstance(row["input_expr"], dict)
        if lv == 3:
            assert row["bindings"] and all(isinstance(n, str) and isinstance(v, float) for n, v in row["bindings"])
        else:
            assert row["bindings"] == []
        if lv == 5:
            assert row["expected_result"] is None and isinstance(row["expected_symbolic"], str)
            assert row["input_polish"].startswith("(derive ")
        else:
            assert isinstance(row["expected_result"], float) and row["expected_symbolic"] is None
        if lv == 6:
            assert row["input_polish"].startswith("(integrate ")
        if lv == 7:
            assert row["input_polish"].startswith("(solve (= ")
            assert row["expected_result"] in row["solutions"]
            assert row["solutions"] == sorted(set(row["solutions"]))


def test_rows_are_unique_by_canonical_form():
    rows = gen.level(1, 400, seed=4)
    keys = {gen.canonical_key(r["input_polish"], r["bindings"]) for r in rows}
    assert len(keys) == 400
    # (+ 2 3) and (+ 3 2) are one problem; (- 2 3) and (- 3 2) are two.
    assert gen.canonical_key("(+ 2 3)") == gen.canonical_key("(+ 3 2)")
    assert gen.canonical_key("(- 2 3)") != gen.canonical_key("(- 3 2)")
    assert gen.canonical_key("(+ x 1)", [("x", 2.0)]) != gen.canonical_key("(+ x 1)", [("x", 3.0)])


def test_same_seed_same_rows_for_any_thread_count():
    a = gen.level(5, 150, seed=7, threads=1)
    b = gen.level(5, 150, seed=7, threads=2)
    assert a == b
    assert gen.level(5, 150, seed=8, threads=1) != a


def test_streaming_matches_the_list_and_yields_splits():
    whole = gen.level(6, 120, seed=1)
    streamed = list(gen.iter_level(6, 120, seed=1, chunk_rows=16))
    assert streamed == whole
    pairs = list(gen.iter_level(6, 120, seed=1, with_split=True))
    assert [r for _, r in pairs] == whole
    assert {s for s, _ in pairs} <= set(gen.SPLITS)
    assert sum(s == "train" for s, _ in pairs) > 90
    chunks = list(gen.iter_chunks(6, 120, seed=1, chunk_rows=50))
    assert [len(c) for c in chunks] == [50, 50, 20]


def test_shards_concatenate_to_the_whole_level():
    whole = gen.level(7, 200, seed=2)
    parts = [gen.level(7, 200, seed=2, shard=(k, 3)) for k in range(3)]
    assert sum(parts, []) == whole
    assert all(parts)


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        gen.level(0, 10)
    with pytest.raises(ValueError):
        gen.level(8, 10)
    with pytest.raises(ValueError):
        gen.level(1, -1)
    with pytest.raises(GraphemeError):
        gen.level(1, 10, shard=(3, 3))
    with pytest.raises(GraphemeError):
        gen.level(1, 10, shard=(0, 1000))
    with pytest.raises(ValueError):
        gen.parse_shard("1-2")
    with pytest.raises(ValueError):
        gen.parse_split("90/10")
    assert gen.parse_split("90/5/5") == pytest.approx((0.9, 0.05, 0.05))
    assert gen.level(2, 0) == []


# --- an independent re-check with SymPy -------------------------------------------------

sympy = pytest.importorskip("sympy")


def to_sympy(text: str):
    """Polish text -> SymPy expression (a tiny reader independent of the engine)."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def read():
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok != "(":
            if tok == "pi":
                return sympy.pi
            if tok == "e":
                return sympy.E
            try:
                return sympy.Integer(int(tok))
            except ValueError:
                try:
                    return sympy.Float(float(tok))
                except ValueError:
                    return sympy.Symbol(tok)
        head = tokens[pos]
        pos += 1
        args = []
        while tokens[pos] != ")":
            args.append(read())
        pos += 1
        binary = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
            "^": lambda a, b: a**b,
            "mod": lambda a, b: sympy.Mod(a, b),
            "=": lambda a, b: sympy.Eq(a, b),
        }
        unary = {
            "neg": lambda a: -a,
            "sin": sympy.sin,
            "cos": sympy.cos,
            "tan": sympy.tan,
            "exp": sympy.exp,
            "ln": sympy.log,
            "log": lambda a: sympy.log(a, 10),
            "sqrt": sympy.sqrt,
            "abs": sympy.Abs,
            "floor": sympy.floor,
            "ceil": sympy.ceiling,
        }
        if head in binary:
            return binary[head](*args)
        if head in unary:
            return unary[head](*args)
        return (head, args)

    return read()


def close(a: float, b: float, rel: float = 1e-7) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("lv", [1, 2, 3, 4])
def test_values_agree_with_sympy(lv):
    for row in gen.level(lv, 40, seed=5):
        expr = to_sympy(row["input_polish"])
        subs = {sympy.Symbol(n): sympy.nsimplify(v) for n, v in row["bindings"]}
        want = float(sympy.N(expr.subs(subs), 30))
        assert close(row["expected_result"], want, 1e-9), row


def test_derivatives_agree_with_sympy():
    rng = random.Random(0)
    for row in gen.level(5, 40, seed=5):
        head, (f, var) = to_sympy(row["input_polish"])
        assert head == "derive"
        want = sympy.diff(f, var)
        got = to_sympy(row["expected_symbolic"])
        checked = 0
        for _ in range(20):
            x = rng.uniform(-3, 3)
            try:
                a = complex(sympy.N(got.subs(var, x)))
                b = complex(sympy.N(want.subs(var, x)))
            except (TypeError, ZeroDivisionError):
                continue
            if abs(a.imag) > 1e-12 or abs(b.imag) > 1e-12 or not math.isfinite(a.real) or not math.isfinite(b.real):
                continue
            assert close(a.real, b.real, 1e-8), (row["input_polish"], row["expected_symbolic"], x)
            checked += 1
            if checked == 3:
                break
        assert checked >= 1, row


def test_integrals_agree_with_sympy():
    import mpmath

    for row in gen.level(6, 30, seed=5):
        head, (f, var, lo, hi) = to_sympy(row["input_polish"])
        assert head == "integrate"
        fn = sympy.lambdify(var, f, "mpmath")
        want = float(mpmath.quad(fn, [float(lo), float(hi)]))
        assert close(row["expected_result"], want, 1e-8), row


def test_roots_satisfy_the_equation_in_sympy():
    for row in gen.level(7, 40, seed=5):
        head, (eq, var) = to_sympy(row["input_polish"])
        assert head == "solve"
        residual = eq.lhs - eq.rhs
        for r in row["solutions"]:
            assert abs(complex(sympy.N(residual.subs(var, r)))) < 1e-6 * max(1.0, abs(r)) ** 3, (row, r)
        real_roots = [complex(s) for s in sympy.solve(residual, var)]
        real_roots = sorted(s.real for s in real_roots if abs(s.imag) < 1e-9)
        if real_roots:  # SymPy finds them all for these families: the same set
            assert len(real_roots) == len(row["solutions"]), row
            assert all(close(a, b, 1e-8) for a, b in zip(real_roots, row["solutions"])), row


def test_a_rerun_removes_the_temp_files_of_a_killed_run(tmp_path):
    import os
    import subprocess
    import sys

    # A process that is gone: its temp files are stale. Our own live process's are not.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / "train").mkdir()
    stale = [
        tmp_path / "train" / f".level_1.jsonl.{dead_pid}-abcd_123.tmp",
        tmp_path / f".manifest.json.{dead_pid}-zz99zz99.tmp",
        tmp_path / "train" / ".level_1.jsonl.k3j4h5g6.tmp",  # from a version without the PID
    ]
    kept = [
        tmp_path / "train" / f".level_1.jsonl.{os.getpid()}-abcd_123.tmp",  # a live writer's
        tmp_path / "train" / f".notes.txt.{dead_pid}-abcd_123.tmp",  # not a data set file
        tmp_path / "train" / "level_1.tmp",  # not our pattern
    ]
    for p in stale + kept:
        p.write_text("partial")
    gen.write_dataset(tmp_path, levels=[1], sizes={1: 20}, progress=False)
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)
    assert not [p for p in tmp_path.rglob("*.tmp") if p not in kept]


def test_a_sigkilled_generate_leaves_temp_files_that_the_next_run_removes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import sys; from grapheme_lab import generate as g\n"
        "g.write_dataset(sys.argv[1], levels=[4], sizes={4: 10**7}, progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)])
    deadline = time.monotonic() + 60
    while not list(tmp_path.rglob("*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(tmp_path.rglob("*.tmp")), "the killed run left its temp files"
    gen.write_dataset(tmp_path, levels=[1], sizes={1: 20}, progress=False)
    assert list(tmp_path.rglob("*.tmp")) == []
