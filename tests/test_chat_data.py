"""Chat data: every source's rows render through the chat format with the right loss mask,
splits are disjoint (no held-out problem text or expression in training rows), the same seed
gives the same rows, rows survive a JSONL round trip through datasets, and the answers are
checked by the engine."""

import importlib.util

import pytest

from chat_helpers import chat_tokenizer
from grapheme_lab.chat import answers
from grapheme_lab.chat.data import mixture, read_rows, rows, write_rows
from grapheme_lab.chat.data import multiple_choice, worded
from grapheme_lab.chat.format import render_conversation

HAS_GYM = importlib.util.find_spec("reasoning_gym") is not None
SOURCES = ["worded", "arithmetic", "chitchat", "identity", "simple-spelling", "spelling-bee",
           pytest.param("gsm-symbolic", marks=pytest.mark.skipif(not HAS_GYM, reason="reasoning-gym not installed "
                                                                  "(the chat extra)"))]


@pytest.fixture(scope="module")
def tok():
    return chat_tokenizer()


@pytest.mark.parametrize("name", SOURCES)
def test_rows_render_with_the_assistant_masked_in(name, tok):
    got = rows(name, "train", 20, seed=0)
    assert len(got) == 20
    for r in got:
        ids, mask = render_conversation(tok, r["messages"])
        assert len(ids) == len(mask) and sum(mask) > 0
        # the mask covers exactly the assistant's own tokens: re-rendering without them drops them
        user_only = [m for m in r["messages"] if m["role"] == "user"][:1]
        assert len(render_conversation(tok, user_only)[0]) <= mask.index(1)
    assert rows(name, "train", 20, seed=0) == got  # seeded
    if name not in ("identity", "chitchat"):
        assert rows(name, "train", 20, seed=1) != got


@pytest.mark.parametrize("name", ["worded", "arithmetic", "spelling-bee", "chitchat", "identity",
                                  pytest.param("gsm-symbolic", marks=pytest.mark.skipif(not HAS_GYM, reason="no gym"))])
def test_held_out_rows_never_occur_in_training_rows(name):
    # seed 2's training rows and the report card's test items (seed 0) once shared `7 * (-2)`
    train = rows(name, "train", 2000, seed=0) + rows(name, "train", 500, seed=7) + rows(name, "train", 1000, seed=2)
    test = rows(name, "test", 100, seed=0) + rows(name, "test", 100, seed=1) + rows(name, "val", 100, seed=0)
    assert test
    # a chat is held out whole (chats may open with the same prompt); elsewhere the question itself
    key = (lambda r: str(r["messages"])) if name == "chitchat" else (lambda r: r["messages"][0]["content"])
    assert not set(map(key, train)) & set(map(key, test))
    if name in ("worded", "arithmetic"):  # the problem itself, however it is told
        train_exprs = {r["expression"] for r in train}
        assert not train_exprs & {r["expression"] for r in test}
        from grapheme_lab.generate import canonical_key
        from grapheme_lab.chat.calculator import to_polish
        keys = {canonical_key(to_polish(r["expression"])) for r in train}
        assert not keys & {canonical_key(to_polish(r["expression"])) for r in test}


def test_a_problem_is_split_by_what_it_asks_not_by_its_level():
    from grapheme_lab.generate import canonical_key, split_of

    level1, level2 = worded.polish_tree("(* 7 -2)"), worded.polish_tree("(* (neg 2) 7)")
    assert (worded.infix(level1), worded.infix(level2)) == ("7 * (-2)", "(-2) * 7")
    # the generator's keys tell level 1's literal -2 from level 2's (neg 2) ...
    assert canonical_key("(* 7 -2)") != canonical_key("(* (neg 2) 7)")
    # ... but both ask the same, so they are one problem, in one split
    assert worded.asked_key(level1) == worded.asked_key(level2) == canonical_key("(* 7 -2)")
    assert split_of(worded.asked_key(level1)) == split_of(worded.asked_key(level2))
    # only + and * commute; a problem without a negated number keeps the generator's key
    tree = worded.polish_tree("(- (neg 3) 5)")
    assert worded.asked_key(tree) != worded.asked_key(worded.polish_tree("(- 5 -3)"))
    assert worded.asked_key(worded.polish_tree("(- 4 (- 8 (/ 9 6)))")) == canonical_key("(- 4 (- 8 (/ 9 6)))")
    assert worded.asked_key(worded.polish_tree("(neg (neg 2))")) == worded.asked_key(worded.polish_tree("(neg -2)"))


