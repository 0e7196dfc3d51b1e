"""Hostile-request sweep against a real server on the full SaudiNewsNet archive.

Starts ``uvicorn`` (a separate process, so its memory can be watched) over an embedded archive holding every
SaudiNewsNet article (built in a temp dir, or ``--data-dir`` with ``--reuse``), then sends ≥ 700 hostile
requests over the API and the pages: malformed queries, out-of-range numbers, forged cursors, lone
surrogates, repeated filter values (up to 2,000), far-future dates, protocol-relative paths, HEAD, huge
declared bodies, expensive batches, formula-laden writes, random junk from a seeded generator. It prints:

* 5xx answers (target 0), requests slower than 5 s (target 0), bodies with a traceback (target 0),
* connections the server dropped without an answer,
* the largest response (target ≤ 10 MB) and the server's peak RSS (target ≤ 300 MB).

    .venv/bin/python -m bench.fuzz_hostile [--data-dir DIR] [--reuse] [--seed N]

The loop is bounded (a fixed list, one request at a time, 30 s client timeout) and talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from arshif.settings import PROJECT_ROOT

KEY = "fuzz-key"
HANG_S = 5.0
TARGETS = {"5xx": 0, "hangs": 0, "tracebacks": 0, "max_bytes": 10 * 1024 * 1024, "rss_mb": 300}


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RssWatch(threading.Thread):
    """Samples the server's resident memory (``/proc/PID/status``) every 50 ms; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.05)


def junk(rng: random.Random, n: int) -> str:
    """Random text from the nastiest corners of Unicode and the query syntax."""
    alphabet = ['"', "(", ")", "-", ":", "*", "^", "\\", "%", "\x00", "\x1f", "\u202e", "\u200b", "\ufeff",
                "\ud7ff", "\ue000", "\U0001f525", "ا", "ل", "ـ", "\u064b", "OR", "AND", "NEAR", " ", "'", "<",
                ">", "&", "{", "}", "$", "source:", "tag:", "\n", "\t", "٣", "e\u0301"]
    return "".join(rng.choice(alphabet) for _ in range(n))


