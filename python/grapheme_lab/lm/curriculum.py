"""A curriculum of ``[[phase]]`` tables: which phase a step is in, each phase's corpora opened
and checked against the run's vocabulary, and each phase's loader.

A phase's loader is seeded by the run's seed and the phase's index, and its generator's state
goes into every checkpoint with the phase's index: a run resumed mid-phase continues that
phase's draws, and one resumed at a boundary starts the next phase as the unbroken run did.
"""

from __future__ import annotations

from pathlib import Path

from grapheme_lab.lm.config import LMConfig, PhaseConfig
from grapheme_lab.lm.corpus import Corpus
from grapheme_lab.lm.loader import Windows


def phase_at(phases: list[PhaseConfig], step: int) -> tuple[int, int]:
    """(index of the phase that takes ``step``, the step it began at); past the end: the last."""
    start = 0
    for i, p in enumerate(phases):
        if step < start + p.steps:
            return i, start
        start += p.steps
    return len(phases) - 1, start - phases[-1].steps


def open_phase_corpora(cfg: LMConfig, corpus: Corpus) -> list[list[tuple[Corpus, float]]]:
    """Each phase's (corpus, weight) pairs; a corpus that is missing or reads another vocabulary
    than the run's ``[data] corpus`` is an error naming the phase and the directory."""
    out, opened = [], {}
    for i, p in enumerate(cfg.phases, 1):
        pairs = []
        for path, weight in p.data.items():
            key = str(Path(path).resolve())
            if key not in opened:
                try:
                    opened[key] = Corpus.open(path)
                except ValueError as e:
                    raise ValueError(f"[[phase]] {i} ({p.name}): data {path!r}: {e}") from None
            c = opened[key]
            if _tokenizer_id(c) != _tokenizer_id(corpus):
                raise ValueError(f"[[phase]] {i} ({p.name}): data {path!r} is tokenized differently from the run's "
                                 f"corpus {corpus.dir} (prepare it with --tokenizer {corpus.tokenizer_spec})")
            pairs.append((c, float(weight)))
        out.append(pairs)
    return out


def _tokenizer_id(c: Corpus):
    tok = c.manifest["tokenizer"]
    return ("bytes" if tok == "bytes" else tok["sha256"], c.vocab_size)


def phase_loader(cfg: LMConfig, index: int, corpora: list[list[tuple[Corpus, float]]], world: int,
                 rank: int) -> Windows:
    p = cfg.phases[index]
    t = cfg.training
    if p.batch_size % (world * t.grad_accum):
        raise ValueError(f"[[phase]] {index + 1} ({p.name}): batch_size {p.batch_size} is not a multiple of "
                         f"grad_accum x ranks ({t.grad_accum} x {world})")
    return Windows([(c.shards("train"), w) for c, w in corpora[index]], p.sequence_len,
                   p.batch_size // t.grad_accum, t.seed + 7919 * (index + 1), rank, world,
                   where=f"[[phase]] {index + 1} ({p.name})")
