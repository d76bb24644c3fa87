"""The Byte Latent Transformer: causality through the entropy patching, incremental decoding
against the full forward pass, the two patching rules, the n-gram hashes, the frozen entropy
model, and a run end to end (entropy model, BLT, sample, evaluate)."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pytest
import torch
from lm_helpers import lm_config, tiny_corpus

from grapheme_lab.cli import main as cli
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.blt import BLT, BLTConfig, boundary_rule, ngram_hash_ids, patch_starts
from grapheme_lab.lm.checkpoint import load, load_model
from grapheme_lab.lm.sample import generate
from grapheme_lab.lm.train import make_optimizer, train

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
V, T = 50, 40


def model(patching: str = "global", max_patch_len: int = 0, **kw) -> BLT:
    """A tiny BLT whose entropy model is random but context-dependent, its threshold at the
    median entropy of a sample, so that patch boundaries fall in varied places."""
    torch.manual_seed(0)
    cfg = BLTConfig(vocab_size=V, sequence_len=T, entropy_gpt=dict(n_layer=1, n_embd=32, head_dim=16),
                    patching=patching, max_patch_len=max_patch_len, d_local=32, d_latent=32, head_dim=16,
                    n_latent=2, n_local_encoder=1, n_local_decoder=1, hash_buckets=64, **kw)
    m = BLT(cfg)
    frozen = [b for b in m.entropy.buffers() if b.dim() >= 2]
    for p in list(m.parameters()) + frozen:  # out of the zero-initialised start: every path carries signal
        torch.nn.init.normal_(p, std=0.2)
    m.eval()
    x = torch.randint(0, V, (4, T), generator=torch.Generator().manual_seed(9))
    h = m.entropies(x)
    diffs = h[:, 1:] - h[:, :-1]
    m.cfg.entropy_threshold = float((h if patching == "global" else diffs).median())
    return m


def batch(seed: int = 3, b: int = 2) -> torch.Tensor:
    return torch.randint(0, V, (b, T), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("patching,max_len", [("global", 0), ("monotonic", 0), ("global", 3)])
def test_later_bytes_change_no_earlier_logit_through_the_patching(patching, max_len):
    m = model(patching, max_len)
    g = torch.Generator().manual_seed(4)
    x = batch()
    starts = m.patch_starts(x)
    assert 2 < starts[0].sum() < T - 2  # patches of varied lengths, not one per byte nor one in all
    moved_patches = False
    for t in (0, 7, 19, 25, 38):
        y = x.clone()
        y[:, t + 1 :] = torch.randint(0, V, (2, T - t - 1), generator=g)
        a, b = m(x), m(y)
        assert torch.equal(a[:, : t + 1], b[:, : t + 1]), f"a logit at position <= {t} moved"
        assert not torch.allclose(a[:, t + 1 :], b[:, t + 1 :])
        sy = m.patch_starts(y)
        assert torch.equal(starts[:, : t + 2], sy[:, : t + 2])  # whether byte t+1 starts a patch: bytes <= t
        moved_patches |= not torch.equal(starts, sy)
    assert moved_patches  # the later bytes did move later boundaries: the test went through the patching


def decode_incrementally(m: BLT, x: torch.Tensor, prompt: int) -> tuple[torch.Tensor, list[list[int]]]:
    """Logits of ``x`` decoded as generation decodes it: its first ``prompt`` bytes in one pass,
    then one byte at a time; and the latent outputs each row has after each pass (the patches)."""
    cache = m.init_cache(x.shape[0])
    parts, outputs = [m.decode(x[:, :prompt], cache)], [list(cache.outputs)]
    for i in range(prompt, x.shape[1]):
        parts.append(m.decode(x[:, i : i + 1], cache))
        outputs.append(list(cache.outputs))
    assert cache.pos == x.shape[1]
    return torch.cat(parts, 1), outputs


@pytest.mark.parametrize("patching,max_len", [("global", 0), ("monotonic", 0), ("monotonic", 4)])
@pytest.mark.parametrize("prompt", [1, 6, T])
def test_incremental_decoding_gives_the_full_forward_logits(patching, max_len, prompt):
    m = model(patching, max_len)
    x = batch(5, b=3)
    full = m(x)
    logits, outputs = decode_incrementally(m, x, prompt)
    assert torch.allclose(logits, full, atol=1e-4)
    # the latent transformer made one output for its start and one a closed patch, not one a byte
    # (the last byte may close a patch too, whose boundary is past the window's)
    closed = m.patch_starts(x)[:, 1:].sum(1).tolist()
    assert all(c + 1 <= outputs[-1][r] <= c + 2 for r, c in enumerate(closed))
    assert len(set(closed)) > 1  # rows with different patch counts: the decoder's masks are exercised
    cache = m.init_cache(3)
    m.decode(x, cache)
    assert m.cache_bytes(cache) > 0 and all(lat.pos == n for lat, n in zip(cache.latent, cache.outputs))


@pytest.mark.parametrize("patching,max_len", [("global", 0), ("monotonic", 0), ("global", 3)])
@pytest.mark.parametrize("prompt", [1, 12])
def test_later_bytes_change_no_earlier_logit_when_decoding_incrementally(patching, max_len, prompt):
    m = model(patching, max_len)
    g = torch.Generator().manual_seed(4)
    x = batch()
    a, patches = decode_incrementally(m, x, prompt)
    moved_patches = False
    for t in (0, 7, 19, 25, 38):
        y = x.clone()
        y[:, t + 1 :] = torch.randint(0, V, (2, T - t - 1), generator=g)
        b, patches_y = decode_incrementally(m, y, prompt)
        # the prompt's pass sends as many patches through the latent as the prompt closes, later
        # bytes included, so its sums may round differently (1e-6); a leak moves a logit by > 1e-2
        assert torch.allclose(a[:, : t + 1], b[:, : t + 1], rtol=0, atol=1e-5), f"a logit at <= {t} moved"
        assert (a[:, t + 1 :] - b[:, t + 1 :]).abs().max() > 1e-2
        moved_patches |= patches != patches_y
    assert moved_patches  # later bytes moved later patch boundaries: the test went through the patching


@pytest.mark.parametrize("patching,max_len", [("global", 0), ("monotonic", 0), ("global", 4)])
def test_greedy_generation_gives_the_bytes_of_full_re_encoding(patching, max_len):
    """The sampler's incremental path against the forward pass over the whole context for every
    byte, past the window too (where the sampler re-reads the last half of it)."""
    m = model(patching, max_len)
    prompt = batch(6, b=1)[0, :5].tolist()
    n = 2 * T
    got = list(generate(m, prompt, n, temperature=0))
    history, context, want = list(prompt), list(prompt), []
    for _ in range(n):
        token = int(m(torch.tensor([context]))[0, -1].argmax())
        want.append(token)
        history.append(token)
        context = history[-(T // 2) :] if len(context) >= T else context + [token]
    assert got == want
    assert len(set(got)) > 5  # not one byte repeated: the comparison had something to find

def test_patch_boundaries_of_the_global_and_monotonic_rules():
    h = torch.tensor([[1.0, 3.0, 2.5, 0.5, 4.0, 4.2, 1.0, 3.5]])
    # H_t > 2: bytes after t = 1, 2, 4, 5, 7 start patches (the last is past the window)
    assert patch_starts(h, "global", 2.0)[0].int().tolist() == [1, 0, 1, 1, 0, 1, 1, 0]
    # H_t - H_{t-1} > 1: at t = 1 (+2.0) and t = 4 (+3.5); t = 7 is past the window
    assert patch_starts(h, "monotonic", 1.0)[0].int().tolist() == [1, 0, 1, 0, 0, 1, 0, 0]
    # a length limit closes the patches the rule leaves open
    assert patch_starts(h, "monotonic", 1.0, max_len=2)[0].int().tolist() == [1, 0, 1, 0, 1, 1, 0, 1]
    assert patch_starts(h, "global", 99.0, max_len=3)[0].int().tolist() == [1, 0, 0, 1, 0, 0, 1, 0]


def test_the_monotonic_rule_byte_by_byte_as_generation_applies_it():
    # H_t - H_{t-1}: -, +2.0, -0.5, -2.0, +3.5, +0.2, -3.2, +2.5, +1.0 (exactly the threshold: no start)
    h = torch.tensor([1.0, 3.0, 2.5, 0.5, 4.0, 4.2, 1.0, 3.5, 4.5])
    by_hand = [1, 0, 1, 0, 0, 1, 0, 0, 1]  # byte s starts a patch when H_{s-1} - H_{s-2} > 1
    assert patch_starts(h[None], "monotonic", 1.0)[0].int().tolist() == by_hand
    prev, steps = None, [1]
    for t in range(len(h) - 1):  # generation's rule: one entropy at a time, the previous one kept
        steps.append(int(boundary_rule(h[t : t + 1], prev, "monotonic", 1.0)))
        prev = h[t : t + 1]
    assert steps == by_hand


def test_ngram_hash_ids_are_deterministic_and_read_only_their_n_bytes():
    x = torch.tensor([[10, 20, 30, 40, 50, 60]])
    ids = ngram_hash_ids(x, 3, 4096, 257)
    assert torch.equal(ids, ngram_hash_ids(x.clone(), 3, 4096, 257))

    def reference(window):  # the hash in plain Python integers
        h = 0
        for byte in window:
            h = (h * 1_000_003 + byte + 1) % 2_147_483_647
        return h % 4096

    padded = [257, 257] + x[0].tolist()
    assert ids[0].tolist() == [reference(padded[i : i + 3]) for i in range(6)]
    y = x.clone()
    y[0, 1] = 21  # in the 3-grams ending at 1, 2, 3 only
    changed = (ngram_hash_ids(y, 3, 4096, 257) != ids)[0].tolist()
    assert changed[0] is False and changed[4:] == [False, False] and any(changed[1:4])


def test_the_entropy_model_is_frozen_and_saved_with_the_model(tmp_path):
    m = model()
    m.train()
    trained = {id(p) for p in m.parameters()}
    frozen = dict(m.entropy.named_buffers())
    assert not any(id(b) in trained for b in frozen.values())
    assert all(not b.requires_grad for b in frozen.values())
    before = {k: v.clone() for k, v in frozen.items()}
    cfg = LC.from_dict({"model": {"kind": "gpt"}, "training": {"max_steps": 1},
                        "optimizer": {"type": "muon"}})  # the loop's optimizer, for its groups
    cfg.kind, cfg.model = "blt", m.cfg
    opt = make_optimizer(cfg, m)
    x = batch()
    loss = torch.nn.functional.cross_entropy(m(x[:, :-1]).flatten(0, 1), x[:, 1:].flatten())
    loss.backward()
    opt.step()
    assert all(torch.equal(before[k], v) for k, v in m.entropy.named_buffers())
    state = m.state_dict()
    assert "entropy.wte.weight" in state and "entropy.blocks.0.attn.c_q.weight" in state


def test_flops_per_byte_fall_with_longer_patches():
    m = model()
    short, long = m.flops_per_byte(patch_len=1.0), m.flops_per_byte(patch_len=6.0)
    assert long < short
    assert m.flops_per_byte(patch_len=6.0, entropy_model=False) == long - m.entropy.flops_per_token()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("blt"))


def test_entropy_model_then_blt_then_sample_and_evaluate(tmp_path, corpus, capsys):
    ent = lm_config(tmp_path / "ent", corpus.dir, max_steps=20, eval_every=0, learning_rate=0.01)
    train(LC.from_dict(ent))
    entropy_ckpt = tmp_path / "ent" / "run" / "final.pt"
    cfg = lm_config(tmp_path, corpus.dir, kind="blt", max_steps=6, eval_every=3)
    cfg["model"]["entropy_model"] = str(entropy_ckpt)
    s = train(LC.from_dict(cfg))
    assert s["kind"] == "blt" and s["steps"] == 6
    out = capsys.readouterr().out
    assert "entropy model:" in out and "mean patch length" in out
    evals = [json.loads(line) for line in (tmp_path / "run" / "training.log").read_text().splitlines()]
    patch_lengths = [e["mean_patch_length"] for e in evals if e["event"] == "eval"]
    assert len(patch_lengths) == 2 and all(1.0 <= p <= 8.0 for p in patch_lengths)  # max_patch_len 8
    # the checkpoint holds the entropy model: it loads and samples with the entropy file gone
    shutil.rmtree(tmp_path / "ent")
    ckpt = tmp_path / "run" / "final.pt"
    m, lmcfg, _, _ = load_model(ckpt)
    assert lmcfg.kind == "blt" and lmcfg.model.entropy_gpt["n_layer"] == 2
    assert load(ckpt)["config"]["model"]["entropy_gpt"] == lmcfg.model.entropy_gpt
    args = ["sample", "--model", str(ckpt), "--prompt", "the king", "--max-tokens", "40", "--seed", "1",
            "--top-k", "20", "--repetition-penalty", "1.2"]
    assert cli(args) == 0
    first = capsys.readouterr().out
    assert first.startswith("the king") and len(first) > len("the king\n")
    cli(args)
    assert capsys.readouterr().out == first  # seeded
    assert cli(["evaluate", "--model", str(ckpt)]) == 0
    assert "mean patch length" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["blt_entropy", "blt_quickstart", "byte_gpt_quickstart"])
def test_shipped_byte_configs_load_and_match_package_copies(name):
    shipped = ROOT / "configs" / f"{name}.toml"
    assert filecmp.cmp(shipped, ROOT / "python" / "grapheme_lab" / "configs" / f"{name}.toml", shallow=False)
    data = LC.read_toml(shipped)
    if data["model"]["kind"] == "blt":  # its entropy model's config, as if read from the checkpoint it names
        data["model"]["entropy_gpt"] = {k: v for k, v in LC.read_toml(ROOT / "configs" / "blt_entropy.toml")
                                        ["model"].items() if k != "kind"}
    cfg = LC.from_dict(data, str(shipped))
    assert cfg.data.vocab_size == 257 and cfg.model.sequence_len == 256


def test_blt_config_needs_its_entropy_model():
    with pytest.raises(ValueError, match="entropy_model must name"):
        BLTConfig()
    with pytest.raises(ValueError, match="train the entropy model first"):
        BLTConfig(entropy_model="nowhere/final.pt")
    with pytest.raises(ValueError, match="patching"):
        BLTConfig(entropy_gpt={"n_layer": 1}, patching="static")
