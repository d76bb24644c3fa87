"""benches/turngpt_vs_gpt.py: its word2vec reference, its rows kept per arm and seed, and the
summary over seeds (the report's table rests on these)."""

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benches"))

from turngpt_vs_gpt import kept_or_run, summarise, word2vec_embeddings  # noqa: E402

from lm_helpers import tiny_corpus  # noqa: E402


def test_word2vec_on_the_training_tokens_is_seeded_and_keeps_token_ids(tmp_path):
    pytest.importorskip("gensim")
    corpus = tiny_corpus(tmp_path)
    emb, seen, n = word2vec_embeddings(corpus, 16, seed=0)
    again, _, _ = word2vec_embeddings(corpus, 16, seed=0)
    assert emb.shape == (corpus.vocab_size, 16) and (emb == again).all()  # deterministic: one worker, seeded
    train_ids = {int(t) for d in corpus.documents("train") for t in corpus.tokens(d)[1:]}
    assert seen == len(train_ids) and n == sum(d.end - d.start - 1 for d in corpus.documents("train"))
    nonzero = {i for i in range(corpus.vocab_size) if emb[i].abs().sum() > 0}
    assert nonzero == train_ids  # a row by token id; tokens the split never shows stay zero
    other, _, _ = word2vec_embeddings(corpus, 16, seed=1)
    assert not (emb == other).all()


def test_word2vec_at_a_token_budget_reads_that_many_tokens(tmp_path):
    pytest.importorskip("gensim")
    corpus = tiny_corpus(tmp_path)
    _, _, n = word2vec_embeddings(corpus, 8, seed=0, epochs=1, max_tokens=1234)
    assert n == 1234


def test_a_kept_row_is_reused_only_under_the_same_settings(tmp_path):
    calls = []

    def run():
        calls.append(1)
        return {"arm": "gpt", "seed": 0, "test_bpb": 2.5}

    row = kept_or_run(tmp_path / "gpt", {"steps": 240}, run)
    assert kept_or_run(tmp_path / "gpt", {"steps": 240}, run) == row and len(calls) == 1
    assert json.loads((tmp_path / "gpt" / "row.json").read_text())["settings"] == {"steps": 240}
    with pytest.raises(SystemExit, match="other settings"):
        kept_or_run(tmp_path / "gpt", {"steps": 300}, run)


def test_summary_over_seeds():
    rows = [{"arm": "gpt", "seed": s, "test_bpb": b, "SimLex-999": math.nan} for s, b in ((0, 2.0), (1, 2.2), (2, 2.6))]
    rows.append({"arm": "word2vec", "seed": 0, "analogy_correct": 30, "king_man_woman_queen_rank": None})
    gpt, w2v = summarise(rows)
    assert gpt["seeds"] == [0, 1, 2] and "SimLex-999" not in gpt  # NaN and None are left out, not averaged
    b = gpt["test_bpb"]
    assert b["n"] == 3 and b["min"] == 2.0 and b["max"] == 2.6
    assert b["mean"] == pytest.approx(2.2666667) and b["sd"] == pytest.approx(0.3055050)
    assert w2v["analogy_correct"] == {"mean": 30, "sd": 0.0, "min": 30, "max": 30, "n": 1}
    assert "test_bpb" not in w2v and "king_man_woman_queen_rank" not in w2v
