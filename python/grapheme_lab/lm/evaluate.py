"""``evaluate --model CKPT``: a language model's bits per byte on whole held-out documents
(the corpus's test split), beside the same figure under the seed's protocol (random chunks
of the training documents, which the model has seen), and optionally beside ``xz -9e``
given the same training text. ``--compare`` puts several checkpoints in one table."""

from __future__ import annotations

import argparse
import lzma

import numpy as np
import torch

from grapheme_lab.lm.bpb import Score, document_windows, score_windows, token_byte_lengths
from grapheme_lab.lm.checkpoint import load_model
from grapheme_lab.lm.corpus import Corpus

SEED_PROTOCOL_WINDOWS = 64


def heldout_scores(model, corpus: Corpus, split: str, length: int, nbytes: np.ndarray,
                   device="cpu", limit: int | None = None) -> dict[str, Score]:
    """Each document of ``split`` (the first ``limit``), scored whole in windows of ``length``."""
    out = {}
    for doc in corpus.documents(split)[:limit]:
        out[doc.name] = score_windows(model, document_windows(np.asarray(corpus.tokens(doc)), length), nbytes, device)
    return out


def seed_protocol_score(model, corpus: Corpus, length: int, nbytes: np.ndarray, device="cpu",
                        n: int = SEED_PROTOCOL_WINDOWS, seed: int = 0) -> Score:
    """The earlier system's figure: random chunks of the training documents (text the model
    trained on), scored the same way."""
    rng = np.random.default_rng(seed)
    shards = [s for s in corpus.shards("train") if len(s) > length]
    windows = []
    for _ in range(n):
        s = shards[int(rng.integers(len(shards)))]
        start = int(rng.integers(len(s) - length))
        windows.append(np.asarray(s[start : start + length + 1]))
    return score_windows(model, windows, nbytes, device)


XZ_PRESET = 9 | lzma.PRESET_EXTREME


def xz_bits_per_byte(context: bytes, document: bytes) -> float:
    """What ``xz -9e`` adds to compress ``document`` after ``context``, in bits per byte of
    the document: a compressor given the same training text as the model."""
    base = len(lzma.compress(context, preset=XZ_PRESET))
    both = len(lzma.compress(context + document, preset=XZ_PRESET))
    return 8 * (both - base) / len(document)


def training_text(corpus: Corpus) -> bytes:
    return "\n\n".join(corpus.text(d) for d in corpus.documents("train")).encode("utf-8")


def report(path: str, corpus: Corpus | None, split: str, limit: int | None, against_xz: bool) -> dict:
    model, cfg, tokenizer, ck = load_model(path)
    corpus = corpus or Corpus.open(ck["corpus"]["dir"])
    nbytes = token_byte_lengths(corpus.tokenizer(), corpus.vocab_size)
    if corpus.vocab_size != cfg.model.vocab_size:
        raise ValueError(f"{corpus.dir} has a vocabulary of {corpus.vocab_size:,} tokens; {path} was trained "
                         f"on {cfg.model.vocab_size:,}")
    if not corpus.documents(split):
        raise ValueError(f"{corpus.dir} has no {split} documents")
    length = cfg.model.sequence_len
    if hasattr(model, "mean_patch_length"):
        model.mean_patch_length(reset=True)
    docs = heldout_scores(model, corpus, split, length, nbytes, limit=limit)
    patch_len = model.mean_patch_length() if hasattr(model, "mean_patch_length") else None  # the BLT's
    total = Score()
    for s in docs.values():
        total.add(s)
    xz = {}
    if against_xz:
        context = training_text(corpus)
        for doc in corpus.documents(split)[:limit]:
            xz[doc.name] = xz_bits_per_byte(context, corpus.text(doc).encode("utf-8"))
    return {"path": path, "kind": cfg.kind, "params": model.num_params(), "docs": docs, "total": total, "xz": xz,
            "seed": seed_protocol_score(model, corpus, length, nbytes),
            "state_bytes": model.state_bytes_per_layer(), "tokens_per_second": ck.get("tokens_per_second"),
            "elapsed": ck.get("elapsed"), "steps": ck.get("step"), "corpus": corpus, "split": split,
            "mean_patch_length": patch_len}


def print_report(r: dict) -> None:
    c: Corpus = r["corpus"]
    print(f"{r['path']}: {r['kind']}, {r['params']:,} parameters, {r['steps']:,} steps")
    print(f"{c.dir}, {r['split']} split: {len(r['docs'])} whole documents the model never trained on\n")
    head = f"{'document':<28} {'tokens':>9} {'bytes':>10} {'bpb':>7}"
    if r["xz"]:
        head += f" {'xz -9e':>7} {'vs xz':>7}"
    print(head)
    for name, s in r["docs"].items():
        line = f"{name:<28} {s.tokens:>9,} {s.bytes:>10,} {s.bpb:>7.4f}"
        if r["xz"]:
            line += f" {r['xz'][name]:>7.4f} {s.bpb / r['xz'][name] - 1:>+7.1%}"
        print(line)
    t = r["total"]
    print(f"{'all':<28} {t.tokens:>9,} {t.bytes:>10,} {t.bpb:>7.4f}\n")
    s = r["seed"]
    print(f"held-out documents:           {t.bpb:.4f} bits per byte, perplexity {t.perplexity:.1f} a token")
    print(f"the seed's protocol (random chunks of training documents): "
          f"{s.bpb:.4f} bits per byte, perplexity {s.perplexity:.1f} a token")
    if r["mean_patch_length"]:
        print(f"mean patch length on the held-out documents: {r['mean_patch_length']:.2f} bytes")


def print_comparison(reports: list[dict]) -> None:
    print(f"{'model':<40} {'kind':<7} {'held-out bpb':>12} {'seed-protocol bpb':>17} {'parameters':>11} "
          f"{'state B/layer':>13} {'train tok/s':>11} {'wall':>7}")
    for r in reports:
        state = "grows" if r["state_bytes"] is None else f"{r['state_bytes']:,}"
        tps = f"{r['tokens_per_second']:,.0f}" if r["tokens_per_second"] else "-"
        wall = f"{r['elapsed'] / 60:.1f} min" if r["elapsed"] else "-"
        print(f"{r['path'][-40:]:<40} {r['kind']:<7} {r['total'].bpb:>12.4f} {r['seed'].bpb:>17.4f} "
              f"{r['params']:>11,} {state:>13} {tps:>11} {wall:>7}")


@torch.no_grad()
def main(args: argparse.Namespace) -> int:
    corpus = Corpus.open(args.data) if getattr(args, "data", None) else None
    split = getattr(args, "split", None) or "test"
    limit = getattr(args, "limit", None)
    against_xz = bool(getattr(args, "against_xz", False))
    paths = [args.model] + list(getattr(args, "compare", None) or [])
    reports = [report(p, corpus, split, limit, against_xz and len(paths) == 1) for p in paths]
    if len(reports) == 1:
        print_report(reports[0])
    else:
        print_comparison(reports)
    return 0
