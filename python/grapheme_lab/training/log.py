"""A run's output: text lines on stdout (rank 0 only), a tqdm bar on a terminal, and JSONL
metrics in a log file. A run that is not a resume starts its own log, so that `plot` never
draws two runs as one; a resume truncates the log where its checkpoint was saved, so lines
of lost work are not repeated."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


class Log:
    def __init__(self, path: str | Path, main: bool = True, resume_bytes: int | None = None):
        """``resume_bytes``: the log's length when the checkpoint being resumed was saved
        (None: a new run, whose log replaces any earlier one at ``path``)."""
        self.main = main
        self.path = Path(path)
        self.bar = None
        self.t0 = time.time()
        if main:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if resume_bytes is None:
                self.path.write_text("", encoding="utf-8")
            elif self.path.exists():
                with open(self.path, "r+b") as f:
                    f.truncate(resume_bytes)

    def line(self, text: str) -> None:
        if not self.main:
            return
        if self.bar is not None:
            self.bar.write(text)
        else:
            print(text, flush=True)

    def metrics(self, **kv: Any) -> None:
        if self.main:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps({**kv, "time": round(time.time() - self.t0, 3)}) + "\n")

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def open_bar(self, total: int, desc: str, initial: int = 0) -> None:
        """A progress bar, on a terminal only (rank 0)."""
        if self.main and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True)

    def tick(self, n: int = 1, **postfix: Any) -> None:
        if self.bar is not None:
            self.bar.update(n)
            if postfix:
                self.bar.set_postfix(**postfix)

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
