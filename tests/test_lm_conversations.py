"""Conversation inputs for a curriculum's conversation phase: chitchat's chats and the plays'
speeches as ``Speaker: text`` lines, prepared as corpora offline."""

from __future__ import annotations

import pytest

from grapheme_lab.lm.conversations import chat_text, play_dialogue
from grapheme_lab.lm.corpus import prepare


def test_a_chat_becomes_lettered_lines():
    messages = [[{"text": "Hello", "sender": "x"}, {"text": "How are you?", "sender": "x"}],
                [{"text": "fine", "sender": "y"}], [{"text": " ", "sender": "x"}], [{"text": "good", "sender": "x"}]]
    assert chat_text(messages) == "A: Hello How are you?\nB: fine\nA: good\n"


def test_play_dialogue_keeps_speeches_and_drops_the_rest():
    play = ("THE TRAGEDY\n\nPersons:\nROMEO.\n\nACT I.\n\nSCENE I. A street.\n\n[Enter Romeo.]\n\n"
            "ROMEO.\nWhat light\nthrough yonder window breaks?\n\nJuliet.\nAy me. [Aside.]\n\nstill Juliet\n\n"
            "THESEUS\nNow, fair Hippolyta,\n")
    assert play_dialogue(play) == ("Romeo: What light through yonder window breaks?\nJuliet: Ay me. still Juliet\n"
                                   "Theseus: Now, fair Hippolyta,\n")


def test_chitchat_prepares_offline(tmp_path):
    pytest.importorskip("chitchat_dataset")
    c = prepare(["chitchat"], tmp_path / "chat", tokenizer="bytes", max_docs=12, val_docs=1, holdout_docs=1,
                progress=False)
    docs = c.documents("train")
    assert len(docs) == 10 and docs[0].name.startswith("chitchat#")
    assert c.text(docs[0]).startswith("A: ") and "\nB: " in c.text(docs[0])
