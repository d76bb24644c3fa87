"""A small BPE tokenizer with the chat special tokens, and a tiny trained GPT checkpoint that
reads it, for the chat tests and the serving bench."""

from __future__ import annotations

import random
from pathlib import Path

from grapheme_lab.tokenizer import CHAT_SPECIAL_TOKENS, BPETokenizer

WORDS = ("what is three times four plus five the answer is twelve and the sum of two numbers "
         "is seventeen so half of it is eight point five").split()


def chat_tokenizer(vocab_size: int = 320) -> BPETokenizer:
    rng = random.Random(0)
    lines = [" ".join(rng.choice(WORDS) for _ in range(12)) + " 3*(4+5)/2 = 13.5" for _ in range(200)]
    return BPETokenizer.train(lines, vocab_size, special_tokens=CHAT_SPECIAL_TOKENS)


def tiny_chat_checkpoint(tmp: Path, steps: int = 2) -> Path:
    """A GPT (2 layers, width 32) trained ``steps`` steps on word salad with the chat tokenizer."""
    from grapheme_lab.lm import config as LC
    from grapheme_lab.lm.corpus import prepare
    from grapheme_lab.lm.train import train

    tmp.mkdir(parents=True, exist_ok=True)
    tok_path = tmp / "chat_tok.json"
    chat_tokenizer().save(tok_path)
    rng = random.Random(1)
    src = tmp / "texts"
    src.mkdir(exist_ok=True)
    for i in range(4):
        (src / f"doc{i}.txt").write_text(" ".join(rng.choice(WORDS) for _ in range(400)) + "\n")
    corpus = prepare([str(src)], tmp / "corpus", tokenizer=str(tok_path), holdout=["doc0"], val=["doc1"],
                     progress=False)
    cfg = {
        "model": {"kind": "gpt", "sequence_len": 64, "n_layer": 2, "n_embd": 32, "head_dim": 16},
        "training": {"batch_size": 4, "max_steps": steps, "eval_every": 0, "eval_tokens": 128, "log_every": 1,
                     "checkpoint_every": steps, "warmup_steps": 1},
        "data": {"corpus": str(corpus.dir)},
        "paths": {"output_dir": str(tmp / "run")},
        "hardware": {"num_threads": 1, "amp": "off", "compile": False},
    }
    train(LC.from_dict(cfg))
    return tmp / "run" / "final.pt"
