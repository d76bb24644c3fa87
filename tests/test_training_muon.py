"""Muon: the orthogonalization, one step against a plain reference and against PyTorch's Muon,
and which parameters the trainer gives it."""

from __future__ import annotations

import math

import pytest
import torch
from brain_helpers import tiny

from grapheme_lab import config as C
from grapheme_lab.brain.model import Brain
from grapheme_lab.training.muon import Muon, orthogonalize
from grapheme_lab.brain.train import make_optimizer
from grapheme_lab.training.optimizers import Optimizers


@pytest.mark.parametrize("shape", [(3, 16, 16), (3, 16, 48), (3, 48, 16)])
def test_orthogonalize_flattens_the_singular_values(shape):
    g = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    g[0] *= 1e3  # the scale of a gradient does not matter
    g[1, :, 0] *= 50  # nor one direction far larger than the others
    s = torch.linalg.svdvals(orthogonalize(g))
    # the quintic iteration does not converge to 1: it leaves about 0.7-1.2 (Keller Jordan's Muon)
    assert s.min() > 0.5 and s.max() < 1.3
    # the same directions as the gradient: U V^T of its SVD, up to that spread
    u, _, vh = torch.linalg.svd(g, full_matrices=False)
    cos = torch.nn.functional.cosine_similarity(orthogonalize(g).flatten(1), (u @ vh).flatten(1))
    assert (cos > 0.95).all()
    # one matrix at a time gives the same
    one = torch.stack([orthogonalize(m[None])[0] for m in g])
    assert torch.allclose(one, orthogonalize(g), atol=1e-5)


def _reference_step(p, g, buf, lr, mu, wd):
    """Muon written out for one matrix: Nesterov momentum, orthogonalized, AdamW-sized."""
    buf = buf + (1 - mu) * (g - buf)
    update = orthogonalize((g + mu * (buf - g))[None])[0]
    return p * (1 - lr * wd) - lr * 0.2 * math.sqrt(max(p.shape)) * update, buf


def test_a_step_is_muon_written_out():
    gen = torch.Generator().manual_seed(1)
    params = [torch.nn.Parameter(torch.randn(8, 24, generator=gen)) for _ in range(2)] + [
        torch.nn.Parameter(torch.randn(24, 8, generator=gen))]
    ref = [p.detach().clone() for p in params]
    bufs = [torch.zeros_like(p) for p in params]
    opt = Muon(params, lr=0.01, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        grads = [torch.randn(p.shape, generator=gen) for p in params]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
        for i, g in enumerate(grads):
            ref[i], bufs[i] = _reference_step(ref[i], g, bufs[i], 0.01, 0.9, 0.1)
    for p, r in zip(params, ref):
        assert torch.allclose(p.detach(), r, atol=1e-5)


@pytest.mark.skipif(not hasattr(torch.optim, "Muon"), reason="torch.optim.Muon arrived in PyTorch 2.9")
def test_a_step_matches_pytorchs_muon():
    """PyTorch's Muon iterates in bfloat16, so the two agree to its precision."""
    gen = torch.Generator().manual_seed(2)
    ours = [torch.nn.Parameter(torch.randn(32, 64, generator=gen) * 0.02) for _ in range(2)]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    a = Muon(ours, lr=0.003, weight_decay=0.01)
    b = torch.optim.Muon(theirs, lr=0.003, weight_decay=0.01, adjust_lr_fn="match_rms_adamw")
    for _ in range(3):
        for p, q in zip(ours, theirs):
            p.grad = torch.randn(p.shape, generator=gen)
            q.grad = p.grad.clone()
        a.step()
        b.step()
    for p, q in zip(ours, theirs):
        moved = (q.detach() - p.detach()).abs().max() / 0.003
        assert moved < 0.05  # against steps of about 0.2 * sqrt(64) = 1.6 learning rates per entry


def test_muon_takes_matrices_only():
    with pytest.raises(ValueError, match="matrices only"):
        Muon([torch.nn.Parameter(torch.zeros(4))], lr=0.1)


def test_the_trainer_gives_muon_the_blocks_matrices(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, optimizer={"type": "muon"}))
    model = Brain(cfg.model)
    opt = make_optimizer(cfg, model)
    assert isinstance(opt, Optimizers)
    adamw, muon = opt.parts
    assert isinstance(adamw, torch.optim.AdamW) and isinstance(muon, Muon)
    names = {id(p): n for n, p in model.named_parameters()}
    to_muon = {names[id(p)] for g in muon.param_groups for p in g["params"]}
    to_adamw = {names[id(p)] for g in adamw.param_groups for p in g["params"]}
    assert not to_muon & to_adamw and to_muon | to_adamw == set(names.values())
    assert "decoder.0.attn.q.weight" in to_muon and "encoder.0.mlp.0.weight" in to_muon
    # embeddings (the output head is the token embedding), the tree-position map, norms and biases
    assert {"tok.weight", "place.weight", "tree.weight", "ln_dec.weight", "decoder.0.attn.q.bias"} <= to_adamw
    with pytest.raises(ValueError, match="not of 2 optimizers"):
        opt.load_state_dict(torch.optim.AdamW(model.parameters()).state_dict())
