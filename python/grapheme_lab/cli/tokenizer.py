"""``tokenizer``: train, apply and compare byte-level BPE tokenizers.

    python -m grapheme_lab tokenizer train --input DIR_OR_FILE... --vocab-size 32768 --output tok.json
    python -m grapheme_lab tokenizer encode --tokenizer tok.json --text "Hello"
    python -m grapheme_lab tokenizer eval --tokenizer tok.json --against other.json --input heldout.txt
    python -m grapheme_lab tokenizer export-hf --tokenizer tok.json --output tokenizer.json

Inputs: text files (read as UTF-8, invalid bytes become U+FFFD), folders (every
file inside, sorted, recursively; hidden files skipped), ``.json``/``.jsonl``/
``.parquet`` files (read with ``datasets.load_dataset``, the ``--text-field``
column), and ``hf:NAME`` for a Hugging Face hub data set (where the hub is
reachable). With no ``--input``, ``train`` uses the small Shakespeare corpus that
ships with the package.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from grapheme_lab.inputs import dataset_column, embedded_corpus, is_dataset, resolve_inputs

TEXT_BLOCK_BYTES = 1 << 20


def add_parser(sub) -> None:
    p = sub.add_parser("tokenizer", help="train, apply and compare byte-level BPE tokenizers")
    tsub = p.add_subparsers(dest="tokenizer_command", required=True, metavar="ACTION")

    def inputs(q, required: bool) -> None:
        q.add_argument("--input", nargs="+", required=required, metavar="PATH",
                       help="text files, folders, .json/.jsonl/.parquet files, or hf:NAME data sets")
        q.add_argument("--text-field", default="text", help="column holding the text in data sets (default: text)")
        q.add_argument("--split", default="train", help="data set split for hf:NAME inputs (default: train)")
        q.add_argument("--hf-config", default=None, help="data set configuration for hf:NAME inputs")

    t = tsub.add_parser("train", help="learn a BPE vocabulary")
    inputs(t, required=False)
    t.add_argument("--vocab-size", type=int, required=True, help="total tokens: 256 bytes + merges + specials")
    t.add_argument("--output", required=True, help="tokenizer JSON file to write")
    t.add_argument("--pattern", default=None, help="split regex (default: the GPT-4 pattern)")
    t.add_argument("--special-token", action="append", default=None, metavar="TOKEN",
                   help="a special token (repeatable); default: the chat pipeline's tokens")
    t.add_argument("--no-special-tokens", action="store_true", help="train without special tokens")
    t.add_argument("--min-frequency", type=int, default=1, help="stop when no pair occurs this often (default 1)")
    t.add_argument("--hf-output", default=None, help="also write a Hugging Face tokenizer.json here")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")

    e = tsub.add_parser("encode", help="print the token ids of a text")
    e.add_argument("--tokenizer", required=True)
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the text to encode")
    src.add_argument("--file", help="a file to encode (UTF-8)")
    e.add_argument("--allowed-special", default="none", choices=["none", "all"],
                   help="whether special token text becomes special ids (default: none)")
    e.add_argument("--show-tokens", action="store_true", help="print each token's bytes next to its id")

    v = tsub.add_parser("eval", help="bytes per token on held-out text, for one or more tokenizers")
    inputs(v, required=True)
    v.add_argument("--tokenizer", required=True, help="our tokenizer JSON file")
    v.add_argument("--against", nargs="*", default=[],
                   help="other tokenizer files: ours, or Hugging Face tokenizer.json")

    x = tsub.add_parser("export-hf", help="write a Hugging Face tokenizer.json")
    x.add_argument("--tokenizer", required=True)
    x.add_argument("--output", required=True)

    p.set_defaults(run=run)


def iter_texts(sources: list[str | Path], text_field: str = "text", split: str = "train",
               hf_config: str | None = None) -> Iterator[str | bytes]:
    """Texts from every source in order; text files come in blocks of whole lines."""
    for src in sources:
        if is_dataset(src):
            yield from (value for _, value in dataset_column(src, text_field, split, hf_config))
        else:
            with open(src, "rb") as f:
                while True:
                    lines = f.readlines(TEXT_BLOCK_BYTES)
                    if not lines:
                        break
                    yield b"".join(lines)  # decoded by the trainer (invalid bytes -> U+FFFD)


def _text_total(sources: list[str | Path]) -> int | None:
    if not any(is_dataset(s) for s in sources):
        return sum(s.stat().st_size for s in sources)
    return None


def load_any(path: str):
    """Our tokenizer file, or a Hugging Face tokenizer.json; returns (name, encode)."""
    from grapheme_lab.tokenizer import FORMAT_NAME, BPETokenizer

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"tokenizer file not found: {path}")
    with open(p, encoding="utf-8") as f:
        head = json.load(f)
    if isinstance(head, dict) and head.get("format") == FORMAT_NAME:
        tok = BPETokenizer.load(p)
        return lambda texts: [len(ids) for ids in tok.encode_batch(texts)]
    if isinstance(head, dict) and "model" in head:
        import tokenizers

        hf = tokenizers.Tokenizer.from_file(str(p))
        return lambda texts: [len(e.ids) for e in hf.encode_batch(texts, add_special_tokens=False)]
    raise ValueError(f"{path}: neither a grapheme_lab tokenizer nor a Hugging Face tokenizer.json")


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.tokenizer import CHAT_SPECIAL_TOKENS, BPETokenizer

    cmd = args.tokenizer_command
    if cmd == "train":
        sources = resolve_inputs(args.input) if args.input else embedded_corpus()
        if not sources:
            raise FileNotFoundError("the embedded corpus is missing from this installation; pass --input")
        specials = [] if args.no_special_tokens else (args.special_token or list(CHAT_SPECIAL_TOKENS))
        tok = BPETokenizer.train(
            iter_texts(sources, args.text_field, args.split, args.hf_config),
            vocab_size=args.vocab_size,
            pattern=args.pattern,
            special_tokens=specials,
            min_frequency=args.min_frequency,
            progress=not args.no_progress and sys.stderr.isatty(),
            total_bytes=_text_total(sources),
        )
        tok.save(args.output)
        if args.hf_output:
            tok.save_huggingface(args.hf_output)
        print(f"wrote {args.output}: {tok.vocab_size} tokens ({len(tok.merges)} merges, "
              f"{len(tok.special_tokens)} special)")
        return 0
    if cmd == "encode":
        tok = BPETokenizer.load(args.tokenizer)
        text = args.text if args.text is not None else Path(args.file).read_bytes().decode("utf-8", "replace")
        ids = tok.encode(text, allowed_special="all" if args.allowed_special == "all" else ())
        if args.show_tokens:
            for i in ids:
                print(i, repr(tok.token_bytes(i)))
        else:
            print(" ".join(map(str, ids)))
        return 0
    if cmd == "eval":
        sources = resolve_inputs(args.input)
        texts = [t.decode("utf-8", "replace") if isinstance(t, bytes) else t
                 for t in iter_texts(sources, args.text_field, args.split, args.hf_config)]
        n_bytes = sum(len(t.encode("utf-8")) for t in texts)
        if n_bytes == 0:
            raise ValueError("the evaluation text is empty")
        print(f"{'tokenizer':40s} {'tokens':>12s} {'bytes/token':>12s}")
        for path in [args.tokenizer, *args.against]:
            n_tokens = sum(load_any(path)(texts))
            print(f"{path:40s} {n_tokens:12d} {n_bytes / max(n_tokens, 1):12.4f}")
        return 0
    if cmd == "export-hf":
        BPETokenizer.load(args.tokenizer).save_huggingface(args.output)
        print(f"wrote {args.output}")
        return 0
    raise ValueError(f"unknown tokenizer action {cmd!r}")
