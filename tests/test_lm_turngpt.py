"""TurnGPT: the KV cache against the full forward pass, the tied and factorised head, bounded
turn powers under bf16, initialisations that give no two analogy words the same coordinates,
parameter counts that add up, and training through the loop."""

from __future__ import annotations

import math

import pytest
import torch
from lm_helpers import lm_config, tiny_corpus

from grapheme_lab.lm import config as LC
from grapheme_lab.lm.gpt import GPT, GPTConfig
from grapheme_lab.lm.turngpt import (TurnGPT, TurnGPTConfig, category_turns, compression_report, load_categories,
                                     ppmi_turns)

torch.set_num_threads(1)


def model(**kw) -> TurnGPT:
    torch.manual_seed(0)
    m = TurnGPT(TurnGPTConfig(vocab_size=61, sequence_len=32, n_layer=2, n_embd=32, head_dim=16, **kw))
    for blk in m.blocks:  # out of the identity start, so every path carries signal
        for p in blk.parameters():
            torch.nn.init.normal_(p, std=0.2)
    return m.eval()


class WordTokenizer:
    """One token a word of a fixed list (with or without a leading space); anything else: many."""

    def __init__(self, words):
        self.ids = {w: i for i, w in enumerate(words)}

    def encode(self, text):
        w = text.strip()
        return [self.ids[w]] if w in self.ids else [0, 0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("turngpt"))


def test_kv_cache_gives_the_full_forward_logits():
    m = model()
    x = torch.randint(0, 61, (2, 21), generator=torch.Generator().manual_seed(1))
    full = m(x)
    cache = m.init_cache(2)
    parts = [m.decode(x[:, :8], cache)] + [m.decode(x[:, i : i + 1], cache) for i in range(8, 21)]
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-5)
    assert cache.pos == 21


def test_factorised_logits_equal_the_explicit_product_and_the_head_is_tied():
    m = model(logit_softcap=0.0)
    h = torch.randn(3, 5, 32)
    e = m.token_embeddings()  # V x D, built explicitly
    assert e.shape == (61, 32)
    explicit = torch.nn.functional.rms_norm(h, (32,)) @ e.t()
    assert torch.allclose(m._logits(h), explicit, atol=1e-4)
    # the input rows are the same matrix's rows
    idx = torch.tensor([[0, 5, 60]])
    assert torch.allclose(m.embed(idx)[0], e[[0, 5, 60]], atol=1e-6)
    # tied: no V x D parameter anywhere, and the head's gradient reaches the turns
    assert not any(p.shape in ((61, 32), (32, 61)) for p in m.parameters())
    m.zero_grad()
    m._logits(h).sum().backward()
    assert m.turns.grad is not None and m.turns.grad.abs().sum() > 0


