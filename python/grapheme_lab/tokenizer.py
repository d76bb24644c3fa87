"""Byte-level BPE (GPT-4 style), trained and run by the Rust core.

Text is first cut into chunks by a regex (the GPT-4 pattern by default); merges
never cross a chunk boundary. Ids 0..255 are the bytes, then come the merges in
rank order, then the special tokens, which ordinary text never produces.

    tok = BPETokenizer.train(lines, vocab_size=4096, special_tokens=["<|bos|>"])
    ids = tok.encode("Hello world")
    assert tok.decode(ids) == "Hello world"
    tok.save("tok.json"); tok = BPETokenizer.load("tok.json")

Training (``BPETokenizer.train``) streams its iterable in batches of about
``batch_bytes`` bytes: each batch is split and counted in parallel with the GIL
released, and only the counts of distinct chunks are kept. Merging is
incremental and deterministic; ties between pairs of equal count go to the pair
with the smallest (left id, right id). The result is the same for any thread
count.

Invalid text: ``bytes`` items are decoded as UTF-8 with each invalid sequence
replaced by U+FFFD; lone surrogates in ``str`` items are replaced by U+FFFD too.
``decode`` does the same for ids whose bytes are not valid UTF-8 (``decode_bytes``
gives the exact bytes).

Encoding follows tiktoken's rule exactly, so ``tiktoken.Encoding(pat_str=tok.pattern,
mergeable_ranks=tok.mergeable_ranks(), special_tokens=tok.special_tokens)`` gives
the same ids.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Literal

from grapheme_lab import GraphemeError
from grapheme_lab import _core
from grapheme_lab.atomic import atomic_write

#: The GPT-4 split pattern (as used by nanochat); the default.
GPT4_PATTERN: str = _core.BPE_GPT4_PATTERN

#: The special tokens of the chat pipeline.
CHAT_SPECIAL_TOKENS: tuple[str, ...] = (
    "<|bos|>",
    "<|user_start|>",
    "<|user_end|>",
    "<|assistant_start|>",
    "<|assistant_end|>",
    "<|python_start|>",
    "<|python_end|>",
    "<|output_start|>",
    "<|output_end|>",
)

FORMAT_NAME = "grapheme_lab.bpe"
FORMAT_VERSION = 1

AllowedSpecial = Literal["all"] | Collection[str]


def _clean_text(item: str | bytes | bytearray) -> str:
    """Applies the invalid-UTF-8 policy: invalid bytes and lone surrogates become U+FFFD."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item).decode("utf-8", errors="replace")
    if not isinstance(item, str):
        raise TypeError(f"training texts must be str or bytes, got {type(item).__name__}")
    return item


def _replace_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_write(path) as f:
        f.write(text)


# GPT-2's byte <-> printable character map, used by Hugging Face's ByteLevel.
def _bytes_to_unicode() -> dict[int, str]:
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1)
    )
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


