"""Solving by steps: a row learned by steps is fed the model's own output until a value comes out."""

from grapheme_lab import config as C
from grapheme_lab import generate
from grapheme_lab.brain import sites as S
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.evaluate import evaluate_examples, solve

from brain_helpers import Scripted, tiny


def setup(tmp_path, target="steps"):
    cfg = C.from_dict(tiny(tmp_path, data={"target": target}, model={"max_source_len": 160, "max_target_len": 160}))
    rows = generate.level(2, 40, seed=11) + generate.level(1, 10, seed=11)
    return cfg, [Curriculum(cfg).encode(r) for r in rows]


def test_steps_chain_to_the_answer(tmp_path):
    cfg, examples = setup(tmp_path)
    table = {tuple(V.encode(s)): t for e in examples for s, t in T.step_pairs(e[2])}
    model = Scripted(table, fallback=["P"])
    results = evaluate_examples(model, examples, cfg, "cpu")
    assert all(v.correct for _, v in results)
    for (toks, _), e in zip(results, examples):
        assert toks.count(";") == len(T.step_pairs(e[2])) - 1
    longest = max(len(T.step_pairs(e[2])) for e in examples)
    assert longest >= 3 and model.calls == longest  # one batched decode per step


def test_sites_chain_to_the_answer(tmp_path):
    cfg, examples = setup(tmp_path, target="sites")
    table = {tuple(V.encode(q)): a for e in examples for s, t in T.step_pairs(e[2])
             for q, a in zip(S.questions(s), S.answers(s, t))}
    model = Scripted(table, fallback=["P"])
    results = evaluate_examples(model, examples, cfg, "cpu")
    assert all(v.correct for _, v in results)
    for (toks, _), e in zip(results, examples):  # each step written whole: its sites' answers spliced in
        assert toks == [t for _, line in T.step_pairs(e[2]) for t in [";", *line]][1:]
    first = sum(len(S.questions(V.decode(e[0]))) for e in examples)
    assert model.asked[0] == first > len(examples)  # the first decode asks every site of every row at once


def test_answers_that_do_not_fit_their_sites_are_malformed(tmp_path):
    cfg, examples = setup(tmp_path, target="sites")
    model = Scripted({}, fallback=["P", "6", "P"])  # not one expression
    results = evaluate_examples(model, examples[:5], cfg, "cpu")
    assert all(v.malformed and not v.correct for _, v in results)
    assert all(toks[0] == "<unk>" for toks, _ in results)


def test_a_chain_that_never_reaches_a_value_stops(tmp_path):
    cfg, examples = setup(tmp_path)
    model = Scripted({}, fallback=["+", "P", "1", "P", "1"])  # always an expression
    out = solve(model, examples[:3], cfg, "cpu")
    assert model.calls == T.MAX_STEPS and all(o.count(";") == T.MAX_STEPS - 1 for o in out)
    model = Scripted({}, fallback=["P", "P"])  # malformed: nothing to read back
    assert solve(model, examples[:3], cfg, "cpu") == [["P", "P"]] * 3 and model.calls == 1


def test_answer_mode_decodes_once(tmp_path):
    cfg, examples = setup(tmp_path, target="answer")
    model = Scripted({}, fallback=["+", "P", "1", "P", "1"])
    results = evaluate_examples(model, examples, cfg, "cpu")
    assert model.calls == 1 and not any(v.correct for _, v in results)
