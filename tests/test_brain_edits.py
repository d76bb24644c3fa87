"""Steps written as edits: sites, edits, splicing back, and the decoder's tree positions."""

import pytest
import torch

from grapheme_lab import generate
from grapheme_lab.brain import edits as E
from grapheme_lab.brain import tree_positions as TP
from grapheme_lab.brain import vocab as V

from test_brain_tree_positions import paths


def toks(polish: str) -> list[str]:
    return V.expression_tokens(polish)


def test_an_edit_holds_what_the_step_changes():
    src, whole = toks("(+ (* 2 3) (/ -4 6))"), toks("(+ 6 (/ -2 3))")
    assert [n.path for n in E.sites(src)] == [(0,), (1,)]
    assert E.edit(src, whole) == toks("6") + toks("(/ -2 3)")
    assert E.splice(src, toks("6") + toks("(/ -2 3)")) == whole
    assert E.edit(toks("(/ 16 3)"), toks("16/3")) == toks("16/3")  # the last step: the root is the site


def test_bindings_are_the_sites_of_their_step():
    src = toks("(+ x (* x 3))") + ["with", "x", "P", "2"]
    assert [n.path for n in E.sites(src)] == [(0,), (1, 0)]
    assert E.edit(src, toks("(+ 2 (* 2 3))")) == ["P", "2", "P", "2"]
    assert E.splice(src, ["P", "2", "P", "2"]) == toks("(+ 2 (* 2 3))")  # the bindings go once substituted


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_generated_step_round_trips(level):
    n, whole, edited = 0, 0, 0
    for row in generate.level(level, 150, seed=5):
        for s, t in (V.step_pairs(row) or []) + V.correction_pairs(row):
            e = E.edit(s, t)
            assert E.splice(s, e) == t
            n, whole, edited = n + 1, whole + len(t), edited + len(e)
    assert n > 150 and edited < whole


def test_edits_that_do_not_fit_are_refused():
    src = toks("(+ (* 2 3) (/ -4 6))")
    assert E.splice(src, toks("6")) is None  # one edit for two sites
    assert E.splice(src, toks("6") + toks("1") + toks("2")) is None  # three
    assert E.splice(src, ["P", "6", "/", "P"]) is None  # the second is cut short
    assert E.splice(src, ["P", "6", "with", "P", "1"]) is None  # not an expression
    assert E.splice(["P", "5"], toks("5")) is None  # a value has nothing to reduce
    assert E.written(src, toks("6"), {"level": 2}, "edits") == ["<unk>", "P", "6"]  # malformed
    assert E.written(src, toks("6"), {"level": 2}, "steps") == toks("6")


def test_step_that_changes_more_than_its_sites_is_an_error():
    with pytest.raises(ValueError, match="changes more than its sites"):
        E.edit(toks("(+ (* 2 3) 4)"), toks("(+ 6 5)"))


def test_the_decoder_writes_each_edit_at_its_site():
    """An edit's tokens get the tree positions they have in the whole step: the decoder looks
    up the operands by path as it would writing the whole line."""
    src, whole = toks("(+ (* 2 3) (/ -4 6))"), toks("(+ 6 (/ -2 3))")
    edit = E.edit(src, whole)
    start = tuple(E.starts(src))
    s, w = TP.Slots(start), TP.Slots()
    in_whole = {}
    for t in whole:
        in_whole.setdefault(paths(w.feed(V.INDEX[t]))[0], []).append(t)
    got = [paths(s.feed(V.INDEX[t]))[0] for t in edit]
    assert got == [(0,), (0,), (1,), (0, 1), (0, 1), (1, 1), (1, 1)]  # most recent branch first
    assert all(t in in_whole[p] for t, p in zip(edit, got))
    assert paths(TP.Slots(start).feed(V.BOS)) == (None, (0,))  # the first site is open first
    rows = [V.encode(edit)]
    batch = TP.rows_features(rows, len(edit), starts=[start])
    one = TP.Slots(start)
    for i, t in enumerate(rows[0]):
        torch.testing.assert_close(TP.step_features([one], [t], "cpu")[0, 0], batch[0, i])


def test_decoder_starts_only_for_steps_as_edits():
    src = V.encode(toks("(+ (* 2 3) (/ -4 6))"))
    rows = [{"level": 2}, {"level": 4}]
    assert E.decoder_starts([src, src], rows, "steps") is None
    assert E.decoder_starts([src, src], rows, "edits") == [((0,), (1,)), ((),)]
