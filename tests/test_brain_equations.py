"""Level 7's linear equations solved by sites: the root written as arithmetic, then reduced."""

from fractions import Fraction

import pytest

from grapheme_lab import config as C
from grapheme_lab import generate
from grapheme_lab.brain import equations as E
from grapheme_lab.brain import sites as S
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.evaluate import evaluate_examples
from grapheme_lab.brain.judge import judge

from brain_helpers import Scripted, tiny


def tree(polish: str):
    return V._tree(polish, {v: v for v in V.LETTERS})


@pytest.mark.parametrize("polish, poly", [
    ("(+ (* -14 x) -22)", {1: -14, 0: -22}),
    ("(* -10 (+ x 2))", {1: -10, 0: -20}),
    ("(- (* x x) (^ x 2))", {}),  # cancels to nothing
    ("(/ (- x 4) 2)", {1: Fraction(1, 2), 0: -2}),
    ("(neg (^ (+ x 1) 2))", {2: -1, 1: -2, 0: -1}),
])
def test_polynomials(polish, poly):
    assert E.polynomial(tree(polish), "x") == {d: Fraction(c) for d, c in poly.items()}


@pytest.mark.parametrize("polish", ["(/ 1 x)", "(exp x)", "(+ x y)", "(^ x x)", "(^ 2 x)", "(sqrt x)"])
def test_not_polynomials(polish):
    assert E.polynomial(tree(polish), "x") is None


def test_the_root_formula_substitutes_zero_and_one():
    got, root = E.root_step(tree("(solve (= (+ (* -14 x) -22) -1) x)"))
    d0, d1 = "(- (+ (* -14 0) -22) -1)", "(- (+ (* -14 1) -22) -1)"
    assert V.tokens_to_polish(V._tree_tokens(got, "lsd")) == f"(/ {d0} (- {d0} {d1}))"
    assert V._reductions(got)[-1] == root == Fraction(-3, 2)


@pytest.mark.parametrize("polish", [
    "(solve (= (+ (* 4 (^ t 2)) 4) (+ (* 12 t) 164)) t)",  # quadratic
    "(solve (= (* 0 x) 3) x)",  # no variable left
    "(solve (= (exp z) 30) z)",
    "(+ 1 2)",
])
def test_no_formula_unless_linear(polish):
    assert E.root_step(tree(polish)) is None


def test_generated_level_7_steps_end_in_a_root():
    rows = generate.level(7, 120, seed=5)
    stepped = 0
    for row in rows:
        pairs = V.step_pairs(row)
        linear = E.root_step(tree(row["input_polish"])) is not None
        assert (pairs is not None) == linear, row["input_polish"]
        if pairs is None:
            continue
        stepped += 1
        assert pairs[0][0] == V.source_tokens(row) and all(a[1] == b[0] for a, b in zip(pairs, pairs[1:]))
        assert S.questions(pairs[0][0]) == [pairs[0][0]]  # the first site is the whole equation
        for s, t in pairs:
            assert S.splice(s, S.answers(s, t)) == t
        assert judge(row, pairs[-1][1]).correct, row
    assert 0.25 < stepped / len(rows) < 0.9  # linear ones, and quadratics that are not


def test_level_7_is_solved_by_sites_only_and_teaches_its_first_step(tmp_path):
    row = next(r for r in generate.level(7, 50, seed=2) if V.step_pairs(r))
    assert V.has_steps(row, "sites") and not V.has_steps(row, "steps") and not V.has_steps(row, "answer")
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}, model={"max_source_len": 160, "max_target_len": 160}))
    (src, tgt, _), = Curriculum(cfg).training_examples(row)
    first = V.step_pairs(row)[0]
    assert (src, tgt) == (V.encode(first[0]), V.encode(first[1]) + [V.EOS])


def test_sites_chain_to_the_root(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}, model={"max_source_len": 160, "max_target_len": 160}))
    rows = generate.level(7, 40, seed=7)
    examples = [Curriculum(cfg).encode(r) for r in rows]
    table = {}
    for r in rows:  # a linear row's every site, and a quadratic's answer at once
        for s, t in V.step_pairs(r) or [(V.source_tokens(r), V.target_tokens(r))]:
            table.update({tuple(V.encode(q)): a for q, a in zip(S.questions(s), S.answers(s, t))})
    results = evaluate_examples(Scripted(table, fallback=["P"]), examples, cfg, "cpu")
    assert all(v.correct for _, v in results)
    for (toks, _), r in zip(results, rows):
        assert toks.count(";") == len(V.step_pairs(r) or [None]) - 1
