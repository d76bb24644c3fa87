"""BLT against a byte-level GPT and a token-level (BPE) GPT: the same corpus (the embedded
Shakespeare), the same training time each on this machine.

For each model: held-out bits per byte (the test split's whole documents), training FLOPs a
byte (counted: 3 x the forward FLOPs of the trained parts, plus the BLT's frozen entropy model
once, forward only), inference FLOPs a byte (the forward FLOPs, the entropy model included),
total training FLOPs (steps x bytes a step x training FLOPs a byte) and bytes a second when
generating (incremental decoding, measured). The paper's claim at small scale: the BLT
reaches the byte GPT's bpb with fewer inference FLOPs a byte.

    python benches/blt_vs_gpt.py --bytes-corpus /tmp/blt-bytes --token-corpus /tmp/blt-tokens \\
        --minutes 3 --output /tmp/blt-bench

The entropy model is trained first (configs/blt_entropy.toml, --entropy-minutes) unless
--entropy-model names one; the BLT's global threshold is then set from the entropy model's
entropies on the validation split so that the mean patch length is --patch-len (the paper
sets its threshold for a target patch size the same way).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from grapheme_lab.lm import config as LC  # noqa: E402
from grapheme_lab.lm.bpb import token_byte_lengths  # noqa: E402
from grapheme_lab.lm.checkpoint import load_model  # noqa: E402
from grapheme_lab.lm.corpus import Corpus, ensure_embedded  # noqa: E402
from grapheme_lab.lm.evaluate import heldout_scores  # noqa: E402
from grapheme_lab.lm.sample import generate  # noqa: E402
from grapheme_lab.lm.train import train  # noqa: E402


def config(name: str, corpus: Path, out: Path, minutes: float, threads: int, **model) -> LC.LMConfig:
    data = LC.read_toml(ROOT / "configs" / f"{name}.toml")
    data["model"].update(model)
    data["training"].update(time_limit_minutes=minutes, eval_every=0, eval_tokens=16384)
    data["data"]["corpus"] = str(corpus)
    data["paths"] = {"output_dir": str(out), "log_file": ""}
    data["hardware"]["num_threads"] = threads
    return LC.from_dict(data, name)


def threshold_for(entropy_ckpt: Path, corpus: Corpus, patch_len: float, length: int = 256) -> float:
    """The global threshold under which 1 byte in ``patch_len`` starts a patch, on the validation split."""
    from grapheme_lab.lm.blt import entropy_bits

    model, _, _, _ = load_model(entropy_ckpt)
    h = []
    with torch.no_grad():
        for doc in corpus.documents("val"):
            tokens = np.asarray(corpus.shards("val")[doc.shard][doc.start : doc.end], dtype=np.int64)
            rows = [tokens[i : i + length] for i in range(0, len(tokens) - length, length)][:64]
            h.append(entropy_bits(model(torch.from_numpy(np.stack(rows)))).flatten())
    return float(torch.quantile(torch.cat(h), 1 - 1 / patch_len))


def measure(ckpt: Path, corpus: Corpus, gen_bytes: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    model, cfg, tok, ck = load_model(ckpt)
    nbytes = token_byte_lengths(corpus.tokenizer(), corpus.vocab_size)
    if hasattr(model, "mean_patch_length"):
        model.mean_patch_length(reset=True)
    with torch.no_grad():
        docs = heldout_scores(model, corpus, "test", cfg.model.sequence_len, nbytes)
    nats = sum(s.nats for s in docs.values())
    tokens = sum(s.tokens for s in docs.values())
    nb = sum(s.bytes for s in docs.values())
    bytes_per_token = nb / tokens
    row = {"kind": cfg.kind, "params": model.num_params(), "steps": ck["step"], "train_time_s": ck["train_time"],
           "heldout_bpb": nats / (np.log(2) * nb), "bytes_per_token": bytes_per_token}
    if cfg.kind == "blt":
        L = model.mean_patch_length()
        fwd = model.flops_per_byte(patch_len=L, entropy_model=False)
        ent = model.entropy.flops_per_token()
        row.update(mean_patch_length=L, entropy_params=sum(b.numel() for b in model.entropy.buffers()),
                   train_flops_per_byte=3 * fwd + ent, infer_flops_per_byte=fwd + ent)
    else:
        fwd = model.flops_per_token() / bytes_per_token
        row.update(train_flops_per_byte=3 * fwd, infer_flops_per_byte=fwd)
    c = cfg.training
    row["train_flops_total"] = row["train_flops_per_byte"] * ck["step"] * c.batch_size * cfg.model.sequence_len \
        * bytes_per_token
    # generation: a prompt, then tokens one at a time through the model's cache
    prompt = [tok.special_tokens["<|bos|>"]] + tok.encode("ROMEO.\n")
    t0 = time.time()
    out = list(generate(model, prompt, gen_bytes if cfg.kind != "gpt" or corpus.vocab_size == 257
                        else max(1, int(gen_bytes / bytes_per_token)), temperature=0.8, top_k=50, seed=0))
    dt = time.time() - t0
    text = b"".join(tok.token_bytes(i) for i in out if i != tok.special_tokens["<|bos|>"])
    row.update(gen_bytes=len(text), gen_bytes_per_s=len(text) / dt,
               sample=text[:160].decode("utf-8", errors="replace"))
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes-corpus", type=Path, default=Path("data/lm/shakespeare-bytes"))
    ap.add_argument("--token-corpus", type=Path, default=Path("data/lm/shakespeare"))
    ap.add_argument("--output", type=Path, default=Path("checkpoints/blt_bench"))
    ap.add_argument("--minutes", type=float, default=9.0, help="training time of each compared model")
    ap.add_argument("--entropy-minutes", type=float, default=3.0)
    ap.add_argument("--entropy-model", type=Path, help="an entropy model's checkpoint (default: trained here)")
    ap.add_argument("--patch-len", type=float, default=4.0, help="target mean patch length (sets the threshold)")
    ap.add_argument("--patching", default="global", choices=["global", "monotonic"])
    ap.add_argument("--threshold", type=float, help="the entropy threshold in bits (default: from --patch-len)")
    ap.add_argument("--gen-bytes", type=int, default=400)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=["blt", "byte_gpt", "token_gpt"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    byte_corpus = ensure_embedded(a.bytes_corpus, vocab_size=257)
    token_corpus = ensure_embedded(a.token_corpus, vocab_size=4096) if "token_gpt" in a.only else None
    entropy = a.entropy_model
    if entropy is None:
        entropy = a.output / "entropy" / "final.pt"
        if not entropy.exists():
            train(config("blt_entropy", a.bytes_corpus, entropy.parent, a.entropy_minutes, a.threads))
    if a.threshold is None:
        if a.patching != "global":
            raise SystemExit("--patching monotonic needs --threshold (bits)")
        a.threshold = threshold_for(entropy, byte_corpus, a.patch_len)
    print(f"entropy model {entropy}; {a.patching} threshold {a.threshold:.3f} bits", flush=True)
    runs = {
        "blt": ("blt_quickstart", a.bytes_corpus, dict(entropy_model=str(entropy), entropy_threshold=a.threshold,
                                                        patching=a.patching)),
        "byte_gpt": ("byte_gpt_quickstart", a.bytes_corpus, {}),
        "token_gpt": ("lm_quickstart", a.token_corpus, {}),
    }
    rows = {}
    for name in a.only:
        cfg_name, corpus_dir, model = runs[name]
        out = a.output / name
        train(config(cfg_name, corpus_dir, out, a.minutes, a.threads, **model))
        corpus = byte_corpus if corpus_dir == a.bytes_corpus else token_corpus
        rows[name] = measure(out / "final.pt", corpus, a.gen_bytes, a.threads)
        print(json.dumps(rows[name]), flush=True)
    (a.output / "results.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(a).items()},
                                                       "rows": rows}, indent=1))
    print(f"\n{a.minutes:g} min of training each, {a.threads} threads; held-out = the test split's whole documents")
    print(f"{'model':<10} {'params':>10} {'steps':>6} {'held-out bpb':>12} {'train FLOP/B':>12} "
          f"{'infer FLOP/B':>12} {'train FLOPs':>11} {'gen B/s':>8} {'patch':>6}")
    for name, r in rows.items():
        patch = f"{r['mean_patch_length']:.2f}" if "mean_patch_length" in r else "-"
        print(f"{name:<10} {r['params']:>10,} {r['steps']:>6} {r['heldout_bpb']:>12.4f} "
              f"{r['train_flops_per_byte'] / 1e6:>10.2f} M {r['infer_flops_per_byte'] / 1e6:>10.2f} M "
              f"{r['train_flops_total']:>11.3g} {r['gen_bytes_per_s']:>8.0f} {patch:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
