"""Chat data: every source gives rows in one schema, ``{"id", "messages", ...}``, the
conversation that ``chat.format.render_conversation`` renders; a row with a checkable answer
also carries ``"answer"`` (a number as text, or a letter), which evaluation and RL check with
the engine (``chat.answers``).

    rows("worded", "train", 1000, seed=0)      # a source's rows for a split, a count and a seed
    rows("data/distilled.jsonl", "train", 500)  # a JSONL file of such rows (distill's output)
    write_rows(path, rows); read_rows(path)     # JSONL, written atomically, read back with datasets

Splits are disjoint by construction in every source (a problem's, a chat's or a word's split
is a hash of what it is, never a position), and each split draws its templates with its own
seed, so held-out items never appear in training rows (``tests/test_chat_data.py`` checks it).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from pathlib import Path

from grapheme_lab.atomic import atomic_write

SPLITS = ("train", "val", "test")


def split_of(key: str, val: float = 0.05, test: float = 0.05) -> str:
    """The split of an item by a hash of its key: the same item is in the same split for every
    seed and count, so no count or seed can move a held-out item into training."""
    u = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64
    return "test" if u < test else "val" if u < test + val else "train"


def split_seed(seed: int, split: str) -> str:
    """The seed a split's templates and shuffles draw from: a string, which ``random.Random``
    hashes the same way in every process (unlike ``hash``)."""
    return f"{seed}/{split}"


#: each source's module in this package and its function ``(split, n, seed, **options) -> rows``,
#: imported only when drawn from (the sources pull in the generator, datasets, reasoning-gym)
SOURCES = {
    "worded": ("worded", "worded_rows"),  # curriculum levels 1-2 told as short stories, solved with the calculator
    "arithmetic": ("worded", "arithmetic_rows"),  # the same problems bare: "What is 4 - (8 - 9/6)?"
    "gsm-symbolic": ("gsm_symbolic", "rows"),  # reasoning-gym's GSM8K templates (the `chat` extra)
    "chitchat": ("chitchat", "rows"),  # human small talk (chitchat-dataset)
    "identity": ("identity", "rows"),  # who the assistant is, from {name, maker}
    "simple-spelling": ("spelling", "simple_spelling_rows"),  # spell a word
    "spelling-bee": ("spelling", "spelling_bee_rows"),  # count a letter in a word
    "multiple-choice": ("multiple_choice", "rows"),  # ARC/MMLU-schema files (option path = FILE)
}
SOURCE_NAMES = tuple(SOURCES)


def source(name: str) -> Callable[..., list[dict]]:
    """Source ``name``'s function, its module imported now."""
    module, function = SOURCES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def check_source(name: str, where: str) -> None:
    """A mixture's key: a source name or a JSONL file of conversation rows."""
    if name not in SOURCE_NAMES and not name.endswith((".jsonl", ".json")):
        raise ValueError(f"{where}: unknown data source {name!r} (sources: {', '.join(SOURCE_NAMES)}; "
                         "or a .jsonl file of {\"messages\"} rows)")


def rows(name: str, split: str, n: int, seed: int = 0, **options) -> list[dict]:
    """``n`` rows of source ``name`` (or of a JSONL file: its first ``n`` rows, whatever ``split``)
    for ``split``; fewer when the source holds fewer."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not one of {SPLITS}")
    if n < 0:
        raise ValueError(f"the number of rows must be >= 0, got {n}")
    check_source(name, "rows")
    if name not in SOURCE_NAMES:
        return read_rows(name)[:n]
    return source(name)(split, n, seed, **options)


def mixture(weights: dict[str, float], split: str, total: int, seed: int = 0, **options) -> list[dict]:
    """``total`` rows drawn from the sources in proportion to their weights (each source's share
    rounded; a source that holds fewer gives what it has), each row tagged with its ``source``."""
    s = sum(weights.values())
    out = []
    for name, w in weights.items():
        share = round(total * w / s)
        for r in rows(name, split, share, seed, **options.get(name, {})):
            out.append({**r, "source": name})
    return out


def write_rows(path: str | Path, items: list[dict]) -> None:
    """Rows as JSON lines, written atomically."""
    with atomic_write(Path(path)) as f:
        for r in items:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_records(path: str | Path) -> list[dict]:
    """The records of a local data file (``.jsonl``/``.json``/``.parquet``/``.csv``), read
    through ``datasets`` as the hub's copies of the public data sets are."""
    import datasets

    from grapheme_lab.inputs import DATASET_SUFFIXES

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist")
    kind = DATASET_SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: a data file is .jsonl, .json, .parquet or .csv")
    try:
        return list(datasets.load_dataset(kind, data_files=str(p), split="train", streaming=True))
    except Exception as e:  # a malformed file: say which
        raise ValueError(f"{path}: could not read it as {kind}: {e}") from None


def read_rows(path: str | Path) -> list[dict]:
    """Conversation rows from a JSONL file; a row without a list of ``messages`` is an error
    naming the row."""
    out = read_records(path)
    for i, r in enumerate(out):
        if not isinstance(r.get("messages"), list) or not r["messages"]:
            raise ValueError(f"{path}: row {i} has no 'messages' list (a row is {{\"messages\": [...]}})")
    return out
