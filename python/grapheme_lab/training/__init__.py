"""What every training loop uses, the brain's and the language models' alike: the process's
place in a run (:mod:`dist`), threads, mixed precision, Muon and optimizer groups, atomic
checkpoints with RNG state, the JSONL metrics log with its progress bar, and a background
prefetcher."""
