"""BLT against a byte-level GPT and a token-level (BPE) GPT: the same corpus (the embedded
Shakespeare), the same training time each on this machine, over several seeds.

For each model and seed: held-out bits per byte (the test split's whole documents) of the
checkpoint the validation split chose (``best.pt``), training FLOPs a byte (counted: 3 x the
forward FLOPs of the trained parts, plus the BLT's frozen entropy model once, forward only),
inference FLOPs a byte (the forward FLOPs, the entropy model included), and bytes a second
when generating (``benches/blt_generate.py``: the seed's three models in turns, in this
process). The table gives the mean and the standard deviation over the seeds. The paper's
claim at small scale: the BLT reaches the byte GPT's bpb with fewer inference FLOPs a byte.

    python benches/blt_vs_gpt.py --minutes 4 --seeds 0 1 2 --patching global --output checkpoints/blt_bench
    python benches/blt_vs_gpt.py --minutes 4 --seeds 0 1 2 --patching monotonic --output checkpoints/blt_bench

The entropy model is trained first, once (configs/blt_entropy.toml, --entropy-minutes, seed 0)
unless --entropy-model names one; the BLT's threshold is then set from the entropy model's
entropies on the validation split so that about 1 byte in --patch-len starts a patch (the
paper sets its threshold for a target patch size the same way): a quantile of H_t for the
global rule, of H_t - H_{t-1} for the monotonic one. The configs' max_patch_len (8) also
closes patches.

Resumable: each (model, seed) trains in OUTPUT/MODEL/seedS (MODEL is blt-global or
blt-monotonic, byte_gpt, token_gpt; the GPTs serve both patchings), resumes from its
latest.pt when a run was interrupted, and keeps its measured row in row.json; a finished
pair is not run again. The generation speeds are measured afresh each time (seconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from blt_generate import generation_rates  # noqa: E402

from grapheme_lab.atomic import atomic_write  # noqa: E402
from grapheme_lab.lm import config as LC  # noqa: E402
from grapheme_lab.lm.bpb import token_byte_lengths  # noqa: E402
from grapheme_lab.lm.checkpoint import load, load_model  # noqa: E402
from grapheme_lab.lm.corpus import Corpus, ensure_embedded  # noqa: E402
from grapheme_lab.lm.evaluate import heldout_scores  # noqa: E402
from grapheme_lab.lm.train import train  # noqa: E402

MODELS = ("blt", "byte_gpt", "token_gpt")


def config(name: str, corpus: Path, out: Path, minutes: float, threads: int, seed: int, **model) -> LC.LMConfig:
    data = LC.read_toml(ROOT / "configs" / f"{name}.toml")
    data["model"].update(model)
    # evaluations on the validation split choose best.pt; latest.pt every 100 steps for resuming
    data["training"].update(time_limit_minutes=minutes, eval_tokens=16384, checkpoint_every=100, seed=seed)
    data["data"]["corpus"] = str(corpus)
    data["paths"] = {"output_dir": str(out), "log_file": str(out / "training.log")}
    data["hardware"]["num_threads"] = threads
    return LC.from_dict(data, name)


def train_or_resume(cfg: LC.LMConfig) -> Path:
    """The run's best.pt: trained, resumed from an interrupted run's latest.pt, or already there."""
    out = Path(cfg.paths.output_dir)
    if not (out / "final.pt").exists():
        latest = out / "latest.pt"
        train(cfg, resume=str(latest) if latest.exists() else None)
    return out / "best.pt"


def entropy_rule_values(entropy_ckpt: Path, corpus: Corpus, patching: str, length: int = 256) -> torch.Tensor:
    """What the patching rule compares with its threshold on the validation split: the entropy
    model's H_t (global) or H_t - H_{t-1} (monotonic), 64 windows of each document at most."""
    from grapheme_lab.lm.blt import entropy_bits

    model, _, _, _ = load_model(entropy_ckpt)
    values = []
    with torch.no_grad():
        for doc in corpus.documents("val"):
            tokens = np.asarray(corpus.tokens(doc), dtype=np.int64)
            rows = [tokens[i : i + length] for i in range(0, len(tokens) - length, length)][:64]
            h = entropy_bits(model(torch.from_numpy(np.stack(rows))))
            values.append((h if patching == "global" else h[:, 1:] - h[:, :-1]).flatten())
    return torch.cat(values)


