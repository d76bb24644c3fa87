"""The agent loop: a conversation, a model that answers it, the tools it may call, the limits of
one reply (tokens, tool calls, wall time) and a transcript of everything that happened.

    agent = Agent.from_checkpoint("best.pt")
    session = agent.session()
    for event in session.send("what is 3*(4+5)/2?"):
        print(event.text, end="")
    session.save_transcript("chat.jsonl")

One reply is one loop: sample until the model calls a tool, run the tool (a step), force its
answer in, sample on, until ``<|assistant_end|>`` or a limit. ``Agent.reply`` is stateless (the
server calls it for each request); a ``Session`` keeps the messages and the transcript.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grapheme_lab.chat.format import render_prompt
from grapheme_lab.chat.generate import Reply, ReplyEvent, Sampling, generate_reply, stop_at
from grapheme_lab.chat.tools import ToolRegistry, ToolResult, default_registry


@dataclass(frozen=True)
class Limits:
    max_tokens: int = 256  # a reply's tokens, tool outputs included
    max_tool_calls: int = 4  # steps: tool calls run in one reply
    max_seconds: float = 60.0  # a reply's wall time
    max_prompt_tokens: int = 0  # 0: the model's context (sequence_len)
    stop: tuple[str, ...] = ()  # the prose ends before the first of these strings

    def check(self) -> Limits:
        if self.max_tokens < 1 or self.max_tool_calls < 0 or self.max_seconds <= 0 or self.max_prompt_tokens < 0:
            raise ValueError("limits: max_tokens >= 1, max_tool_calls >= 0, max_seconds > 0, max_prompt_tokens >= 0")
        if not all(isinstance(s, str) and s for s in self.stop):
            raise ValueError("limits: every stop string must be a non-empty string")
        return self


class PromptTooLong(ValueError):
    def __init__(self, tokens: int, limit: int):
        super().__init__(f"the prompt is {tokens} tokens long; this model reads at most {limit}")
        self.tokens, self.limit = tokens, limit


@dataclass
class Agent:
    model: object
    tokenizer: object
    tools: ToolRegistry = field(default_factory=default_registry)
    limits: Limits = Limits()

    @classmethod
    def from_checkpoint(cls, path, device: str = "cpu", **kwargs) -> Agent:
        from grapheme_lab.chat.format import ChatTokens
        from grapheme_lab.lm.checkpoint import load_model

        model, _, tokenizer, _ = load_model(path, device)
        ChatTokens.of(tokenizer)  # refuse a checkpoint whose tokenizer cannot chat, before any request
        return cls(model, tokenizer, **kwargs)

    @property
    def prompt_limit(self) -> int:
        return self.limits.max_prompt_tokens or self.model.cfg.sequence_len

    def prompt(self, messages: list[dict]) -> list[int]:
        """The prompt's ids; ``PromptTooLong`` past the limit, ``ChatFormatError`` for a bad conversation."""
        ids = render_prompt(self.tokenizer, messages)
        if len(ids) > self.prompt_limit:
            raise PromptTooLong(len(ids), self.prompt_limit)
        return ids

    def reply(self, messages: list[dict] | None = None, sampling: Sampling = Sampling(), limits: Limits | None = None,
              prompt: list[int] | None = None, on_tool=None) -> Iterator[ReplyEvent]:
        """The events of the assistant's reply to ``messages`` (or to prompt ids already rendered);
        ``on_tool(ToolResult)`` hears of every tool call run."""
        limits = (limits or self.limits).check()
        sampling.check()
        ids = prompt if prompt is not None else self.prompt(messages)

        def run_tool(text: str) -> str:
            result = self.tools.call(text)
            if on_tool:
                on_tool(result)
            return result.output

        events = generate_reply(self.model, self.tokenizer, ids, run_tool, sampling, limits.max_tokens,
                                limits.max_tool_calls, time.monotonic() + limits.max_seconds)
        yield from stop_at(events, limits.stop)

    def session(self, sampling: Sampling = Sampling(), system: str | None = None) -> Session:
        return Session(self, sampling, system)


@dataclass
class Session:
    """A conversation with an agent, and its transcript: one JSON-ready record per event (the
    user's messages, every tool call with its answer and time, every reply with why it ended)."""

    agent: Agent
    sampling: Sampling = Sampling()
    system: str | None = None
    messages: list[dict] = field(default_factory=list)
    transcript: list[dict] = field(default_factory=list)

    def _record(self, event: str, **fields) -> None:
        self.transcript.append({"event": event, "time": round(time.time(), 3), **fields})

    def send(self, text: str) -> Iterator[ReplyEvent]:
        """Adds the user's message and streams the reply's events; the reply joins the
        conversation when it ends (a reply cut short by a limit too, as far as it went)."""
        self.messages.append({"role": "user", "content": text})
        self._record("user", content=text)
        conversation = ([{"role": "system", "content": self.system}] if self.system else []) + self.messages
        reply, start = Reply(), time.perf_counter()

        def on_tool(result: ToolResult) -> None:
            self._record("tool", **asdict(result))

        try:
            prompt = self.agent.prompt(conversation)
        except ValueError:
            self.messages.pop()  # the conversation stays as it was
            raise
        try:
            for event in self.agent.reply(prompt=prompt, sampling=self.sampling, on_tool=on_tool):
                reply.add(event)
                yield event
        finally:
            self.messages.append(reply.message())
            self._record("assistant", content=reply.message()["content"], finish_reason=reply.finish_reason or "interrupted",
                         prompt_tokens=len(prompt), sampled_tokens=reply.sampled_tokens,
                         forced_tokens=reply.forced_tokens, seconds=round(time.perf_counter() - start, 4))

    def save_transcript(self, path: str | Path) -> None:
        """The transcript as JSON lines."""
        Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.transcript))
