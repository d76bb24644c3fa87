"""distill: against a real `serve` process (both API kinds, a SIGKILL mid-run and a resume), and
against a small fake server in this process that fails on purpose (503, 429 with Retry-After,
400, an Ollama-only listing); the prompts file's forms and errors; a torn last line."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chat_helpers import tiny_chat_checkpoint

from grapheme_lab.chat.api_client import ChatClient, RequestFailed, base_url, retry_after_seconds
from grapheme_lab.chat.distill import prompt_id, read_prompts
from grapheme_lab.cli import main as cli

PROMPTS = [f"what is {i} plus {i + 1}?" for i in range(8)]


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_prompts(path: Path, prompts: list[str]) -> Path:
    path.write_text("".join(p + "\n" for p in prompts), encoding="utf-8")
    return path


def distill(api: str, prompts: Path, out: Path, *extra: str, model: str = "tiny") -> int:
    return cli(["distill", "--api", api, "--model", model, "--prompts", str(prompts), "--output", str(out), *extra])


# ---------------------------------------------------------------- a real `serve` process


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``python -m grapheme_lab serve`` on a free port with a tiny chat GPT: its URL."""
    ckpt = tiny_chat_checkpoint(tmp_path_factory.mktemp("distill"))
    proc = subprocess.Popen([sys.executable, "-m", "grapheme_lab", "serve", "--model", str(ckpt), "--port", "0",
                             "--name", "tiny", "--max-tokens", "16", "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "serving tiny on http://127.0.0.1:PORT (chat page at ...)"
    if not line.startswith("serving"):
        proc.kill()
        pytest.fail(f"serve did not start: {line!r} {proc.stderr.read()[-2000:]}")
    yield line.split()[3]
    proc.terminate()
    proc.wait(timeout=10)


def test_both_api_kinds_give_every_prompt_once_with_the_servers_reply(served, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "prompts.txt", PROMPTS)
    outs = {}
    for kind in ("openai", "ollama", "auto"):
        outs[kind] = tmp_path / f"{kind}.jsonl"
        assert distill(served, prompts, outs[kind], "--api-kind", kind, "--concurrency", "3") == 0
        assert "every prompt is done" in capsys.readouterr().out
    expected = {p.id: p.messages for p in read_prompts(prompts)}
    by_kind = {}
    for kind, out in outs.items():
        rows = rows_of(out)
        assert sorted(r["id"] for r in rows) == sorted(expected)  # each prompt exactly once
        for r in rows:
            assert r["messages"][:-1] == expected[r["id"]] and r["messages"][-1]["role"] == "assistant"
        by_kind[kind] = {r["id"]: r["messages"][-1]["content"] for r in rows}
    assert by_kind["openai"] == by_kind["ollama"] == by_kind["auto"]  # temperature 0: the same replies
    # the reply is the server's own, asked directly
    host, port = served.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": PROMPTS[0]}]}))
    direct = json.loads(conn.getresponse().read())["choices"][0]["message"]["content"]
    conn.close()
    assert by_kind["openai"][prompt_id(1, [{"role": "user", "content": PROMPTS[0]}])] == direct
    # a rerun asks nothing and leaves the file as it was
    before = outs["openai"].read_bytes()
    assert distill(served, prompts, outs["openai"], "--api-kind", "openai") == 0
    assert outs["openai"].read_bytes() == before
    assert f"{len(PROMPTS)} already in" in capsys.readouterr().out


def test_a_sigkilled_run_resumes_with_every_prompt_exactly_once(served, tmp_path):
    many = [f"say {i} things about {w}" for i, w in enumerate(["numbers", "sums", "halves", "answers"] * 15)]
    prompts = write_prompts(tmp_path / "prompts.txt", many)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "grapheme_lab", "distill", "--api", served, "--model", "tiny",
           "--prompts", str(prompts), "--output", str(out), "--concurrency", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 3):
        time.sleep(0.005)
    running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert running, "the run ended before it could be killed"
    kept = out.read_bytes()
    kept = kept[: kept.rfind(b"\n") + 1]  # the complete rows at the kill
    assert 3 <= kept.count(b"\n") < len(many), kept.count(b"\n")
    assert subprocess.run(cmd, capture_output=True, timeout=300).returncode == 0
    data = out.read_bytes()
    assert data.startswith(kept)  # nothing written before the kill is lost or changed
    ids = [r["id"] for r in rows_of(out)]
    assert len(ids) == len(set(ids)) == len(many)
    assert set(ids) == {p.id for p in read_prompts(prompts)}


# ---------------------------------------------------------------- a fake server that fails on purpose


class FakeHandler(BaseHTTPRequestHandler):
    """OpenAI's and Ollama's chat endpoints that reply "echo: PROMPT"; ``server.script`` holds the
    failures to answer first, as (status, Retry-After or None); the prompt "bad" is a 400."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status: int, obj: dict, retry_after: str | None = None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v1/models" and self.server.openai:
            self._send(200, {"data": [{"id": "teacher"}]})
        elif self.path == "/api/tags":
            self._send(200, {"models": [{"name": "teacher:latest"}]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests.append((self.path, body))
            failure = self.server.script.pop(0) if self.server.script else None
        if failure is not None:
            self._send(failure[0], {"error": {"message": f"scripted {failure[0]}"}}, failure[1])
            return
        prompt = body["messages"][-1]["content"]
        if prompt == "bad":
            self._send(400, {"error": {"message": "this prompt is refused"}})
        elif self.path == "/v1/chat/completions":
            self._send(200, {"choices": [{"message": {"role": "assistant", "content": "echo: " + prompt}}]})
        elif self.path == "/api/chat":
            self._send(200, {"message": {"role": "assistant", "content": "echo: " + prompt}, "done": True})
        else:
            self._send(404, {"error": "not found"})


@pytest.fixture
def fake():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeHandler)
    srv.openai, srv.script, srv.requests, srv.lock = True, [], [], threading.Lock()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


class RecordedWaits(threading.Event):
    """A stop event whose waits return at once and are recorded: the client's back-off, observed."""

    def __init__(self):
        super().__init__()
        self.waits = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return False


def test_retries_back_off_with_jitter_and_honour_retry_after(fake):
    fake.script = [(503, None), (502, None), (429, "0.75"), (503, None)]
    stop = RecordedWaits()
    client = ChatClient(fake.url, "teacher", "openai", base_delay=0.1, max_delay=0.3, stop=stop)
    assert client.complete([{"role": "user", "content": "hi"}], seed=1) == "echo: hi"
    assert len(fake.requests) == 5 and client.retried == 4
    w = stop.waits
    assert 0.05 <= w[0] <= 0.1 and 0.1 <= w[1] <= 0.2 and w[2] == 0.75 and 0.15 <= w[3] <= 0.3  # capped at 0.3
    # the same seed, the same jitter
    fake.script, stop2 = [(503, None), (502, None)], RecordedWaits()
    client = ChatClient(fake.url, "teacher", "openai", base_delay=0.1, stop=stop2)
    client.complete([{"role": "user", "content": "hi"}], 1)
    assert stop2.waits == w[:2]


def test_retries_run_out_and_a_4xx_is_not_retried(fake):
    fake.script = [(503, None)] * 3
    stop = RecordedWaits()
    with pytest.raises(RequestFailed, match=r"HTTP 503: scripted 503 \(gave up after 3 attempts\)") as e:
        ChatClient(fake.url, "teacher", retries=2, base_delay=0.01, stop=stop).complete(
            [{"role": "user", "content": "hi"}], 0)
    assert e.value.status == 503 and len(stop.waits) == 2
    n = len(fake.requests)
    with pytest.raises(RequestFailed, match="HTTP 400: this prompt is refused") as e:
        ChatClient(fake.url, "teacher", stop=stop).complete([{"role": "user", "content": "bad"}], 0)
    assert e.value.status == 400 and len(fake.requests) == n + 1  # asked once
    with pytest.raises(RequestFailed, match="ConnectionRefusedError.*gave up after 2 attempts"):
        ChatClient("http://127.0.0.1:9", "teacher", retries=1, stop=RecordedWaits()).complete(
            [{"role": "user", "content": "hi"}], 0)


def test_a_failing_prompt_is_recorded_and_the_others_go_on(fake, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "p.txt", ["one", "bad", "three", "four"])
    out = tmp_path / "out.jsonl"
    fake.script = [(503, "0"), (429, "0"), (500, "0")]
    assert distill(fake.url, prompts, out, "--concurrency", "2", model="teacher") == 1
    printed = capsys.readouterr().out
    assert "3 written" in printed and "1 failed" in printed and "3 retries" in printed and "1 not done" in printed
    assert sorted(r["messages"][-1]["content"] for r in rows_of(out)) == ["echo: four", "echo: one", "echo: three"]
    errors = rows_of(tmp_path / "out.errors.jsonl")
    assert len(errors) == 1 and errors[0]["line"] == 2 and errors[0]["status"] == 400
    assert "this prompt is refused" in errors[0]["error"]
    # fixed, the next run asks only that prompt; the errors file is this run's
    write_prompts(prompts, ["one", "two", "three", "four"])
    fake.requests.clear()
    assert distill(fake.url, prompts, out, model="teacher") == 0
    assert [b["messages"][-1]["content"] for p, b in fake.requests if p.startswith("/v1/chat")] == ["two"]
    assert len(rows_of(out)) == 4 and not (tmp_path / "out.errors.jsonl").exists()


def test_the_api_kind_is_probed_and_the_model_checked(fake, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "p.txt", ["one"])
    fake.openai = False  # an Ollama server: /v1/models is a 404
    assert distill(fake.url + "/", prompts, tmp_path / "o.jsonl", model="teacher") == 0
    assert "(ollama API)" in capsys.readouterr().out and fake.requests[-1][0] == "/api/chat"
    assert fake.requests[-1][1]["options"]["seed"] >= 0 and fake.requests[-1][1]["stream"] is False
    assert distill(fake.url, prompts, tmp_path / "x.jsonl", model="llama3") == 2
    assert "does not list a model 'llama3'; it lists teacher:latest" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
    assert distill("http://127.0.0.1:9", prompts, tmp_path / "x.jsonl", "--retries", "0") == 2
    assert "cannot reach http://127.0.0.1:9: GET /v1/models: ConnectionRefusedError" in capsys.readouterr().err


def test_the_seed_of_a_prompt_does_not_depend_on_the_run(fake, tmp_path):
    prompts = write_prompts(tmp_path / "p.txt", PROMPTS)
    seeds = []
    for concurrency in ("1", "4"):
        fake.requests.clear()
        assert distill(fake.url, prompts, tmp_path / f"{concurrency}.jsonl",
                       "--concurrency", concurrency, "--seed", "7", model="teacher") == 0
        seeds.append({b["messages"][-1]["content"]: b["seed"] for _, b in fake.requests})
    assert seeds[0] == seeds[1] and len(set(seeds[0].values())) == len(PROMPTS)
    assert (tmp_path / "1.jsonl").read_bytes() == distill_again(fake, prompts, tmp_path)


def distill_again(fake, prompts, tmp_path) -> bytes:
    out = tmp_path / "again.jsonl"
    assert distill(fake.url, prompts, out, "--concurrency", "1", "--seed", "7", model="teacher") == 0
    return out.read_bytes()


# ---------------------------------------------------------------- the output file on restart


def test_a_torn_last_line_is_dropped_and_complete_rows_kept(fake, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "p.txt", ["one", "two", "three"])
    out = tmp_path / "out.jsonl"
    assert distill(fake.url, prompts, out, "--concurrency", "1", model="teacher") == 0
    whole = out.read_bytes()
    lines = whole.splitlines(keepends=True)
    out.write_bytes(lines[0] + lines[1][:25])  # killed while writing the second row
    capsys.readouterr()
    assert distill(fake.url, prompts, out, "--concurrency", "1", model="teacher") == 0
    assert "out.jsonl:2: dropped a torn last line (25 bytes" in capsys.readouterr().err
    assert out.read_bytes() == whole  # the first row kept; the second and third asked again, in order
    # a complete row that lacks only its newline is kept, and gets one
    out.write_bytes(lines[0] + lines[1].rstrip(b"\n"))
    assert distill(fake.url, prompts, out, "--concurrency", "1", model="teacher") == 0
    assert out.read_bytes() == whole and "lacked its newline" in capsys.readouterr().err


def test_a_damaged_row_inside_the_output_is_an_error_and_the_file_is_left_alone(fake, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "p.txt", ["one", "two"])
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "x", "messages": []}\n{"id": 3}\n{"id": "y", "messages": []}\n')
    before = out.read_bytes()
    assert distill(fake.url, prompts, out, model="teacher") == 2
    assert f"{out}:2: not an SFT row" in capsys.readouterr().err
    assert out.read_bytes() == before and not fake.requests


