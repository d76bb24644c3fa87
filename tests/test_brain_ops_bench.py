"""benches/brain_ops.py: how it reads a row's operations and steps (its tables rest on these)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benches"))

from brain_ops import operations, step_kinds, step_widths  # noqa: E402

from grapheme_lab.brain import targets as T  # noqa: E402


def row(polish, result, bindings=()):
    return {"level": 2 if not bindings else 3, "input_polish": polish, "expected_result": result,
            "bindings": list(bindings)}


def test_operations_by_kind():
    assert operations(row("(+ (* 12 34) (/ 4 6))", 408 + 2 / 3)) == ["* 2x2", "/ reduce", "+ rational"]
    assert operations(row("(mod 7 (/ 1 0))", 0.0)) is None  # no exact reduction


def test_step_widths_follow_the_steps():
    r = row("(+ (* 2 3) (- 5 (neg 1)))", 12.0)
    assert step_widths(r) == [2, 1, 1] and len(step_widths(r)) == len(T.step_pairs(r))
    r = row("(* (+ x 1) 2)", 8.0, [["x", 3.0]])
    assert step_widths(r) == [0, 1, 1] and len(step_widths(r)) == len(T.step_pairs(r))


def test_step_kinds_follow_the_steps():
    r = row("(+ (* 12 34) (/ 16 12))", 408 + 4 / 3)
    kinds = step_kinds(r)
    assert len(kinds) == len(T.step_pairs(r))
    assert kinds[0] == {"* 2x2", "/ reduce"}  # both innermost operations at once
    assert kinds[1] == {"* 1x2", "* 2x2", "/ reduce"}  # (+ (+ (* 2 34) (* 10 34)) (/ 8 6)): the parts, and 8 / 6
    assert kinds[2] == {"+", "/ coprime"}
    assert step_kinds(row("(* (+ x 1) 2)", 8.0, [["x", 3.0]]))[0] == set()  # substituting the bindings
    # a larger quotient: written through its gcd, Euclid's steps, then cancelled by the gcd
    assert step_kinds(row("(/ 168 7)", 24.0)) == [{"/ via gcd"}, {"gcd step"}, {"* 1x2"}, {"-"}, {"gcd"}, {"cancel"},
                                                  {"div"}, {"cancel by 1"}]
    assert step_kinds(row("(/ 21 26)", 21 / 26))[-1] == {"cancel by 1"}
    assert {"div composite"} in step_kinds(row("(/ 1728 126)", 96 / 7))  # 1728 / 18: by 2, then 864 / 9 by 3 twice
