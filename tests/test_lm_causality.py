"""Every language-model kind: changing tokens after position t never changes the logits at
positions up to t (the byte model of one earlier system saw the byte it had to predict)."""

from __future__ import annotations

import pytest
import torch

from grapheme_lab.lm import models


def tiny(kind: str):
    _, cfg_cls = models.classes(kind)
    sizes = {"gpt": dict(n_layer=2, n_embd=32, head_dim=16), "thyme": dict(n_layer=2, n_embd=32),
             "turngpt": dict(n_layer=2, n_embd=32, head_dim=16),

             # an untrained entropy model is near-uniform: patches of 3 from the length limit
             "blt": dict(entropy_gpt=dict(n_layer=1, n_embd=32, head_dim=16), entropy_threshold=99.0,
                         max_patch_len=3, d_local=32, d_latent=32, head_dim=16, n_latent=1, n_local_decoder=1,
                         hash_buckets=64)}[kind]
    torch.manual_seed(0)
    m = models.build(kind, cfg_cls(vocab_size=50, sequence_len=40, **sizes))
    for p in m.parameters():
        if p.dim() >= 2:
            torch.nn.init.normal_(p, std=0.2)
    return m.eval()


@pytest.mark.parametrize("kind", sorted(models.KINDS))
def test_later_tokens_change_no_earlier_logits(kind):
    m = tiny(kind)
    g = torch.Generator().manual_seed(3)
    x = torch.randint(0, 50, (2, 40), generator=g)
    for t in (0, 7, 25, 38):
        y = x.clone()
        y[:, t + 1 :] = torch.randint(0, 50, (2, 40 - t - 1), generator=g)
        a, b = m(x), m(y)
        assert torch.equal(a[:, : t + 1], b[:, : t + 1]), f"{kind}: position <= {t} moved"
        assert not torch.allclose(a[:, t + 1 :], b[:, t + 1 :]), f"{kind}: later positions ignore their input"
