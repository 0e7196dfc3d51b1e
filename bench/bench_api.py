"""The API under load: `arshif serve` over the embedded engine and over OpenSearch, step by step, side by side.

Each target is a real `arshif serve` process (default settings, one per target);
a load generator in this process runs N client threads (keep-alive connections)
that ask ``/api/search`` with its default request (facets, date histogram,
highlights) for distinct queries cycled from ``bench/queries.py`` and the
XQuAD questions (``bench/nl_queries.py``), for ``--duration`` seconds per step.
Targets alternate step by step so both see the same machine load. There is no
result cache in the server: every request is searched.

Printed per step: requests/s, p50/p95/p99 latency, errors, the server's RSS
after the step and its open file handles on the archive (embedded), the server's
CPU time per request (steadier than requests/s on a shared machine), and the
CPU the load generator itself used (it shares the machine with the server:
a busy generator understates the server). With ``--lean`` a step with facets,
histogram and highlights switched off is added.

    .venv/bin/python -m bench.bench_api --embedded DATA_DIR [--opensearch URL --index ALIAS]
        [--concurrency 1,8,32] [--duration 20] [--runs 1] [--lean] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from arshif.search.params import DEFAULT_FACETS
from arshif.settings import PROJECT_ROOT
from bench.bench_core import percentile
from bench.nl_queries import nl_questions
from bench.queries import QUERIES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `arshif serve` process on a free port."""

    def __init__(self, label: str, env: dict[str, str], checkout: Path = PROJECT_ROOT):
        self.label = label
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **env, "PYTHONPATH": str(checkout)}
        module = "cli.main" if (checkout / "cli" / "main.py").exists() else "arshif.cli"  # older checkouts
        self.proc = subprocess.Popen([sys.executable, "-m", module, "serve", "--port", str(self.port)],
                                     cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{label}: server did not come up")

    def pids(self) -> list[int]:
        """The server process and its worker processes (``ARSHIF_WORKERS`` > 1)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [self.proc.pid, *(int(p) for p in out.stdout.split())]

    def rss_mb(self) -> float:
        """RSS of the server, all its processes together."""
        total = 0.0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0) / 1024
            except OSError:
                continue
        return total

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far: per request, a figure that a
        noisy machine moves less than requests/s (a shared core slows the server without costing it CPU)."""
        ticks = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
            except (OSError, IndexError, ValueError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    def handles(self, name: str = "arshif.db") -> int:
        """Open file descriptors of the server (all its processes) on the archive file (and its -wal/-shm)."""
        n = 0
        for pid in self.pids():
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.path.basename(os.readlink(f"/proc/{pid}/fd/{fd}")).startswith(name):
                        n += 1
                except OSError:
                    continue
        return n

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def load_step(base: str, queries: list[str], concurrency: int, duration: float, lean: bool) -> dict:
    """Run ``concurrency`` client threads for ``duration`` s; latencies in ms, errors, generator CPU."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration
    counter = [0]
    extra = {"facets": "", "histogram": "none", "highlight": "false"} if lean else {}

    def client():
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() < stop:
                with lock:
                    q = queries[counter[0] % len(queries)]
                    counter[0] += 1
                t0 = time.perf_counter()
                try:
                    ok = c.get("/api/search", params={"q": q, **extra}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        latencies.append(ms)
                    else:
                        errors[0] += 1

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"rps": len(latencies) / wall, "lat": latencies, "errors": errors[0],
            "gen_cpu": (time.process_time() - cpu0) / wall * 100}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedded", type=Path, help="data directory (or .db file) of an embedded archive")
    ap.add_argument("--opensearch", help="OpenSearch URL, e.g. http://127.0.0.1:9201")
    ap.add_argument("--index", default="arshif", help="alias of the OpenSearch index to serve")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=1, help="repeat every step this many times (RSS drift)")
    ap.add_argument("--lean", action="store_true", help="add steps without facets, histogram, highlights")
    ap.add_argument("--workers", default="1", help="server processes (ARSHIF_WORKERS) to try, e.g. 1,2: each "
                    "target is served once per count")
    ap.add_argument("--compare-checkout", type=Path, default=None,
                    help="also serve the embedded archive from another checkout of Arshif (before/after figures)")
    args = ap.parse_args()
    targets: list[tuple[str, dict[str, str], Path]] = []
    db = Path("arshif.db")
    if args.embedded:
        db = args.embedded if args.embedded.suffix == ".db" else args.embedded / "index" / "arshif.db"
        targets.append(("embedded", {"ARSHIF_ENGINE": f"embedded:{db}"}, PROJECT_ROOT))
        if args.compare_checkout:
            targets.append(("emb-other", {"ARSHIF_ENGINE": f"embedded:{db}"}, args.compare_checkout))
    if args.opensearch:
        targets.append(("opensearch", {"ARSHIF_ENGINE": f"opensearch+{args.opensearch}",
                                       "ARSHIF_INDEX_NAME": args.index}, PROJECT_ROOT))
    if not targets:
        raise SystemExit("give --embedded and/or --opensearch")
    queries = QUERIES + nl_questions(60)[:: 2]  # distinct queries, Arabic and English, some OR-ed questions
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {len(queries)} "
          f"distinct queries; load generator in this process ({args.duration:.0f} s per step)", flush=True)
    counts = [int(w) for w in args.workers.split(",")]
    servers = [Server(label + (f"/w{w}" if counts != [1] else ""), {**env, "ARSHIF_WORKERS": str(w)}, checkout)
               for label, env, checkout in targets for w in counts]
    try:
        for s in servers:  # warm the caches
            load_step(s.base, queries, 2, 3, False)
        print(f"{'target':<12}{'conc':>5}{'run':>4}{'mode':>6}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
              f"{'err':>5}{'RSS MB':>8}{'handles':>8}{'gen CPU%':>9}{'CPU ms/req':>11}", flush=True)
        modes = [False, True] if args.lean else [False]
        for conc in [int(c) for c in args.concurrency.split(",")]:
            for lean in modes:
                for run in range(1, args.runs + 1):
                    for s in servers:
                        cpu0 = s.cpu_seconds()
                        r = load_step(s.base, queries, conc, args.duration, lean)
                        done = len(r["lat"]) + r["errors"]
                        cpu_ms = (s.cpu_seconds() - cpu0) * 1000 / done if done else float("nan")
                        lat = r["lat"] or [float("nan")]
                        handles = s.handles(db.name) if s.label.startswith("emb") else 0
                        print(f"{s.label:<12}{conc:>5}{run:>4}{('lean' if lean else 'full'):>6}{r['rps']:>8.1f}"
                              f"{percentile(lat, 50):>8.0f}{percentile(lat, 95):>8.0f}{percentile(lat, 99):>8.0f}"
                              f"{r['errors']:>5}{s.rss_mb():>8.0f}{handles:>8}{r['gen_cpu']:>9.0f}{cpu_ms:>11.1f}", flush=True)
        print(f"(latencies in ms; 'full' = the default request: facets {'/'.join(DEFAULT_FACETS)}, date histogram, "
              f"highlights; 'lean' = none of them; CPU ms/req: the server processes' CPU time per request (for a "
              f"remote engine, the app's share only, not the engine's); load average {os.getloadavg()[0]:.1f} at the end)")
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
