"""A tiny byte-level corpus and tiny configs for the language-model tests."""

from __future__ import annotations

import random
from pathlib import Path

from grapheme_lab.lm.corpus import prepare

WORDS = ("the king and the queen went to the sea where the wind was cold and the night "
         "was long so they sang of bread and of salt until the morning came").split()


def tiny_corpus(tmp: Path, n_docs: int = 6, words: int = 300, tokenizer: str = "bytes"):
    """``n_docs`` documents of seeded word salad (bytes tokenizer): one val, one test."""
    rng = random.Random(0)
    src = tmp / "texts"
    src.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        (src / f"doc{i}.txt").write_text(" ".join(rng.choice(WORDS) for _ in range(words)) + "\n")
    return prepare([str(src)], tmp / "corpus", tokenizer=tokenizer, holdout=["doc0"], val=["doc1"], progress=False)


def lm_config(tmp: Path, corpus_dir: Path, kind: str = "gpt", **training) -> dict:
    model = {"gpt": {"kind": "gpt", "sequence_len": 32, "n_layer": 2, "n_embd": 32, "head_dim": 16},
             "thyme": {"kind": "thyme", "sequence_len": 32, "n_layer": 2, "n_embd": 32},
             "turngpt": {"kind": "turngpt", "sequence_len": 32, "n_layer": 2, "n_embd": 32, "head_dim": 16},

             # the entropy model's checkpoint is the test's to train and name (entropy_model)
             "blt": {"kind": "blt", "sequence_len": 32, "d_local": 32, "d_latent": 32, "head_dim": 16,
                     "n_latent": 1, "n_local_decoder": 1, "hash_buckets": 64, "entropy_threshold": 1.5,
                     "max_patch_len": 8}}[kind]
    return {
        "model": dict(model),
        "training": {"batch_size": 4, "max_steps": 6, "eval_every": 3, "eval_tokens": 256, "log_every": 2,
                     "checkpoint_every": 2, "warmup_steps": 2, **training},
        "optimizer": {"type": "muon"},
        "data": {"corpus": str(corpus_dir)},
        "paths": {"output_dir": str(tmp / "run")},
        "hardware": {"num_threads": 1},
    }


def write_toml(cfg: dict, path: Path) -> None:
    """``cfg``'s tables as a TOML file (JSON's scalars, lists and strings are TOML's too)."""
    import json

    lines = []
    for section, table in cfg.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
