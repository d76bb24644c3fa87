"""Tree positions: each token's node path and the next open slot, parsed from the prefix."""

import torch

from grapheme_lab.brain import tree_positions as TP
from grapheme_lab.brain import vocab as V


def paths(indices: tuple[int, ...]) -> tuple:
    """Decode feature indices back to (own path, next path), paths as most-recent-first tuples."""
    out = []
    for offset in (0, TP.PATH_FEATURES):
        mine = sorted(i - offset for i in indices if offset <= i < offset + TP.PATH_FEATURES)
        if not mine:
            out.append(None)
            continue
        assert mine[0] == 0  # the "has a path" flag
        out.append(tuple((i - 1) % TP.BRANCHES for i in mine[1:]))
    return tuple(out)


def test_paths_of_an_expression():
    # (+ (* 3 14) (- 7 2)); paths written most recent branch first
    toks = V.expression_tokens("(+ (* 3 14) (- 7 2))")
    s = TP.Slots()
    got = [(t, *paths(s.feed(V.INDEX[t]))) for t in toks]
    assert got == [
        ("+", (), (0,)),
        ("*", (0,), (0, 0)),
        ("P", (0, 0), (1, 0)),
        ("3", (0, 0), (1, 0)),  # a digit shares its number's path
        ("P", (1, 0), (1,)),
        ("4", (1, 0), (1,)),
        ("1", (1, 0), (1,)),
        ("-", (1,), (0, 1)),
        ("P", (0, 1), (1, 1)),
        ("7", (0, 1), (1, 1)),
        ("P", (1, 1), None),  # nothing left open
        ("2", (1, 1), None),
    ]


def test_bindings_and_separators():
    s = TP.Slots()
    toks = V.expression_tokens("(neg x)") + ["with", "x", "P", "2"]
    got = [paths(s.feed(V.INDEX[t])) for t in toks]
    assert got[:2] == [((), (0,)), ((0,), None)]
    assert got[2:] == [(None, None)] * 4  # bindings sit outside the tree
    assert paths(TP.Slots().feed(V.BOS)) == (None, ())  # the decoder starts at the root slot
    s = TP.Slots()
    for t in V.expression_tokens("(+ 1 2)"):
        s.feed(V.INDEX[t])
    assert paths(s.feed(V.SEMI)) == (None, ())  # after ';' a new expression starts


def test_deep_paths_keep_the_latest_branches():
    expr = "1"
    for _ in range(TP.DEPTH + 3):
        expr = f"(neg {expr})"
    s = TP.Slots()
    feats = [s.feed(V.INDEX[t]) for t in V.expression_tokens(expr)]
    own, _ = paths(feats[-1])
    assert own == (0,) * TP.DEPTH
    assert max(max(f) for f in feats) < TP.FEATURES


def test_batch_features_match_feeding_one_token_at_a_time():
    rows = [V.encode(V.expression_tokens(e)) for e in ("(+ (* 3 14) (- 7 2))", "(/ 1 -2/3)")]
    width = max(map(len, rows))
    ids = torch.tensor([r + [V.PAD] * (width - len(r)) for r in rows])
    batch = TP.features(ids)
    slots = [TP.Slots() for _ in rows]
    for t in range(width):
        step = TP.step_features(slots, ids[:, t].tolist(), "cpu")
        for b, r in enumerate(rows):
            if t < len(r):
                torch.testing.assert_close(step[b, 0], batch[b, t])
            else:
                assert batch[b, t].sum() == 0  # padding has no position