def measure(ckpt: Path, corpus: Corpus) -> dict:
    """Held-out (test) bpb and FLOPs a byte of a checkpoint."""
    model, cfg, _, ck = load_model(ckpt)
    nbytes = token_byte_lengths(corpus.tokenizer(), corpus.vocab_size)
    if hasattr(model, "mean_patch_length"):
        model.mean_patch_length(reset=True)
    with torch.no_grad():
        docs = heldout_scores(model, corpus, "test", cfg.model.sequence_len, nbytes)
    nats = sum(s.nats for s in docs.values())
    nb = sum(s.bytes for s in docs.values())
    bytes_per_token = nb / sum(s.tokens for s in docs.values())
    row = {"kind": cfg.kind, "params": model.num_params(), "best_step": ck["step"], "val_bpb": ck["val_bpb"],
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
    final = load(ckpt.parent / "final.pt")
    row.update(steps=final["step"], train_time_s=final["train_time"])
    return row


def mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def table(rows: dict[str, list[dict]], a) -> str:
    cols = [("held-out bpb", "heldout_bpb", 1, ".4f"), ("val bpb", "val_bpb", 1, ".4f"),
            ("train MFLOP/B", "train_flops_per_byte", 1e-6, ".2f"),
            ("infer MFLOP/B", "infer_flops_per_byte", 1e-6, ".2f"),
            ("gen B/s", "gen_bytes_per_s", 1, ".0f"), ("gen x byte_gpt", "gen_ratio", 1, ".2f"),
            ("steps", "steps", 1, ".0f"), ("patch", "mean_patch_length", 1, ".2f")]
    lines = [f"{a.minutes:g} min of training each, {a.threads} threads; seeds {' '.join(map(str, a.seeds))}; "
             "mean ± sd over the seeds (sample sd); held-out = the test split's whole documents, read with "
             "the checkpoint the validation split chose (best.pt)", "",
             "| model | params | " + " | ".join(c[0] for c in cols) + " |",
             "|---" * (len(cols) + 2) + "|"]
    for name, rs in rows.items():
        cells = []
        for _, key, scale, fmt in cols:
            vals = [r[key] * scale for r in rs if r.get(key) is not None]
            if not vals:
                cells.append("-")
                continue
            m, sd = mean_sd(vals)
            cells.append(f"{m:{fmt}} ± {sd:{fmt}}" if len(vals) > 1 else f"{m:{fmt}}")
        lines.append(f"| {name} | {rs[0]['params']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes-corpus", type=Path, default=Path("data/lm/shakespeare-bytes"))
    ap.add_argument("--token-corpus", type=Path, default=Path("data/lm/shakespeare"))
    ap.add_argument("--output", type=Path, default=Path("checkpoints/blt_bench"))
    ap.add_argument("--minutes", type=float, default=4.0, help="training time of each model and seed")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--entropy-minutes", type=float, default=3.0)
    ap.add_argument("--entropy-model", type=Path, help="an entropy model's checkpoint (default: trained here)")
    ap.add_argument("--patch-len", type=float, default=4.0, help="target mean patch length (sets the threshold)")
    ap.add_argument("--patching", default="global", choices=["global", "monotonic"])
    ap.add_argument("--threshold", type=float, help="the entropy threshold in bits (default: from --patch-len)")
    ap.add_argument("--gen-bytes", type=int, default=400)
    ap.add_argument("--gen-rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=list(MODELS), choices=MODELS)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    byte_corpus = ensure_embedded(a.bytes_corpus, vocab_size=257)
    token_corpus = ensure_embedded(a.token_corpus, vocab_size=4096) if "token_gpt" in a.only else None
    entropy = a.entropy_model
    if entropy is None:
        entropy = a.output / "entropy" / "final.pt"
        train_or_resume(config("blt_entropy", a.bytes_corpus, entropy.parent, a.entropy_minutes, a.threads, 0))
    if a.threshold is None:
        values = entropy_rule_values(entropy, byte_corpus, a.patching)
        a.threshold = float(torch.quantile(values, 1 - 1 / a.patch_len))
    print(f"entropy model {entropy}; {a.patching} threshold {a.threshold:.3f} bits", flush=True)
    runs = {
        "blt": ("blt_quickstart", a.bytes_corpus, byte_corpus,
                dict(entropy_model=str(entropy), entropy_threshold=a.threshold, patching=a.patching)),
        "byte_gpt": ("byte_gpt_quickstart", a.bytes_corpus, byte_corpus, {}),
        "token_gpt": ("lm_quickstart", a.token_corpus, token_corpus, {}),
    }
    label = {"blt": f"blt-{a.patching}", "byte_gpt": "byte_gpt", "token_gpt": "token_gpt"}
    rows: dict[str, list[dict]] = {label[name]: [] for name in a.only}
    for seed in a.seeds:
        best = {}
        for name in a.only:
            cfg_name, corpus_dir, corpus, model = runs[name]
            out = a.output / label[name] / f"seed{seed}"
            row_file = out / "row.json"
            if row_file.exists():
                row = json.loads(row_file.read_text())
                if row.get("threshold", a.threshold) != a.threshold:
                    raise SystemExit(f"{out} was trained with threshold {row['threshold']}, not {a.threshold}: "
                                     "another --output for another entropy model or --patch-len")
            else:
                trained = train_or_resume(config(cfg_name, corpus_dir, out, a.minutes, a.threads, seed, **model))
                row = {"seed": seed, **measure(trained, corpus)}
                if name == "blt":
                    row["threshold"] = a.threshold
                with atomic_write(row_file) as f:
                    json.dump(row, f, indent=1)
            best[name] = out / "best.pt"
            rows[label[name]].append(row)
            print(json.dumps(row), flush=True)
        # generation: this seed's models in turns, in this process
        loaded = {}
        for name in a.only:
            model, _, tok, _ = load_model(best[name])
            loaded[name] = (model, tok)
        rates = {k: statistics.median(v) for k, v in generation_rates(loaded, a.gen_bytes, a.gen_rounds).items()}
        for name in a.only:
            row = rows[label[name]][-1]
            row["gen_bytes_per_s"] = rates[name]
            row["gen_ratio"] = rates[name] / rates["byte_gpt"] if "byte_gpt" in rates else None
    text = table(rows, a)
    print("\n" + text)
    with atomic_write(a.output / f"results-{a.patching}.md") as f:
        f.write(text)
    with atomic_write(a.output / f"results-{a.patching}.json") as f:
        json.dump({"args": {k: str(v) for k, v in vars(a).items()}, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
