"""Human small talk: the Chit Chat Challenge chats of the ``chitchat-dataset`` package (MIT;
7,168 chats), the one who speaks first as the user and the other as the assistant. A chat's
split is a hash of its id; within a split the chats are shuffled by the seed."""

from __future__ import annotations

import random

from grapheme_lab.chat.data import split_of, split_seed
from grapheme_lab.lm.conversations import chitchat_chats, spoken

MAX_TURNS = 8  # messages a conversation keeps (a chat runs to ~36; the model's window is short)


def conversation(chat: dict) -> list[dict]:
    """A chat's messages alternating user / assistant: a sender's consecutive messages joined,
    cut to ``MAX_TURNS`` and to end with the assistant's."""
    turns: list[list] = []  # [sender, text]
    for sender, text in spoken(chat["messages"]):
        if turns and turns[-1][0] == sender:
            turns[-1][1] += " " + text
        else:
            turns.append([sender, text])
    turns = turns[:MAX_TURNS]
    if len(turns) % 2:
        turns = turns[:-1]
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": text} for i, (_, text) in enumerate(turns)]


def rows(split: str, n: int, seed: int = 0) -> list[dict]:
    chats = chitchat_chats()
    ids = sorted(k for k in chats if split_of(f"chitchat/{k}") == split)
    random.Random("chitchat/" + split_seed(seed, split)).shuffle(ids)
    out = []
    for k in ids:
        messages = conversation(chats[k])
        if messages:
            out.append({"id": f"chitchat-{k}", "messages": messages})
        if len(out) == n:
            break
    return out
