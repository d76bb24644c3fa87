"""An HTTP server for a chat model (the standard library's, threaded): OpenAI's
``/v1/chat/completions`` (streamed as server-sent events, or not), Ollama's ``/api/chat`` and
``/api/generate`` (streamed as JSON lines by default, as Ollama does), ``/v1/models``,
``/api/tags``, ``/health`` and a web chat page at ``/`` that streams tokens.

Bounds: at most ``max_connections`` connections are served at once (one more is answered 503
and closed); at most ``max_concurrent`` replies are generated at once, the others wait up to
``queue_seconds`` for a slot, then get 503; a request body is at most ``max_body_bytes`` (413),
a prompt at most the model's context (400), a reply at most the agent's token and time limits;
a socket idle for ``socket_timeout`` seconds is closed. Bad requests get their status and a
JSON error (OpenAI's shape on /v1, Ollama's on /api); the server keeps serving.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from grapheme_lab.chat.format import ChatFormatError
from grapheme_lab.chat.generate import Reply, ReplyEvent, Sampling
from grapheme_lab.chat.harness import Agent, Limits, PromptTooLong

FINISH = {"stop": "stop", "length": "length", "time": "length", "tool_calls": "length"}  # to OpenAI's words


class RequestError(Exception):
    """A request the server refuses: its HTTP status and message (and OpenAI's error code)."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param


def _page() -> bytes:
    return resources.files("grapheme_lab.chat").joinpath("static/index.html").read_bytes()


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the listen backlog: a burst of connections waits in the kernel

    def __init__(self, agent: Agent, host: str = "127.0.0.1", port: int = 8000, model_name: str = "grapheme-chat",
                 max_concurrent: int = 2, max_connections: int = 128, max_body_bytes: int = 1 << 20,
                 queue_seconds: float = 60.0, socket_timeout: float = 30.0, sampling: Sampling = Sampling(),
                 quiet: bool = True):
        if max_concurrent < 1 or max_connections < 1 or max_body_bytes < 1:
            raise ValueError("max_concurrent, max_connections and max_body_bytes must be >= 1")
        self.agent, self.model_name, self.sampling, self.quiet = agent, model_name, sampling, quiet
        self.max_body_bytes, self.queue_seconds, self.socket_timeout = max_body_bytes, queue_seconds, socket_timeout
        self.slots = threading.BoundedSemaphore(max_concurrent)
        self.connections = threading.BoundedSemaphore(max_connections)
        self.page = _page()
        self.created = int(time.time())
        self.counts = {"requests": 0, "errors": 0, "busy": 0}
        self.counts_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), ChatHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def names(self) -> set[str]:
        return {self.model_name, self.model_name + ":latest"}

    def count(self, key: str) -> None:
        with self.counts_lock:
            self.counts[key] += 1

    # one thread a connection, at most max_connections of them
    def process_request(self, request, client_address):
        if not self.connections.acquire(blocking=False):
            self.count("busy")
            body = b'{"error": "too many connections; try again"}'
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.connections.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    def start(self) -> ChatServer:
        """Serves in a background thread (for tests and benches); ``close`` stops it."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _number(body: dict, key: str, kind, lo: float, hi: float, default, where: str = ""):
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise RequestError(400, f"{where}{key} must be {'an integer' if kind is int else 'a number'}", param=key)
    if not lo <= value <= hi:
        raise RequestError(400, f"{where}{key} must be in [{lo}, {hi}], got {value}", param=key)
    return kind(value)


def _stop(body: dict, where: str = "") -> tuple[str, ...]:
    """OpenAI's ``stop`` (a string or up to 4) and Ollama's ``options.stop`` (a list)."""
    stop = body.get("stop")
    if stop is None:
        return ()
    stop = [stop] if isinstance(stop, str) else stop
    if (not isinstance(stop, list) or len(stop) > 4
            or not all(isinstance(s, str) and 0 < len(s) <= 256 for s in stop)):
        raise RequestError(400, f"{where}stop must be a string or a list of at most 4 strings of 1-256 characters",
                           param="stop")
    return tuple(stop)


def _messages(body: dict) -> list[dict]:
    """The request's messages in the chat format's form (OpenAI's list-of-parts content joined)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "messages must be a non-empty list", param="messages")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise RequestError(400, f"messages[{i}] must have a role of system, user or assistant", param="messages")
        content = m.get("content")
        if isinstance(content, list):  # OpenAI's content parts: text only
            if not all(isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
                       for p in content):
                raise RequestError(400, f"messages[{i}].content: only text parts are supported", param="messages")
            content = "".join(p["text"] for p in content)
        if not isinstance(content, str):
            raise RequestError(400, f"messages[{i}].content must be a string", param="messages")
        out.append({"role": m["role"], "content": content})
    return out


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"  # keep-alive for plain responses; streams end by closing
    server_version = "grapheme_lab"

    def setup(self):
        self.timeout = self.server.socket_timeout
        super().setup()

    def log_message(self, format, *args):
        if not self.server.quiet:
            super().log_message(format, *args)

    # ---------------------------------------------------------------- plumbing

    def _send(self, status: int, body: bytes, content_type: str = "application/json", extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode())

    def _error(self, e: RequestError) -> None:
        self.server.count("errors")
        if self.path.startswith("/v1/"):
            kind = {400: "invalid_request_error", 404: "invalid_request_error", 413: "invalid_request_error",
                    503: "server_error", 500: "server_error"}.get(e.status, "invalid_request_error")
            obj = {"error": {"message": e.message, "type": kind, "param": e.param, "code": e.code}}
        else:
            obj = {"error": e.message}
        extra = {"Retry-After": "1"} if e.status == 503 else None
        self._send(e.status, json.dumps(obj).encode(), extra=extra)

    def _body(self) -> dict:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise RequestError(411, "send the body with a Content-Length, not chunked")
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            raise RequestError(411, "a Content-Length is required")
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise RequestError(400, "Content-Length is not a number") from None
        if n < 0 or n > self.server.max_body_bytes:
            self.close_connection = True  # the unread body would be taken for the next request
            raise RequestError(413, f"the body is {n} bytes; at most {self.server.max_body_bytes}", "request_too_large")
        raw = self.rfile.read(n)
        if len(raw) < n:
            self.close_connection = True
            raise RequestError(400, "the body ended before its Content-Length")
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RequestError(400, f"the body is not JSON: {e}") from None
        if not isinstance(body, dict):
            raise RequestError(400, "the body must be a JSON object")
        return body

    def _check_model(self, body: dict, required: bool = False) -> None:
        name = body.get("model")
        if name is None and not required:
            return
        if name not in self.server.names():
            raise RequestError(404, f"model {name!r} not found; this server serves {self.server.model_name!r}",
                               "model_not_found", "model")

    # ---------------------------------------------------------------- routes

    GET_ROUTES = {"/": "page", "/index.html": "page", "/health": "health", "/v1/models": "models",
                  "/api/tags": "tags", "/api/version": "version"}
    POST_ROUTES = {"/v1/chat/completions": "openai_chat", "/api/chat": "ollama_chat", "/api/generate": "ollama_generate"}

    def _dispatch(self, method: str) -> None:
        self.server.count("requests")
        path = self.path.split("?", 1)[0]
        routes = self.GET_ROUTES if method == "GET" else self.POST_ROUTES
        try:
            if path not in routes:
                other = self.POST_ROUTES if method == "GET" else self.GET_ROUTES
                if path in other:
                    if method == "POST":
                        self.close_connection = True  # its body is left unread
                    raise RequestError(405, f"{path} takes {'POST' if method == 'GET' else 'GET'}")
                if method == "POST":
                    self.close_connection = True
                raise RequestError(404, f"no such endpoint: {path}")
            getattr(self, "route_" + routes[path])()
        except RequestError as e:
            self._error(e)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._error(RequestError(500, f"internal error: {type(e).__name__}"))
            except OSError:
                pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def route_page(self):
        self._send(200, self.server.page, "text/html; charset=utf-8")

    def route_health(self):
        self._json(200, {"status": "ok", **self.server.counts})

    def route_models(self):
        self._json(200, {"object": "list", "data": [{"id": self.server.model_name, "object": "model",
                                                     "created": self.server.created, "owned_by": "grapheme_lab"}]})

    def route_tags(self):
        model = self.server.agent.model
        self._json(200, {"models": [{"name": self.server.model_name + ":latest", "model": self.server.model_name + ":latest",
                                     "details": {"family": type(model).__name__.lower(),
                                                 "parameter_size": str(model.num_params())}}]})

    def route_version(self):
        from grapheme_lab import __version__

        self._json(200, {"version": __version__})

    # ---------------------------------------------------------------- generation

    def _options(self, body: dict, ollama: bool) -> tuple[Sampling, Limits]:
        base, limits = self.server.sampling, self.server.agent.limits
        src, where = body, ""
        if ollama:
            src = body.get("options") or {}
            if not isinstance(src, dict):
                raise RequestError(400, "options must be an object", param="options")
            where = "options."
        temperature = _number(src, "temperature", float, 0, 2, base.temperature, where)
        top_p = _number(src, "top_p", float, 1e-9, 1, base.top_p, where)
        top_k = _number(src, "top_k", int, 0, 1 << 20, base.top_k, where)
        seed = _number(src, "seed", int, -(1 << 63), (1 << 63) - 1, base.seed, where)
        if ollama:
            max_tokens = _number(src, "num_predict", int, -2, 1 << 30, -1, where)
            max_tokens = limits.max_tokens if max_tokens < 0 else max_tokens
        else:
            max_tokens = _number(body, "max_completion_tokens", int, 1, 1 << 30, None)
            max_tokens = _number(body, "max_tokens", int, 1, 1 << 30, max_tokens)
            if _number(body, "n", int, 1, 1, 1) != 1:
                raise RequestError(400, "n must be 1", param="n")
        max_tokens = min(max_tokens or limits.max_tokens, limits.max_tokens)  # the server's limit caps a request's
        if max_tokens < 1:
            raise RequestError(400, "the number of tokens to generate must be >= 1")
        return (Sampling(temperature, top_k, top_p, base.repetition_penalty, seed),
                Limits(max_tokens, limits.max_tool_calls, limits.max_seconds, limits.max_prompt_tokens,
                       _stop(src, where)))

    def _prompt(self, messages: list[dict]) -> list[int]:
        try:
            return self.server.agent.prompt(messages)
        except PromptTooLong as e:
            raise RequestError(400, str(e), "context_length_exceeded", "messages") from None
        except ChatFormatError as e:
            raise RequestError(400, f"messages: {e}", param="messages") from None

    def _events(self, prompt: list[int], sampling: Sampling, limits: Limits) -> Iterator[ReplyEvent]:
        """The reply's events, its first already drawn: a 503 (no generation slot frees up in
        time) is raised here, before any header goes out; closing them frees the slot."""
        events = self._slot_events(prompt, sampling, limits)
        return _chain(next(events), events)

    def _slot_events(self, prompt: list[int], sampling: Sampling, limits: Limits) -> Iterator[ReplyEvent]:
        if not self.server.slots.acquire(timeout=self.server.queue_seconds):
            self.server.count("busy")
            raise RequestError(503, "the server is busy; try again", "server_busy")
        try:
            yield from self.server.agent.reply(prompt=prompt, sampling=sampling, limits=limits)
        finally:
            self.server.slots.release()

    def _stream(self, content_type: str) -> None:
        self.close_connection = True  # a stream's end is the connection's end
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def route_openai_chat(self):
        body = self._body()
        self._check_model(body)
        sampling, limits = self._options(body, ollama=False)
        prompt = self._prompt(_messages(body))
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise RequestError(400, "stream must be true or false", param="stream")
        events = self._events(prompt, sampling, limits)
        rid, created, name = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time()), self.server.model_name
        reply = Reply()
        if not stream:
            try:
                for event in events:
                    reply.add(event)
            finally:
                events.close()
            message = {"role": "assistant", "content": reply.text, "grapheme_parts": reply.parts}
            completion = reply.sampled_tokens + reply.forced_tokens
            self._json(200, {"id": rid, "object": "chat.completion", "created": created, "model": name,
                             "choices": [{"index": 0, "message": message, "finish_reason": FINISH[reply.finish_reason]}],
                             "usage": {"prompt_tokens": len(prompt), "completion_tokens": completion,
                                       "total_tokens": len(prompt) + completion}})
            return
        usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage") is True

        def chunk(delta: dict, finish=None, **extra) -> bytes:
            obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": name,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"

        self._stream("text/event-stream; charset=utf-8")
        try:
            self._write(chunk({"role": "assistant", "content": ""}))
            for event in events:
                reply.add(event)
                if event.kind == "text" and event.text:
                    self._write(chunk({"content": event.text}))
                elif event.kind == "tool_call":
                    self._write(chunk({"grapheme_tool": {"call": event.text}}))
                elif event.kind == "tool_output":
                    self._write(chunk({"grapheme_tool": {"output": event.text}}))
        finally:
            events.close()  # a client gone mid-stream frees the slot at once
        self._write(chunk({}, FINISH[reply.finish_reason]))
        if usage:
            completion = reply.sampled_tokens + reply.forced_tokens
            obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": name, "choices": [],
                   "usage": {"prompt_tokens": len(prompt), "completion_tokens": completion,
                             "total_tokens": len(prompt) + completion}}
            self._write(b"data: " + json.dumps(obj).encode() + b"\n\n")
        self._write(b"data: [DONE]\n\n")

    def _ollama(self, body: dict, prompt: list[int], sampling: Sampling, limits: Limits, field: str) -> None:
        """/api/chat (``field`` "message") and /api/generate ("response"): JSON lines, or one object."""
        stream = body.get("stream", True)
        if not isinstance(stream, bool):
            raise RequestError(400, "stream must be true or false")
        start = time.perf_counter_ns()
        events = self._events(prompt, sampling, limits)
        name = self.server.model_name + ":latest" if ":" not in str(body.get("model", "")) else body["model"]
        reply = Reply()

        def obj(text: str, done: bool) -> dict:
            out = {"model": name, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            out.update({"message": {"role": "assistant", "content": text}} if field == "message" else {"response": text})
            out["done"] = done
            if done:
                out.update(done_reason="stop" if reply.finish_reason == "stop" else "length",
                           total_duration=time.perf_counter_ns() - start, prompt_eval_count=len(prompt),
                           eval_count=reply.sampled_tokens + reply.forced_tokens)
            return out

        if not stream:
            try:
                for event in events:
                    reply.add(event)
            finally:
                events.close()
            self._json(200, obj(reply.text, True))
            return
        self._stream("application/x-ndjson")
        try:
            for event in events:
                reply.add(event)
                if event.kind == "text" and event.text:
                    self._write(json.dumps(obj(event.text, False), ensure_ascii=False).encode() + b"\n")
        finally:
            events.close()
        self._write(json.dumps(obj("", True)).encode() + b"\n")

    def route_ollama_chat(self):
        body = self._body()
        self._check_model(body, required=True)
        sampling, limits = self._options(body, ollama=True)
        self._ollama(body, self._prompt(_messages(body)), sampling, limits, "message")

    def route_ollama_generate(self):
        body = self._body()
        self._check_model(body, required=True)
        sampling, limits = self._options(body, ollama=True)
        text, system = body.get("prompt", ""), body.get("system")
        if body.get("raw") or body.get("suffix") or body.get("images"):
            raise RequestError(400, "raw, suffix and images are not supported: the prompt is a user's message")
        if not isinstance(text, str) or (system is not None and not isinstance(system, str)):
            raise RequestError(400, "prompt and system must be strings")
        if not text:  # Ollama's way to load a model: an empty prompt
            self._json(200, {"model": self.server.model_name + ":latest", "response": "", "done": True,
                             "done_reason": "load"})
            return
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
        self._ollama(body, self._prompt(messages), sampling, limits, "response")


def _chain(first, rest):
    """A generator of ``first`` then ``rest`` whose ``close`` closes ``rest``."""
    def gen():
        try:
            yield first
            yield from rest
        finally:
            rest.close()
    return gen()
