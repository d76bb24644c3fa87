"""Atomic file writes: a temporary file beside the target, renamed over it when complete.

An interrupted write never leaves a file that looks complete: until the rename the
target keeps its old content (or does not exist), and a failed write removes its
temporary file. A killed process cannot remove it, so the temporary name carries
the writer's process id (``.NAME.PID-RANDOM.tmp``): :func:`remove_stale_temp_files`
removes the ones whose process is gone.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def temp_prefix(path: Path) -> str:
    """The prefix of ``path``'s temporary files: ``.NAME.PID-`` (mkstemp adds 8 random characters and ``.tmp``)."""
    return f".{path.name}.{os.getpid()}-"


# ``.NAME.PID-XXXXXXXX.tmp``, and ``.NAME.XXXXXXXX.tmp`` from versions before the PID was in the name.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp$")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_stale_temp_files(folder: str | Path, targets: Callable[[str], bool]) -> list[Path]:
    """Removes the temporary files of killed writers in ``folder``: names of our
    own pattern only, for targets where ``targets(name)`` is true, whose writer
    is no longer running (or that come from a version without the PID in the
    name). Returns the paths removed."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        m = _TEMP_NAME.match(entry.name)
        if not m or not targets(m["name"]) or not entry.is_file():
            continue
        if m["pid"] is not None and _process_alive(int(m["pid"])):
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


@contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """``with atomic_write(p) as f: ...`` writes ``p`` as a whole or not at all
    (``mode`` "w" for text in UTF-8, "wb" for bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
