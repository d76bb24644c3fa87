"""Steps solved site by site: the sites of a step, what each is asked and answers, splicing back."""

import dataclasses

import pytest

from grapheme_lab import config as C
from grapheme_lab import generate
from grapheme_lab.brain import sites as S
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum

from brain_helpers import tiny


def toks(polish: str) -> list[str]:
    return V.expression_tokens(polish)


def test_each_innermost_operation_is_asked_on_its_own():
    src, step = toks("(+ (* 2 3) (/ -4 6))"), toks("(+ 6 (/ -2 3))")
    assert [n.path for n in S.sites(src)] == [(0,), (1,)]
    assert S.questions(src) == [toks("(* 2 3)"), toks("(/ -4 6)")]
    assert S.answers(src, step) == [toks("6"), toks("(/ -2 3)")]
    assert S.splice(src, [toks("6"), toks("(/ -2 3)")]) == step
    assert S.questions(toks("(/ 16 3)")) == [toks("(/ 16 3)")]  # the last step: the root is the site
    assert S.answers(toks("(/ 16 3)"), toks("16/3")) == [toks("16/3")]


def test_a_variable_is_asked_with_the_bindings():
    src = toks("(+ x (* x 3))") + ["with", "x", "P", "2"]
    assert [n.path for n in S.sites(src)] == [(0,), (1, 0)]
    assert S.questions(src) == [["x", "with", "x", "P", "2"]] * 2
    assert S.answers(src, toks("(+ 2 (* 2 3))")) == [["P", "2"], ["P", "2"]]
    assert S.splice(src, [["P", "2"], ["P", "2"]]) == toks("(+ 2 (* 2 3))")  # the bindings go once substituted


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_generated_step_round_trips(level):
    n, asked = 0, 0
    for row in generate.level(level, 150, seed=5):
        for s, t in (T.step_pairs(row) or []) + T.correction_pairs(row):
            questions, answers = S.questions(s), S.answers(s, t)
            assert len(questions) == len(answers) >= 1
            assert S.splice(s, answers) == t
            assert all(len(q) <= len(s) for q in questions)
            n, asked = n + 1, asked + len(questions)
    assert n > 150 and asked >= n


def test_answers_that_do_not_fit_are_refused():
    src = toks("(+ (* 2 3) (/ -4 6))")
    assert S.splice(src, [toks("6")]) is None  # one answer for two sites
    assert S.splice(src, [toks("6"), toks("1"), toks("2")]) is None  # three
    assert S.splice(src, [toks("6"), ["/", "P"]]) is None  # the second is cut short
    assert S.splice(src, [toks("6") + toks("1"), []]) is None  # two expressions in one answer, none in the other
    assert S.splice(src, [toks("6"), ["with"]]) is None  # not an expression
    assert S.splice(["P", "5"], [toks("5")]) is None  # a value has nothing to reduce


def test_step_that_changes_more_than_its_sites_is_an_error():
    with pytest.raises(ValueError, match="changes more than its sites"):
        S.answers(toks("(+ (* 2 3) 4)"), toks("(+ 6 5)"))


def test_training_examples_are_the_sites(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}))
    by_steps = Curriculum(dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, target="steps")))
    row = next(r for r in generate.level(2, 50, seed=3) if len(S.sites(T.source_tokens(r))) > 1)
    want = [(V.encode(q), V.encode(a) + [V.EOS]) for s, t in T.step_pairs(row) + T.correction_pairs(row)
            for q, a in zip(S.questions(s), S.answers(s, t))]
    assert [(e[0], e[1]) for e in Curriculum(cfg).training_examples(row)] == want
    assert len(want) > len(by_steps.training_examples(row))  # more examples than steps, each shorter