def hostile_requests(rng: random.Random, article_id: str) -> list[dict]:
    """The sweep: each item is {method, path, params|json|content|raw, headers}."""
    from tests.test_api_hostile import CASES  # the suite's 101 hand-written hostile inputs

    reqs: list[dict] = []
    for _, method, path, data, _ in CASES:
        if method == "GET":
            reqs.append({"method": "GET", "path": path, "params": data})
            if path == "/api/search" and isinstance(data, dict):  # the same input through the pages
                reqs.append({"method": "GET", "path": "/search", "params": data})
                reqs.append({"method": "GET", "path": "/search.json", "params": data})
        elif isinstance(data, str):
            reqs.append({"method": method, "path": path, "content": data.encode("utf-8", "surrogatepass")})
        else:
            reqs.append({"method": method, "path": path, "json": data})
    for n in (10, 49, 50, 51, 100, 500, 1000, 2000):  # repeated filter values (quadratic before)
        for path in ("/search", "/api/search", "/search.json", "/api/export", "/facets/tag"):
            reqs.append({"method": "GET", "path": path, "params": [("tag", f"t{i}") for i in range(n)]})
    for text in ('{"queries":[{"q":"\\ud800"}]}', '{"queries":[{"q":"a","source":["\\udfff"]}]}',
                 '{"queries":[{"q":"\\udc00\\ud800"}]}', '{"queries":[{"q":"\\ud83d\\udd25"}]}'):
        reqs.append({"method": "POST", "path": "/api/search/batch", "content": text.encode()})
    for text in ('{"title":"\\ud800","body":"y"}', '[{"title":"t","body":"b","tags":["\\udc00"]}]',
                 '{"title":"far future","body":"y","published":"9999-12-31","source":"fuzz-future"}',
                 '{"title":"=HYPERLINK(\\"http://evil.example\\",\\"x\\") fuzzformula","body":"b","author":"@SUM(1)"}',
                 '{"id":"x.json","title":"t","body":"b"}', '{"title":"' + "ع" * 3000 + '","body":"b"}',
                 "{not json", "[" * 50_000):
        for key in (KEY, None, "wrong"):
            reqs.append({"method": "POST", "path": "/api/articles", "content": text.encode(),
                         "headers": {"x-api-key": key} if key else {}})
    wide = " OR ".join(f"w{i}" for i in range(60))
    reqs += [
        {"method": "POST", "path": "/api/search/batch", "json": {"queries": [{"q": wide}] * 50, "size": 100}},
        {"method": "POST", "path": "/api/search/batch", "json": {"queries": [{"q": wide, "size": 100}] * 3}},
        {"method": "POST", "path": "/api/search/batch", "json": {"queries": [{}] * 60}},
        {"method": "POST", "path": "/api/search/batch", "content": b'{"queries":[' + b"{}," * 400_000 + b"{}]}"},
    ]
    for path in ("/", "/search", "/api/health", "/api/search", "/docs", "/static/style.css", f"/articles/{article_id}",
                 "/nothing"):
        reqs.append({"method": "HEAD", "path": path})
    for path in ("//evil.example/x", "/\\evil.example/x", "//evil.example/search.json", "/%2F%2Fevil.example",
                 "/articles/..%2F..%2Fetc%2Fpasswd", "/articles/x.json.json", "/facets/%00", "/static/../app.py",
                 "/search?ui=../../etc", "/search?ui=<script>", "/api/../api/health", "/" + "a" * 5000):
        reqs.append({"method": "GET", "path": path})
    for path in ("/", "/search?q=fuzz&sort=newest&histogram=day", "/search?source=fuzz-future&histogram=year",
                 "/search?histogram=none", "/api/search?sort=newest&histogram=week", "/api/stats",
                 "/api/export?q=fuzzformula", f"/articles/{article_id}", f"/articles/{article_id}/related"):
        reqs.append({"method": "GET", "path": path})
    for _ in range(260):  # seeded random junk through every read door
        path = rng.choice(["/api/search", "/search", "/search.json", "/api/facets/source", "/facets/source",
                           "/api/export"])
        params = {"q": junk(rng, rng.randint(0, 80))}
        for k in rng.sample(["source", "tag", "lang", "date_from", "date_to", "sort", "page", "size", "cursor",
                             "mode", "histogram", "facets", "ui", "prefix"], rng.randint(0, 4)):
            params[k] = junk(rng, rng.randint(0, 20)) if rng.random() < 0.7 else str(rng.randint(-5, 10**7))
        if path == "/api/export":
            params["q"] = "zzqqxx " + params["q"]  # keep exports small: a full export is large by design
        reqs.append({"method": "GET", "path": path, "params": params})
    for _ in range(60):
        reqs.append({"method": "GET", "path": "/api/articles/" + junk(rng, rng.randint(1, 60)).replace("/", "_")})
        reqs.append({"method": "POST", "path": "/api/search/batch",
                     "json": {"queries": [{"q": junk(rng, 30), "cursor": junk(rng, 20)}] * rng.randint(1, 5)}})
    return reqs


RAW = [  # header-level abuse, sent over a plain socket: huge declared bodies must be refused unread
    "POST /api/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n",
    f"POST /api/articles HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nContent-Type: application/json\r\n"
    "Content-Length: 2000000000\r\n\r\n",
    "POST /api/search/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n",
    "GET /api/search?q=" + "x" * 20_000 + " HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /search HTTP/1.1\r\nHost: x\r\nX-Junk: " + "y" * 70_000 + "\r\n\r\n",
    "BREW /api/search HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
]


