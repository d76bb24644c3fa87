"""The verified curriculum: seven levels of symbolic-math problems, generated in Rust.

``level(L, n, seed)`` returns the rows of a level as dicts; ``iter_level`` streams
them chunk by chunk (the Rust generator keeps only its scan state and the rows of
the chunk at hand); ``write_dataset`` writes ``DIR/{train,val,test}/level_N.jsonl``
and ``DIR/manifest.json`` the way the ``generate`` command does.

Every row is answered by the engine and checked by an independent route before
it is yielded; rows are unique by canonical form within a level and the splits
are disjoint. The same seed gives the same rows on any number of threads, and a
shard ``(K, N)`` yields exactly its slice of the whole level. See docs/generator.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from grapheme_lab import _core, __version__
from grapheme_lab.atomic import atomic_write, remove_stale_temp_files, temp_prefix

LEVELS = tuple(range(1, 8))
#: Rows per level when no size is given (10k/50k/50k/100k/100k/100k/100k).
DEFAULT_SIZES: dict[int, int] = dict(zip(LEVELS, _core.GENERATOR_DEFAULT_SIZES))
SPLITS = ("train", "val", "test")
DEFAULT_SPLIT = (0.90, 0.05, 0.05)
#: The largest shard count (the number of hash buckets of a level).
MAX_SHARDS: int = _core.GENERATOR_BUCKETS

Row = dict[str, Any]


def _check_level(level: int) -> None:
    if level not in LEVELS:
        raise ValueError(f"level {level} does not exist (levels are 1 to 7)")


def _stream(
    level: int,
    n: int | None,
    seed: int,
    threads: int,
    shard: tuple[int, int],
    split: Sequence[float],
) -> Any:
    _check_level(level)
    n = DEFAULT_SIZES[level] if n is None else n
    if n < 0:
        raise ValueError(f"the number of rows must be non-negative, not {n}")
    if seed < 0:
        raise ValueError(f"the seed must be non-negative, not {seed}")
    if threads < 0:
        raise ValueError(f"threads must be 0 (all cores) or positive, not {threads}")
    return _core.GeneratorStream(level, n, seed, threads, tuple(shard), tuple(split))


def iter_chunks(
    level: int,
    n: int | None = None,
    seed: int = 0,
    *,
    threads: int = 0,
    shard: tuple[int, int] = (0, 1),
    split: Sequence[float] = DEFAULT_SPLIT,
    chunk_rows: int = 4096,
) -> Iterator[list[tuple[str, str]]]:
    """Chunks of ``(split_name, json_line)`` in file order (the raw form ``write_dataset`` uses)."""
    stream = _stream(level, n, seed, threads, shard, split)
    while True:
        chunk = stream.next_chunk(chunk_rows)  # the GIL is released inside
        if not chunk:
            return
        yield [(SPLITS[s], line) for s, line in chunk]


def iter_level(
    level: int,
    n: int | None = None,
    seed: int = 0,
    *,
    threads: int = 0,
    shard: tuple[int, int] = (0, 1),
    split: Sequence[float] = DEFAULT_SPLIT,
    chunk_rows: int = 4096,
    with_split: bool = False,
) -> Iterator[Row] | Iterator[tuple[str, Row]]:
    """Streams the rows of ``level`` (``n`` rows, the level's default size if None).

    Rows come in file order, ``chunk_rows`` at a time from Rust, so a 100k-row
    level is never held as Python objects at once. With ``with_split=True`` each
    item is ``(split_name, row)``. ``shard=(K, N)`` yields only shard K of N.
    """
    for chunk in iter_chunks(level, n, seed, threads=threads, shard=shard, split=split, chunk_rows=chunk_rows):
        for split_name, line in chunk:
            row = json.loads(line)
            yield (split_name, row) if with_split else row


def level(
    level: int,
    n: int | None = None,
    seed: int = 0,
    *,
    threads: int = 0,
    shard: tuple[int, int] = (0, 1),
) -> list[Row]:
    """All ``n`` rows of ``level`` as dicts (id order), e.g. ``level(2, 100, seed=0)``."""
    return list(iter_level(level, n, seed, threads=threads, shard=shard))


def canonical_key(polish: str, bindings: Sequence[tuple[str, float]] = ()) -> str:
    """The canonical form that decides uniqueness and splits (``+``/``*`` sorted and flattened)."""
    return _core.generator_canonical_key(polish, [(str(k), float(v)) for k, v in bindings])


def split_of(key: str, split: Sequence[float] = DEFAULT_SPLIT) -> str:
    """The split the generator gives a row of canonical form ``key`` (a hash of it)."""
    return SPLITS[_core.generator_split_of(key, tuple(split))]


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> ``(K, N)`` with ``0 <= K < N <= MAX_SHARDS``."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r} is not of the form K/N (e.g. 0/4)") from None
    if not 0 < n <= MAX_SHARDS or not 0 <= k < n:
        raise ValueError(f"--shard {text!r}: need 0 <= K < N <= {MAX_SHARDS}")
    return k, n


def parse_split(text: str) -> tuple[float, float, float]:
    """``"90/5/5"`` -> ``(0.9, 0.05, 0.05)``."""
    try:
        parts = [float(p) for p in text.split("/")]
    except ValueError:
        parts = []
    if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
        raise ValueError(f"--split {text!r} is not of the form TRAIN/VAL/TEST (e.g. 90/5/5)")
    total = sum(parts)
    return parts[0] / total, parts[1] / total, parts[2] / total


class _AtomicWriter:
    """A text file written to a temporary name beside its target and renamed on commit."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
        self.tmp = Path(tmp)
        self.file = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self.sha = hashlib.sha256()
        self.rows = 0

    def write_line(self, line: str) -> None:
        data = line + "\n"
        self.file.write(data)
        self.sha.update(data.encode("utf-8"))
        self.rows += 1

    def commit(self) -> None:
        self.file.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)


