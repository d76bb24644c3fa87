"""``evaluate conversation --model CKPT``: a language model on held-out conversations, TurnGPT's
"conversation metrics": how well it predicts the replies, and how varied its own replies are.

A conversation is a document whose every line is ``Speaker: text`` (``lm/conversations.py``
writes chitchat's chats and the plays' dialogue so). The held-out ones are whole documents of a
prepared corpus's test (or val) split: the corpus splits by document, so a conversation is held
out whole, and before scoring each is checked against every corpus the model trained on
(``[data] corpus`` and each ``[[phase]]``'s): one whose text is a training document is left out
and counted, and the share of replies that occur word for word as a line of the training text
is reported (short ones such as "yes" do).

- **Reply bpb**: the bits per byte of the replies (every turn after the first, from after its
  ``Speaker:`` to its line's end) given the conversation before them. Each token is predicted
  from up to ``sequence_len`` tokens before it and at least half of that (windows overlapping by
  half); a token belongs to a reply when its first byte does. The bpb of every token of the
  same conversations is printed beside it.
- **distinct-1 / distinct-2** (Li et al., 2016): distinct words (bigrams) over all words
  (bigrams) of sampled replies, words split at whitespace. One reply a conversation, at a turn
  drawn by the seed, sampled at temperature 1 from the whole distribution, up to the end of its
  line or ``MAX_REPLY_TOKENS``; the human replies at the same turns are the reference.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from grapheme_lab.lm.bpb import Score, token_byte_lengths
from grapheme_lab.lm.checkpoint import load_model, tokenizer_spec
from grapheme_lab.lm.corpus import Corpus
from grapheme_lab.lm.sample import generate

TURN = re.compile(rb"^([^:\n]{1,40}):(.*)$")
MAX_REPLY_TOKENS = 64


@dataclass(frozen=True)
class Turn:
    """Byte offsets in the conversation's UTF-8 text: its line's start, the end of ``Speaker:``
    (where the reply's bytes begin), and the end of its line, newline included."""

    start: int
    reply: int
    end: int


def conversation_turns(text: str) -> list[Turn] | None:
    """The turns of ``text``, or None when a line is not ``Speaker: text`` (or there are fewer than 2)."""
    data = text.encode("utf-8")
    turns, pos = [], 0
    for line in data.splitlines(keepends=True):
        m = TURN.match(line.rstrip(b"\n"))
        if line.strip() and m is None:
            return None
        if m is not None:
            turns.append(Turn(pos, pos + m.end(1) + 1, pos + len(line)))
        pos += len(line)
    return turns if len(turns) >= 2 else None


def reply_mask(tokens: np.ndarray, nbytes: np.ndarray, turns: list[Turn]) -> np.ndarray:
    """For ``tokens[1:]`` (after the <|bos|>): whether each token's first byte is in a reply."""
    lengths = nbytes[tokens[1:]]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    mask = np.zeros(len(starts), dtype=bool)
    for t in turns[1:]:
        mask |= (starts >= t.reply) & (starts < t.end)
    return mask


@torch.no_grad()
def token_losses(model, tokens: np.ndarray, length: int, device="cpu", batch: int = 16) -> np.ndarray:
    """Nats of predicting ``tokens[i]`` (i >= 1) from the up to ``length`` tokens before it:
    windows of ``length`` + 1 overlapping by half, each scoring the tokens the one before did not."""
    n, stride = len(tokens), max(1, length // 2)
    jobs, end = [], 1  # (window start, window end, first position it scores)
    while end < n:
        new_end = min(n, max(end + stride, length + 1))
        jobs.append((max(0, new_end - length - 1), new_end, end))
        end = new_end
    out = np.zeros(n - 1)
    by_len: dict[int, list[tuple[int, int, int]]] = {}
    for job in jobs:
        by_len.setdefault(job[1] - job[0], []).append(job)
    for rows in by_len.values():
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            w = torch.from_numpy(np.stack([tokens[s:e] for s, e, _ in chunk]).astype(np.int64)).to(device)
            logits = model(w[:, :-1]).float()
            nll = F.cross_entropy(logits.transpose(1, 2), w[:, 1:], reduction="none").cpu().numpy()
            for (s, e, first), row in zip(chunk, nll):
                out[first - 1 : e - 1] = row[first - s - 1 :]
    return out


def distinct(replies: list[str], n: int) -> float:
    """Distinct n-grams of words over all n-grams of ``replies`` (NaN when there are none)."""
    grams = [tuple(w[i : i + n]) for w in (r.split() for r in replies) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else math.nan


@torch.no_grad()
def sample_reply(model, tokenizer, bos: int, prefix: str, seed: int, device="cpu") -> str:
    """The model's reply after ``prefix`` (a conversation up to a ``Speaker:``), to its line's end."""
    out = b""
    for token in generate(model, [bos] + tokenizer.encode(prefix), MAX_REPLY_TOKENS, temperature=1.0, seed=seed,
                          stop=(bos,)):
        if token == bos:
            break
        out += tokenizer.token_bytes(token)
        if b"\n" in out:
            break
    return out.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def training_texts(corpora: list[Corpus]) -> tuple[set[bytes], set[str]]:
    """The training splits' documents (as digests of their text) and their lines' texts (after
    a ``Speaker:``, stripped)."""
    docs, lines = set(), set()
    for c in corpora:
        for d in c.documents("train"):
            text = c.text(d)
            docs.add(_digest(text))
            for line in text.splitlines():
                m = TURN.match(line.encode("utf-8"))
                lines.add((m.group(2).decode("utf-8", "replace") if m else line).strip())
    return docs, lines


def trained_on(cfg, ck: dict) -> list[str]:
    """The corpus directories a checkpoint's model trained on: ``[data] corpus`` and the phases'."""
    dirs = [ck["corpus"]["dir"]] + [path for p in cfg.phases for path in p.data]
    return list(dict.fromkeys(dirs))


@torch.no_grad()
def main(args: argparse.Namespace) -> int:
    model, cfg, tokenizer, ck = load_model(args.model)
    training = []
    for d in trained_on(cfg, ck):
        try:
            training.append(Corpus.open(d))
        except (FileNotFoundError, ValueError) as e:
            raise ValueError(f"{args.model} trained on {d}, which cannot be opened to check that the held-out "
                             f"conversations are not in it ({e}); run from the folder the training ran in") from None
    corpus = Corpus.open(args.data) if args.data else training[0]
    if tokenizer_spec(corpus) != ck["tokenizer"]:
        raise ValueError(f"{corpus.dir} is tokenized otherwise than {args.model}'s training data: prepare it with "
                         "the model's tokenizer (corpus prepare --tokenizer)")
    split = args.split
    docs = corpus.documents(split)
    train_docs, train_lines = training_texts(training)
    convs, not_conversations, in_training = [], 0, 0
    for doc in docs:
        text = corpus.text(doc)
        turns = conversation_turns(text)
        if turns is None:
            not_conversations += 1
        elif _digest(text) in train_docs:
            in_training += 1
        else:
            convs.append((doc, text, turns))
    convs = convs[: args.limit]
    if not convs:
        raise ValueError(f"{corpus.dir}'s {split} split has no conversation to score ({len(docs)} documents: "
                         f"{not_conversations} not conversations of 2 turns or more in 'Speaker: text' lines, "
                         f"{in_training} in the training data); "
                         "prepare one with corpus prepare --input chitchat --holdout-docs N")
    nbytes = token_byte_lengths(tokenizer, cfg.model.vocab_size)
    replies, allt, n_replies, seen_replies = Score(), Score(), 0, 0
    for doc, text, turns in convs:
        tokens = np.asarray(corpus.tokens(doc))
        nll = token_losses(model, tokens, cfg.model.sequence_len)
        mask = reply_mask(tokens, nbytes, turns)
        b = nbytes[tokens[1:]]
        replies.add(Score(float(nll[mask].sum()), int(mask.sum()), int(b[mask].sum())))
        allt.add(Score(float(nll.sum()), len(nll), int(b.sum())))
        data = text.encode("utf-8")
        for t in turns[1:]:
            n_replies += 1
            seen_replies += data[t.reply : t.end].decode("utf-8", "replace").strip() in train_lines

    rng = random.Random(args.seed)
    ours, theirs = [], []
    for i, (doc, text, turns) in enumerate(convs[: args.samples]):
        t = turns[rng.randrange(1, len(turns))]
        data = text.encode("utf-8")
        prefix = data[: t.reply].decode("utf-8")
        ours.append(sample_reply(model, tokenizer, corpus.bos_id, prefix, seed=args.seed * 1_000_003 + i))
        theirs.append(data[t.reply : t.end].decode("utf-8").strip())

    print(f"{args.model}: {cfg.kind}, {model.num_params():,} parameters; trained on {', '.join(trained_on(cfg, ck))}")
    print(f"{corpus.dir}, {split} split: {len(convs):,} held-out conversations scored ({n_replies:,} replies); "
          f"{in_training} left out as documents of the training data, {not_conversations} not conversations "
          f"(fewer than 2 turns, or a line not 'Speaker: text'); {seen_replies / n_replies:.1%} of the replies "
          "occur word for word as a training line")
    print(f"reply bpb (the replies given the conversation before them): {replies.bpb:.4f} over {replies.bytes:,} "
          f"bytes, {replies.tokens:,} tokens")
    print(f"bpb of every token of the same conversations:              {allt.bpb:.4f} over {allt.bytes:,} bytes")
    print(f"\n{len(ours)} sampled replies (one a conversation, at a turn drawn with seed {args.seed}; temperature 1, "
          f"at most {MAX_REPLY_TOKENS} tokens, to the line's end):")
    print(f"{'':<8} {'distinct-1':>10} {'distinct-2':>10} {'words/reply':>11}")
    for name, rs in (("model", ours), ("human", theirs)):
        words = sum(len(r.split()) for r in rs) / len(rs)
        print(f"{name:<8} {distinct(rs, 1):>10.3f} {distinct(rs, 2):>10.3f} {words:>11.1f}")
    for mine, human in list(zip(ours, theirs))[:3]:
        print(f"  e.g. model: {mine[:100]!r}  human: {human[:100]!r}")
    return 0

