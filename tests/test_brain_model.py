"""The brain network: causality, padding skipped, KV-cache decoding equals full decoding, beam >= greedy."""

import pytest
import torch

from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.model import Brain
from grapheme_lab.config import ModelConfig

CFG = ModelConfig(d_model=32, n_heads=4, d_ff=64, encoder_layers=2, decoder_layers=2, max_source_len=40, max_target_len=30)


def model(seed=0):
    torch.manual_seed(seed)
    return Brain(CFG).eval()


def rand_ids(b, t, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(V.INDEX["+"], V.vocab_size(), (b, t), generator=g)


def test_decoder_is_causal():
    m = model()
    src, tgt = rand_ids(3, 12, 1), rand_ids(3, 15, 2)
    base = m(src, tgt)
    for t in (0, 5, 14):
        changed = tgt.clone()
        changed[:, t] = (changed[:, t] + 7) % V.vocab_size()
        out = m(src, changed)
        torch.testing.assert_close(out[:, :t], base[:, :t], rtol=0, atol=1e-6)  # earlier outputs untouched
        assert not torch.allclose(out[:, t], base[:, t])  # the changed position itself does change


def test_source_padding_is_ignored():
    m = model()
    src, tgt = rand_ids(2, 10, 3), rand_ids(2, 6, 4)
    padded = torch.cat([src, torch.full((2, 5), V.PAD)], 1)
    torch.testing.assert_close(m(src, tgt), m(padded, tgt), rtol=1e-5, atol=1e-5)


def test_target_padding_is_skipped():
    """A row padded to the batch's longest gives the logits it gives alone, and zeros after
    its end (the layers that work token by token skip the padding)."""
    m = model()
    src, tgt = rand_ids(3, 10, 7), rand_ids(3, 9, 8)
    lengths = [9, 4, 6]
    for i, n in enumerate(lengths):
        tgt[i, n:] = V.PAD
    tgt[2, 2] = V.PAD  # a PAD inside a row (a sampled sequence may hold one) is computed like any token
    out = m(src, tgt)
    for i, n in enumerate(lengths):
        torch.testing.assert_close(out[i, :n], m(src[i : i + 1], tgt[i : i + 1, :n])[0], rtol=1e-5, atol=1e-5)
        assert not out[i, n:].any()
    assert out[2, 2].abs().sum() > 0


def test_kv_cache_greedy_matches_full_recompute():
    m = model(1)
    src = rand_ids(4, 9, 5)
    fast = m.greedy(src, 12)
    seq = torch.full((4, 1), V.BOS)
    for _ in range(fast.shape[1]):
        nxt = m(src, seq)[:, -1].argmax(-1)
        seq = torch.cat([seq, nxt[:, None]], 1)
    slow = seq[:, 1:]
    # after an EOS the cached decoder writes PAD; compare up to each row's first EOS
    for f, s in zip(fast.tolist(), slow.tolist()):
        n = f.index(V.EOS) + 1 if V.EOS in f else len(f)
        assert f[:n] == s[:n]


def test_beam_scores_at_least_greedy_and_width_one_is_greedy():
    m = model(2)
    src = rand_ids(3, 8, 6)
    greedy = m.greedy(src, 10)
    assert torch.equal(m.beam(src, 10, 1), greedy)
    beam = m.beam(src, 10, 4)

    def norm_score(seqs):
        lp = m.sequence_logprobs(src, seqs)
        n = ((seqs != V.PAD).sum(1)).clamp(min=1)
        return lp / n

    with torch.no_grad():
        assert bool((norm_score(beam) >= norm_score(greedy) - 1e-4).all())


def test_sampling_is_seeded():
    m = model(3)
    src = rand_ids(5, 7, 7)
    a = m.sample(src, 10, generator=torch.Generator().manual_seed(1))
    b = m.sample(src, 10, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def test_source_too_long_is_an_error():
    with pytest.raises(ValueError, match="max_source_len"):
        model().encode(rand_ids(1, 41, 8))


def test_digit_places_match_the_reference():
    from grapheme_lab.brain.model import _places

    ids = rand_ids(6, 40, 9)
    ids[:, ::3] = V.INDEX["5"]
    ids[:, 1::7] = V.INDEX["0"]
    assert _places(ids).tolist() == [V.place_ids(row) for row in ids.tolist()]


def test_rotary_scores_depend_on_distance_only():
    from grapheme_lab.brain.model import rotate

    torch.manual_seed(0)
    q, k = torch.randn(1, 2, 1, 16), torch.randn(1, 2, 1, 16)

    def score(i, j):
        return (rotate(q, i) * rotate(k, j)).sum(-1)

    assert torch.allclose(score(3, 1), score(10, 8), atol=1e-5)  # same distance, same score
    assert not torch.allclose(score(3, 1), score(3, 2), atol=1e-3)
    assert torch.allclose(rotate(q, 5).norm(dim=-1), q.norm(dim=-1), atol=1e-6)  # a rotation keeps lengths
    seq = torch.randn(1, 2, 5, 16)
    assert torch.allclose(rotate(seq, 0)[:, :, 3:], rotate(seq[:, :, 3:], 3), atol=1e-6)  # what the KV cache relies on