def test_turn_powers_stay_bounded_and_finite_under_bf16():
    m = model()
    with torch.no_grad():
        m.turns.copy_(torch.randint(-10, 11, m.turns.shape).float() * 100)  # far past the seed's [-10, 10]
    p = m.powers()
    assert p.dtype == torch.float32 and torch.isfinite(p).all()
    assert p.abs().max() <= m.cfg.turn_bound ** (m.cfg.degree - 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert m.powers().dtype == torch.float32
        logits = m(torch.randint(0, 61, (2, 9)))
    assert torch.isfinite(logits).all()


def test_parameter_counts_add_up_and_compression_is_for_the_whole_model():
    m = model()
    c = m.parameter_counts()
    assert c["embedding"] == 61 * 8 + 8 * 5 * 32 and c["head"] == 0
    assert c["embedding"] + c["head"] + c["blocks"] == c["total"] == m.num_params()
    r = m.compression()
    gpt = GPT(GPTConfig(vocab_size=61, sequence_len=32, n_layer=2, n_embd=32, head_dim=16))
    assert r["gpt_untied"] == gpt.num_params()
    assert r["gpt_tied"] == gpt.num_params() - 61 * 32
    assert r["total"] == m.num_params()
    # the seed's 31.2x is its embedding alone: GPT-2's 50,257 tokens at width 256
    seed = compression_report(TurnGPTConfig(vocab_size=50257, n_layer=4, n_embd=256))
    assert round(seed["embedding_ratio"], 1) == 31.2
    assert seed["vs_untied"] < 10 and seed["vs_tied"] < seed["vs_untied"]
    assert "tied" in m.parameter_report()


def test_param_groups_cover_the_model_once_and_turns_get_no_decay(tmp_path, corpus):
    m = model()
    groups = m.param_groups()
    ids = [id(p) for ps in groups.values() for p in ps]
    assert len(ids) == len(set(ids)) == len(list(m.parameters()))
    assert set(groups) == {"turns", "coefficients", "matrix"}
    from grapheme_lab.lm.train import make_optimizer

    raw = lm_config(tmp_path, corpus.dir, kind="turngpt")
    raw["optimizer"] = {"type": "adamw", "weight_decay": 0.1, "group_lr": {"turns": 0.001, "coefficients": 0.01}}
    opt = make_optimizer(LC.from_dict(raw), m)
    by_name = {g["name"]: g for g in opt.param_groups if "name" in g}
    assert by_name["turns"]["weight_decay"] == 0.0 and by_name["turns"]["lr"] == 0.001
    assert by_name["coefficients"]["weight_decay"] == 0.1 and by_name["coefficients"]["lr"] == 0.01


QUERY_WORDS = ("king", "queen", "man", "woman", "boy", "girl", "father", "mother", "son", "daughter")


def test_no_initialisation_gives_two_query_words_the_same_coordinates():
    words = sorted({w for ws in load_categories().values() for w in ws})
    assert len(words) >= 500 and len(load_categories()) >= 8
    tok = WordTokenizer(["<pad>"] + words)
    cfg = TurnGPTConfig(vocab_size=len(words) + 1, n_layer=1, n_embd=64, init="categories")
    cat, n = category_turns(tok, cfg)
    assert n == len(words)
    rnd = TurnGPT(TurnGPTConfig(vocab_size=len(words) + 1, n_layer=1, n_embd=64)).turns.detach()
    for turns in (cat, rnd):
        q = turns[[tok.ids[w] for w in QUERY_WORDS]]
        assert torch.cdist(q, q).add(torch.eye(len(q)) * 1e9).min() > 1e-3
    # words of one category are nearer each other than their centre is to another's, not equal
    assert (cat[tok.ids["king"]] - cat[tok.ids["queen"]]).norm() < (cat[tok.ids["king"]] - cat[tok.ids["sun"]]).norm()


def test_ppmi_init_separates_every_token(corpus):
    cfg = TurnGPTConfig(vocab_size=corpus.vocab_size, n_layer=1, n_embd=64, init="ppmi")
    turns, n = ppmi_turns(corpus.shards("train"), cfg)
    assert n == sum(len(s) for s in corpus.shards("train"))
    assert turns.shape == (corpus.vocab_size, 8) and torch.isfinite(turns).all()
    d = torch.cdist(turns, turns) + torch.eye(len(turns)) * 1e9
    assert d.min() > 0  # even the bytes the corpus never shows
    # it put the corpus's structure there: the spread of seen tokens is far above the noise
    seen = torch.unique(torch.from_numpy(corpus.shards("train")[0].astype("int64")))
    assert turns[seen].std() > 0.1


def test_the_loop_trains_each_initialisation(tmp_path, corpus, capsys):
    from grapheme_lab.lm.train import train

    for init in ("random", "ppmi", "categories"):
        raw = lm_config(tmp_path / init, corpus.dir, kind="turngpt", max_steps=12, eval_every=6, learning_rate=0.01)
        raw["model"]["init"] = init
        s = train(LC.from_dict(raw))
        assert math.isfinite(s["val_bpb"]) and s["val_bpb"] < 8.0
        said = capsys.readouterr().out
        assert "head 0 (tied)" in said
        assert {"random": "turns", "ppmi": "PPMI", "categories": "category words"}[init] in said


def test_a_turn_at_zero_has_a_finite_gradient():
    m = model()
    with torch.no_grad():
        m.turns[3] = 0.0
    m(torch.tensor([[3, 4, 3]])).sum().backward()
    assert torch.isfinite(m.turns.grad).all() and m.turns.grad[3].abs().sum() > 0
