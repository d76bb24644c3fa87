"""Builds the BPE benchmark corpus: Shakespeare plus Python source files, deterministically.

    python benches/make_bpe_corpus.py --output target/bpe_corpus --size-mb 100

Writes ``train.jsonl`` (one ``{"text": document}`` per line: every play, then
Python files from the standard library and site-packages in sorted path order,
until the size is reached) and ``heldout.jsonl`` (every 40th document, up to
about 2% of the size, never in train). Files are decoded as UTF-8 with invalid
bytes replaced. The same machine and arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import site
import sysconfig
from pathlib import Path

SHAKESPEARE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "shakespeare"


def python_sources() -> list[Path]:
    roots = [Path(sysconfig.get_paths()["stdlib"])] + [Path(p) for p in site.getsitepackages()]
    seen: set[Path] = set()
    files: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".py"):
                    p = Path(dirpath) / name
                    real = p.resolve()
                    if real not in seen and p.is_file():
                        seen.add(real)
                        files.append(p)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", default="target/bpe_corpus")
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--shakespeare", default=str(SHAKESPEARE))
    args = ap.parse_args()
    limit = int(args.size_mb * 1e6)
    heldout_limit = limit // 50

    docs = [p for p in sorted(Path(args.shakespeare).glob("*.txt"))] + python_sources()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    train_bytes = held_bytes = n_train = n_held = 0
    digest = hashlib.sha256()
    with open(out / "train.jsonl.tmp", "w", encoding="utf-8") as train, \
            open(out / "heldout.jsonl.tmp", "w", encoding="utf-8") as held:
        for i, path in enumerate(docs):
            if train_bytes >= limit:
                break
            text = path.read_bytes().decode("utf-8", errors="replace")
            if not text.strip():
                continue
            line = json.dumps({"text": text}, ensure_ascii=False) + "\n"
            digest.update(line.encode("utf-8"))
            size = len(text.encode("utf-8"))
            if i % 40 == 39 and held_bytes < heldout_limit:
                held.write(line)
                held_bytes += size
                n_held += 1
            else:
                train.write(line)
                train_bytes += size
                n_train += 1
    os.replace(out / "train.jsonl.tmp", out / "train.jsonl")
    os.replace(out / "heldout.jsonl.tmp", out / "heldout.jsonl")
    print(f"train: {n_train} documents, {train_bytes / 1e6:.1f} MB; heldout: {n_held} documents, "
          f"{held_bytes / 1e6:.2f} MB; sha256 {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
