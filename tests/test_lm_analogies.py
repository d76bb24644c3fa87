"""evaluate analogies: the right answers on a fake embedding where they are known, the query
words excluded, out-of-vocabulary questions counted apart, every kind with a token embedding,
and bad input as a clear error with exit status 2."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from lm_helpers import lm_config, tiny_corpus

from grapheme_lab import GraphemeError
from grapheme_lab.cli import main as cli
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.analogies import (QUESTIONS_FILE, analogy_rank, evaluate_analogies, read_questions, spearman,
                                       similarity)

torch.set_num_threads(1)

WORDS = ["<bos>", "man", "woman", "king", "queen", "boy", "girl", "apple", "pear"]


class WordTokenizer:
    """One token a word of WORDS (with or without a leading space); anything else: two."""

    def encode(self, text):
        w = text.strip()
        return [WORDS.index(w)] if w in WORDS else [0, 0]


def fake_embedding() -> torch.Tensor:
    """man = adult + male, woman = adult + female, king = royal + male, queen = royal + female,
    boy = young + male, girl = young + female: b - a + c is exactly the answer's vector."""
    e = torch.zeros(len(WORDS), 8)
    basis = {"adult": 0, "royal": 1, "young": 2, "male": 3, "female": 4}
    for w, (x, y) in {"man": ("adult", "male"), "woman": ("adult", "female"), "king": ("royal", "male"),
                      "queen": ("royal", "female"), "boy": ("young", "male"), "girl": ("young", "female")}.items():
        e[WORDS.index(w), [basis[x], basis[y]]] = 1.0
    e[0, 5], e[7, 6], e[8, 7] = 1.0, 1.0, 1.0
    return e


def test_known_answers_with_the_query_words_excluded_and_oov_apart(tmp_path):
    q = tmp_path / "q.txt"
    q.write_text(": family\nman king woman queen\nman woman boy girl\nking queen man woman\n"
                 ": fruit\napple pear king queen\nman king woman emperor\n")
    r = evaluate_analogies(fake_embedding(), WordTokenizer(), read_questions(q))
    assert (r.sections["family"].correct, r.sections["family"].answered) == (3, 3)
    assert r.sections["fruit"].oov == 1 and r.sections["fruit"].answered == 1
    assert r.total().questions == 5 and r.total().answered == 4
    assert analogy_rank(fake_embedding(), WordTokenizer(), "man", "king", "woman", "queen") == 1
    # b - a + c is often nearest b itself: with woman next to man, king - man + woman is king, excluded
    e = fake_embedding()
    e[WORDS.index("woman")] = e[WORDS.index("man")] + 0.2 * e[WORDS.index("queen")]
    q.write_text(": s\nman king woman king\nman king woman queen\n")
    r = evaluate_analogies(e, WordTokenizer(), read_questions(q))
    assert r.sections["s"].correct == 1  # queen, never the excluded king


def test_the_shipped_questions_are_word2vecs_19544():
    s = read_questions(QUESTIONS_FILE)
    assert len(s) == 14 and sum(map(len, s.values())) == 19544
    assert s["capital-common-countries"][0] == ("Athens", "Greece", "Baghdad", "Iraq")


def test_spearman_and_similarity():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    rho, used, oov = similarity(fake_embedding(), WordTokenizer(),
                                [("king", "queen", 9.0), ("king", "man", 8.0), ("king", "apple", 0.5), ("x", "y", 1.0)])
    assert (used, oov) == (3, 1) and rho == pytest.approx(3 ** 0.5 / 2)  # cosines 0.5, 0.5, 0: one tie


@pytest.mark.parametrize("bad, says", [
    ("man king woman queen\n", "before the first ': section'"),
    (": s\nman king woman\n", "q.txt:2: expected four words"),
    (": s\n", "no questions"),
])
def test_bad_questions_files(tmp_path, bad, says):
    (tmp_path / "q.txt").write_text(bad)
    with pytest.raises(GraphemeError, match=says):
        read_questions(tmp_path / "q.txt")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    from grapheme_lab.lm.train import train

    tmp = tmp_path_factory.mktemp("analogies")
    corpus = tiny_corpus(tmp)
    out = {}
    for kind in ("gpt", "turngpt"):
        train(LC.from_dict(lm_config(tmp / kind, corpus.dir, kind=kind, max_steps=2, eval_every=0)))
        out[kind] = tmp / kind / "run" / "final.pt"
    return out


