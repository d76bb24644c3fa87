"""A client of a chat server that speaks OpenAI's API (``POST /v1/chat/completions``) or
Ollama's (``POST /api/chat``), on the standard library's urllib, with retries.

What is retried, with exponential back-off and jitter (or after the server's ``Retry-After``):
a refused or dropped connection, a timeout, 408, 429 and 5xx. Any other 4xx is the request's
fault and is not retried: ``RequestFailed`` with the server's message. So is an answer that is
not a chat completion.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time as now

API_KINDS = ("openai", "ollama")
RETRIED_STATUSES = frozenset({408, 429} | set(range(500, 600)))
MAX_RETRY_AFTER = 600.0  # seconds: a server asking for more is answered by giving up sooner than that


class RequestFailed(Exception):
    """A request that failed for good: its HTTP status (None: no answer) and why."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Retry(Exception):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


def base_url(url: str) -> str:
    """The server's root: ``http://host:11434``, ``http://host:8000/`` and ``https://host/v1`` all
    name the server whose endpoints are ``/v1/...`` and ``/api/...`` under it."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--api must be an http:// or https:// URL, got {url!r}")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After``: seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


def _error_message(body: bytes) -> str:
    """The server's words from an error body: OpenAI's ``error.message``, Ollama's ``error``, or the text."""
    text = body[:2000].decode("utf-8", "replace").strip()
    try:
        err = json.loads(text).get("error")
        return str(err.get("message", err) if isinstance(err, dict) else err) if err else text
    except (ValueError, AttributeError):
        return text


@dataclass
class ChatClient:
    """``complete(messages, seed)`` asks the server for one reply and returns its text.

    ``retries``: attempts after the first; the n-th waits ``min(max_delay, base_delay * 2**n)``
    times a random factor in [0.5, 1] (so concurrent clients spread out), or the server's
    ``Retry-After`` when it sends one. ``stop`` (an Event) cuts a wait short and gives up."""

    url: str
    model: str
    kind: str = "openai"
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = 600.0
    retries: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    api_key: str | None = None
    stop: threading.Event | None = None

    def __post_init__(self):
        if self.kind not in API_KINDS:
            raise ValueError(f"the API kind must be one of {API_KINDS}, got {self.kind!r}")
        self.url = base_url(self.url)
        self.stop = self.stop or threading.Event()
        self.retried = 0  # waits so far, for the summary
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        """One HTTP exchange: the JSON answer, or ``_Retry`` / ``RequestFailed``."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            message = f"{method} {path}: HTTP {e.code}: {_error_message(e.read())}"
            if e.code in RETRIED_STATUSES:
                raise _Retry(message, e.code, retry_after_seconds(e.headers.get("Retry-After"))) from None
            raise RequestFailed(message, e.code) from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError) as e:
            reason = getattr(e, "reason", None) or e
            raise _Retry(f"{method} {path}: {type(reason).__name__}: {reason}") from None
        try:
            answer = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RequestFailed(f"{method} {path}: the answer is not JSON: {raw[:200]!r}", 200) from None
        if not isinstance(answer, dict):
            raise RequestFailed(f"{method} {path}: the answer is not a JSON object: {raw[:200]!r}", 200)
        return answer

    def _with_retries(self, method: str, path: str, body: dict | None, rng: random.Random) -> dict:
        for attempt in range(self.retries + 1):
            try:
                return self._request(method, path, body)
            except _Retry as e:
                if attempt == self.retries:
                    raise RequestFailed(f"{e} (gave up after {self.retries + 1} attempts)", e.status) from None
                if e.retry_after is not None:
                    delay = min(e.retry_after, MAX_RETRY_AFTER)
                else:
                    delay = min(self.max_delay, self.base_delay * 2 ** attempt) * rng.uniform(0.5, 1.0)
                with self._lock:
                    self.retried += 1
                if self.stop.wait(delay):
                    raise RequestFailed(f"{e} (stopped while waiting to retry)", e.status) from None
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ the API

    def complete(self, messages: list[dict], seed: int) -> str:
        """The assistant's reply to ``messages`` (sampled with ``seed``, where the server honours one)."""
        rng = random.Random(seed)  # the jitter: seeded like everything else
        if self.kind == "openai":
            body = {"model": self.model, "messages": messages, "stream": False, "seed": seed}
            if self.temperature is not None:
                body["temperature"] = self.temperature
            if self.max_tokens is not None:
                body["max_tokens"] = self.max_tokens
            answer = self._with_retries("POST", "/v1/chat/completions", body, rng)
            try:
                content = answer["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError):
                content = None
        else:
            options = {"seed": seed}
            if self.temperature is not None:
                options["temperature"] = self.temperature
            if self.max_tokens is not None:
                options["num_predict"] = self.max_tokens
            body = {"model": self.model, "messages": messages, "stream": False, "options": options}
            answer = self._with_retries("POST", "/api/chat", body, rng)
            content = (answer.get("message") or {}).get("content") if isinstance(answer.get("message"), dict) else None
        if not isinstance(content, str):
            path = "/v1/chat/completions" if self.kind == "openai" else "/api/chat"
            raise RequestFailed(f"POST {path}: the answer has no reply text: {json.dumps(answer)[:200]}", 200)
        return content

    def models(self) -> list[str]:
        """The names the server lists (``/v1/models`` or ``/api/tags``)."""
        if self.kind == "openai":
            answer = self._with_retries("GET", "/v1/models", None, random.Random(0))
            return [m.get("id") for m in answer.get("data") or [] if isinstance(m, dict)]
        answer = self._with_retries("GET", "/api/tags", None, random.Random(0))
        return [m.get("name") for m in answer.get("models") or [] if isinstance(m, dict)]


def probe_kind(client: ChatClient) -> tuple[str, list[str]]:
    """The API the server speaks and the models it lists: OpenAI's when ``GET /v1/models``
    answers, else Ollama's when ``GET /api/tags`` does (a server that speaks both is asked
    OpenAI's way)."""
    failures = []
    for kind in API_KINDS:
        client.kind = kind
        try:
            return kind, client.models()
        except RequestFailed as e:
            if e.status is None:  # no answer at all: the other listing would fare no better
                raise ValueError(f"cannot reach {client.url}: {e}") from None
            failures.append(str(e))
    raise ValueError(f"{client.url} answers neither OpenAI's nor Ollama's listing ({'; '.join(failures)}); "
                     "is it the right URL? --api-kind says which API it speaks")