def _is_dataset_file(name: str) -> bool:
    return name == "manifest.json" or (name.startswith("level_") and name.endswith(".jsonl") and name[6:-6].isdigit())


def remove_stale_temp_files_of_dataset(out: Path) -> list[Path]:
    """The temporary files that a killed ``generate`` left in ``out`` (its
    manifest's and its level files', in ``out`` and the split folders), removed:
    only our own names (``.level_N.jsonl.PID-XXXXXXXX.tmp``,
    ``.manifest.json.PID-XXXXXXXX.tmp``) whose process is gone."""
    removed = remove_stale_temp_files(out, _is_dataset_file)
    for split in SPLITS:
        removed += remove_stale_temp_files(out / split, _is_dataset_file)
    return removed


def write_json_atomic(path: Path, obj: Any) -> None:
    with atomic_write(path) as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def _settings(seed: int, shard: tuple[int, int], split: Sequence[float], fmt: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "seed": seed,
        "shard": {"index": shard[0], "count": shard[1]},
        "split_ratios": dict(zip(SPLITS, (round(x, 12) for x in split))),
    }


def write_dataset(
    output: str | os.PathLike[str],
    levels: Sequence[int] = LEVELS,
    sizes: dict[int, int] | None = None,
    *,
    seed: int = 0,
    threads: int = 0,
    shard: tuple[int, int] = (0, 1),
    split: Sequence[float] = DEFAULT_SPLIT,
    progress: bool | None = None,
    on_level: Callable[[int, dict[str, int]], None] | None = None,
) -> dict[str, Any]:
    """Writes ``output/{train,val,test}/level_N.jsonl`` for each level, then
    ``output/manifest.json`` (counts, seed, version, sha256 of every file).

    Every file is written to a temporary name and renamed when complete, and the
    manifest comes last, so a data set with a manifest is a finished one. An
    existing manifest with the same seed, shard and split keeps its other
    levels' entries (so levels can be generated one at a time into one folder).
    ``progress=None`` shows a bar when stderr is a terminal.
    """
    from tqdm import tqdm

    out = Path(output)
    remove_stale_temp_files_of_dataset(out)
    sizes = {lv: DEFAULT_SIZES[lv] if sizes is None or lv not in sizes else sizes[lv] for lv in levels}
    for lv in levels:
        _check_level(lv)
    settings = _settings(seed, shard, split, "jsonl")
    manifest: dict[str, Any] = {"generator": "grapheme_lab", "version": __version__, **settings, "levels": {}, "files": {}}
    old_path = out / "manifest.json"
    if old_path.exists():
        try:
            old = json.loads(old_path.read_text())
        except (OSError, json.JSONDecodeError):
            old = None
        if old and all(old.get(k) == v for k, v in settings.items()):
            manifest["levels"] = {k: v for k, v in old.get("levels", {}).items() if int(k) not in levels}
            manifest["files"] = {
                k: v for k, v in old.get("files", {}).items() if not any(k.endswith(f"/level_{lv}.jsonl") for lv in levels)
            }

    total = sum(_core.generator_shard_rows(sizes[lv], shard[0], shard[1]) for lv in levels)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=total, unit="rows", disable=not show, desc="generate", dynamic_ncols=True) as bar:
        for lv in levels:
            bar.set_description(f"level {lv}")
            stream = _stream(lv, sizes[lv], seed, threads, shard, split)
            writers = {s: _AtomicWriter(out / s / f"level_{lv}.jsonl") for s in SPLITS}
            try:
                while True:
                    chunk = stream.next_chunk(4096)
                    if not chunk:
                        break
                    for s, line in chunk:
                        writers[SPLITS[s]].write_line(line)
                    bar.update(len(chunk))
            except BaseException:
                for w in writers.values():
                    w.abort()
                raise
            for w in writers.values():
                w.commit()
            counts = {s: writers[s].rows for s in SPLITS}
            manifest["levels"][str(lv)] = {
                "level_rows": sizes[lv],
                "rows": sum(counts.values()),
                "counts": counts,
                "stats": stream.stats(),
            }
            for s in SPLITS:
                manifest["files"][f"{s}/level_{lv}.jsonl"] = {"rows": writers[s].rows, "sha256": writers[s].sha.hexdigest()}
            if on_level is not None:
                on_level(lv, counts)
    manifest["levels"] = dict(sorted(manifest["levels"].items(), key=lambda kv: int(kv[0])))
    manifest["files"] = dict(sorted(manifest["files"].items()))
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


__all__ = [
    "DEFAULT_SIZES",
    "DEFAULT_SPLIT",
    "LEVELS",
    "MAX_SHARDS",
    "SPLITS",
    "canonical_key",
    "iter_chunks",
    "iter_level",
    "level",
    "parse_shard",
    "parse_split",
    "write_dataset",
]
