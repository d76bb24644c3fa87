"""How many CPU threads a run uses. torch's intra-op threads wait for each other at every
operation, so a thread that shares its core with another process holds up the rest. On the
2-core build machine, two threads trained 1.35x the level-2 rows a second of one when the
machine was idle, and about a quarter of one thread's rate beside one other busy process
(``benches/brain_batches.py --compare threads``; docs/training.md, Threads)."""

from __future__ import annotations

import os
import time


def _cpu_times() -> tuple[int, int]:
    """(free, total) jiffies of all CPUs together, from the first line of /proc/stat: a CPU
    running only niced work counts as free, since such work gives way to the run."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return idle + iowait + nice, user + nice + system + idle + iowait + irq + softirq + steal


def idle_cpus(interval: float = 0.25) -> float | None:
    """How many CPUs sat idle (or ran niced work only) over the next ``interval`` seconds; None where /proc/stat
    cannot be read (not Linux)."""
    try:
        idle0, total0 = _cpu_times()
        time.sleep(interval)
        idle1, total1 = _cpu_times()
    except (OSError, ValueError):
        return None
    if total1 <= total0:
        return None
    return (os.cpu_count() or 1) * (idle1 - idle0) / (total1 - total0)


def threads_to_use(asked: int, idle: float | None) -> int:
    """``asked`` threads, or as many as there are idle CPUs when that is fewer (at least 1)."""
    if idle is None or asked <= 1:
        return asked
    return max(1, min(asked, round(idle)))


def set_threads(asked: int, device_type: str) -> tuple[int, float | None]:
    """Sets torch's intra-op threads: ``asked`` (0 = torch's default), fewer on a CPU whose
    cores are busy. Returns (threads asked, idle CPUs measured or None)."""
    import torch

    asked = asked or torch.get_num_threads()
    idle = idle_cpus() if asked > 1 and device_type == "cpu" else None
    torch.set_num_threads(threads_to_use(asked, idle))
    return asked, idle
