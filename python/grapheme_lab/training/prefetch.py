"""Runs an iterator in a background thread a few items ahead, so that batches are ready
when the step wants them."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator


def prefetch(it: Iterator, enabled: bool = True, depth: int = 2) -> Iterator:
    """The items of ``it`` in order, made ``depth`` ahead in a background thread; an error
    raised there is raised here."""
    if not enabled:
        yield from it
        return
    q: queue.Queue = queue.Queue(maxsize=depth)
    end = object()

    def work():
        try:
            for x in it:
                q.put(x)
        except BaseException as e:  # handed to the consumer
            q.put(e)
        q.put(end)

    threading.Thread(target=work, daemon=True).start()
    while (x := q.get()) is not end:
        if isinstance(x, BaseException):
            raise x
        yield x
