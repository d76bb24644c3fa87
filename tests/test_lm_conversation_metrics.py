"""evaluate conversation: turns and reply bytes found exactly, every token scored once with the
context promised, distinct-n, the held-out chats of chitchat disjoint from the training ones,
held-out conversations that are training documents left out, and the command end to end."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from lm_helpers import WORDS, lm_config

from grapheme_lab.cli import main as cli
from grapheme_lab.lm import config as LC
from grapheme_lab.lm.bpb import token_byte_lengths
from grapheme_lab.lm.conversation_metrics import conversation_turns, distinct, reply_mask, token_losses
from grapheme_lab.lm.corpus import ByteTokenizer, prepare

torch.set_num_threads(1)


def test_turns_and_the_reply_bytes():
    text = "A: hi there\nB: héllo: you\nA: ok\n"
    turns = conversation_turns(text)
    data = text.encode()
    assert [data[t.start : t.reply] for t in turns] == [b"A:", b"B:", b"A:"]
    assert [data[t.reply : t.end] for t in turns] == [b" hi there\n", " héllo: you\n".encode(), b" ok\n"]
    assert conversation_turns("A: alone\n") is None  # no reply
    assert conversation_turns("A: hi\nno speaker here\nB: yo\n") is None
    tok = ByteTokenizer()
    ids = np.array([256] + tok.encode(text))
    mask = reply_mask(ids, token_byte_lengths(tok, 257), turns)
    assert bytes(ids[1:][mask].tolist()) == " héllo: you\n ok\n".encode()  # the replies after the first turn


class ContextLength(torch.nn.Module):
    """Logits that say how many tokens each position sees: token 0's logit is the position + 1."""

    def forward(self, idx):
        b, t = idx.shape
        logits = torch.zeros(b, t, 5)
        logits[:, :, 0] = torch.arange(1, t + 1, dtype=torch.float32)
        return logits


class Bigram(torch.nn.Module):
    """Each prediction from the token before it alone: any windowing gives the same losses."""

    def __init__(self):
        super().__init__()
        self.table = torch.nn.Parameter(torch.randn(7, 7, generator=torch.Generator().manual_seed(0)))

    def forward(self, idx):
        return self.table[idx]


@pytest.mark.parametrize("n", [2, 9, 10, 11, 40, 97])
def test_every_token_is_scored_once_with_at_least_half_the_window_of_context(n):
    length = 8
    tokens = np.random.default_rng(n).integers(0, 7, n)
    full = torch.nn.functional.cross_entropy(Bigram()(torch.from_numpy(tokens[:-1]))[None].transpose(1, 2),
                                             torch.from_numpy(tokens[1:])[None], reduction="none")[0]
    assert np.allclose(token_losses(Bigram(), tokens, length), full.detach().numpy())
    zeros = np.zeros(n, dtype=np.int64)
    seen = []
    for loss in token_losses(ContextLength(), zeros, length):  # loss = log(4 + e^c) - c for context c
        seen.append(min(range(1, length + 1), key=lambda c: abs(math.log(4 + math.exp(c)) - c - loss)))
    for p, c in enumerate(seen, 1):
        assert min(p, length // 2) <= c <= min(p, length)


def test_distinct():
    assert distinct(["a b a", "b c"], 1) == pytest.approx(3 / 5)
    assert distinct(["a b a", "b c"], 2) == pytest.approx(3 / 3)
    assert distinct(["a a a a"], 2) == pytest.approx(1 / 3)
    assert math.isnan(distinct(["one"], 2))


def test_chitchat_is_held_out_by_whole_conversation(tmp_path):
    pytest.importorskip("chitchat_dataset")
    c = prepare(["chitchat"], tmp_path / "c", tokenizer="bytes", max_docs=150, holdout_docs=10, val_docs=10,
                progress=False)
    texts = {s: {c.text(d) for d in c.documents(s)} for s in ("train", "val", "test")}
    names = {s: {d.name for d in c.documents(s)} for s in ("train", "val", "test")}
    assert len(names["test"]) == 10 and len(names["val"]) == 10
    assert not (texts["test"] & texts["train"]) and not (texts["val"] & texts["train"])
    assert not (names["test"] & names["train"]) and not (texts["test"] & texts["val"])
    assert all(n.startswith("chitchat#") for n in names["test"])
    # each held-out chat is a conversation, or a single message (about a third of chitchat's are)
    assert all(conversation_turns(t) is not None or t.count("\n") == 1 for t in texts["test"])
    assert any(conversation_turns(t) is not None for t in texts["test"])


def chats(folder, n: int, seed: int = 0):
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        lines = [f"{'AB'[j % 2]}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
                 for j in range(rng.randint(4, 10))]
        (folder / f"chat{i:02d}.txt").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny GPT trained on 12 chats (3 held out as test, 1 as val); a second corpus of the same
    chats held out otherwise, whose test chats the model trained on."""
    from grapheme_lab.lm.train import train

    tmp = tmp_path_factory.mktemp("conv")
    src = chats(tmp / "chats", 12)
    corpus = prepare([str(src)], tmp / "corpus", tokenizer="bytes", holdout_docs=3, val_docs=1, progress=False)
    # held out there: two chats the model trains on and one it does not
    names = [d.name for d in corpus.documents("train")][:2] + [corpus.documents("test")[0].name]
    other = prepare([str(src)], tmp / "other", tokenizer="bytes", holdout=names, progress=False)
    train(LC.from_dict(lm_config(tmp / "gpt", corpus.dir, max_steps=2, eval_every=0)))
    return tmp / "gpt" / "run" / "final.pt", corpus, other


def test_the_command_scores_held_out_conversations(trained, capsys):
    ckpt, corpus, _ = trained
    capsys.readouterr()
    assert cli(["evaluate", "conversation", "--model", str(ckpt), "--samples", "3", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    replies = sum(len(conversation_turns(corpus.text(d))) - 1 for d in corpus.documents("test"))
    assert f"test split: 3 held-out conversations scored ({replies} replies); 0 left out" in out
    bpb = float(out.split("reply bpb (the replies given the conversation before them): ")[1].split()[0])
    assert 0 < bpb < 12  # an untrained byte model: about log2(257) = 8 bits a byte
    assert "3 sampled replies" in out and "distinct-1" in out and out.count("e.g. model:") == 3
    assert cli(["evaluate", "conversation", "--model", str(ckpt), "--samples", "3", "--seed", "1"]) == 0
    assert capsys.readouterr().out == out  # the same seed, the same samples
    assert cli(["evaluate", "conversation", "--model", str(ckpt), "--samples", "3", "--seed", "2",
                "--split", "val"]) == 0
    assert "val split: 1 held-out conversations scored" in capsys.readouterr().out


def test_held_out_conversations_that_were_trained_on_are_left_out(trained, capsys):
    ckpt, _, other = trained
    code = cli(["evaluate", "conversation", "--model", str(ckpt), "--data", str(other.dir), "--samples", "2"])
    assert code == 0 and "test split: 1 held-out conversations scored" in (out := capsys.readouterr().out)
    assert "2 left out as documents of the training data" in out


def test_a_split_without_conversations_is_an_error(tmp_path, trained, capsys):
    from lm_helpers import tiny_corpus

    ckpt, _, _ = trained
    salad = tiny_corpus(tmp_path)  # word salad: not 'Speaker: text' lines
    assert cli(["evaluate", "conversation", "--model", str(ckpt), "--data", str(salad.dir)]) == 2
    assert "has no conversation to score" in capsys.readouterr().err
    assert cli(["evaluate", "conversation", "--model", str(ckpt), "--samples", "0"]) == 2
