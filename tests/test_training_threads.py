"""training/threads.py: the thread count a run uses on a busy CPU."""

import os

from grapheme_lab.training.threads import idle_cpus, threads_to_use


def test_threads_only_on_idle_cpus():
    assert threads_to_use(2, 1.97) == 2
    assert threads_to_use(2, 1.1) == 1  # one core busy with another process
    assert threads_to_use(2, 0.05) == 1  # never fewer than one
    assert threads_to_use(4, 2.6) == 3
    assert threads_to_use(1, 0.0) == 1
    assert threads_to_use(2, None) == 2  # not measurable: as asked


def test_idle_cpus_reads_a_share_of_this_machine():
    idle = idle_cpus(0.05)
    if os.path.exists("/proc/stat"):
        assert idle is not None and 0.0 <= idle <= os.cpu_count() + 1e-9
    else:
        assert idle is None
