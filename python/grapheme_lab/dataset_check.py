"""``validate --input DIR``: re-check a generated data set from scratch.

For every ``{train,val,test}/level_N.jsonl`` under DIR: the manifest's sha256 and
row counts; every row's schema, its input (Polish text and JSON tree agree), its
answer recomputed by the engine and checked again by the independent route the
generator used (in Rust, in parallel, GIL released); ids and canonical forms
unique within a level; no canonical form in two splits. Prints a per-level table
and returns non-zero on any failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grapheme_lab import _core
from grapheme_lab.generate import SPLITS

_FILE = re.compile(r"^level_([1-7])\.jsonl$")
_BATCH = 8192
_SHOW_ERRORS = 20


@dataclass
class LevelReport:
    rows: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SPLITS})
    bad_rows: int = 0
    duplicates: int = 0
    leaks: int = 0
    duplicate_ids: int = 0
    file_errors: int = 0

    @property
    def ok(self) -> bool:
        return not (self.bad_rows or self.duplicates or self.leaks or self.duplicate_ids or self.file_errors)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_dataset(root: Path, threads: int = 0, progress: bool | None = None, out=None) -> int:
    """Checks the data set under ``root``; prints a report to ``out`` (stdout); 0 when all is well."""
    from tqdm import tqdm

    out = sys.stdout if out is None else out

    problems: list[str] = []

    def problem(msg: str) -> None:
        problems.append(msg)

    if not root.is_dir():
        raise FileNotFoundError(f"validate --input: {root} is not a folder")
    manifest_path = root / "manifest.json"
    manifest: dict = {}
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            problem(f"manifest.json is not valid JSON: {e}")
    else:
        problem("manifest.json is missing (an interrupted or foreign data set)")
    listed: dict = manifest.get("files", {}) if isinstance(manifest, dict) else {}

    files: dict[int, dict[str, Path]] = defaultdict(dict)
    for split in SPLITS:
        d = root / split
        if not d.is_dir():
            continue
        for path in sorted(d.iterdir()):
            m = _FILE.match(path.name)
            if m:
                files[int(m.group(1))][split] = path
    for rel in listed:
        if not (root / rel).exists():
            problem(f"{rel}: listed in manifest.json but missing")
    if not files:
        problem(f"no {{train,val,test}}/level_N.jsonl files under {root}")

    reports: dict[int, LevelReport] = {}
    total_bytes = sum(p.stat().st_size for by_split in files.values() for p in by_split.values())
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=total_bytes, unit="B", unit_scale=True, disable=not show, desc="validate") as bar:
        for lv in sorted(files):
            rep = reports[lv] = LevelReport()
            key_split: dict[str, str] = {}
            ids: set[str] = set()
            for split in SPLITS:
                path = files[lv].get(split)
                if path is None:
                    if f"{split}/level_{lv}.jsonl" in listed:
                        rep.file_errors += 1
                    continue
                rel = f"{split}/level_{lv}.jsonl"
                entry = listed.get(rel)
                if entry is None:
                    problem(f"{rel}: not listed in manifest.json")
                    rep.file_errors += 1
                elif entry.get("sha256") != _sha256(path):
                    problem(f"{rel}: sha256 differs from manifest.json (the file changed after generation)")
                    rep.file_errors += 1
                with path.open(encoding="utf-8") as f:
                    line_no = 0
                    while True:
                        lines = [ln.rstrip("\n") for _, ln in zip(range(_BATCH), f)]
                        if not lines:
                            break
                        checks = _core.generator_check_lines(lines, lv, threads)
                        for (row_id, key, errors), line in zip(checks, lines):
                            line_no += 1
                            rep.rows[split] += 1
                            where = f"{rel}:{line_no}"
                            if errors:
                                rep.bad_rows += 1
                                problem(f"{where}: " + "; ".join(errors))
                            if row_id is not None:
                                if row_id in ids:
                                    rep.duplicate_ids += 1
                                    problem(f"{where}: id {row_id} appears twice in level {lv}")
                                ids.add(row_id)
                            if key is not None:
                                seen = key_split.get(key)
                                if seen is None:
                                    key_split[key] = split
                                elif seen == split:
                                    rep.duplicates += 1
                                    problem(f"{where}: duplicate of an earlier {split} row (canonical form {key})")
                                else:
                                    rep.leaks += 1
                                    problem(f"{where}: also in {seen} (split leakage; canonical form {key})")
                            bar.update(len(line.encode("utf-8")) + 1)
                if entry is not None and entry.get("rows") != rep.rows[split]:
                    problem(f"{rel}: {rep.rows[split]} rows but manifest.json says {entry.get('rows')}")
                    rep.file_errors += 1

    header = f"{'level':>5} {'train':>8} {'val':>7} {'test':>7} {'bad':>6} {'dup':>5} {'leak':>5} {'files':>5}  status"
    print(header, file=out)
    for lv, rep in sorted(reports.items()):
        r = rep.rows
        print(
            f"{lv:>5} {r['train']:>8} {r['val']:>7} {r['test']:>7} {rep.bad_rows:>6} "
            f"{rep.duplicates + rep.duplicate_ids:>5} {rep.leaks:>5} {rep.file_errors:>5}  "
            f"{'ok' if rep.ok else 'FAIL'}",
            file=out,
        )
    total = sum(sum(rep.rows.values()) for rep in reports.values())
    if problems:
        for msg in problems[:_SHOW_ERRORS]:
            print(f"  {msg}", file=out)
        if len(problems) > _SHOW_ERRORS:
            print(f"  ... and {len(problems) - _SHOW_ERRORS} more problems", file=out)
        print(f"FAILED: {len(problems)} problems in {total} rows", file=out)
        return 1
    print(f"OK: {total} rows re-checked, no problems", file=out)
    return 0


def main(args: argparse.Namespace) -> int:
    """Entry point of ``validate --input DIR``."""
    return check_dataset(Path(args.input), threads=getattr(args, "threads", 0) or 0)