# ---------------------------------------------------------------- the prompts file


def test_prompts_from_text_and_jsonl_with_a_system_message(tmp_path):
    text = tmp_path / "p.txt"
    text.write_text("  first  \n\n{not json}\n", encoding="utf-8")
    ps = read_prompts(text, system="be brief")
    assert [p.line for p in ps] == [1, 3]  # a blank line keeps the numbering
    assert ps[1].messages == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "{not json}"}]
    jl = tmp_path / "p.jsonl"
    conv = [{"role": "system", "content": "own"}, {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]
    jl.write_text(json.dumps({"prompt": "hi", "id": "ignored"}) + "\n" + json.dumps({"messages": conv}) + "\n")
    ps = read_prompts(jl, system="be brief")
    assert ps[0].messages == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    assert ps[1].messages == conv  # its own system message stays
    assert ps[0].id == prompt_id(1, ps[0].messages) and ps[0].id != read_prompts(jl)[0].id  # --system is in the id


@pytest.mark.parametrize("line, says", [
    ("{not json", "p.jsonl:2: not JSON"),
    ('["a"]', "p.jsonl:2: expected an object with a 'prompt' or a 'messages'"),
    ('{"prompt": "a", "messages": []}', "one of them"),
    ('{"prompt": ""}', "'prompt' must be a non-empty string"),
    ('{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}', "end with a user"),
    ('{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}',
     r"messages\[1\] is from 'user' where the turn is the assistant's"),
    ('{"messages": [{"role": "tool", "content": "a"}]}', r"messages\[0\] must be"),
])
def test_bad_prompts_name_the_line(tmp_path, line, says):
    p = tmp_path / "p.jsonl"
    p.write_text('{"prompt": "fine"}\n' + line + "\n")
    with pytest.raises(ValueError, match=says):
        read_prompts(p)


def test_bad_arguments_are_errors_before_any_request(fake, tmp_path, capsys):
    prompts = write_prompts(tmp_path / "p.txt", ["one"])
    assert distill(fake.url, tmp_path / "missing.txt", tmp_path / "o.jsonl", model="teacher") == 2
    assert "prompts file" in capsys.readouterr().err
    assert distill("localhost:8000", prompts, tmp_path / "o.jsonl", model="teacher") == 2
    assert "http:// or https://" in capsys.readouterr().err
    assert distill(fake.url, prompts, prompts, model="teacher") == 2
    assert distill(fake.url, prompts, tmp_path / "o.jsonl", "--concurrency", "0", model="teacher") == 2
    assert not fake.requests


def test_urls_and_retry_after():
    assert base_url("https://api.example.com/v1/") == "https://api.example.com"
    assert base_url("http://localhost:11434") == "http://localhost:11434"
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: now
