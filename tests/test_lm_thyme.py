"""Thyme: the chunked scan equals the recurrence, causality, stacked layers, constant-memory
generation, the accounting the loop reads, and gradients that reach decay and mix."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from grapheme_lab.lm.thyme import Thyme, ThymeConfig, chunked_decay_scan, horizons

VOCAB = 50


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # tiny matrices: a second thread only waits on the first, and on a shared machine it
    # made these tests 10-50x slower
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny(**kw) -> ThymeConfig:
    table = dict(vocab_size=VOCAB, sequence_len=64, n_layer=2, n_embd=32, chunk_len=16, mlp_mult=2)
    table.update(kw)
    return ThymeConfig(**table)


def model_with_loud_readouts(cfg: ThymeConfig, dtype=torch.float64, seed: int = 0) -> Thyme:
    """A model whose layers matter: at init the residual branches are small (std 0.02 /
    sqrt(2 L)), so an error in the scan would hardly move the logits; these readouts and
    decays (a of 0.8-0.9, so that chunks carry much into the next) make it show."""
    torch.manual_seed(seed)
    model = Thyme(cfg).to(dtype)
    with torch.no_grad():
        for i, layer in enumerate(model.layers):
            torch.nn.init.normal_(layer.readout.weight, std=1.0)
            torch.nn.init.normal_(layer.query.weight, std=0.5)
            layer.decay.fill_(math.log(4.0 + 4.0 * i))  # a = 0.8, 0.89
            layer.mix.fill_(0.3)
        torch.nn.init.normal_(model.head.weight, std=0.5)
    return model


def tokens(b: int, t: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, VOCAB, (b, t), generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------ parallel == recurrent


@pytest.mark.parametrize("t", [64, 37, 5])  # whole chunks, a partial last chunk, shorter than a chunk
def test_parallel_equals_recurrent_loop_float64(t):
    model = model_with_loud_readouts(tiny())
    idx = tokens(3, t)
    parallel, recurrent = model(idx), model.forward_recurrent(idx)
    assert parallel.shape == (3, t, VOCAB)
    assert parallel.std() > 0.1  # the logits are not flat, so the comparison means something
    torch.testing.assert_close(parallel, recurrent, rtol=0, atol=1e-10)


@pytest.mark.parametrize("t", [64, 37])
def test_parallel_equals_decode_token_by_token_float64(t):
    model = model_with_loud_readouts(tiny())
    idx = tokens(2, t)
    cache = model.init_cache(2)
    stepped = torch.cat([model.decode(idx[:, i:i + 1], cache) for i in range(t)], 1)
    torch.testing.assert_close(model(idx), stepped, rtol=0, atol=1e-10)
    assert cache.pos == t


def test_prompt_then_tokens_equals_parallel_float64():
    # a 21-token prompt in one call (chunks of 16: one whole, one partial), then one by one
    model = model_with_loud_readouts(tiny())
    idx = tokens(2, 45)
    cache = model.init_cache(2)
    parts = [model.decode(idx[:, :21], cache)]
    parts += [model.decode(idx[:, i:i + 1], cache) for i in range(21, 30)]
    parts.append(model.decode(idx[:, 30:], cache))  # a second prompt continuing from the state
    torch.testing.assert_close(model(idx), torch.cat(parts, 1), rtol=0, atol=1e-10)


def test_parallel_equals_decode_float32():
    # float32: the forms sum in different orders, so each is off the float64 result of the
    # same weights by rounding, measured at up to 3e-5 on logits of up to 10 (these loud
    # weights amplify it); 1e-5 of the logits' largest size, ~1e-4, bounds that
    model = model_with_loud_readouts(tiny(), dtype=torch.float32)
    exact = copy.deepcopy(model).double()
    idx = tokens(2, 40)
    truth = exact(idx).float()
    tol = 1e-5 * truth.abs().max().item()
    cache = model.init_cache(2)
    stepped = torch.cat([model.decode(idx[:, i:i + 1], cache) for i in range(40)], 1)
    for logits in (model(idx), stepped, model.forward_recurrent(idx)):
        torch.testing.assert_close(logits, truth, rtol=0, atol=tol)


def test_scan_with_initial_state_and_final_state():
    torch.manual_seed(3)
    b, t, n_c = 2, 23, 5
    c, q, s0 = torch.randn(b, t, n_c, dtype=torch.float64), torch.randn(b, t, n_c, dtype=torch.float64), \
        torch.randn(b, n_c, n_c, dtype=torch.float64)
    log_a, m = torch.tensor(math.log(0.7), dtype=torch.float64), torch.tensor(0.4, dtype=torch.float64)
    y, last = chunked_decay_scan(c, q, log_a, m, chunk_len=4, state=s0, final_state=True)
    state, ys = s0.clone(), []
    for i in range(t):
        state = 0.7 * state + 0.4 * torch.einsum("bi,bj->bij", c[:, i], c[:, i])
        ys.append(torch.einsum("bij,bj->bi", state, q[:, i]))
    torch.testing.assert_close(y, torch.stack(ys, 1), rtol=0, atol=1e-12)
    torch.testing.assert_close(last, state, rtol=0, atol=1e-12)


# ------------------------------------------------------------ causality and stacking


def test_causal():
    model = model_with_loud_readouts(tiny(), dtype=torch.float32)
    idx = tokens(2, 50)
    for t in (0, 15, 16, 31, 40):  # within a chunk and at chunk edges
        changed = idx.clone()
        changed[:, t + 1:] = (changed[:, t + 1:] + 1 + torch.arange(50 - t - 1)) % VOCAB
        a, b = model(idx), model(changed)
        torch.testing.assert_close(a[:, :t + 1], b[:, :t + 1], rtol=0, atol=1e-6)
        assert (a[:, t + 1:] - b[:, t + 1:]).abs().max() > 1e-2


def test_layers_stack():
    model = model_with_loud_readouts(tiny(), dtype=torch.float32)
    idx = tokens(2, 30)
    seen = {}
    for i, layer in enumerate(model.layers):
        layer.register_forward_hook(lambda mod, args, out, i=i: seen.update({f"in{i}": args[0], f"out{i}": out}))
    before = model(idx)
    embedding = model.wte(idx)
    # layer 1 reads layer 0's output, which is not the embedding
    torch.testing.assert_close(seen["in0"], embedding, rtol=0, atol=0)
    torch.testing.assert_close(seen["in1"], seen["out0"], rtol=0, atol=0)
    assert (seen["out0"] - embedding).abs().max() > 1e-2
    branch1 = seen["out1"] - seen["in1"]
    # changing layer 0's weights changes the output, and layer 1's own contribution with it
    with torch.no_grad():
        model.layers[0].composites.weight.mul_(-1.5)
    after = model(idx)
    assert (after - before).abs().max() > 1e-2
    assert ((seen["out1"] - seen["in1"]) - branch1).abs().max() > 1e-3
    # the final output is the last layer's (nothing in between but the norm and head)
    torch.testing.assert_close(after, model.head(model.norm(seen["out1"])), rtol=0, atol=0)


def test_no_positions_and_no_dependence_on_the_padding():
    # no learned positions; a prefix's logits do not depend on the length (or the chunk
    # padding) of the sequence it was computed in
    model = model_with_loud_readouts(tiny(), dtype=torch.float64)
    assert [m for m in model.modules() if isinstance(m, torch.nn.Embedding)] == [model.wte]
    idx = tokens(1, 20)
    torch.testing.assert_close(model(idx)[:, :10], model(idx[:, :10]), rtol=0, atol=1e-12)


# ------------------------------------------------------------ constant memory


def test_state_bytes_per_layer():
    model = Thyme(ThymeConfig(vocab_size=VOCAB))
    assert model.state_bytes_per_layer() == 24 * 24 * 4 == 2304
    assert model.cache_bytes(model.init_cache(3)) == 3 * 2 * 2304


def test_cache_is_constant_over_64k_generated_tokens():
    torch.manual_seed(0)
    model = Thyme(ThymeConfig(vocab_size=16, n_layer=1, n_embd=8, n_axioms=4, mlp_mult=0)).eval()
    cache = model.init_cache(1)
    tensors = [s.data_ptr() for s in cache.states]
    tok = torch.zeros(1, 1, dtype=torch.long)
    sizes = {}
    with torch.inference_mode():
        for i in range(1, 64_001):
            logits = model.decode(tok, cache)
            tok = logits[:, -1].argmax(-1, keepdim=True)
            if i in (1_000, 64_000):
                sizes[i] = model.cache_bytes(cache)
    assert sizes[1_000] == sizes[64_000] == model.state_bytes_per_layer() == 2304
    assert [s.data_ptr() for s in cache.states] == tensors  # updated in place
    assert cache.pos == 64_000
    assert torch.isfinite(cache.states[0]).all() and cache.states[0].abs().max() > 0


# ------------------------------------------------------------ training


def test_gradients_reach_decay_and_mix():
    model = Thyme(tiny())
    idx = tokens(2, 40)
    loss = torch.nn.functional.cross_entropy(model(idx)[:, :-1].reshape(-1, VOCAB), idx[:, 1:].reshape(-1))
    loss.backward()
    for layer in model.layers:
        for p in (layer.decay, layer.mix):
            assert p.grad is not None and torch.isfinite(p.grad) and p.grad.abs() > 0


def test_bf16_autocast_long_sequence():
    # 3,000 tokens: decay powers down to a^3000 and a state summed over the whole sequence
    model = model_with_loud_readouts(tiny(chunk_len=64), dtype=torch.float32)
    with torch.no_grad():
        for layer in model.layers:
            layer.decay.fill_(math.log(199.0))  # a = 0.995
            layer.mix.fill_(-math.log(199.0))
    idx = tokens(1, 3000)
    reference = model(idx)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(idx)
    assert logits.dtype == torch.float32 and torch.isfinite(logits).all()
    # bf16 matmuls outside the scan: a few percent of the logits' spread
    assert (logits - reference).abs().mean() < 0.05 * reference.std()
    logits.float().logsumexp(-1).mean().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert model.layers[1].decay.grad.abs() > 0


def test_initial_horizons_are_long():
    found = horizons(Thyme(ThymeConfig(vocab_size=VOCAB, n_layer=3)))
    assert [round(h["horizon"]) for h in found] == [50, 100, 200]
    for h in found:
        assert h["mix"] == pytest.approx(1 - h["decay"], rel=1e-5)  # an average, not a growing sum
        assert h["half_life"] == pytest.approx(math.log(0.5) / math.log(h["decay"]))
    assert round(horizons(Thyme(ThymeConfig(vocab_size=VOCAB, n_layer=1)))[0]["horizon"]) == 100


# ------------------------------------------------------------ accounting


@pytest.mark.parametrize("tie", [False, True])
def test_matrix_params_and_num_params(tie):
    model = Thyme(tiny(tie_embeddings=tie))
    matrices = model.matrix_params()
    ids = {id(p) for p in matrices}
    assert all(p.dim() == 2 for p in matrices)
    assert id(model.wte.weight) not in ids and id(model.head.weight) not in ids
    # every 2-D weight of the layers (2 per layer of the state, 2 of the readout, 2 of the MLP)
    assert len(matrices) == 6 * model.cfg.n_layer
    groups = model.param_groups()
    assert sorted(groups) == (["embedding", "matrix"] if tie else ["embedding", "head", "matrix"])
    grouped = [id(p) for g in groups.values() for p in g]
    assert len(grouped) == len(set(grouped))
    rest = [p for p in model.parameters() if id(p) not in set(grouped)]
    assert all(p.dim() < 2 for p in rest)  # norms, decays, mixes: the loop's group without weight decay
    assert sum(p.dim() == 0 for p in rest) == 2 * model.cfg.n_layer
    assert model.num_params() == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("cfg", [tiny(), tiny(sequence_len=40, n_layer=3, mlp_mult=0)])
def test_flops_per_token_counts_the_forward(cfg):
    model = Thyme(cfg)
    with FlopCounterMode(display=False) as counter:
        model(tokens(2, cfg.sequence_len))
    assert abs(counter.get_total_flops() / (2 * cfg.sequence_len) - model.flops_per_token()) <= 1


def test_config_is_plain_and_checked():
    cfg = ThymeConfig(**{"vocab_size": 100, "n_layer": 3})
    assert cfg.n_embd == 256 and cfg.chunk_len == 64
    with pytest.raises(ValueError):
        ThymeConfig(horizon_min=1.0)
    with pytest.raises(ValueError):
        ThymeConfig(n_layer=0)
