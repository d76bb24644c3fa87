"""The GPT: causality, the KV cache against the full forward pass, its accounting."""

from __future__ import annotations

import torch

from grapheme_lab.lm.gpt import GPT, GPTConfig


def model(**kw) -> GPT:
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=61, sequence_len=32, n_layer=2, n_embd=32, head_dim=16, **kw))
    for p in m.parameters():  # out of the zero-initialised start, so every path carries signal
        torch.nn.init.normal_(p, std=0.2)
    return m.eval()


def test_width_from_depth_as_nanochat_sizes_it():
    assert GPTConfig(n_layer=6).n_embd == 384
    assert GPTConfig(n_layer=6, n_embd=128, head_dim=32).n_head == 4


def test_kv_cache_gives_the_full_forward_logits():
    m = model()
    x = torch.randint(0, 61, (2, 21), generator=torch.Generator().manual_seed(1))
    full = m(x)
    cache = m.init_cache(2)
    parts = [m.decode(x[:, :8], cache)] + [m.decode(x[:, i : i + 1], cache) for i in range(8, 21)]
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-5)
    assert cache.pos == 21


def test_logits_are_soft_capped():
    m = model(logit_softcap=2.0)
    assert m(torch.randint(0, 61, (1, 10))).abs().max() <= 2.0


def test_parameter_groups_cover_the_model_once():
    m = model()
    groups = m.param_groups()
    ids = [id(p) for ps in groups.values() for p in ps]
    assert len(ids) == len(set(ids)) == len(list(m.parameters()))  # no norms with weights: RMSNorm is parameter-free
    assert all(p.dim() == 2 for p in groups["matrix"])
    assert m.state_bytes_per_layer() is None
    assert m.flops_per_token() > 2 * m.num_params() - 2 * 61 * 32  # the embedding lookup is no matmul
