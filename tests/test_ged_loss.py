"""GEDLoss: gradients reach the model, and a tiny model learns from it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grapheme_lab import GraphemeError
from grapheme_lab.ged import GEDCosts, expression_ged, expression_ged_batch
from grapheme_lab.losses import GEDLoss, OptimalCompletionLoss, optimal_next_tokens

@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # Tiny tensors: torch's thread pool only adds wake-up latency (seconds on a busy machine).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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


# ---------------------------------------------------------------- optimal completion


def levenshtein(a: list[int], b: list[int]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def test_optimal_next_tokens_match_the_definition():
    # A next token is optimal when the best completion after it costs no more
    # than the best completion of the prefix; EOS when the prefix itself is best.
    rng = np.random.default_rng(0)
    vocab, eos = 4, 4
    for _ in range(200):
        prefix = rng.integers(0, vocab, rng.integers(0, 6)).tolist()
        target = rng.integers(0, vocab, rng.integers(0, 6)).tolist()
        got = optimal_next_tokens(prefix, target, eos)
        assert len(got) == len(prefix) + 1
        for t, toks in enumerate(got):
            p = prefix[:t]

            def best(q):
                return min(levenshtein(q, target[:j]) for j in range(len(target) + 1))

            want = [a for a in range(vocab) if best(p + [a]) == best(p)]
            if levenshtein(p, target) == best(p):
                want.append(eos)
            assert toks == want, (p, target)


def sample_ids(model: TinyLM, n: int, max_len: int = 12) -> tuple[torch.Tensor, list[int]]:
    """Token ids sampled from the model ([n, max_len], EOS-padded) and the lengths (EOS step included)."""
    with torch.no_grad():
        h = torch.zeros(n, model.cell.hidden_size)
        tok = torch.full((n,), len(VOCAB), dtype=torch.long)
        toks = []
        for _ in range(max_len):
            h = model.cell(model.emb(tok), h)
            tok = torch.distributions.Categorical(logits=model.head(h)).sample()
            toks.append(tok)
    ids = torch.stack(toks, 1)
    lengths = [int((row == 0).nonzero()[0]) + 1 if (row == 0).any() else max_len for row in ids]
    return ids, lengths


def teacher_forced_logits(model: TinyLM, ids: torch.Tensor) -> torch.Tensor:
    h = torch.zeros(ids.shape[0], model.cell.hidden_size)
    tok = torch.full((ids.shape[0],), len(VOCAB), dtype=torch.long)
    out = []
    for t in range(ids.shape[1]):
        h = model.cell(model.emb(tok), h)
        out.append(model.head(h))
        tok = ids[:, t]
    return torch.stack(out, 1)


TARGET_IDS = [VOCAB.index(t) for t in "( + x ( * 2 x ) )".split()]


def test_optimal_completion_gradients_reach_every_parameter():
    torch.manual_seed(1)
    model = TinyLM()
    ids, lengths = sample_ids(model, 8)
    loss = OptimalCompletionLoss()(teacher_forced_logits(model, ids), ids, lengths, [TARGET_IDS] * 8, eos_id=0)
    loss.backward()
    assert loss.item() > 0
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    with pytest.raises(GraphemeError):
        OptimalCompletionLoss()(torch.zeros(2, 3, 8), ids[:2, :3], [1, 4], [[1], [1]], eos_id=0)
    with pytest.raises(GraphemeError):
        OptimalCompletionLoss()(torch.zeros(1, 3, 8), ids[:1, :3], [2], [[9]], eos_id=0)


def test_optimal_completion_lowers_the_edit_distance():
    torch.manual_seed(0)
    model = TinyLM()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = OptimalCompletionLoss()
    history = []
    for _ in range(30):
        ids, lengths = sample_ids(model, 16)
        loss = loss_fn(teacher_forced_logits(model, ids), ids, lengths, [TARGET_IDS] * 16, eos_id=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        words = [[int(x) for x in row[: n - 1]] if row[n - 1] == 0 else row[:n].tolist() for row, n in zip(ids, lengths)]
        history.append(np.mean([levenshtein(w, TARGET_IDS) for w in words]))
    start, end = np.mean(history[:5]), np.mean(history[-5:])
    assert end < 0.2 * start, (start, end)
