"""Generation with tool calls: a scripted model calls the calculator, and the engine's answer is
forced into the model's cache between <|output_start|> and <|output_end|>; the harness's limits
end a reply; a session keeps its transcript."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
import torch
from chat_helpers import chat_tokenizer

from grapheme_lab.chat.format import ChatTokens, parse_conversation, render_prompt
from grapheme_lab.chat.generate import Reply, ReplyEvent, generate_reply, stop_at
from grapheme_lab.chat.harness import Agent, Limits, PromptTooLong
from grapheme_lab.chat.tools import default_registry

torch.set_num_threads(1)


class ScriptedModel(torch.nn.Module):
    """Writes ``script``, one token a decode call, whatever it is fed; records what it is fed."""

    bounded_context = True

    def __init__(self, vocab_size: int, script: list[int], sequence_len: int = 1024):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.cfg = SimpleNamespace(sequence_len=sequence_len)
        self.vocab_size, self.script, self.fed, self.calls = vocab_size, script, [], 0

    def init_cache(self, batch, device=None):
        return SimpleNamespace(pos=0)

    def decode(self, idx, cache):
        self.fed.append(idx[0].tolist())
        cache.pos += idx.shape[1]
        logits = torch.zeros(1, idx.shape[1], self.vocab_size)
        logits[0, -1, self.script[min(self.calls, len(self.script) - 1)]] = 10.0
        self.calls += 1
        return logits


@pytest.fixture(scope="module")
def tok():
    return chat_tokenizer()


def script(tok, *pieces) -> list[int]:
    t = ChatTokens.of(tok)
    out = []
    for p in pieces:
        out += [t.by_name(p)] if p.startswith("<|") else tok.encode(p)
    return out


def test_a_tool_call_is_answered_by_the_engine_and_forced_into_the_cache(tok):
    t = ChatTokens.of(tok)
    written = script(tok, "Let me compute. ", "<|python_start|>", "3*(4+5)/2", "<|python_end|>", " It is 13.5.",
                     "<|assistant_end|>")
    model = ScriptedModel(tok.vocab_size, written)
    prompt = render_prompt(tok, [{"role": "user", "content": "what is 3*(4+5)/2?"}])
    registry = default_registry()
    events = list(generate_reply(model, tok, prompt, lambda s: registry.call(s).output))
    kinds = [(e.kind, e.text) for e in events if e.kind != "text"]
    assert kinds == [("tool_call", "3*(4+5)/2"), ("tool_output", "13.5"), ("end", "stop")]
    reply = Reply()
    for e in events:
        reply.add(e)
    assert reply.message() == {"role": "assistant", "content": [
        {"type": "text", "text": "Let me compute. "}, {"type": "python", "text": "3*(4+5)/2"},
        {"type": "python_output", "text": "13.5"}, {"type": "text", "text": " It is 13.5."}]}
    forced = [t.output_start, *tok.encode("13.5"), t.output_end]
    assert reply.forced_tokens == len(forced) and reply.sampled_tokens == len(written)
    # the python_end and the forced answer reach the cache in one decode, right after the call
    assert [t.python_end, *forced] in model.fed
    # what the model saw parses back to the conversation with the reply
    seen = [i for chunk in model.fed for i in chunk] + [t.assistant_end]
    assert parse_conversation(tok, seen)[-1] == reply.message()


def test_a_bad_call_gets_the_error_string_as_its_output(tok):
    model = ScriptedModel(tok.vocab_size, script(tok, "<|python_start|>", "1/0", "<|python_end|>", "<|assistant_end|>"))
    registry = default_registry()
    events = list(generate_reply(model, tok, [ChatTokens.of(tok).bos], lambda s: registry.call(s).output))
    assert [e.text for e in events if e.kind == "tool_output"] == ["error: division by zero in (/ 1 0)"]


@pytest.mark.parametrize("kwargs, reason", [
    ({"max_tokens": 3}, "length"), ({"max_tool_calls": 0}, "tool_calls"), ({"deadline": 0.0}, "time"),
])
def test_limits_end_a_reply(tok, kwargs, reason):
    calls = []
    model = ScriptedModel(tok.vocab_size, script(tok, "<|python_start|>", "2+2", "<|python_end|>", "four",
                                                 "<|assistant_end|>"))
    events = list(generate_reply(model, tok, [ChatTokens.of(tok).bos], calls.append, **kwargs))
    assert events[-1].kind == "end" and events[-1].text == reason
    assert calls == []  # no call ran past a limit


def test_a_long_reply_slides_the_context_window(tok):
    words = " and the wind was cold" * 20
    model = ScriptedModel(tok.vocab_size, script(tok, words, "<|assistant_end|>"), sequence_len=16)
    reply = Reply()
    for e in generate_reply(model, tok, [ChatTokens.of(tok).bos], None, max_tokens=1000):
        reply.add(e)
    assert reply.text == words and reply.finish_reason == "stop"
    assert max(len(chunk) for chunk in model.fed) <= 16  # never more than the window at once


def test_a_session_keeps_the_conversation_and_writes_its_transcript(tok, tmp_path):
    model = ScriptedModel(tok.vocab_size, script(tok, "<|python_start|>", "6*7", "<|python_end|>", "42",
                                                 "<|assistant_end|>"))
    agent = Agent(model, tok, limits=Limits(max_tokens=64, max_prompt_tokens=100))
    session = agent.session(system="answer with numbers")
    text = "".join(e.text for e in session.send("six times seven?") if e.kind == "text")
    assert text == "42" and len(session.messages) == 2
    session.save_transcript(tmp_path / "t.jsonl")
    records = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert [r["event"] for r in records] == ["user", "tool", "assistant"]
    assert records[1]["tool"] == "calculator" and records[1]["output"] == "42" and records[1]["ok"]
    assert records[2]["finish_reason"] == "stop" and records[2]["forced_tokens"] > 0
    with pytest.raises(PromptTooLong, match="at most 100"):
        list(session.send("word " * 200))
    assert len(session.messages) == 2  # the refused message is not kept


def test_a_trained_checkpoint_chats_from_the_cli(tmp_path, monkeypatch, capsys):
    import io

    from chat_helpers import tiny_chat_checkpoint

    from grapheme_lab.cli import main as cli

    ckpt = tiny_chat_checkpoint(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("what is 2+2?\n/save " + str(tmp_path / "s.jsonl") + "\n"))
    start = time.perf_counter()
    assert cli(["chat", "--model", str(ckpt), "--max-tokens", "8", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "assistant> " in out and time.perf_counter() - start < 60
    assert (tmp_path / "s.jsonl").read_text().count('"event": "assistant"') == 1


def _text_events(pieces, drawn):
    for i, p in enumerate(pieces):
        drawn.append(i)
        yield ReplyEvent("text", p, (i,))
    yield ReplyEvent("end", "length")


@pytest.mark.parametrize("pieces, stops, want, reason", [
    (("Hel", "lo wor", "ld"), ("wor",), "Hello ", "stop"),  # a stop string across deltas
    (("ab", "c"), ("cd",), "abc", "length"),  # a prefix held back, then let go at the end
    (("x = 1\n", "y"), ("\n", "="), "x ", "stop"),  # the first stop string in the text wins
    (("no stop here",), ("zz",), "no stop here", "length"),
])
def test_stop_strings_end_the_prose(pieces, stops, want, reason):
    drawn = []
    events = list(stop_at(_text_events(pieces, drawn), stops))
    assert "".join(e.text for e in events if e.kind == "text") == want
    assert events[-1] == ReplyEvent("end", reason)
    assert [t for e in events for t in e.tokens] == drawn  # every sampled token counted once


def test_a_stop_string_does_not_span_a_tool_call():
    def events():
        yield ReplyEvent("text", "a<", (0,))
        yield ReplyEvent("tool_call", "1+1", (1, 2))
        yield ReplyEvent("text", "b>", (3,))
        yield ReplyEvent("end", "stop", (4,))
    out = list(stop_at(events(), ("<b",)))
    call = [e.kind for e in out].index("tool_call")
    assert "".join(e.text for e in out[:call]) == "a<" and "".join(e.text for e in out[call + 1:-1]) == "b>"
    assert out[-1].text == "stop" and [t for e in out for t in e.tokens] == [0, 1, 2, 3, 4]


def test_closing_the_filter_closes_the_generation():
    closed = []

    def events():
        try:
            while True:
                yield ReplyEvent("text", "x", (0,))
        finally:
            closed.append(True)
    gen = stop_at(events(), ("y",))
    next(gen)
    gen.close()
    assert closed == [True]
