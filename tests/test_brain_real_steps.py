"""Levels 4-7 solved by sites from the engine's traces: the model writes every site's
answer, Python only finds the sites (the engine says which) and splices the answers back."""

import pytest

from grapheme_lab import config as C
from grapheme_lab import generate
from grapheme_lab.brain import sites as S
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.evaluate import evaluate_examples

from brain_helpers import Scripted, tiny


def sites_cfg(tmp_path, end_level):
    return C.from_dict(tiny(tmp_path, data={"target": "sites"}, curriculum={"end_level": end_level},
                            model={"max_source_len": 400, "max_target_len": 400}))


@pytest.mark.parametrize("level", [4, 5, 6, 7])
def test_a_model_that_knows_every_site_chains_to_the_answer(tmp_path, level):
    cfg = sites_cfg(tmp_path, level)
    rows = [r for r in generate.level(level, 30, seed=11) if T.step_pairs(r)]
    assert len(rows) > 20
    table = {}
    for r in rows:
        for s, t in T.step_pairs(r):
            table.update({tuple(V.encode(q)): a for q, a in S.asked(s, t)})
    examples = [Curriculum(cfg).encode(r) for r in rows]
    results = evaluate_examples(Scripted(table, fallback=["P"]), examples, cfg, "cpu")
    assert all(v.correct for _, v in results), [(r["input_polish"], " ".join(t)[-80:]) for (t, v), r in zip(results, rows) if not v.correct]
    for (toks, _), r in zip(results, rows):
        assert toks.count(";") == len(T.step_pairs(r)) - 1


def test_a_wrong_site_answer_is_carried_to_a_wrong_answer(tmp_path):
    """Nothing repairs the model's mistake: one wrong digit in a decimal site stays wrong."""
    cfg = sites_cfg(tmp_path, 4)
    row = next(r for r in generate.level(4, 60, seed=2) if r["precision"] != "exact" and T.step_pairs(r))
    table = {}
    for s, t in T.step_pairs(row):
        table.update({tuple(V.encode(q)): a for q, a in S.asked(s, t)})
    first = next(k for k, a in table.items() if "." in a)  # a decimal answer: change its top digit
    a = table[first]
    top = max(i for i, t in enumerate(a) if t in V.DIGITS and t != "0")
    table[first] = a[:top] + [str((int(a[top]) % 9) + 1)] + a[top + 1:]
    (toks, verdict), = evaluate_examples(Scripted(table, fallback=["P"]), [Curriculum(cfg).encode(row)], cfg, "cpu")
    assert not verdict.correct


def test_an_integral_writes_f_of_b_minus_f_of_a_first():
    row = {"level": 6, "input_polish": "(integrate (* 7 x) x -2 0)", "expected_result": -14.0, "precision": "exact",
           "bindings": [], "steps": ["(/ (* 7 (^ x 2)) 2)", "(- (/ (* 7 (^ 0 2)) 2) (/ (* 7 (^ -2 2)) 2))", "(- (/ (* 7 0) 2) (/ (* 7 4) 2))",
                                     "(- (/ 0 2) (/ 28 2))", "(- 0 14)", "-14"]}
    pairs = T.step_pairs(row)
    assert V.tokens_to_polish(pairs[0][1]) == "(- (/ (* 7 (^ 0 2)) 2) (/ (* 7 (^ -2 2)) 2))"
    assert S.questions(pairs[0][0]) == [pairs[0][0]]  # the whole integral is the one site


def test_level_4_leaves_arithmetic_on_rationals_to_levels_1_to_3(tmp_path):
    cfg = sites_cfg(tmp_path, 4)
    row = next(r for r in generate.level(4, 60, seed=3) if "(gcd " in " ".join(r["steps"]))
    asked = [V.decode(src) for src, _, _ in Curriculum(cfg).training_examples(row)]
    assert asked and not any(T.is_arithmetic(q) for q in asked)
    assert any(q[0] in ("ln", "sin", "cos", "tan", "exp", "sqrt", "log") or "." in q for q in asked)
