"""A tokenized text corpus on disk: whole documents in train / val / test splits.

    corpus = prepare(["books/"], "out/corpus", holdout=["julius_caesar"])   # or Corpus.open("out/corpus")
    for doc in corpus.documents("test"):
        ids = corpus.shards("test")[doc.shard][doc.start:doc.end]   # <|bos|>, then the text's tokens
        text = corpus.text(doc)                                       # the normalised text, decoded back

A corpus directory holds ``manifest.json`` (written last: a directory without it is
incomplete), ``tokenizer.json`` (unless the tokenizer is the byte tokenizer) and
token shards ``{split}_{k:03d}.npy``: 1-D numpy arrays, ``uint16`` when the
vocabulary fits (at most 65,536 tokens), else ``uint32``. A shard holds whole
documents, each as its ``<|bos|>`` id followed by its tokens; a split gets a new
shard when the current one would pass ``SHARD_TOKENS``.

Every input file is one document (named by its stem), and so is every row of a
JSON / JSONL / parquet / ``hf:NAME`` data set (named ``<source>#<row index>``), every chat of
the input ``chitchat`` and every play of ``plays-dialogue`` (``grapheme_lab.lm.conversations``).
A document's text is normalised (invalid UTF-8 -> U+FFFD, a leading byte-order
mark dropped, ``\\r\\n`` and ``\\r`` -> ``\\n``, a Project Gutenberg header and footer
cut off); empty documents and exact duplicates of an earlier one are dropped and
counted. Splits are whole documents, never chunks. See docs/lm.md.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grapheme_lab.atomic import atomic_write
from grapheme_lab.inputs import dataset_column, embedded_corpus, is_dataset, resolve_inputs

FORMAT = "grapheme_lab.corpus/1"
MANIFEST = "manifest.json"
TOKENIZER_FILE = "tokenizer.json"
BOS = "<|bos|>"
SPLITS = ("train", "val", "test")
#: A split starts a new shard when the current one would pass this many tokens.
SHARD_TOKENS = 1 << 26
SHARD_NAME = re.compile(r"^(train|val|test)_\d{3,}\.npy$")
UINT16_VOCAB = 1 << 16
UINT32_VOCAB = 1 << 32

#: Whole works of the embedded corpus held out by default (file stems).
EMBEDDED_TEST = ("julius_caesar", "twelfth_night", "winters_tale")
EMBEDDED_VAL = ("much_ado_about_nothing", "othello")
EMBEDDED_SOURCE = "grapheme_lab/data/corpus"

# Project Gutenberg markers: the modern "*** START OF THE/THIS PROJECT GUTENBERG
# EBOOK ... ***" pair, and the older small-print header ("*END*THE SMALL PRINT!
# ...") with its "End of (the) Project Gutenberg('s) ..." footer.
_GUTENBERG_START = re.compile(
    r"^[ \t]*(\*{3}[ \t]*START OF (THE|THIS) PROJECT GUTENBERG\b|\*END\*?[ \t]*THE SMALL PRINT!).*$",
    re.IGNORECASE | re.MULTILINE,
)
_GUTENBERG_END = re.compile(
    r"^[ \t]*(\*{3}[ \t]*END OF (THE|THIS) PROJECT GUTENBERG\b|End of (the |this )?Project Gutenberg\b).*$",
    re.IGNORECASE | re.MULTILINE,
)


# -- the byte tokenizer -----------------------------------------------------------


class ByteTokenizer:
    """Ids 0-255 are the bytes of the UTF-8 text, 256 is ``<|bos|>``; the same
    methods as ``BPETokenizer`` where a corpus uses them."""

    vocab_size = 257

    @property
    def special_tokens(self) -> dict[str, int]:
        return {BOS: 256}

    def encode(self, text: str, allowed_special="none") -> list[int]:
        data = text.encode("utf-8", "replace")  # lone surrogates -> "?"
        if allowed_special == "all" or (not isinstance(allowed_special, str) and BOS in allowed_special):
            parts = data.split(BOS.encode())
            ids: list[int] = list(parts[0])
            for part in parts[1:]:
                ids.append(256)
                ids.extend(part)
            return ids
        return list(data)

    def encode_batch(self, texts: Sequence[str], allowed_special="none") -> list[list[int]]:
        return [self.encode(t, allowed_special) for t in texts]

    def token_bytes(self, token_id: int) -> bytes:
        if 0 <= token_id < 256:
            return bytes([token_id])
        if token_id == 256:
            return BOS.encode()
        raise ValueError(f"token id {token_id} is outside the byte tokenizer's 257 ids")

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        ids = [int(i) for i in ids]
        try:
            return bytes(ids)
        except ValueError:  # a <|bos|> (or a bad id) among them
            return b"".join(self.token_bytes(i) for i in ids)

    def decode(self, ids: Iterable[int]) -> str:
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return "ByteTokenizer(vocab_size=257)"


def load_tokenizer(spec: str):
    """``"bytes"`` -> a ``ByteTokenizer``; else a ``BPETokenizer`` JSON file."""
    if spec == "bytes":
        return ByteTokenizer()
    from grapheme_lab.tokenizer import BPETokenizer

    return BPETokenizer.load(spec)


def _bos_id(tok, where: str) -> int:
    bos = tok.special_tokens.get(BOS)
    if bos is None:
        raise ValueError(f"tokenizer {where} has no {BOS} special token (its special tokens: "
                         f"{sorted(tok.special_tokens) or 'none'}); train one with --special-token {BOS}")
    return bos


def shard_dtype(vocab_size: int, requested: str | None = None) -> str:
    """``uint16`` when every id fits (``vocab_size`` <= 65,536), else ``uint32``;
    ``requested`` forces one and is checked."""
    if requested not in (None, "uint16", "uint32"):
        raise ValueError(f"shard dtype must be uint16 or uint32, got {requested!r}")
    dtype = requested or ("uint16" if vocab_size <= UINT16_VOCAB else "uint32")
    limit = UINT16_VOCAB if dtype == "uint16" else UINT32_VOCAB
    if vocab_size > limit:
        raise ValueError(f"a vocabulary of {vocab_size} tokens does not fit {dtype} shards (at most {limit} ids)")
    return dtype


# -- normalisation ------------------------------------------------------------------


def strip_gutenberg(text: str) -> str:
    """The text between a Project Gutenberg header and footer, without the blank
    lines around it; text without either marker is returned unchanged."""
    start = _GUTENBERG_START.search(text)
    begin = start.end() if start else 0
    end_match = _GUTENBERG_END.search(text, begin)
    if start is None and end_match is None:
        return text
    lines = text[begin:end_match.start() if end_match else len(text)].split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def normalize_text(raw: str | bytes) -> str:
    """A document's text as the corpus stores it (see the module docstring)."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, (bytes, bytearray)) else raw
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (from a data set's strings) -> U+FFFD
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return strip_gutenberg(text)


# -- reading documents --------------------------------------------------------------


def read_documents(inputs: Sequence[str] | None, text_field: str = "text", hf_split: str = "train",
                   hf_config: str | None = None) -> Iterator[tuple[str, str, str | bytes]]:
    """(name, source, raw text) of every document, in input order (folders sorted);
    ``None`` reads the embedded corpus."""
    if inputs is None:
        files = embedded_corpus()
        if not files:
            raise ValueError("the embedded corpus is missing from this installation; pass --input")
        for p in files:
            yield p.stem, f"{EMBEDDED_SOURCE}/{p.name}", p.read_bytes()
        return
    from grapheme_lab.lm.conversations import NAMED_INPUTS

    def named(spec: str) -> bool:  # chitchat, plays-dialogue (a path of the same name wins)
        return spec in NAMED_INPUTS and not Path(spec).exists()

    resolve_inputs([s for s in inputs if not named(s)])  # every path checked before any is read
    for spec in inputs:
        if named(spec):
            yield from NAMED_INPUTS[spec]()
            continue
        for src in resolve_inputs([spec]):
            if is_dataset(src):  # one document a row
                for i, value in dataset_column(src, text_field, hf_split, hf_config):
                    if not isinstance(value, str):
                        raise ValueError(f"{src}: row {i}'s {text_field!r} is a {type(value).__name__}, not text")
                    yield f"{src}#{i}", str(src), value
            else:
                yield src.stem, str(src), src.read_bytes()


@dataclass
class _Pending:
    """A document between reading and writing."""

    name: str
    source: str
    text: str
    split: str = "train"
    ids: np.ndarray | None = field(default=None, repr=False)
    shard: str = ""
    start: int = 0


def _collect(inputs, text_field, hf_split, hf_config, max_docs, progress) -> tuple[list[_Pending], int, int]:
    from tqdm.auto import tqdm

    docs: list[_Pending] = []
    names: set[str] = set()
    seen: set[bytes] = set()
    duplicates = empty = 0
    with tqdm(desc="reading documents", unit="doc", disable=not progress) as bar:
        for name, source, raw in read_documents(inputs, text_field, hf_split, hf_config):
            bar.update()
            text = normalize_text(raw)
            if not text.strip():
                empty += 1
                continue
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
            if name in names:  # the same stem in two folders: the later one is named by its path
                name = Path(source).with_suffix("").as_posix()
                if name in names:
                    raise ValueError(f"two documents are both named {name!r} ({source})")
            names.add(name)
            docs.append(_Pending(name, source, text))
            if max_docs is not None and len(docs) >= max_docs:
                break
    return docs, duplicates, empty


def _assign_splits(docs: list[_Pending], holdout, holdout_docs, val, val_docs, seed: int) -> None:
    """Sets each document's split: named ones first, then seeded random picks."""
    if holdout is not None and holdout_docs is not None:
        raise ValueError("give held-out test documents by name (holdout) or by count (holdout_docs), not both")
    if val is not None and val_docs is not None:
        raise ValueError("give validation documents by name (val) or by count (val_docs), not both")
    by_name = {d.name: d for d in docs}
    for split, names in (("test", holdout), ("val", val)):
        for name in names or ():
            if name not in by_name:
                close = [n for n in by_name if name.lower() in n.lower()][:5]
                raise ValueError(f"{split} document {name!r} matches no document"
                                 + (f" (did you mean {', '.join(close)}?)" if close else
                                    f" ({len(docs)} documents, e.g. {', '.join(list(by_name)[:5])})"))
            if by_name[name].split not in ("train", split):
                raise ValueError(f"document {name!r} is named for both test and val")
            by_name[name].split = split
    default_val = val is None and val_docs is None
    rng = random.Random(seed)
    for split, count in (("test", holdout_docs), ("val", val_docs)):
        candidates = [d for d in docs if d.split == "train"]
        if split == "val" and default_val:  # one validation document when at least 2 training ones remain
            count = 1 if len(candidates) >= 3 else 0
        if not count:
            continue
        if count < 0:
            raise ValueError(f"the number of {split} documents must be positive, got {count}")
        if count > len(candidates):
            raise ValueError(f"asked for {count} {split} documents but only {len(candidates)} are not held out")
        for d in rng.sample(candidates, count):
            d.split = split
    if not any(d.split == "train" for d in docs):
        raise ValueError(f"every document is held out ({len(docs)} documents): no training document left")


# -- the corpus ---------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A document in a shard: ``tokens[start]`` is its <|bos|>, ``tokens[start+1:end]``
    its text; ``shard`` indexes ``Corpus.shards(split)``."""

    name: str
    split: str
    shard: int
    start: int
    end: int
    n_bytes: int

    @property
    def n_tokens(self) -> int:
        """Its text's tokens (without the <|bos|>)."""
        return self.end - self.start - 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; one of {', '.join(SPLITS)}")


class Corpus:
    """A prepared corpus directory, checked when opened (see ``open``)."""

    def __init__(self, path: Path, manifest: dict, shards: dict[str, list[np.ndarray]],
                 documents: dict[str, list[Document]]):
        self.dir = path
        self.manifest = manifest
        self.vocab_size: int = manifest["vocab_size"]
        self.bos_id: int = manifest["bos_id"]
        self.dtype = np.dtype(manifest["dtype"])
        tok = manifest["tokenizer"]
        self.tokenizer_spec: str = "bytes" if tok == "bytes" else str(path / tok["file"])
        self._shards = shards
        self._documents = documents
        self._tokenizer = None

    @classmethod
    def open(cls, path) -> Corpus:
        """Opens a corpus directory; a missing or malformed manifest, a missing,
        truncated or mistyped shard, or a changed tokenizer file is a ValueError
        naming the file."""
        path = Path(path)
        manifest_path = path / MANIFEST
        if not path.is_dir():
            raise ValueError(f"{path}: not a prepared corpus (no such directory)")
        if not manifest_path.is_file():
            raise ValueError(f"{path}: not a prepared corpus (no {MANIFEST}; an interrupted prepare leaves none)")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{manifest_path}: not a JSON manifest ({e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
            raise ValueError(f"{manifest_path}: not a {FORMAT} manifest (format {found!r})")
        try:
            return cls._check(path, manifest)
        except (KeyError, TypeError, IndexError) as e:
            raise ValueError(f"{manifest_path}: malformed manifest ({type(e).__name__}: {e})") from None

    @classmethod
    def _check(cls, path: Path, manifest: dict) -> Corpus:
        manifest_path = path / MANIFEST
        dtype = manifest["dtype"]
        vocab_size = manifest["vocab_size"]
        if dtype not in ("uint16", "uint32"):
            raise ValueError(f"{manifest_path}: shard dtype {dtype!r} is not uint16 or uint32")
        if vocab_size > (UINT16_VOCAB if dtype == "uint16" else UINT32_VOCAB):
            raise ValueError(f"{manifest_path}: a vocabulary of {vocab_size} tokens does not fit {dtype}")
        tok = manifest["tokenizer"]
        if tok != "bytes":
            tok_path = path / tok["file"]
            if not tok_path.is_file():
                raise ValueError(f"{tok_path}: the corpus's tokenizer file is missing")
            if _sha256(tok_path) != tok["sha256"]:
                raise ValueError(f"{tok_path}: sha256 differs from the manifest's (the tokenizer was replaced)")
        shards: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
        where: dict[str, tuple[str, int]] = {}
        for entry in manifest["shards"]:
            file, split = entry["file"], entry["split"]
            _check_split(split)
            shard_path = path / file
            if not shard_path.is_file():
                raise ValueError(f"{shard_path}: shard missing")
            try:
                array = np.load(shard_path, mmap_mode="r", allow_pickle=False)
            except (ValueError, OSError, EOFError) as e:
                raise ValueError(f"{shard_path}: truncated or unreadable shard ({e})") from None
            if array.dtype != np.dtype(dtype) or array.ndim != 1:
                raise ValueError(f"{shard_path}: a {array.ndim}-D {array.dtype} array, the manifest says 1-D {dtype}")
            if len(array) != entry["tokens"]:
                raise ValueError(f"{shard_path}: {len(array)} tokens, the manifest says {entry['tokens']} (truncated?)")
            where[file] = (split, len(shards[split]))
            shards[split].append(array)
        bos = manifest["bos_id"]
        documents: dict[str, list[Document]] = {s: [] for s in SPLITS}
        for d in manifest["documents"]:
            split, index = where[d["shard"]] if d["shard"] in where else (None, None)
            if split != d["split"]:
                raise ValueError(f"{manifest_path}: document {d['name']!r} names shard {d['shard']!r} "
                                 f"which is not a {d['split']} shard")
            doc = Document(d["name"], split, index, d["start"], d["start"] + 1 + d["tokens"], d["bytes"])
            array = shards[split][index]
            if doc.end > len(array) or int(array[doc.start]) != bos:
                raise ValueError(f"{path / d['shard']}: document {doc.name!r} does not start with <|bos|> at "
                                 f"{doc.start} or runs past the shard's end")
            documents[split].append(doc)
        return cls(path, manifest, shards, documents)

    def tokenizer(self):
        """The loaded tokenizer: a ``BPETokenizer``, or the ``ByteTokenizer``."""
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.tokenizer_spec)
        return self._tokenizer

    def shards(self, split: str) -> list[np.ndarray]:
        """The split's shards: read-only memory-mapped 1-D arrays."""
        _check_split(split)
        return list(self._shards[split])

    def documents(self, split: str) -> list[Document]:
        _check_split(split)
        return list(self._documents[split])

    def tokens(self, doc: Document) -> np.ndarray:
        """Its <|bos|> and its text's tokens (a view into the memory map)."""
        return self._shards[doc.split][doc.shard][doc.start:doc.end]

    def text(self, doc: Document) -> str:
        """Its normalised text, decoded back from its tokens."""
        return self.tokenizer().decode_bytes(self.tokens(doc)[1:].tolist()).decode("utf-8")

    @property
    def held_out(self) -> dict[str, list[str]]:
        """The names of the val and test documents."""
        return self.manifest["held_out"]

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={len(self._documents[s])}" for s in SPLITS)
        return f"Corpus({str(self.dir)!r}, documents: {counts}, vocab_size={self.vocab_size})"


# -- preparing ----------------------------------------------------------------------


def _check_output_dir(output: Path) -> None:
    """Refuses to write into a file or a directory holding something other than a corpus."""
    if output.exists() and not output.is_dir():
        raise ValueError(f"output {output} is a file, not a directory")
    if not output.is_dir():
        return
    for p in output.iterdir():
        ours = p.name in (MANIFEST, TOKENIZER_FILE) or SHARD_NAME.match(p.name) or (
            p.name.startswith(".") and p.name.endswith(".tmp"))
        if not ours:
            raise ValueError(f"output {output} holds {p.name!r}, which is not part of a corpus; "
                             "give a new or empty directory, or a corpus to replace")
    manifest_path = output / MANIFEST
    if manifest_path.is_file():
        try:
            found = json.loads(manifest_path.read_text(encoding="utf-8")).get("format")
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            found = None
        if found != FORMAT:
            raise ValueError(f"{manifest_path} is not a {FORMAT} manifest; will not replace that directory")


def _encode(docs: list[_Pending], tok, dtype: str, progress: bool) -> None:
    from tqdm.auto import tqdm

    total = sum(len(d.text) for d in docs)
    with tqdm(total=total, unit="char", unit_scale=True, desc="encoding", disable=not progress) as bar:
        batch: list[_Pending] = []
        size = 0
        for i, d in enumerate(docs):
            batch.append(d)
            size += len(d.text)
            if size >= 8 << 20 or i == len(docs) - 1:  # ~8 MB batches, encoded in parallel by the core
                for doc, ids in zip(batch, tok.encode_batch([b.text for b in batch])):
                    doc.ids = np.asarray(ids, dtype=np.int64).astype(dtype)
                bar.update(size)
                batch, size = [], 0


def _write_shards(output: Path, docs: list[_Pending], bos_id: int, dtype: str) -> list[dict]:
    """Writes each split's shards; returns their manifest entries."""
    entries: list[dict] = []
    for split in SPLITS:
        pieces: list[np.ndarray] = []
        filled = 0

        def flush() -> None:
            file = f"{split}_{len([e for e in entries if e['split'] == split]):03d}.npy"
            array = np.concatenate(pieces) if pieces else np.zeros(0, dtype)
            with atomic_write(output / file, "wb") as f:
                np.save(f, array, allow_pickle=False)
            entries.append({"file": file, "split": split, "tokens": int(len(array))})

        bos = np.array([bos_id], dtype)
        for d in (d for d in docs if d.split == split):
            size = 1 + len(d.ids)
            if pieces and filled + size > SHARD_TOKENS:
                flush()
                pieces, filled = [], 0
            d.shard = f"{split}_{len([e for e in entries if e['split'] == split]):03d}.npy"
            d.start = filled
            pieces += [bos, d.ids]
            filled += size
        if pieces:
            flush()
    return entries


def prepare(inputs: Sequence[str] | None, output, tokenizer: str | None = None, vocab_size: int = 4096,
            holdout: Sequence[str] | None = None, holdout_docs: int | None = None,
            val: Sequence[str] | None = None, val_docs: int | None = None, max_docs: int | None = None,
            seed: int = 0, progress: bool = True, *, text_field: str = "text", hf_split: str = "train",
            hf_config: str | None = None, dtype: str | None = None,
            special_tokens: Sequence[str] = (BOS,)) -> Corpus:
    """Reads, normalises, splits and tokenizes ``inputs`` (None: the embedded corpus)
    into the corpus directory ``output`` and opens it.

    ``tokenizer``: a ``BPETokenizer`` JSON file, ``"bytes"``, or None to train a BPE
    tokenizer of ``vocab_size`` tokens with ``<|bos|>`` on the training documents.
    Test documents: ``holdout`` names them, or ``holdout_docs`` picks that many with
    ``seed`` (default: none; for the embedded corpus ``EMBEDDED_TEST``). Validation
    documents: ``val`` / ``val_docs`` likewise (default: one random document when
    at least 3 are not test documents; for the embedded corpus ``EMBEDDED_VAL``). ``max_docs``
    keeps the first that many documents. ``dtype`` forces the shard type. ``special_tokens``: of
    the trained tokenizer (``tokenizer.CHAT_SPECIAL_TOKENS`` for a model that will chat).
    """
    output = Path(output)
    if isinstance(inputs, (str, Path)):  # one path, not a sequence of characters
        inputs = [inputs]
    if inputs is not None:
        inputs = [str(i) for i in inputs]
    if max_docs is not None and max_docs < 1:
        raise ValueError(f"max_docs must be at least 1, got {max_docs}")
    _check_output_dir(output)
    given_tok = given_bos = None
    if tokenizer is not None:  # a bad tokenizer fails before the reading
        given_tok = load_tokenizer(tokenizer)
        given_bos = _bos_id(given_tok, tokenizer)
        shard_dtype(given_tok.vocab_size, dtype)
        tokenizer_bytes = None if tokenizer == "bytes" else Path(tokenizer).read_bytes()

    docs, duplicates, empty = _collect(inputs, text_field, hf_split, hf_config, max_docs, progress)
    if not docs:
        where = "the embedded corpus" if inputs is None else ", ".join(inputs)
        raise ValueError(f"no documents in {where}" + (f" ({empty} empty, {duplicates} duplicates)"
                                                        if empty or duplicates else ""))
    if inputs is None:  # the embedded corpus holds fixed works out (those that max_docs kept)
        names = {d.name for d in docs}
        if holdout is None and holdout_docs is None:
            holdout = [n for n in EMBEDDED_TEST if n in names]
        if val is None and val_docs is None:
            val = [n for n in EMBEDDED_VAL if n in names]
    _assign_splits(docs, holdout, holdout_docs, val, val_docs, seed)

    if given_tok is None:
        from grapheme_lab.tokenizer import BPETokenizer

        train_texts = [d.text for d in docs if d.split == "train"]
        tok = BPETokenizer.train(train_texts, vocab_size=vocab_size, special_tokens=list(special_tokens), progress=progress,
                                 total_bytes=sum(len(t) for t in train_texts))
        bos_id = _bos_id(tok, "trained")
        tokenizer_bytes = json.dumps(tok.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        origin = f"trained on the train split (vocab_size {vocab_size})"
    else:
        tok, bos_id, origin = given_tok, given_bos, tokenizer
    dtype = shard_dtype(tok.vocab_size, dtype)
    _encode(docs, tok, dtype, progress)

    # From here until the new manifest the directory is incomplete: the old
    # manifest goes first, so that it never describes shards being rewritten.
    output.mkdir(parents=True, exist_ok=True)
    (output / MANIFEST).unlink(missing_ok=True)
    if tokenizer_bytes is None:
        (output / TOKENIZER_FILE).unlink(missing_ok=True)
        tokenizer_entry: str | dict = "bytes"
    else:
        with atomic_write(output / TOKENIZER_FILE, "wb") as f:
            f.write(tokenizer_bytes)
        tokenizer_entry = {"file": TOKENIZER_FILE, "sha256": hashlib.sha256(tokenizer_bytes).hexdigest(),
                           "origin": origin}
    shard_entries = _write_shards(output, docs, bos_id, dtype)

    splits = {s: {"documents": 0, "bytes": 0, "tokens": 0} for s in SPLITS}
    documents = []
    for d in docs:
        n_bytes = len(d.text.encode("utf-8"))
        documents.append({"name": d.name, "split": d.split, "source": d.source, "bytes": n_bytes,
                          "tokens": int(len(d.ids)), "shard": d.shard, "start": d.start})
        totals = splits[d.split]
        totals["documents"] += 1
        totals["bytes"] += n_bytes
        totals["tokens"] += int(len(d.ids))
    manifest = {
        "format": FORMAT,
        "inputs": "embedded" if inputs is None else list(inputs),
        "seed": seed,
        "tokenizer": tokenizer_entry,
        "vocab_size": tok.vocab_size,
        "bos_id": bos_id,
        "dtype": dtype,
        "splits": splits,
        "held_out": {s: [d.name for d in docs if d.split == s] for s in ("val", "test")},
        "duplicates_dropped": duplicates,
        "empty_dropped": empty,
        "shards": shard_entries,
        "documents": documents,
    }
    with atomic_write(output / MANIFEST) as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    keep = {e["file"] for e in shard_entries}
    for p in output.iterdir():  # shards of an earlier corpus in this directory
        if SHARD_NAME.match(p.name) and p.name not in keep:
            p.unlink()
    return Corpus.open(output)


def ensure_embedded(output, vocab_size: int = 4096, progress: bool = True) -> Corpus:
    """The embedded corpus prepared at ``output`` with a BPE tokenizer of
    ``vocab_size`` (257: the byte tokenizer): opened when it is there and complete, else
    (re)prepared."""
    output = Path(output)
    if (output / MANIFEST).is_file():
        try:
            corpus = Corpus.open(output)
        except ValueError:
            corpus = None  # incomplete or damaged: prepared again below
        if corpus is not None:
            if corpus.manifest.get("inputs") != "embedded":
                raise ValueError(f"{output} holds a corpus of other inputs ({corpus.manifest.get('inputs')}); "
                                 "ensure_embedded will not replace it")
            if corpus.vocab_size == vocab_size:
                return corpus
    tokenizer = "bytes" if vocab_size == ByteTokenizer.vocab_size else None  # byte-level models' corpus
    return prepare(None, output, tokenizer=tokenizer, vocab_size=vocab_size, progress=progress)
