"""GEDLoss: gradients reach the model, and a tiny model learns from it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grapheme_lab import GraphemeError
from grapheme_lab.ged import GEDCosts, expression_ged, expression_ged_batch
from grapheme_lab.losses import GEDLoss

VOCAB = ["<eos>", "(", ")", "+", "*", "x", "1", "2"]
TARGET = "(+ x (* 2 x))"


class TinyLM(torch.nn.Module):
    """A GRU over a handful of tokens; samples token sequences and their log-probs."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.emb = torch.nn.Embedding(len(VOCAB) + 1, 16)  # +1: BOS
        self.cell = torch.nn.GRUCell(16, hidden)
        self.head = torch.nn.Linear(hidden, len(VOCAB))

    def sample(self, n: int, max_len: int = 12) -> tuple[torch.Tensor, list[str]]:
        h = torch.zeros(n, self.cell.hidden_size)
        tok = torch.full((n,), len(VOCAB), dtype=torch.long)
        logp = torch.zeros(n)
        alive = torch.ones(n, dtype=torch.bool)
        out: list[list[str]] = [[] for _ in range(n)]
        for _ in range(max_len):
            h = self.cell(self.emb(tok), h)
            dist = torch.distributions.Categorical(logits=self.head(h))
            tok = dist.sample()
            logp = logp + dist.log_prob(tok) * alive
            for i in range(n):
                if alive[i] and tok[i] != 0:
                    out[i].append(VOCAB[tok[i]])
            alive = alive & (tok != 0)
            if not alive.any():
                break
        return logp, [" ".join(t) for t in out]


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = TinyLM()
    b, k = 3, 6
    logp, texts = model.sample(b * k)
    hyps = [texts[i * k : (i + 1) * k] for i in range(b)]
    out = GEDLoss(alpha=1.0)(logp.view(b, k), hyps, [TARGET, "(* 2 x)", "x"])
    out.loss.backward()
    assert out.ged.shape == (b, k)
    assert out.expected_ged.requires_grad is False
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_loss_is_the_expected_ged_under_renormalised_probabilities():
    logp = torch.tensor([[0.0, -1.0, -2.0], [-0.5, -0.5, -3.0]], requires_grad=True)
    hyps = [["(+ x 2)", "(+ 2 x)", "(- x 2)"], ["(+ x", "x", "(* x 1)"]]
    targets = ["(+ x 2)", "(* x 1)"]
    loss_fn = GEDLoss(alpha=0.5, ce_weight=0.25)
    ce = torch.tensor(2.0)
    out = loss_fn(logp, hyps, targets, ce_loss=ce)
    ged = expression_ged_batch([h for row in hyps for h in row], [t for t in targets for _ in range(3)],
                               malformed="penalty").reshape(2, 3)
    np.testing.assert_allclose(out.ged, ged)
    q = torch.softmax(0.5 * logp, dim=1)
    want = (q * torch.as_tensor(ged, dtype=q.dtype)).sum(1).mean()
    assert torch.isclose(out.loss, want + 0.25 * ce)
    assert torch.isclose(out.expected_ged, want)
    # (+ x 2) vs (+ 2 x) is 0: commutative operands are unordered.
    assert out.ged[0, 1] == 0.0 and out.ged[0, 2] > 0
    # The malformed hypothesis was scored, not raised: read as (+ x) plus one
    # parenthesis fix at node_insertion_cost.
    assert out.ged[1, 0] == expression_ged("(+ x)", "(* x 1)").value + 1.0


def test_rejects_bad_shapes_and_targets():
    loss_fn = GEDLoss()
    with pytest.raises(GraphemeError):
        loss_fn(torch.zeros(2, 2), [["x", "x"]], ["x", "x"])
    with pytest.raises(GraphemeError):
        loss_fn(torch.zeros(1, 2), [["x"]], ["x"])
    with pytest.raises(GraphemeError):
        loss_fn(torch.zeros(1, 1), [["x"]], ["(x"])
    with pytest.raises(GraphemeError):
        GEDLoss(alpha=0.0)
    with pytest.raises(GraphemeError):
        GEDLoss(GEDCosts(), ce_weight=-1.0)


class BigramLM(torch.nn.Module):
    """A tiny autoregressive model: logits = position bias + previous-token row."""

    def __init__(self, length: int):
        super().__init__()
        self.pos = torch.nn.Parameter(torch.zeros(length, len(VOCAB)))
        self.trans = torch.nn.Parameter(torch.zeros(len(VOCAB) + 1, len(VOCAB)))

    def sample(self, n: int) -> tuple[torch.Tensor, list[str]]:
        tok = torch.full((n,), len(VOCAB), dtype=torch.long)
        logp = torch.zeros(n)
        toks = []
        for t in range(self.pos.shape[0]):
            dist = torch.distributions.Categorical(logits=self.pos[t] + self.trans[tok])
            tok = dist.sample()
            logp = logp + dist.log_prob(tok)
            toks.append(tok)
        rows = torch.stack(toks, 1).tolist()
        return logp, [" ".join(VOCAB[t] for t in row) for row in rows]


def test_expected_ged_falls_on_a_toy_task():
    # Learn to write (+ x (* 2 x)) in 9 tokens from the GED signal alone.
    torch.manual_seed(0)
    model = BigramLM(length=9)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    loss_fn = GEDLoss(alpha=1.0)
    b, k = 4, 16
    history = []
    for _ in range(60):
        logp, texts = model.sample(b * k)
        hyps = [texts[i * k : (i + 1) * k] for i in range(b)]
        out = loss_fn(logp.view(b, k), hyps, [TARGET] * b)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        history.append(out.expected_ged.item())
    start, end = np.mean(history[:5]), np.mean(history[-5:])
    assert end < 0.25 * start, (start, end)
