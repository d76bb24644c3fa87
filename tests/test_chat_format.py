"""The chat format: conversations render to ids and a mask (assistant tokens only, tool outputs
not trained on) and parse back to themselves."""

from __future__ import annotations

import pytest
from chat_helpers import chat_tokenizer

from grapheme_lab.chat.format import (ChatFormatError, ChatTokens, normalize_content, parse_conversation,
                                      render_conversation, render_prompt)
from grapheme_lab.tokenizer import BPETokenizer


@pytest.fixture(scope="module")
def tok():
    return chat_tokenizer()


CONVERSATIONS = [
    [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}],
    [{"role": "user", "content": "what is 3*(4+5)/2?"},
     {"role": "assistant", "content": [{"type": "text", "text": "Let me compute. "},
                                       {"type": "python", "text": "3*(4+5)/2"},
                                       {"type": "python_output", "text": "13.5"},
                                       {"type": "text", "text": " The answer is 13.5."}]},
     {"role": "user", "content": "and twice that?"},
     {"role": "assistant", "content": [{"type": "python", "text": "2*13.5"},
                                       {"type": "python_output", "text": "27"}]}],
    [{"role": "user", "content": "unicode: é ∑ 日本 🙂 and a fake <|assistant_end|> marker"},
     {"role": "assistant", "content": "  spaces\n\nand newlines  "}],
    [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}],
    [{"role": "user", "content": "only a question"}],
]


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_a_conversation_parses_back_to_itself(tok, conversation):
    ids, mask = render_conversation(tok, conversation)
    assert len(ids) == len(mask)
    assert parse_conversation(tok, ids) == conversation
    assert render_conversation(tok, parse_conversation(tok, ids)) == (ids, mask)


def test_the_mask_covers_assistant_tokens_and_tool_calls_but_not_tool_outputs(tok):
    t = ChatTokens.of(tok)
    ids, mask = render_conversation(tok, CONVERSATIONS[1])
    trained = [i for i, m in zip(ids, mask) if m]
    # every assistant_end and python call is trained on; no user text, no output, no assistant_start
    assert trained.count(t.assistant_end) == 2 and trained.count(t.python_start) == 2
    for token in (t.bos, t.user_start, t.user_end, t.assistant_start, t.output_start, t.output_end):
        assert token not in trained
    # the trained tokens decode to exactly the assistant's own writing
    text = tok.decode([i for i in trained if i not in tok.special_tokens.values()])
    assert text == "Let me compute. 3*(4+5)/2 The answer is 13.5.2*13.5"
    assert tok.decode(ids[ids.index(t.output_start) + 1: ids.index(t.output_end)]) == "13.5"
    assert all(m == 0 for i, m in zip(ids, mask) if i == t.output_start)


def test_special_token_text_in_a_message_cannot_forge_a_turn(tok):
    ids, _ = render_conversation(tok, CONVERSATIONS[2])
    t = ChatTokens.of(tok)
    assert ids.count(t.assistant_end) == 1  # only the real one


def test_a_system_message_goes_before_the_first_user_message(tok):
    conv = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    assert parse_conversation(tok, render_conversation(tok, conv)[0]) == [
        {"role": "user", "content": "be brief\n\nhi"}]


def test_the_prompt_ends_with_assistant_start_and_a_cut_reply_parses(tok):
    t = ChatTokens.of(tok)
    ids = render_prompt(tok, CONVERSATIONS[4])
    assert ids[-1] == t.assistant_start
    partial = ids + tok.encode("let me ") + [t.python_start] + tok.encode("2+")
    assert parse_conversation(tok, partial)[-1] == {
        "role": "assistant", "content": [{"type": "text", "text": "let me "}, {"type": "python", "text": "2+"}]}
    assert parse_conversation(tok, ids)[-1] == {"role": "assistant", "content": ""}


def test_max_tokens_cuts_ids_and_mask(tok):
    ids, mask = render_conversation(tok, CONVERSATIONS[1], max_tokens=7)
    assert len(ids) == len(mask) == 7


def test_normalize_content_joins_text_and_drops_empty_text():
    assert normalize_content([{"type": "text", "text": "a"}, {"type": "text", "text": ""},
                              {"type": "text", "text": "b"}, {"type": "python", "text": ""}]) == [
        {"type": "text", "text": "ab"}, {"type": "python", "text": ""}]


@pytest.mark.parametrize("conversation, match", [
    ([{"role": "assistant", "content": "hi"}], "turn is the user's"),
    ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "turn is the assistant's"),
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": [{"type": "shell", "text": "ls"}]}],
     "part 0"),
    ([{"role": "user", "content": ["a"]}], "user's content must be a string"),
    ([{"role": "user"}], "'role' and 'content'"),
    ([{"role": "user", "content": "a"}, {"role": "system", "content": "b"}], "turn is the assistant's"),
    ("not a list", "list of messages"),
])
def test_bad_conversations_are_clear_errors(tok, conversation, match):
    with pytest.raises(ChatFormatError, match=match):
        render_conversation(tok, conversation)


def test_bad_ids_are_clear_errors(tok):
    t = ChatTokens.of(tok)
    hi = tok.encode("hi")
    for ids, match in [
        ([], "starts with <|bos|>"),
        ([t.bos, t.assistant_start, *hi, t.assistant_end], "an assistant answers a user"),
        ([t.bos, t.user_start, *hi], "expected <|user_end|>"),
        ([t.bos, t.user_start, *hi, t.user_end, t.user_start, t.user_end], "alternating"),
        ([t.bos, t.user_start, t.user_end, t.assistant_start, t.bos], "a tool call"),
        ([t.bos, t.user_start, t.user_end, t.assistant_start, t.python_start, t.output_end], "<|python_end|>"),
        ([t.bos, *hi], "<|user_start|> or <|assistant_start|>"),
    ]:
        with pytest.raises(ChatFormatError, match=match):
            parse_conversation(tok, ids)


def test_a_tokenizer_without_the_chat_tokens_is_refused():
    plain = BPETokenizer.train(["some text"], 260, special_tokens=["<|bos|>"])
    with pytest.raises(ChatFormatError, match="lacks the chat special tokens <\\|user_start\\|>"):
        render_conversation(plain, CONVERSATIONS[0])