def raw_request(port: int, text: str) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(text.encode())
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        pass
    took = time.perf_counter() - t0
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, len(data), took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="archive directory (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="skip the ingest when the archive already exists")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args()
    from bench.bench_pages import build

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-fuzz-"))
    settings = build(data_dir, args.reuse)
    port = free_port()
    env = dict(os.environ, ARSHIF_DATA_DIR=str(settings.data_dir), ARSHIF_API_KEY=KEY, ARSHIF_TRANSLATOR="none",
               ARSHIF_ENGINE="embedded")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--host",
                               "127.0.0.1", "--port", str(port), "--log-level", "critical"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        health = httpx.get(base + "/api/health", timeout=10).json()
        watch = RssWatch(server.pid)
        watch.start()
        with httpx.Client(timeout=30) as client:
            some_id = client.get(base + "/api/search", params={"size": 1}).json()["hits"][0]["id"]
            reqs = hostile_requests(random.Random(args.seed), some_id)
            print(f"archive: {health['documents']:,} articles; sending {len(reqs) + len(RAW)} hostile requests "
                  f"(seed {args.seed}) to uvicorn pid {server.pid}")
            fivexx, hangs, tracebacks, dropped, statuses = [], [], [], [], {}
            max_bytes, max_what = 0, ""
            t_all = time.perf_counter()
            for r in reqs:
                what = f"{r['method']} {r['path'][:60]}"
                # Always an absolute loopback URL: a path such as '//evil.example/x' given to the client on its
                # own would be read as another host.
                url = httpx.URL(base + quote(r["path"], safe="/?&=%:.,;@+-_~\\"))
                assert url.host == "127.0.0.1" and url.port == port, url
                t0 = time.perf_counter()
                try:
                    with client.stream(r["method"], url, params=r.get("params"), json=r.get("json"),
                                       content=r.get("content"),
                                       headers={"content-type": "application/json", **r.get("headers", {})}
                                       if r["method"] == "POST" else r.get("headers")) as resp:
                        body = b"".join(resp.iter_bytes())
                        status = resp.status_code
                except httpx.HTTPError as exc:
                    dropped.append(f"{what}: {type(exc).__name__}")
                    continue
                took = time.perf_counter() - t0
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500:
                    fivexx.append(f"{what} → {status} {body[:120]!r}")
                if took > HANG_S:
                    hangs.append(f"{what}: {took:.1f} s")
                if b"Traceback" in body or b'File "' in body:
                    tracebacks.append(what)
                if len(body) > max_bytes:
                    max_bytes, max_what = len(body), what
            for text in RAW:
                status, size, took = raw_request(port, text)
                what = "RAW " + text.split("\r\n")[0][:60]
                statuses[status] = statuses.get(status, 0) + 1
                if status == 0:
                    dropped.append(what)
                elif status >= 500:
                    fivexx.append(f"{what} → {status}")
                if took > HANG_S:
                    hangs.append(f"{what}: {took:.1f} s")
            elapsed = time.perf_counter() - t_all
        watch.stop.set()
        watch.join(1)
        alive = server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    n = len(reqs) + len(RAW)
    print(f"{n} requests in {elapsed:.0f} s; statuses: {dict(sorted(statuses.items()))}")
    rows = [("5xx answers", len(fivexx), TARGETS["5xx"]), (f"hangs > {HANG_S:.0f} s", len(hangs), TARGETS["hangs"]),
            ("tracebacks in bodies", len(tracebacks), TARGETS["tracebacks"]),
            ("max response bytes", max_bytes, TARGETS["max_bytes"]),
            ("peak server RSS MB", round(watch.peak_kb / 1024), TARGETS["rss_mb"])]
    for name, value, target in rows:
        print(f"  {name:<22} {value:>12,}   target ≤ {target:,}   {'ok' if value <= target else 'MISSED'}")
    print(f"  largest response: {max_what}")
    print(f"  connections closed without an answer: {len(dropped)} {dropped[:5]}")
    for title, items in (("5xx", fivexx), ("hangs", hangs), ("tracebacks", tracebacks)):
        for item in items[:10]:
            print(f"  {title}: {item}")
    print(f"  server still running at the end: {alive}")
    ok = all(v <= t for _, v, t in rows) and alive and n >= 700
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
