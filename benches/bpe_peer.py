"""Peer comparison: our BPE trainer/encoder against rustbpe, HF tokenizers and tiktoken.

    python benches/make_bpe_corpus.py --output target/bpe_corpus --size-mb 100
    python benches/bpe_peer.py --corpus target/bpe_corpus --vocab-size 32768

Each trainer runs in its own subprocess on the same documents (train.jsonl, in
order, as one Python iterator of strings) with the GPT-4 split pattern and no
special tokens; the subprocess reports the training time (documents already in
memory) and its peak RSS (``resource.getrusage``), also net of the RSS after the
documents were loaded. Then, in this process: bytes per token on heldout.jsonl
for every trained vocabulary, and single-thread encoding throughput of our
``encode`` against tiktoken built from our ranks (best of several runs, same text,
same process). Ratios are what to read: the machine is shared and noisy, so CPU
time (user + system, all threads) is reported beside wall time.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAINERS = ("ours", "rustbpe", "hf")


def load_docs(path: Path, limit_mb: float | None) -> list[str]:
    docs, size = [], 0
    limit = None if limit_mb is None else int(limit_mb * 1e6)
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            docs.append(text)
            size += len(text.encode("utf-8"))
            if limit is not None and size >= limit:
                break
    return docs


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(name: str, corpus: Path, vocab_size: int, limit_mb: float | None, out: Path) -> None:
    docs = load_docs(corpus / "train.jsonl", limit_mb)
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    baseline = rss_mb()
    cpu0 = cpu_seconds()
    if name == "ours":
        from grapheme_lab.tokenizer import BPETokenizer

        t0 = time.perf_counter()
        tok = BPETokenizer.train(iter(docs), vocab_size)
        seconds = time.perf_counter() - t0
        tok.save(out / "ours.json")
        ranks, pattern = tok.mergeable_ranks(), tok.pattern
    elif name == "rustbpe":
        import rustbpe

        tok = rustbpe.Tokenizer()
        t0 = time.perf_counter()
        tok.train_from_iterator(iter(docs), vocab_size)
        seconds = time.perf_counter() - t0
        ranks, pattern = {bytes(k): v for k, v in tok.get_mergeable_ranks()}, tok.get_pattern()
    elif name == "hf":
        from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

        from grapheme_lab.tokenizer import GPT4_PATTERN

        tok = Tokenizer(models.BPE(byte_fallback=False, unk_token=None, fuse_unk=False))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(pattern=Regex(GPT4_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, min_frequency=0,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        t0 = time.perf_counter()
        tok.train_from_iterator(iter(docs), trainer=trainer)
        seconds = time.perf_counter() - t0
        tok.save(str(out / "hf.json"))
        ranks, pattern = None, None
    else:
        raise SystemExit(f"unknown trainer {name}")
    if ranks is not None:
        with open(out / f"{name}.ranks.pkl", "wb") as f:
            pickle.dump({"ranks": ranks, "pattern": pattern}, f)
    peak = rss_mb()
    cpu = cpu_seconds() - cpu0  # training (+ saving, small): less sensitive to a busy machine
    print(json.dumps({"name": name, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak, "docs_rss_mb": baseline,
                      "corpus_mb": n_bytes / 1e6, "docs": len(docs)}))


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="target/bpe_corpus")
    ap.add_argument("--vocab-size", type=int, default=32768)
    ap.add_argument("--limit-mb", type=float, default=None, help="use only the first MB of train.jsonl")
    ap.add_argument("--trainers", default=",".join(TRAINERS))
    ap.add_argument("--repeat", type=int, default=5, help="encoding runs (best is kept)")
    ap.add_argument("--_child", nargs=2, metavar=("NAME", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if args._child:
        child(args._child[0], corpus, args.vocab_size, args.limit_mb, Path(args._child[1]))
        return

    names = [n for n in args.trainers.split(",") if n]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            cmd = [sys.executable, __file__, "--corpus", str(corpus), "--vocab-size", str(args.vocab_size),
                   "--_child", name, tmp]
            if args.limit_mb is not None:
                cmd += ["--limit-mb", str(args.limit_mb)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"{name} failed:\n{proc.stderr}")
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[name]
            print(f"train {name:8s} {r['seconds']:8.2f} s wall, {r['cpu_seconds']:8.2f} s CPU, peak RSS {r['peak_rss_mb']:7.0f} MB "
                  f"(+{r['peak_rss_mb'] - r['docs_rss_mb']:.0f} MB over the loaded documents)", flush=True)
        first = next(iter(results.values()))
        print(f"corpus: {first['corpus_mb']:.1f} MB, {first['docs']} documents, vocab {args.vocab_size}")
        if "ours" in results:
            for peer in ("rustbpe", "hf"):
                if peer in results:
                    print(f"training speed-up vs {peer}: "
                          f"{results[peer]['seconds'] / results['ours']['seconds']:.2f}x wall, "
                          f"{results[peer]['cpu_seconds'] / results['ours']['cpu_seconds']:.2f}x CPU time")

        import tiktoken

        held = load_docs(corpus / "heldout.jsonl", None)
        held_bytes = sum(len(d.encode("utf-8")) for d in held)
        bpt = {}
        encs = {}
        for name in names:
            if name == "hf":
                from tokenizers import Tokenizer

                hf = Tokenizer.from_file(str(Path(tmp) / "hf.json"))
                n = sum(len(e.ids) for e in hf.encode_batch(held, add_special_tokens=False))
            else:
                with open(Path(tmp) / f"{name}.ranks.pkl", "rb") as f:
                    saved = pickle.load(f)
                encs[name] = tiktoken.Encoding(name, pat_str=saved["pattern"], mergeable_ranks=saved["ranks"],
                                               special_tokens={})
                n = sum(len(ids) for ids in encs[name].encode_ordinary_batch(held))
            bpt[name] = held_bytes / n
            print(f"bytes/token on held-out ({held_bytes / 1e6:.2f} MB) {name:8s} {bpt[name]:.4f}")
        if "ours" in bpt and "rustbpe" in bpt:
            print(f"bytes/token ours vs rustbpe: {100 * (bpt['ours'] / bpt['rustbpe'] - 1):+.3f}%")

        if "ours" in names:
            from grapheme_lab.tokenizer import BPETokenizer

            ours = BPETokenizer.load(Path(tmp) / "ours.json")
            enc = encs["ours"]
            text = "".join(held)
            assert ours.encode(text) == enc.encode_ordinary(text)
            t_ours = best_of(lambda: ours.encode(text), args.repeat)
            t_tik = best_of(lambda: enc.encode_ordinary(text), args.repeat)
            mb = len(text.encode("utf-8")) / 1e6
            print(f"encode, one thread, {mb:.2f} MB: ours {mb / t_ours:.1f} MB/s, tiktoken {mb / t_tik:.1f} MB/s, "
                  f"speed-up {t_tik / t_ours:.2f}x")
            t_ours_b = best_of(lambda: ours.encode_batch(held), args.repeat)
            t_tik_b = best_of(lambda: enc.encode_ordinary_batch(held), args.repeat)
            print(f"encode_batch, {len(held)} documents: ours {mb / t_ours_b:.1f} MB/s, tiktoken "
                  f"{mb / t_tik_b:.1f} MB/s, speed-up {t_tik_b / t_ours_b:.2f}x")


if __name__ == "__main__":
    main()