def test_worded_replies_are_calculator_calls_checked_by_the_engine():
    from grapheme_lab.chat.calculator import calculate

    for r in rows("worded", "test", 50) + rows("arithmetic", "test", 50):
        parts = r["messages"][1]["content"]
        call, output = parts[0], parts[1]
        assert call["type"] == "python" and output["type"] == "python_output"
        assert output["text"] == calculate(call["text"])
        assert answers.is_correct(parts[-1]["text"], r["answer"])


def test_infix_brackets_what_it_must():
    assert worded.infix(worded.polish_tree("(- 4 (- 8 (/ 9 6)))")) == "4 - (8 - 9 / 6)"
    assert worded.infix(worded.polish_tree("(- 5 -3)")) == "5 - (-3)"
    assert worded.infix(worded.polish_tree("(^ (neg 2) 2)")) == "(-2) ^ 2"
    assert worded.infix(worded.polish_tree("(^ 2 (^ 3 2))")) == "2 ^ 3 ^ 2"
    assert worded.polish_tree("(mod 7 3)") is None


def test_rows_survive_a_jsonl_round_trip_through_datasets(tmp_path, tok):
    mixed = mixture({"worded": 1, "chitchat": 1, "identity": 1}, "train", 30)
    assert {r["source"] for r in mixed} == {"worded", "chitchat", "identity"}
    write_rows(tmp_path / "mix.jsonl", mixed)
    back = read_rows(tmp_path / "mix.jsonl")
    assert [render_conversation(tok, r["messages"]) for r in back] == \
           [render_conversation(tok, r["messages"]) for r in mixed]
    assert rows(str(tmp_path / "mix.jsonl"), "train", 5)[0]["messages"] == mixed[0]["messages"]


def test_every_source_name_is_a_function_and_naming_them_imports_none():
    import subprocess
    import sys

    from grapheme_lab.chat.data import SOURCE_NAMES, source

    assert all(callable(source(name)) for name in SOURCE_NAMES)
    # the names are known (a stage config is checked) before any source's module is imported
    code = ("import sys; from grapheme_lab.chat.data import SOURCE_NAMES; "
            "print(any(m.startswith('grapheme_lab.chat.data.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_bad_sources_and_files_say_what_and_where(tmp_path):
    with pytest.raises(ValueError, match="unknown data source 'wordy'"):
        rows("wordy", "train", 3)
    with pytest.raises(ValueError, match="split 'dev'"):
        rows("worded", "dev", 3)
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl: row 0 has no 'messages'"):
        read_rows(tmp_path / "bad.jsonl")
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        read_rows(tmp_path / "nope.jsonl")


def test_multiple_choice_reads_arc_and_mmlu_schemas(tmp_path):
    import json

    arc = {"id": "q1", "question": "Which is a metal?", "choices": {"text": ["wood", "iron", "glass"],
           "label": ["A", "B", "C"]}, "answerKey": "B"}
    mmlu = {"question": "2+2?", "subject": "math", "choices": ["3", "4", "5", "6"], "answer": 1}
    for name, rec in (("arc", arc), ("mmlu", mmlu)):
        (tmp_path / f"{name}.jsonl").write_text(json.dumps(rec) + "\n")
        (r,) = rows("multiple-choice", "test", 5, path=str(tmp_path / f"{name}.jsonl"))
        assert r["answer"] == "B" and r["messages"][1]["content"] == "B"
        assert "- B=" in r["messages"][0]["content"] and r["messages"][0]["content"].endswith("correct answer.")
    (tmp_path / "bad.jsonl").write_text(json.dumps({**arc, "answerKey": "Z"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl: row 0: answerKey 'Z'"):
        rows("multiple-choice", "test", 5, path=str(tmp_path / "bad.jsonl"))
    with pytest.raises(ValueError, match="needs path"):
        multiple_choice.rows("test", 5)


@pytest.mark.parametrize("reply,truth,right", [
    ("The answer is 19.", "19", True),
    ("The answer is 190.", "19", False),  # contains "19": a string match would pass it
    ("12+7 is 19? No. The answer is 20.", "19", False),  # the last answer counts
    ("The answer is 19 - 1.", "19", False),  # starts with "19": the engine reads 18
    ("The answer is 19.0.", "19", True),  # written differently, the same number
    ("The answer is 38/2.", "19", True),
    ("The answer is 1,900", "1900", True),
    ("#### -0.5", "-0.5", True),
    ("I think 19.", "19", False),  # no stated answer
    ("The answer is B", "B", True),
    ("The answer is C", "B", False),
])
def test_answers_are_judged_by_the_engine(reply, truth, right):
    assert answers.is_correct(reply, truth) is right
