"""Atomic file writes: a temporary file beside the target, renamed over it when complete.

An interrupted write never leaves a file that looks complete: until the rename the
target keeps its old content (or does not exist), and a failed write removes its
temporary file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """``with atomic_write(p) as f: ...`` writes ``p`` as a whole or not at all
    (``mode`` "w" for text in UTF-8, "wb" for bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
