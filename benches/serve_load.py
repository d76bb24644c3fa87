"""Load on `python -m grapheme_lab serve`: requests/s and p50/p99 latency of 64 concurrent short
chat requests on loopback, failed requests counted, and the server's resident memory over 1,000
requests (sampled every 100: flat means no leak per request).

    python benches/serve_load.py                       # a tiny chat GPT trained here for 2 steps
    python benches/serve_load.py --model CKPT --max-tokens 16 --requests 1000 --concurrency 64

The server runs in its own process (one torch thread, its default 2 generation slots); the
clients are threads of this one, each request a fresh connection (http.client).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_request(host: str, port: int, body: bytes, stream: bool) -> tuple[bool, float]:
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        ok = resp.status == 200 and (data.rstrip().endswith(b"[DONE]") if stream else b'"choices"' in data)
    except OSError:
        ok = False
    return ok, time.perf_counter() - start


def run_batch(host, port, n, concurrency, max_tokens, stream) -> tuple[list[float], int, float]:
    bodies = [json.dumps({"messages": [{"role": "user", "content": f"what is {i}+{i}?"}], "max_tokens": max_tokens,
                          "stream": stream}).encode() for i in range(n)]
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda b: one_request(host, port, b, stream), bodies))
    wall = time.perf_counter() - start
    return [t for _, t in results], sum(not ok for ok, _ in results), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a chat checkpoint (default: a tiny one trained here)")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--requests", type=int, default=1000, help="requests of the memory run")
    ap.add_argument("--max-tokens", type=int, default=8, help="a short reply's tokens")
    ap.add_argument("--max-concurrent", type=int, default=2, help="the server's generation slots")
    args = ap.parse_args()

    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            sys.path[:0] = [str(ROOT / "python"), str(ROOT / "tests")]
            import torch

            torch.set_num_threads(1)
            from chat_helpers import tiny_chat_checkpoint

            model = str(tiny_chat_checkpoint(Path(tmp) / "ckpt"))
        proc = subprocess.Popen([sys.executable, "-m", "grapheme_lab", "serve", "--model", model, "--port", "0",
                                 "--threads", "1", "--max-concurrent", str(args.max_concurrent),
                                 "--max-tokens", str(args.max_tokens)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            line = proc.stdout.readline()
            if "serving" not in line:
                print(proc.stderr.read(), file=sys.stderr)
                return 1
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
            host, port = line.split("http://")[1].split()[0].rsplit(":", 1)
            port = int(port)
            run_batch(host, port, 8, 8, args.max_tokens, False)  # warm up
            for stream in (False, True):
                lat, failed, wall = run_batch(host, port, args.concurrency, args.concurrency, args.max_tokens, stream)
                q = statistics.quantiles(lat, n=100, method="inclusive")
                print(f"{args.concurrency} concurrent {'streamed' if stream else 'plain'} requests "
                      f"({args.max_tokens} tokens): {len(lat) / wall:.1f} requests/s, p50 {q[49] * 1000:.0f} ms, "
                      f"p99 {q[98] * 1000:.0f} ms, {failed} failed")
            print(f"memory over {args.requests} requests ({args.concurrency} at a time), server RSS in MiB:")
            samples, failed_total, done = [rss_mib(proc.pid)], 0, 0
            while done < args.requests:
                n = min(100, args.requests - done)
                _, failed, _ = run_batch(host, port, n, args.concurrency, args.max_tokens, done % 200 == 100)
                failed_total += failed
                done += n
                samples.append(rss_mib(proc.pid))
            print("  " + " ".join(f"{s:.1f}" for s in samples))
            print(f"  start {samples[0]:.1f}, after 100: {samples[1]:.1f}, end {samples[-1]:.1f} "
                  f"(growth after the first 100: {samples[-1] - samples[1]:+.1f} MiB), {failed_total} failed")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
