"""The chat format, nanochat's: a conversation renders to token ids and a loss mask, and the
ids parse back to the conversation.

    <|bos|>
    <|user_start|> text <|user_end|>
    <|assistant_start|> text <|python_start|> 3*(4+5)/2 <|python_end|>
                        <|output_start|> 13.5 <|output_end|> text <|assistant_end|>
    ...

A message is a dict ``{"role": "user" | "assistant" | "system", "content": ...}``. A user's
content is a string; an assistant's is a string or a list of parts ``{"type": "text" |
"python" | "python_output", "text": str}`` (nanochat's part names: ``python`` is a tool call,
``python_output`` the tool's answer). A system message may only come first; as nanochat does,
its text is put before the first user message's (so it parses back as part of that message).

The mask is 1 on the tokens the model is trained to produce (everything an assistant writes,
its tool calls and its closing ``<|assistant_end|>``) and 0 elsewhere: the ``<|bos|>``, user
turns, the ``<|assistant_start|>`` that the prompt supplies, and tool outputs, which the tool
writes and generation forces in. Text that spells a special token is encoded as ordinary text,
so no message can forge a turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grapheme_lab.tokenizer import CHAT_SPECIAL_TOKENS

PART_TYPES = ("text", "python", "python_output")
# a tool call's part type -> (its opening token, its closing token, trained on)
_WRAPPED = {"python": ("<|python_start|>", "<|python_end|>", 1),
            "python_output": ("<|output_start|>", "<|output_end|>", 0)}


class ChatFormatError(ValueError):
    """A conversation that cannot be rendered, or ids that are not a rendered conversation."""


@dataclass(frozen=True)
class ChatTokens:
    """The ids of the chat special tokens in one tokenizer."""

    bos: int
    user_start: int
    user_end: int
    assistant_start: int
    assistant_end: int
    python_start: int
    python_end: int
    output_start: int
    output_end: int

    @classmethod
    def of(cls, tokenizer) -> ChatTokens:
        specials = tokenizer.special_tokens
        missing = [s for s in CHAT_SPECIAL_TOKENS if s not in specials]
        if missing:
            raise ChatFormatError(
                f"the tokenizer lacks the chat special tokens {', '.join(missing)}: train it with "
                "special_tokens=grapheme_lab.tokenizer.CHAT_SPECIAL_TOKENS")
        return cls(*(specials[s] for s in CHAT_SPECIAL_TOKENS))

    def by_name(self, name: str) -> int:
        return getattr(self, name.strip("<|>"))


def normalize_content(content) -> list[dict]:
    """An assistant's content as a list of parts, adjacent text parts joined and empty text dropped
    (the form ``parse_conversation`` gives back, apart from a lone text part, which is a string)."""
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    if not isinstance(content, Sequence):
        raise ChatFormatError(f"an assistant's content must be a string or a list of parts, got {type(content).__name__}")
    parts: list[dict] = []
    for i, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES or not isinstance(part.get("text"), str):
            raise ChatFormatError(f"part {i} must be {{'type': one of {PART_TYPES}, 'text': str}}, got {part!r:.80}")
        if part["type"] == "text" and parts and parts[-1]["type"] == "text":
            parts[-1] = {"type": "text", "text": parts[-1]["text"] + part["text"]}
        elif part["type"] != "text" or part["text"]:
            parts.append({"type": part["type"], "text": part["text"]})
    return parts


def _merge_system(messages: Sequence[dict]) -> list[dict]:
    """The messages with a leading system message folded into the first user message."""
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        raise ChatFormatError("a conversation is a list of messages")
    messages = list(messages)
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise ChatFormatError(f"message {i} must be a dict with 'role' and 'content'")
    if messages and messages[0]["role"] == "system":
        system = messages[0]["content"]
        if not isinstance(system, str):
            raise ChatFormatError("a system message's content must be a string")
        if len(messages) < 2 or messages[1]["role"] != "user" or not isinstance(messages[1]["content"], str):
            raise ChatFormatError("a system message must be followed by a user message")
        messages = [{"role": "user", "content": system + "\n\n" + messages[1]["content"]}] + messages[2:]
    return messages


def render_conversation(tokenizer, messages: Sequence[dict], max_tokens: int | None = None,
                        ) -> tuple[list[int], list[int]]:
    """(ids, mask) of a conversation: user and assistant messages alternating, a user's first.
    ``max_tokens`` cuts both to that length (for training windows)."""
    t = ChatTokens.of(tokenizer)
    ids, mask = [t.bos], [0]

    def add(tokens: list[int], m: int) -> None:
        ids.extend(tokens)
        mask.extend([m] * len(tokens))

    for i, msg in enumerate(_merge_system(messages)):
        role, content = msg["role"], msg["content"]
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            raise ChatFormatError(f"message {i} is from {role!r} where the turn is the {expected}'s "
                                  "(user and assistant alternate, the user first; a system message only first)")
        if role == "user":
            if not isinstance(content, str):
                raise ChatFormatError(f"message {i}: a user's content must be a string")
            add([t.user_start], 0)
            add(tokenizer.encode(content), 0)
            add([t.user_end], 0)
            continue
        add([t.assistant_start], 0)  # the prompt supplies it: generation starts after it
        for part in normalize_content(content):
            if part["type"] == "text":
                add(tokenizer.encode(part["text"]), 1)
            else:
                start, end, trained = _WRAPPED[part["type"]]
                add([t.by_name(start)], trained)
                add(tokenizer.encode(part["text"]), trained)
                add([t.by_name(end)], trained)
        add([t.assistant_end], 1)
    if max_tokens is not None:
        ids, mask = ids[:max_tokens], mask[:max_tokens]
    return ids, mask


def render_prompt(tokenizer, messages: Sequence[dict]) -> list[int]:
    """The ids that ask for the next assistant reply: a conversation ending with a user message,
    then ``<|assistant_start|>``."""
    messages = list(messages)
    if not messages or messages[-1].get("role") != "user":
        raise ChatFormatError("a prompt must end with a user message")
    ids, _ = render_conversation(tokenizer, messages)
    return ids + [ChatTokens.of(tokenizer).assistant_start]


def parse_conversation(tokenizer, ids: Sequence[int]) -> list[dict]:
    """The messages that ``ids`` render (the inverse of ``render_conversation``): an assistant's
    content is a string when it is one text part, else its list of parts. A last assistant
    message without its ``<|assistant_end|>`` (a reply cut off) parses as far as it goes;
    anything else out of place is a ``ChatFormatError`` naming the position."""
    t = ChatTokens.of(tokenizer)
    names = {v: k for k, v in tokenizer.special_tokens.items()}
    ids = list(ids)
    if not ids or ids[0] != t.bos:
        raise ChatFormatError("a rendered conversation starts with <|bos|>")
    messages: list[dict] = []
    pos = 1

    def text_until(stop: int) -> tuple[str, int, bool]:
        """The text from ``pos`` to the next special token; whether that token is ``stop``."""
        end = pos
        while end < len(ids) and ids[end] not in names:
            end += 1
        text = tokenizer.decode(ids[pos:end])
        return text, end, end < len(ids) and ids[end] == stop

    def fail(at: int, what: str):
        got = names.get(ids[at], f"token {ids[at]}") if at < len(ids) else "the end"
        raise ChatFormatError(f"at token {at}: expected {what}, found {got}")

    while pos < len(ids):
        if ids[pos] == t.user_start:
            pos += 1
            text, end, closed = text_until(t.user_end)
            if not closed:
                fail(end, "<|user_end|>")
            messages.append({"role": "user", "content": text})
            pos = end + 1
        elif ids[pos] == t.assistant_start:
            if not messages or messages[-1]["role"] != "user":
                fail(pos, "<|user_start|> (an assistant answers a user)")
            pos += 1
            parts: list[dict] = []
            while True:
                text, end, _ = text_until(-1)
                if text:
                    parts.append({"type": "text", "text": text})
                pos = end
                if pos >= len(ids) or ids[pos] == t.assistant_end:
                    break  # a reply cut off ends the conversation
                kind = next((k for k, (s, _, _) in _WRAPPED.items() if ids[pos] == t.by_name(s)), None)
                if kind is None:
                    fail(pos, "text, a tool call, a tool output or <|assistant_end|>")
                pos += 1
                text, end, closed = text_until(t.by_name(_WRAPPED[kind][1]))
                if not closed:
                    if end >= len(ids):  # cut off inside a tool call
                        parts.append({"type": kind, "text": text})
                        pos = end
                        break
                    fail(end, _WRAPPED[kind][1])
                parts.append({"type": kind, "text": text})
                pos = end + 1
            single = len(parts) == 1 and parts[0]["type"] == "text"
            messages.append({"role": "assistant", "content": parts[0]["text"] if single else parts if parts else ""})
            if pos < len(ids):
                pos += 1  # the <|assistant_end|>
        else:
            fail(pos, "<|user_start|> or <|assistant_start|>")
        if messages[-1]["role"] == ("user" if len(messages) % 2 == 0 else "assistant"):
            fail(pos - 1, "alternating user and assistant messages")
    return messages
