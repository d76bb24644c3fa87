"""``corpus``: tokenize documents into train / val / test shards for a language model.

    python -m grapheme_lab corpus prepare --output DIR            # the embedded Shakespeare corpus
    python -m grapheme_lab corpus prepare --input books/ --tokenizer tok.json --output DIR --holdout-docs 2
    python -m grapheme_lab corpus stats DIR

One document per input file (text files, folders) or per row (.json/.jsonl/.parquet
files, hf:NAME data sets); see grapheme_lab.lm.corpus and docs/lm.md.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("corpus", help="tokenize documents into train/val/test shards")
    csub = p.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")

    q = csub.add_parser("prepare", help="normalise, split and tokenize documents into a corpus directory")
    q.add_argument("--input", nargs="+", default=None, metavar="PATH",
                   help="text files, folders, .json/.jsonl/.parquet files or hf:NAME data sets; "
                        "'chitchat' (the chitchat-dataset package's 7,168 chats) and 'plays-dialogue' (the "
                        "embedded plays' speeches) as conversation lines (default: the embedded Shakespeare corpus)")
    q.add_argument("--text-field", default="text", help="column holding the text in data sets (default: text)")
    q.add_argument("--split", default="train", help="data set split for hf:NAME inputs (default: train)")
    q.add_argument("--hf-config", default=None, help="data set configuration for hf:NAME inputs")
    q.add_argument("--tokenizer", default=None, metavar="TOK",
                   help="a tokenizer JSON file, or 'bytes'; default: train a BPE tokenizer on the train split")
    q.add_argument("--vocab-size", type=int, default=4096, help="vocabulary of the trained tokenizer (default 4096)")
    q.add_argument("--output", required=True, metavar="DIR", help="corpus directory to write (or replace)")
    test = q.add_mutually_exclusive_group()
    test.add_argument("--holdout", nargs="+", default=None, metavar="NAME", help="test documents, by name")
    test.add_argument("--holdout-docs", type=int, default=None, metavar="N", help="N random test documents")
    val = q.add_mutually_exclusive_group()
    val.add_argument("--val", nargs="+", default=None, metavar="NAME", help="validation documents, by name")
    val.add_argument("--val-docs", type=int, default=None, metavar="N",
                     help="N random validation documents (default: 1 when at least 3 are not test documents)")
    q.add_argument("--max-docs", type=int, default=None, metavar="N", help="keep only the first N documents")
    q.add_argument("--seed", type=int, default=0, help="seed of the random held-out picks (default 0)")
    q.add_argument("--dtype", choices=["uint16", "uint32"], default=None,
                   help="shard type (default: uint16 when the vocabulary fits, else uint32)")
    q.add_argument("--no-progress", action="store_true", help="no progress bars")

    s = csub.add_parser("stats", help="documents, bytes and tokens per split of a corpus directory")
    s.add_argument("dir", metavar="DIR")

    p.set_defaults(run=run)


def format_stats(corpus) -> str:
    """Documents, bytes, tokens and bytes/token per split, and the held-out names."""
    m = corpus.manifest
    tok = "bytes" if m["tokenizer"] == "bytes" else m["tokenizer"]["file"]
    lines = [f"corpus {corpus.dir}: tokenizer {tok} (vocab {corpus.vocab_size}, <|bos|> = {corpus.bos_id}), "
             f"{m['dtype']} shards"]
    rows = [(split, m["splits"][split]) for split in ("train", "val", "test")]
    total = {k: sum(t[k] for _, t in rows) for k in ("documents", "bytes", "tokens")}
    header = f"{'split':6s} {'documents':>10s} {'bytes':>12s} {'tokens':>12s} {'bytes/token':>12s}"
    lines.append(header)
    for name, t in [*rows, ("total", total)]:
        ratio = f"{t['bytes'] / t['tokens']:.3f}" if t["tokens"] else "-"
        lines.append(f"{name:6s} {t['documents']:10,d} {t['bytes']:12,d} {t['tokens']:12,d} {ratio:>12s}")
    for split in ("test", "val"):
        names = m["held_out"][split]
        lines.append(f"held out ({split}): {', '.join(names) if names else 'none'}")
    lines.append(f"dropped: {m['duplicates_dropped']} duplicate, {m['empty_dropped']} empty documents")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.lm.corpus import Corpus, prepare

    if args.corpus_command == "prepare":
        corpus = prepare(args.input, args.output, tokenizer=args.tokenizer, vocab_size=args.vocab_size,
                         holdout=args.holdout, holdout_docs=args.holdout_docs, val=args.val, val_docs=args.val_docs,
                         max_docs=args.max_docs, seed=args.seed, progress=not args.no_progress and sys.stderr.isatty(),
                         text_field=args.text_field, hf_split=args.split, hf_config=args.hf_config, dtype=args.dtype)
        print(format_stats(corpus))
        return 0
    if args.corpus_command == "stats":
        print(format_stats(Corpus.open(args.dir)))
        return 0
    raise ValueError(f"unknown corpus action {args.corpus_command!r}")