class BPETokenizer:
    """A trained byte-level BPE tokenizer (see the module docstring)."""

    def __init__(self, core: _core.BpeTokenizer):
        self._core = core

    # -- construction ------------------------------------------------------------

    @classmethod
    def from_merges(
        cls, merges: Sequence[tuple[int, int]], pattern: str | None = None, special_tokens: Sequence[str] = ()
    ) -> BPETokenizer:
        """Rebuilds a tokenizer from its merges (pairs of ids, in rank order)."""
        return cls(_core.BpeTokenizer(pattern or GPT4_PATTERN, [tuple(m) for m in merges], list(special_tokens)))

    @classmethod
    def train(
        cls,
        texts: Iterable[str | bytes],
        vocab_size: int,
        pattern: str | None = None,
        special_tokens: Sequence[str] = (),
        min_frequency: int = 1,
        *,
        batch_bytes: int = 4 << 20,
        progress: bool = False,
        total_bytes: int | None = None,
    ) -> BPETokenizer:
        """Learns merges from ``texts`` until the vocabulary (256 bytes + merges +
        specials) holds ``vocab_size`` tokens, or no pair occurs ``min_frequency``
        times (then the vocabulary is smaller).

        ``texts`` is consumed once, in batches of about ``batch_bytes`` UTF-8
        bytes; ``progress`` shows tqdm bars (``total_bytes`` sizes the first one).
        """
        special_tokens = list(special_tokens)
        if len(set(special_tokens)) != len(special_tokens):
            raise GraphemeError(f"special tokens are not distinct: {special_tokens}")
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
        if vocab_size < 256 + len(special_tokens):
            raise GraphemeError(
                f"vocab_size {vocab_size} is below 256 byte tokens + {len(special_tokens)} special tokens"
            )
        if min_frequency < 1:
            raise GraphemeError(f"min_frequency must be at least 1, got {min_frequency}")
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be an iterable of texts, not a single text; wrap it in a list")
        trainer = _core.BpeTrainer(pattern or GPT4_PATTERN)

        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=total_bytes, unit="B", unit_scale=True, desc="counting chunks")

        def flush(batch: list[str], size: int) -> None:
            try:
                trainer.add_texts(batch)
            except UnicodeEncodeError:
                trainer.add_texts([_replace_surrogates(t) for t in batch])
            if bar is not None:
                bar.update(size)
                bar.set_postfix(chunks=trainer.distinct_chunks, refresh=False)

        batch: list[str] = []
        size = 0
        for item in texts:
            text = _clean_text(item)
            batch.append(text)
            size += len(text)
            if size >= batch_bytes:
                flush(batch, size)
                batch, size = [], 0
        if batch:
            flush(batch, size)
        if bar is not None:
            bar.close()

        trainer.start_merges(min_frequency)
        target = vocab_size - len(special_tokens)
        if bar is not None:
            from tqdm.auto import tqdm

            bar = tqdm(total=target - 256, unit="merge", desc="merging")
        while trainer.vocab_len < target and not trainer.exhausted:
            before = trainer.vocab_len
            trainer.merge(target, 512)
            if bar is not None:
                bar.update(trainer.vocab_len - before)
        if bar is not None:
            bar.close()
        return cls(trainer.finish(special_tokens))

    # -- properties --------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """All tokens: 256 bytes, merges, special tokens."""
        return self._core.vocab_size

    @property
    def pattern(self) -> str:
        return self._core.pattern

    @property
    def special_tokens(self) -> dict[str, int]:
        return self._core.special_tokens()

    @property
    def merges(self) -> list[tuple[int, int]]:
        """The training merges in rank order, as (left id, right id)."""
        return self._core.merges()

    def mergeable_ranks(self) -> dict[bytes, int]:
        """tiktoken's format: the bytes of every ordinary token -> its rank (= id)."""
        return self._core.mergeable_ranks()

    def token_bytes(self, token_id: int) -> bytes:
        return self._core.token_bytes(token_id)

    # -- encoding ----------------------------------------------------------------

    @staticmethod
    def _allowed(allowed_special: AllowedSpecial) -> tuple[bool, list[str]]:
        if allowed_special == "all":
            return True, []
        if isinstance(allowed_special, str):
            raise GraphemeError(f'allowed_special must be "all" or a collection of strings, got {allowed_special!r}')
        return False, list(allowed_special)

    def encode(self, text: str, allowed_special: AllowedSpecial = ()) -> list[int]:
        """Token ids of ``text``. Special tokens named in ``allowed_special`` (or all
        of them with ``"all"``) become their ids; any other special token text is
        encoded as ordinary text."""
        all_special, names = self._allowed(allowed_special)
        try:
            return self._core.encode(text, all_special, names)
        except UnicodeEncodeError:
            return self._core.encode(_replace_surrogates(text), all_special, names)

    def encode_batch(self, texts: Sequence[str], allowed_special: AllowedSpecial = ()) -> list[list[int]]:
        """``encode`` for many texts, in parallel without the GIL."""
        all_special, names = self._allowed(allowed_special)
        texts = list(texts)
        try:
            return self._core.encode_batch(texts, all_special, names)
        except UnicodeEncodeError:
            return self._core.encode_batch([_replace_surrogates(t) for t in texts], all_special, names)

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        return self._core.decode_bytes(list(ids))

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids``; bytes that are not valid UTF-8 become U+FFFD."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # -- files -------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "pattern": self.pattern,
            "vocab_size": self.vocab_size,
            "merges": [list(m) for m in self.merges],
            "special_tokens": self.special_tokens,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Writes the JSON form (see docs/tokenizer.md) atomically."""
        _atomic_write_text(Path(path), json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")))

    @classmethod
    def load(cls, path: str | os.PathLike) -> BPETokenizer:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"tokenizer file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise GraphemeError(f"{path}: not a JSON tokenizer file ({e})") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: dict, where: str = "<tokenizer>") -> BPETokenizer:
        """The tokenizer of :meth:`to_dict`'s form; ``where`` names its source in errors."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise GraphemeError(f"{where}: not a {FORMAT_NAME} file (format field is {data.get('format')!r})"
                                if isinstance(data, dict) else f"{where}: not a {FORMAT_NAME} file")
        if data.get("version") != FORMAT_VERSION:
            raise GraphemeError(f"{where}: unsupported version {data.get('version')!r}")
        try:
            specials = data.get("special_tokens", {})
            ordered = sorted(specials, key=specials.__getitem__)
            tok = cls.from_merges([tuple(m) for m in data["merges"]], data["pattern"], ordered)
        except (KeyError, TypeError, ValueError) as e:
            raise GraphemeError(f"{where}: malformed tokenizer file ({type(e).__name__}: {e})") from None
        if tok.special_tokens != specials or tok.vocab_size != data.get("vocab_size", tok.vocab_size):
            raise GraphemeError(f"{where}: special token ids or vocab_size do not match the merges")
        return tok

    def to_huggingface(self) -> dict:
        """A Hugging Face ``tokenizers`` tokenizer.json (as a dict) that encodes like
        ``encode(text, allowed_special="all")``."""
        b2u = _bytes_to_unicode()
        ranks = self.mergeable_ranks()

        def u(b: bytes) -> str:
            return "".join(b2u[x] for x in b)

        # Every split of every token into two tokens, ranked by the token's rank:
        # Hugging Face's merge rule then picks the same pairs as tiktoken's.
        merges = []
        for token, rank in ranks.items():
            for k in range(1, len(token)):
                left, right = ranks.get(token[:k]), ranks.get(token[k:])
                if left is not None and right is not None:
                    merges.append((rank, left, right))
        merges.sort()
        inverse = {r: t for t, r in ranks.items()}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for s, i in self.special_tokens.items()
            ],
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": self.pattern}, "behavior": "Isolated", "invert": False},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
                ],
            },
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": True,
                "vocab": {u(t): r for t, r in ranks.items()},
                # "left right" strings: every tokenizers version reads them (byte-level
                # token strings never contain a space).
                "merges": [f"{u(inverse[l])} {u(inverse[r])}" for _, l, r in merges],
            },
        }

    def save_huggingface(self, path: str | os.PathLike) -> None:
        """Writes ``to_huggingface()`` as tokenizer.json, atomically."""
        _atomic_write_text(Path(path), json.dumps(self.to_huggingface(), ensure_ascii=False))

    def __reduce__(self):
        # Picklable (e.g. for DataLoader workers): rebuilt from its merges.
        specials = self.special_tokens
        return (BPETokenizer.from_merges, (self.merges, self.pattern, sorted(specials, key=specials.__getitem__)))

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, specials={len(self.special_tokens)})"
