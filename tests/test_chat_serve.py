"""The server, through a real HTTP client on 127.0.0.1 (ephemeral ports): OpenAI's and Ollama's
endpoints, streamed and not; bad requests get their status and the server keeps serving; the
bounds on connections and concurrent replies; the page in headless Chromium where installed."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import time

import pytest
import torch
from chat_helpers import tiny_chat_checkpoint

from grapheme_lab.chat.harness import Agent, Limits
from grapheme_lab.chat.serve import ChatServer

torch.set_num_threads(1)
HI = [{"role": "user", "content": "what is 2+2?"}]


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    ckpt = tiny_chat_checkpoint(tmp_path_factory.mktemp("serve"))
    return Agent.from_checkpoint(ckpt, limits=Limits(max_tokens=12))


@pytest.fixture(scope="module")
def server(agent):
    srv = ChatServer(agent, "127.0.0.1", 0, "tiny", max_body_bytes=4096, socket_timeout=5).start()
    yield srv
    srv.close()


def request(server, method, path, body=None, raw: bytes | None = None, timeout=30):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def poll(server, want: int, method="GET", path="/health", body=None, seconds=10.0) -> int:
    """Requests until the status is ``want`` (bounded): a refused connection may also be a reset."""
    deadline, status = time.monotonic() + seconds, None
    while time.monotonic() < deadline and status != want:
        try:
            status = request(server, method, path, body, timeout=5)[0]
        except OSError:  # the server answered 503 and closed before reading the request
            status = None
        time.sleep(0.05)
    return status


def sse_chunks(payload: bytes) -> list:
    events = [e[len("data: "):] for e in payload.decode().split("\n\n") if e.startswith("data: ")]
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


def test_openai_chat_streamed_and_not_give_the_same_reply(server):
    status, ctype, body = request(server, "POST", "/v1/chat/completions", {"model": "tiny", "messages": HI})
    assert status == 200 and ctype == "application/json"
    whole = json.loads(body)
    choice = whole["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] in ("stop", "length")
    assert whole["usage"]["completion_tokens"] <= 12 and whole["usage"]["prompt_tokens"] > 0
    status, ctype, body = request(server, "POST", "/v1/chat/completions",
                                  {"messages": HI, "stream": True, "stream_options": {"include_usage": True}})
    assert status == 200 and ctype.startswith("text/event-stream")
    chunks = sse_chunks(body)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == choice["message"]["content"]  # temperature 0: the same tokens
    assert chunks[-2]["choices"][0]["finish_reason"] == choice["finish_reason"]
    assert chunks[-1]["usage"] == whole["usage"]


def test_ollama_chat_and_generate(server):
    status, ctype, body = request(server, "POST", "/api/chat", {"model": "tiny:latest", "messages": HI,
                                                                "options": {"num_predict": 5}})
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert status == 200 and ctype == "application/x-ndjson"
    assert all(not x["done"] for x in lines[:-1]) and lines[-1]["done"] and lines[-1]["eval_count"] <= 5
    streamed = "".join(x["message"]["content"] for x in lines)
    status, _, body = request(server, "POST", "/api/chat", {"model": "tiny", "messages": HI, "stream": False,
                                                            "options": {"num_predict": 5}})
    assert status == 200 and json.loads(body)["message"]["content"] == streamed
    status, _, body = request(server, "POST", "/api/generate", {"model": "tiny", "prompt": "what is 2+2?",
                                                                "stream": False, "options": {"num_predict": 5}})
    assert status == 200 and json.loads(body)["response"] == streamed  # the prompt is the user's message
    status, _, body = request(server, "POST", "/api/generate", {"model": "tiny", "prompt": ""})
    assert status == 200 and json.loads(body)["done_reason"] == "load"


def test_a_stop_string_cuts_the_reply_in_both_apis(server):
    whole = json.loads(request(server, "POST", "/v1/chat/completions", {"messages": HI, "max_tokens": 12})[2])
    text = whole["choices"][0]["message"]["content"]
    assert len(text) >= 4, text  # the tiny model writes some prose at temperature 0
    stop = text[2:4]
    want = text[: text.index(stop)]
    for stream in (False, True):
        status, _, body = request(server, "POST", "/v1/chat/completions",
                                  {"messages": HI, "max_tokens": 12, "stop": stop, "stream": stream})
        if stream:
            chunks = sse_chunks(body)
            got = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
            finish = chunks[-1]["choices"][0]["finish_reason"]
        else:
            choice = json.loads(body)["choices"][0]
            got, finish = choice["message"]["content"], choice["finish_reason"]
        assert status == 200 and got == want and finish == "stop"
    status, _, body = request(server, "POST", "/api/chat", {"model": "tiny", "messages": HI, "stream": False,
                                                            "options": {"num_predict": 12, "stop": [stop]}})
    reply = json.loads(body)
    assert status == 200 and reply["message"]["content"] == want and reply["done_reason"] == "stop"


def test_listings_and_the_page(server):
    assert json.loads(request(server, "GET", "/v1/models")[2])["data"][0]["id"] == "tiny"
    assert json.loads(request(server, "GET", "/api/tags")[2])["models"][0]["name"] == "tiny:latest"
    status, ctype, page = request(server, "GET", "/")
    assert status == 200 and ctype.startswith("text/html") and b"/v1/chat/completions" in page


@pytest.mark.parametrize("method, path, body, raw, status, needle", [
    ("POST", "/v1/chat/completions", None, b"{not json", 400, "not JSON"),
    ("POST", "/v1/chat/completions", None, b"[1, 2]", 400, "JSON object"),
    ("POST", "/v1/chat/completions", None, b"x" * 5000, 413, "at most 4096"),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "word " * 700}]}, None, 400,
     "context_length_exceeded"),
    ("POST", "/v1/chat/completions", {"model": "gpt-4", "messages": HI}, None, 404, "model_not_found"),
    ("POST", "/api/chat", {"model": "llama3", "messages": HI}, None, 404, "not found"),
    ("POST", "/api/chat", {"messages": HI}, None, 404, "not found"),
    ("POST", "/v1/chat/completions", {"messages": []}, None, 400, "non-empty list"),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "tool", "content": "x"}]}, None, 400, "role"),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "assistant", "content": "x"}]}, None, 400, "end with a user"),
    ("POST", "/v1/chat/completions", {"messages": [HI[0], HI[0]]}, None, 400, "turn is the assistant"),
    ("POST", "/v1/chat/completions", {"messages": HI, "temperature": 5}, None, 400, "temperature"),
    ("POST", "/v1/chat/completions", {"messages": HI, "max_tokens": "many"}, None, 400, "max_tokens"),
    ("POST", "/v1/chat/completions", {"messages": HI, "n": 2}, None, 400, '"n"'),
    ("POST", "/v1/chat/completions", {"messages": HI, "stop": ["a", "b", "c", "d", "e"]}, None, 400, "stop"),
    ("POST", "/api/chat", {"model": "tiny", "messages": HI, "options": {"stop": [""]}}, None, 400, "options.stop"),
    ("POST", "/api/generate", {"model": "tiny", "prompt": "x", "raw": True}, None, 400, "raw"),
    ("GET", "/v1/chat/completions", None, None, 405, "takes POST"),
    ("POST", "/nope", {}, None, 404, "no such endpoint"),
    ("GET", "/../../etc/passwd", None, None, 404, "no such endpoint"),
])
def test_bad_requests_get_their_status_and_the_server_keeps_serving(server, method, path, body, raw, status, needle):
    got, ctype, payload = request(server, method, path, body, raw)
    assert got == status and ctype == "application/json" and needle in payload.decode(), payload
    assert request(server, "POST", "/v1/chat/completions", {"messages": HI, "max_tokens": 2})[0] == 200


def test_a_reply_waits_for_a_free_slot_or_gets_503(agent):
    srv = ChatServer(agent, "127.0.0.1", 0, "tiny", max_concurrent=1, queue_seconds=0.2).start()
    try:
        assert srv.slots.acquire(timeout=1)  # every slot taken
        status, _, body = request(srv, "POST", "/v1/chat/completions", {"messages": HI})
        assert status == 503 and b"server_busy" in body
        srv.slots.release()
        assert request(srv, "POST", "/v1/chat/completions", {"messages": HI})[0] == 200
    finally:
        srv.close()


def test_connections_past_the_bound_get_503_and_a_dropped_stream_frees_its_slot(agent):
    srv = ChatServer(agent, "127.0.0.1", 0, "tiny", max_concurrent=1, max_connections=1, socket_timeout=3).start()
    try:
        idle = socket.create_connection(srv.server_address[:2], timeout=5)  # holds the only connection
        assert poll(srv, 503) == 503
        idle.close()
        assert poll(srv, 200) == 200
        # a client that reads one chunk of a stream and leaves
        deadline, status = time.monotonic() + 10, None
        while time.monotonic() < deadline and status != 200:  # until the last request's thread has ended
            conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=10)
            try:
                conn.request("POST", "/v1/chat/completions", json.dumps({"messages": HI, "stream": True}))
                resp = conn.getresponse()
                status = resp.status
                resp.read(10)
            except OSError:
                time.sleep(0.05)
            finally:
                conn.close()
        assert status == 200
        # the only connection frees when the stream's thread ends; then a reply has its slot again
        assert poll(srv, 200, "POST", "/v1/chat/completions", {"messages": HI, "max_tokens": 2}) == 200
        assert srv.slots.acquire(timeout=5)  # the slot came back
        srv.slots.release()
    finally:
        srv.close()


def test_the_command_binds_to_loopback_by_default():
    from grapheme_lab.cli import build_parser

    args = build_parser().parse_args(["serve", "--model", "x.pt"])
    assert args.host == "127.0.0.1" and args.port == 8000
    assert ChatServer.__init__.__defaults__[0] == "127.0.0.1"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH (Debian's chromium package)")
def test_the_page_streams_a_reply_in_headless_chromium(server, tmp_path):
    out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
                          "--virtual-time-budget=10000", "--dump-dom", server.url + "/?q=what%20is%202%2B2%3F"],
                         capture_output=True, text=True, timeout=60)
    dom = out.stdout.split("<script")[0]  # the page as rendered, without its own source
    assert 'class="msg user"' in dom and "what is 2+2?" in dom, dom[-2000:]
    assert 'class="msg assistant" data-done="true"' in dom and "error:" not in dom, dom[-2000:]
    reply = re.search(r'class="msg assistant" data-done="true"[^>]*>(.*?)</div>', dom, re.S)
    assert reply and reply.group(1).strip(), dom[-2000:]  # tokens were streamed into the page
