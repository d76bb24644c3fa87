"""An assistant's reply, generated incrementally with the model's cache, with tool calls run and
their outputs forced into the stream as nanochat does: when the model closes a call with
``<|python_end|>``, the call's text goes to the tool, and ``<|output_start|>`` + the answer's
tokens + ``<|output_end|>`` are decoded into the cache as if the model had written them; then
sampling goes on. The model never samples the tokens only the prompt or a tool writes (the
turn markers and the output markers).

Events come as they happen: text deltas (whole UTF-8 characters), each complete tool call, each
tool output, and last an ``end`` whose text says why the reply stopped: ``stop``
(``<|assistant_end|>``, or a ``<|bos|>``), ``length`` (the token budget, forced tokens
included), ``time`` (the deadline) or ``tool_calls`` (a call past the allowed number, not run).
``stop_at`` ends a reply's prose at the first of some stop strings (OpenAI's ``stop``).
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from grapheme_lab.chat.format import ChatTokens
from grapheme_lab.lm.sample import shape_logits


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0  # 0: the most likely token
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    seed: int = 0

    def check(self) -> Sampling:
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0 or self.repetition_penalty <= 0:
            raise ValueError("temperature must be >= 0, top_p in (0, 1], top_k >= 0 and repetition_penalty > 0")
        return self


@dataclass(frozen=True)
class ReplyEvent:
    kind: str  # "text", "tool_call", "tool_output" or "end"
    text: str  # the text delta, the call, the tool's answer, or the stop reason
    tokens: tuple[int, ...] = ()  # the ids behind it (for "text", those completed by this delta)
    forced: bool = False  # written by a tool, not sampled


@dataclass
class Reply:
    """An assistant message assembled from the events of ``generate_reply``."""

    parts: list[dict] = field(default_factory=list)
    finish_reason: str = ""
    sampled_tokens: int = 0
    forced_tokens: int = 0

    def add(self, event: ReplyEvent) -> None:
        if event.kind == "end":
            self.finish_reason = event.text
            self.sampled_tokens += len(event.tokens)
            return
        if event.forced:
            self.forced_tokens += len(event.tokens)
        else:
            self.sampled_tokens += len(event.tokens)
        kind = {"text": "text", "tool_call": "python", "tool_output": "python_output"}[event.kind]
        if kind == "text" and self.parts and self.parts[-1]["type"] == "text":
            self.parts[-1]["text"] += event.text
        elif kind != "text" or event.text:
            self.parts.append({"type": kind, "text": event.text})

    @property
    def text(self) -> str:
        """The reply's prose, without the tool calls."""
        return "".join(p["text"] for p in self.parts if p["type"] == "text")

    def message(self) -> dict:
        only_text = all(p["type"] == "text" for p in self.parts)
        return {"role": "assistant", "content": self.text if only_text else [dict(p) for p in self.parts]}


