"""Conversation text that loads offline, as corpus inputs (``corpus prepare --input chitchat
plays-dialogue ...``): a curriculum's conversation phase reads them.

``chitchat``: the Chit Chat Challenge data set of the ``chitchat_dataset`` package (PyPI, MIT
licence; 7,168 chats, about 258k messages), shipped as one JSON file: each chat a document, one
line a message, ``A:`` or ``B:`` by sender (a message's utterances joined by spaces). The file is
a JSON object keyed by chat id, not rows, so it is read with ``json`` rather than ``datasets``.

``plays-dialogue``: the embedded plays' speeches in the same shape, ``Speaker: speech`` a line,
without stage directions, act and scene headings or verse line breaks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

CHITCHAT_SOURCE = "chitchat_dataset/dataset.json"


def chitchat_path() -> Path:
    try:
        import chitchat_dataset
    except ImportError:
        raise ValueError("input 'chitchat' needs the chitchat-dataset package (pip install chitchat-dataset)") from None
    return Path(chitchat_dataset.__file__).parent / "dataset.json"


@lru_cache(maxsize=1)
def chitchat_chats(path: Path | None = None) -> dict:
    """The data set's chats by id, in the file's order (read once a process: the chat sources
    draw from it again and again). Each chat's ``messages`` is a list of messages, a message a
    list of utterances ``{"sender", "text", ...}``."""
    return json.loads((path or chitchat_path()).read_text(encoding="utf-8"))


def spoken(messages: list[list[dict]]) -> Iterator[tuple[str, str]]:
    """(sender, text) of each message that says something, its utterances joined by spaces."""
    for message in messages:
        text = " ".join(u["text"].strip() for u in message if u.get("text", "").strip())
        if text:
            yield message[0].get("sender", ""), text


def chat_text(messages: list[list[dict]]) -> str:
    """A chat as ``A: ...`` / ``B: ...`` lines, speakers lettered in the order they first speak."""
    letters: dict[str, str] = {}
    lines = []
    for sender, text in spoken(messages):
        who = letters.setdefault(sender, chr(ord("A") + min(len(letters), 25)))
        lines.append(f"{who}: {text}")
    return "\n".join(lines) + "\n" if lines else ""


def chitchat_documents(path: Path | None = None) -> Iterator[tuple[str, str, str]]:
    """(name, source, text) of every chat, in the file's order."""
    for chat_id, chat in chitchat_chats(path).items():
        yield f"chitchat#{chat_id}", CHITCHAT_SOURCE, chat_text(chat["messages"])


_SPEAKER = re.compile(r"^[A-Z][A-Za-z0-9' ,&-]{0,40}\.?$")
_HEADING = re.compile(r"^(ACT|SCENE|PROLOGUE|EPILOGUE|INDUCTION|CHORUS\.?$)\b", re.IGNORECASE)
_DIRECTION = re.compile(r"\[[^\]]*\]")


def _speaker(line: str) -> str | None:
    """``ROMEO.``, ``Romeo.`` or ``THESEUS``: the editions' three ways of naming who speaks."""
    if _SPEAKER.match(line) and not _HEADING.match(line) and (line.endswith(".") or line.isupper()):
        return line.rstrip(".").strip().title()
    return None


def play_dialogue(text: str) -> str:
    """A play's speeches as ``Speaker: speech`` lines. A speech is a block (lines between blank
    lines) whose first line names the speaker; a block without one continues the speech before
    it. What comes before the first act, stage directions ``[...]`` and headings are dropped."""
    first_act = re.search(r"^ACT\b", text, re.MULTILINE | re.IGNORECASE)
    if first_act:  # the list of persons before it names speakers without speeches
        text = text[first_act.start():]
    speeches: list[list[str]] = []  # [speaker, line, line, ...]
    for block in re.split(r"\n\s*\n", _DIRECTION.sub("", text)):
        lines = [x.strip() for x in block.split("\n") if x.strip()]
        if not lines or _HEADING.match(lines[0]):
            continue
        who = _speaker(lines[0]) if len(lines) > 1 else None
        if who:
            speeches.append([who] + lines[1:])
        elif speeches:
            speeches[-1] += lines
    out = [f"{s[0]}: {' '.join(s[1:])}" for s in speeches if len(s) > 1]
    return "\n".join(out) + "\n" if out else ""


def plays_dialogue_documents() -> Iterator[tuple[str, str, str]]:
    from grapheme_lab.inputs import embedded_corpus
    from grapheme_lab.lm.corpus import EMBEDDED_SOURCE

    for p in embedded_corpus():
        yield f"{p.stem}-dialogue", f"{EMBEDDED_SOURCE}/{p.name}", play_dialogue(p.read_text(encoding="utf-8"))


def embedded_documents() -> Iterator[tuple[str, str, str]]:
    from grapheme_lab.inputs import embedded_corpus
    from grapheme_lab.lm.corpus import EMBEDDED_SOURCE

    for p in embedded_corpus():
        yield p.stem, f"{EMBEDDED_SOURCE}/{p.name}", p.read_text(encoding="utf-8")


def worded_documents() -> Iterator[tuple[str, str, str]]:
    from grapheme_lab.chat.data.worded import corpus_documents

    yield from corpus_documents()


#: corpus inputs by name (a path of the same name wins)
NAMED_INPUTS: dict[str, Callable[[], Iterator[tuple[str, str, str]]]] = {
    "chitchat": chitchat_documents,
    "plays-dialogue": plays_dialogue_documents,
    "embedded": embedded_documents,  # the embedded works, beside other inputs
    "worded": worded_documents,  # worded and bare arithmetic from the curriculum's train split, as text
}
