"""Distillation: ask a chat server (a teacher) to answer every prompt of a file, and write the
conversations as SFT rows, one JSON object a line:

    {"id": "000007-3f9a0c21d2e4", "messages": [{"role": "user", "content": ...},
                                               {"role": "assistant", "content": ...}]}

A row's id is its prompt's line number and a hash of the messages sent (a ``--system`` message
included), so a rerun knows what is done: rows already in the output are skipped, the others
asked. The output is only ever appended to, a whole row in one write, flushed and fsynced, so
a kill loses at most the replies in flight; a torn last line (killed mid-write) is dropped on
restart, and a complete row that lacks only its newline gets it. Prompts that fail for good
(a 4xx, or retries used up) go to ``OUT.errors.jsonl`` and the others go on; the next run asks
them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grapheme_lab.chat.api_client import ChatClient, RequestFailed

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Prompt:
    id: str
    line: int
    messages: list[dict]


def prompt_id(line: int, messages: list[dict]) -> str:
    digest = hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return f"{line:06d}-{digest[:12]}"


def prompt_seed(seed: int, pid: str) -> int:
    """A prompt's sampling seed: a function of the run's seed and the prompt alone, so a reply does
    not depend on which worker asked it or when."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{pid}".encode()).digest()[:4], "big") >> 1


def check_messages(messages, where: str) -> list[dict]:
    """A conversation to be answered: an optional system message first, then user and assistant
    alternating, a user's first and last; every content a string."""
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"{where}: 'messages' must be a non-empty list")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise ValueError(f"{where}: messages[{i}] must be {{'role': one of {ROLES}, 'content': a string}}")
        out.append({"role": m["role"], "content": m["content"]})
    first = 1 if out[0]["role"] == "system" else 0
    for i in range(first, len(out)):
        expected = ("user", "assistant")[(i - first) % 2]
        if out[i]["role"] != expected:
            raise ValueError(f"{where}: messages[{i}] is from {out[i]['role']!r} where the turn is the {expected}'s "
                             "(a system message only first, then user and assistant alternating)")
    if out[-1]["role"] != "user":
        raise ValueError(f"{where}: 'messages' must end with a user message (the one to answer)")
    return out


def read_prompts(path: str | Path, system: str | None = None) -> list[Prompt]:
    """The prompts of ``path``: a ``.jsonl`` file has one object a line with a "prompt" (a user's
    message) or "messages" (a conversation ending with a user's); any other file is text, one
    prompt a line. Blank lines are skipped (a prompt keeps its line number). ``system`` goes
    before every conversation that has no system message of its own."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"prompts file {path} does not exist")
    jsonl = path.suffix == ".jsonl"
    prompts = []
    with open(path, encoding="utf-8") as f:
        try:
            lines = list(f)
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 text ({e})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        if not jsonl:
            messages = [{"role": "user", "content": line.strip()}]
        else:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{where}: not JSON ({e}); a .jsonl prompts file has one object a line") from None
            if not isinstance(row, dict) or ("prompt" in row) == ("messages" in row):
                raise ValueError(f"{where}: expected an object with a 'prompt' or a 'messages' field (one of them)")
            if "prompt" in row:
                if not isinstance(row["prompt"], str) or not row["prompt"].strip():
                    raise ValueError(f"{where}: 'prompt' must be a non-empty string")
                messages = [{"role": "user", "content": row["prompt"]}]
            else:
                messages = check_messages(row["messages"], where)
        if system and messages[0]["role"] != "system":
            messages = [{"role": "system", "content": system}] + messages
        prompts.append(Prompt(prompt_id(n, messages), n, messages))
    if not prompts:
        raise ValueError(f"{path}: no prompts")
    return prompts


# ---------------------------------------------------------------- the output


def _row_id(line: bytes) -> str:
    row = json.loads(line)
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("messages"), list):
        raise ValueError("not an object with an 'id' string and a 'messages' list")
    return row["id"]


def resume(path: Path) -> tuple[list[str], str | None]:
    """The ids of the rows in ``path`` (in order), after repairing its last line if a kill tore it:
    a torn line is cut off, a complete row without its newline gets one. Returns a note saying
    what was repaired (or None). Any other line that is not a row is an error naming it, and the
    file is left as it was."""
    if not path.exists():
        return [], None
    ids, offset, note = [], 0, None
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith(b"\n"):  # only the last line can lack one
                try:
                    ids.append(_row_id(line))
                    with open(path, "ab") as g:
                        g.write(b"\n")
                        g.flush()
                        os.fsync(g.fileno())
                    note = f"{path}:{n}: the last row lacked its newline; added"
                except ValueError:
                    with open(path, "r+b") as g:
                        g.truncate(offset)
                        os.fsync(g.fileno())
                    note = (f"{path}:{n}: dropped a torn last line ({len(line)} bytes, a write cut off); "
                            "its prompt is asked again")
                break
            if line.strip():
                try:
                    ids.append(_row_id(line))
                except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
                    raise ValueError(f"{path}:{n}: not an SFT row ({e}); fix or remove that line, "
                                     "or write to another --output") from None
            offset += len(line)
    return ids, note


class RowWriter:
    """Appends one JSON object a line: one write, flushed and fsynced, so a row is on disk when
    ``write`` returns."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = open(path, "ab")

    def write(self, obj: dict) -> None:
        self.f.write(json.dumps(obj, ensure_ascii=False).encode() + b"\n")
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self) -> None:
        self.f.close()