class _Context:
    """The model's cache over the token history. A bounded-context model (the GPT) keeps its last
    ``sequence_len`` positions: when the cache would pass them, the last half of the history is
    decoded afresh (as ``lm.sample.generate`` does)."""

    def __init__(self, model, prompt: list[int]):
        self.model = model
        self.device = next(model.parameters()).device
        self.window = model.cfg.sequence_len
        self.bounded = getattr(model, "bounded_context", False)
        self.history: list[int] = []
        self.cache = None
        self.logits = self.feed(prompt)

    def feed(self, tokens: list[int]) -> torch.Tensor:
        """Decodes ``tokens`` after the history; the logits of the next token."""
        self.history.extend(tokens)
        if self.cache is None or (self.bounded and self.cache.pos + len(tokens) > self.window):
            keep = self.history[-self.window:] if self.cache is None else self.history[-(self.window // 2):]
            self.cache = self.model.init_cache(1, self.device)
            tokens = keep if self.bounded else self.history
        ids = torch.tensor([tokens], device=self.device)
        self.logits = self.model.decode(ids, self.cache)[0, -1]
        return self.logits


@torch.no_grad()
def generate_reply(model, tokenizer, prompt: list[int], run_tool: Callable[[str], str] | None,
                   sampling: Sampling = Sampling(), max_tokens: int = 256, max_tool_calls: int = 4,
                   deadline: float | None = None) -> Iterator[ReplyEvent]:
    """The events of the assistant's reply to ``prompt`` (ids ending with ``<|assistant_start|>``).
    ``run_tool`` answers a call's text (None: calls are answered ``error: no tools``);
    ``deadline`` is a ``time.monotonic()`` time."""
    if not prompt:
        raise ValueError("generation needs a prompt")
    t = ChatTokens.of(tokenizer)
    model.eval()
    ctx = _Context(model, list(prompt))
    gen = torch.Generator(device=ctx.device).manual_seed(sampling.seed)
    # the tokens that only the prompt or a tool writes, and the call markers out of place
    written_by_others = [t.user_start, t.user_end, t.assistant_start, t.output_start, t.output_end]
    never_in_text = torch.tensor(written_by_others + [t.python_end], device=ctx.device)
    never_in_call = torch.tensor(written_by_others + [t.python_start], device=ctx.device)
    stops = (t.assistant_end, t.bos)
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending: list[int] = []  # text ids whose characters are not complete yet
    call: list[int] | None = None  # the ids of a tool call being written
    used = calls = 0

    def finish(reason: str, tokens: tuple[int, ...] = ()) -> Iterator[ReplyEvent]:
        nonlocal pending
        if call is not None:  # a call left open: what was written of it
            yield ReplyEvent("tool_call", tokenizer.decode(call), (t.python_start, *call))
        tail = text_decoder.decode(b"", final=True)
        if tail or pending:
            yield ReplyEvent("text", tail, tuple(pending))
        yield ReplyEvent("end", reason, tokens)

    while True:
        if used >= max_tokens:
            yield from finish("length")
            return
        if deadline is not None and time.monotonic() > deadline:
            yield from finish("time")
            return
        logits = ctx.logits.clone()
        # only a tool call is closed, and calls do not nest
        logits[never_in_call if call is not None else never_in_text] = -torch.inf
        seen = torch.tensor(ctx.history[-ctx.window:], device=ctx.device) if sampling.repetition_penalty != 1.0 else None
        shaped = shape_logits(logits, seen, sampling.temperature, sampling.top_k, sampling.top_p,
                              sampling.repetition_penalty)
        if sampling.temperature <= 0:
            token = int(shaped.argmax())
        else:
            token = int(torch.multinomial(torch.softmax(shaped, -1), 1, generator=gen))
        used += 1

        if token in stops:
            yield from finish("stop", (token,))
            return
        if call is not None:
            if token != t.python_end:
                call.append(token)
                ctx.feed([token])
                continue
            written, call = call, None
            yield ReplyEvent("tool_call", tokenizer.decode(written), (t.python_start, *written, token))
            calls += 1
            if calls > max_tool_calls:
                yield ReplyEvent("end", "tool_calls")
                return
            answer = run_tool(tokenizer.decode(written)) if run_tool else "error: no tools are available"
            forced = [t.output_start, *tokenizer.encode(answer), t.output_end]
            forced = forced[: max(0, max_tokens - used)]  # the budget counts forced tokens too
            used += len(forced)
            if forced:
                ctx.feed([token, *forced])
                yield ReplyEvent("tool_output", answer, tuple(forced), forced=True)
            continue
        if token == t.python_start:
            tail = text_decoder.decode(b"", final=True)
            if tail or pending:
                yield ReplyEvent("text", tail, tuple(pending))
            pending = []
            call = []
        else:
            pending.append(token)
            piece = text_decoder.decode(tokenizer.token_bytes(token))
            if piece:
                yield ReplyEvent("text", piece, tuple(pending))
                pending = []
        ctx.feed([token])


def stop_at(events: Iterator[ReplyEvent], stops: tuple[str, ...]) -> Iterator[ReplyEvent]:
    """``events`` with the prose cut before the first stop string, which ends the reply (``stop``).
    Text that could begin a stop string is held back until the next delta tells; a stop string
    does not span a tool call. Closing this closes ``events`` (and so stops the generation)."""
    if not stops:
        yield from events
        return
    held, held_tokens = "", ()
    try:
        for event in events:
            if event.kind != "text":
                if held or held_tokens:  # the prose before a call or the end goes out whole
                    yield ReplyEvent("text", held, held_tokens)
                    held, held_tokens = "", ()
                yield event
                if event.kind == "end":
                    return
                continue
            held, held_tokens = held + event.text, held_tokens + event.tokens
            cut = min((i for i in (held.find(s) for s in stops) if i >= 0), default=-1)
            if cut >= 0:
                yield ReplyEvent("text", held[:cut], held_tokens)
                yield ReplyEvent("end", "stop")
                return
            keep = max((k for s in stops for k in range(1, min(len(s), len(held) + 1))
                        if held.endswith(s[:k])), default=0)
            if len(held) > keep:
                yield ReplyEvent("text", held[:len(held) - keep], held_tokens)
                held, held_tokens = held[len(held) - keep:], ()
    finally:
        events.close()
