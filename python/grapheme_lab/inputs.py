"""Where text comes from, for the tokenizer trainer and the corpus alike: text files,
folders (every file inside, sorted, recursively; hidden ones skipped), ``.json``/``.jsonl``/
``.parquet``/``.csv`` files read with ``datasets``, ``hf:NAME`` hub data sets, and the
public-domain corpus that ships with the package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

DATASET_SUFFIXES = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv"}


def embedded_corpus() -> list[Path]:
    """The works of the embedded corpus (``grapheme_lab/data/corpus/*.txt``), sorted."""
    from importlib.resources import files

    root = Path(str(files("grapheme_lab") / "data" / "corpus"))
    return sorted(root.glob("*.txt"))


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    return [path]


def resolve_inputs(specs: list[str]) -> list[str | Path]:
    """Files (folders expanded) and hf:NAME data sets; missing paths are errors."""
    out: list[str | Path] = []
    for spec in specs:
        if spec.startswith("hf:"):
            out.append(spec)
            continue
        path = Path(spec)
        if not path.exists():
            raise FileNotFoundError(f"input not found: {spec} (use hf:NAME for a Hugging Face hub data set)")
        files = _files_under(path)
        if not files:
            raise ValueError(f"input folder {spec} holds no files")
        out.extend(files)
    return out


def is_dataset(src: str | Path) -> bool:
    """Whether ``src`` (from :func:`resolve_inputs`) is read as rows, not as one text file."""
    return isinstance(src, str) or src.suffix.lower() in DATASET_SUFFIXES


def dataset_column(src: str | Path, field: str, split: str = "train",
                   hf_config: str | None = None) -> Iterator[tuple[int, object]]:
    """(row index, value) of column ``field`` of a data set (an ``hf:NAME`` or a data file),
    streamed; rows whose value is missing are skipped. A missing column or an unreachable
    hub data set is a ValueError that names it."""
    import datasets

    if isinstance(src, str):
        try:
            ds = datasets.load_dataset(src[3:], hf_config, split=split, streaming=True)
        except Exception as e:  # network, missing data set: say which and why
            raise ValueError(f"could not load data set {src[3:]!r} from the Hugging Face hub: {e}") from None
    else:
        ds = datasets.load_dataset(DATASET_SUFFIXES[src.suffix.lower()], data_files=str(src), split="train",
                                   streaming=True)
    for i, row in enumerate(ds):
        if field not in row:
            raise ValueError(f"{src}: no column {field!r} (columns: {sorted(row)}); set --text-field")
        if row[field] is not None:
            yield i, row[field]