def errors_path(output: Path) -> Path:
    return output.with_suffix(".errors.jsonl")


# ---------------------------------------------------------------- the run


@dataclass
class Summary:
    prompts: int = 0
    already: int = 0  # in the output before this run
    written: int = 0
    failed: int = 0
    other_rows: int = 0  # rows of the output from other prompts (kept as they are)
    retries: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def left(self) -> int:
        return self.prompts - self.already - self.written

    def line(self, output: Path) -> str:
        rate = f" ({self.written / self.seconds:.1f}/s)" if self.seconds > 0 and self.written else ""
        text = (f"distill: {self.prompts:,} prompts: {self.already:,} already in {output}, {self.written:,} written "
                f"in {self.seconds:.1f} s{rate}, {self.retries:,} retries")
        if self.failed:
            text += f"; {self.failed:,} failed (why: {errors_path(output)})"
        if self.other_rows:
            text += f"; {self.other_rows:,} rows of {output} are from other prompts (kept)"
        if self.left == 0:
            return text + "; every prompt is done"
        return text + f"; {self.left:,} not done{' (interrupted)' if self.interrupted else ''}: run the same " \
                      "command again to ask them"


def distill(client: ChatClient, prompts: list[Prompt], output: str | Path, concurrency: int = 4, seed: int = 0,
            progress: bool | None = None, log=print) -> Summary:
    """Asks ``client`` for a reply to each prompt not yet in ``output``, ``concurrency`` at a time,
    and appends each row as its reply comes (so the file's order is the replies' order).
    ``progress``: a tqdm bar (None: on a terminal only)."""
    from tqdm import tqdm

    if concurrency < 1:
        raise ValueError(f"--concurrency must be >= 1, got {concurrency}")
    output = Path(output)
    ids = [p.id for p in prompts]
    if len(set(ids)) != len(ids):
        raise ValueError("two prompts have the same id")  # a line number is in each: cannot happen from a file
    done, note = resume(output)
    if note:
        log(note)
    done_set, wanted = set(done), set(ids)
    summary = Summary(prompts=len(prompts), already=len(wanted & done_set), other_rows=len(done_set - wanted))
    todo = [p for p in prompts if p.id not in done_set]
    errors = errors_path(output)
    errors.unlink(missing_ok=True)  # the last run's failures are asked again: this run records its own

    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for p in todo:
        jobs.put(p)
    results: queue.SimpleQueue = queue.SimpleQueue()
    client.stop.clear()

    def work() -> None:
        while not client.stop.is_set():
            try:
                p = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((p, client.complete(p.messages, prompt_seed(seed, p.id)), None))
            except Exception as e:  # RequestFailed is the prompt's; anything else is a bug, raised below
                results.put((p, None, e))

    t0 = time.perf_counter()
    retries0 = client.retried
    # daemon threads: an interrupted run does not wait for the replies in flight
    workers = [threading.Thread(target=work, daemon=True) for _ in range(min(concurrency, len(todo)))]
    rows, failures = RowWriter(output), None
    try:
        with tqdm(total=len(prompts), initial=summary.already, desc="distill", unit="prompt",
                  disable=(not progress) if progress is not None else None, dynamic_ncols=True) as bar:
            for w in workers:
                w.start()
            for _ in todo:
                p, reply, err = results.get()
                if err is None:
                    rows.write({"id": p.id, "messages": p.messages + [{"role": "assistant", "content": reply}]})
                    summary.written += 1
                elif isinstance(err, RequestFailed):
                    failures = failures or RowWriter(errors)
                    failures.write({"id": p.id, "line": p.line, "status": err.status, "error": str(err)})
                    summary.failed += 1
                    bar.write(f"prompt at line {p.line} failed: {err}")
                else:
                    raise err
                bar.update(1)
                bar.set_postfix(failed=summary.failed, retries=client.retried - retries0, refresh=False)
    except KeyboardInterrupt:  # the rows written are on disk; the summary says what is left
        summary.interrupted = True
    finally:
        client.stop.set()  # the workers take no more prompts and stop waiting to retry
        rows.close()
        if failures:
            failures.close()
        summary.retries = client.retried - retries0
        summary.seconds = time.perf_counter() - t0
    return summary