@pytest.mark.parametrize("kind", ["gpt", "turngpt"])
def test_cli_scores_every_kind_with_a_token_embedding(tmp_path, checkpoints, kind, capsys):
    q = tmp_path / "letters.txt"  # the tiny corpus is bytes: single letters are its only one-token words
    q.write_text(": letters\na b c d\ne f g h\nthe king and queen\n")
    capsys.readouterr()
    assert cli(["evaluate", "analogies", "--model", str(checkpoints[kind]), "--questions", str(q)]) == 0
    out = capsys.readouterr().out
    assert "letters" in out and f"{kind}," in out and "all" in out
    assert "SimLex-999" in out and "WordSim-353" in out  # a score, or said to be unavailable


def test_spearman_is_scipys_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.integers(0, 6, 40), rng.normal(size=40).round(1)  # many ties in x, some in y
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_cli_word_similarity_on_a_pairs_file(tmp_path, checkpoints, capsys, monkeypatch):
    stats = pytest.importorskip("scipy.stats")
    from grapheme_lab.lm import analogies
    from grapheme_lab.lm.checkpoint import load_model

    pairs = tmp_path / "pairs.tsv"  # the byte vocabulary: single letters are one token, "king" is not
    pairs.write_text("# Word 1\tWord 2\tHuman (mean)\na\tb\t1.0\nc\td\t7.5\ne\tf\t3.0\ng\th\t2.0\n"
                     "king\tqueen\t9.0\n")
    q = tmp_path / "q.txt"
    q.write_text(": letters\na b c d\n")
    monkeypatch.setattr(analogies, "gensim_test_file", lambda name: None)  # as without gensim
    capsys.readouterr()
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["gpt"]), "--questions", str(q),
                "--pairs", str(pairs)]) == 0
    out = capsys.readouterr().out
    emb = analogies.token_embeddings(load_model(checkpoints["gpt"])[0])
    cos = [float(torch.nn.functional.cosine_similarity(emb[ord(a)], emb[ord(b)], dim=0)) for a, b in
           ("ab", "cd", "ef", "gh")]
    rho = stats.spearmanr(cos, [1.0, 7.5, 3.0, 2.0]).statistic
    assert f"pairs.tsv: Spearman {rho:.3f} over 4 of 5 pairs (1 out of vocabulary" in out
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["gpt"]), "--questions", str(q)]) == 0
    out = capsys.readouterr().out
    assert "SimLex-999: not available: install gensim" in out and "WordSim-353: not available" in out
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["gpt"]), "--questions", str(q),
                "--pairs", str(tmp_path / "missing.tsv")]) == 2
    err = capsys.readouterr().err
    assert "pairs file" in err and "missing.tsv does not exist" in err


def test_cli_word_similarity_on_gensims_test_data(checkpoints, tmp_path, capsys):
    pytest.importorskip("gensim")
    q = tmp_path / "q.txt"
    q.write_text(": letters\na b c d\n")
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["gpt"]), "--questions", str(q)]) == 0
    out = capsys.readouterr().out  # the byte vocabulary has none of their words as one token
    assert "SimLex-999: no Spearman (fewer than 2 pairs in the vocabulary) over 0 of 999 pairs" in out
    assert "WordSim-353: no Spearman (fewer than 2 pairs in the vocabulary) over 0 of 353 pairs" in out


def test_cli_bad_input_is_exit_2(tmp_path, checkpoints, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\nonly three words\n")
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["gpt"]), "--questions", str(bad)]) == 2
    assert "bad.txt:2" in capsys.readouterr().err
    # the shipped questions against a byte vocabulary: no question has four one-token words
    assert cli(["evaluate", "analogies", "--model", str(checkpoints["turngpt"])]) == 2
    assert "none of the 19,544 analogy questions" in capsys.readouterr().err
    # today's evaluate still scores bpb
    assert cli(["evaluate", "--model", str(checkpoints["turngpt"])]) == 0
    assert "bits per byte" in capsys.readouterr().out
