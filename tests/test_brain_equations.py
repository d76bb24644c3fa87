"""Level 7's linear equations solved by sites: the root written as arithmetic, then reduced."""

import pytest

from grapheme_lab import config as C
from grapheme_lab import GraphemeError, generate, steps
from grapheme_lab.brain import sites as S
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.evaluate import evaluate_examples
from grapheme_lab.brain.judge import judge

from brain_helpers import Scripted, tiny


def linear(polish: str) -> bool:
    """Whether the engine writes the equation's root as arithmetic (it does for linear ones only)."""
    try:
        steps.trace(polish)
    except GraphemeError:
        return False
    return True


def test_the_root_formula_substitutes_zero_and_one():
    lines = steps.trace("(solve (= (+ (* -14 x) -22) -1) x)")
    d0, d1 = "(- (+ (* -14 0) -22) -1)", "(- (+ (* -14 1) -22) -1)"
    assert lines[0] == f"(/ {d0} (- {d0} {d1}))"
    assert lines[-1] == "-3/2"
    steps.check_step("(solve (= (+ (* -14 x) -22) -1) x)", lines[0])


@pytest.mark.parametrize("polish", [
    "(solve (= (/ (- x 4) 2) 1) x)",  # a division by a number
    "(solve (= (- (* x x) (^ x 2)) (+ x 1)) x)",  # x^2 cancels
    "(solve (= (neg (* -10 (+ x 2))) 0) x)",
])
def test_linear_after_expansion(polish):
    assert linear(polish)


@pytest.mark.parametrize("polish", [
    "(solve (= (+ (* 4 (^ t 2)) 4) (+ (* 12 t) 164)) t)",  # quadratic
    "(solve (= (* 0 x) 3) x)",  # no variable left
    "(solve (= (exp z) 30) z)",
    "(solve (= (/ 1 x) 2) x)",
    "(solve (= (+ x y) 2) x)",
    "(solve (= (^ 2 x) 8) x)",
])
def test_no_formula_unless_linear(polish):
    assert not linear(polish)


def test_generated_level_7_steps_end_in_a_root():
    rows = generate.level(7, 120, seed=5)
    stepped = 0
    for row in rows:
        pairs = T.step_pairs(row)
        assert (pairs is not None) == bool(row.get("steps")), row["input_polish"]
        if pairs is None:  # a cubic
            continue
        stepped += 1
        assert pairs[0][0] == T.source_tokens(row) and all(a[1] == b[0] for a, b in zip(pairs, pairs[1:]))
        assert S.questions(pairs[0][0]) == [pairs[0][0]]  # the first site is the whole equation
        for s, t in pairs:
            assert S.splice(s, S.answers(s, t)) == t
        assert judge(row, pairs[-1][1]).correct, row
    assert stepped / len(rows) > 0.9  # all but the cubics


def test_a_linear_equation_teaches_its_first_step_and_leaves_its_arithmetic_to_levels_1_to_3(tmp_path):
    row = next(r for r in generate.level(7, 50, seed=2) if linear(r["input_polish"]))
    assert T.has_steps(row, "sites") and not T.has_steps(row, "steps") and not T.has_steps(row, "answer")
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}, model={"max_source_len": 160, "max_target_len": 160}))
    (src, tgt, _), = Curriculum(cfg).training_examples(row)
    first = T.step_pairs(row)[0]
    assert (src, tgt) == (V.encode(first[0]), V.encode(first[1]) + [V.EOS])


def test_sites_chain_to_the_root(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}, model={"max_source_len": 160, "max_target_len": 160}))
    rows = generate.level(7, 40, seed=7)
    examples = [Curriculum(cfg).encode(r) for r in rows]
    table = {}
    for r in rows:  # a linear row's every site, and a quadratic's answer at once
        for s, t in T.step_pairs(r) or [(T.source_tokens(r), T.target_tokens(r))]:
            table.update({tuple(V.encode(q)): a for q, a in zip(S.questions(s), S.answers(s, t))})
    results = evaluate_examples(Scripted(table, fallback=["P"]), examples, cfg, "cpu")
    assert all(v.correct for _, v in results)
    for (toks, _), r in zip(results, rows):
        assert toks.count(";") == len(T.step_pairs(r) or [None]) - 1
