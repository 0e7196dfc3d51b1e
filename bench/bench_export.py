"""Export benchmark: stream the whole SaudiNewsNet corpus as CSV through a real server.

Ingests the 31,030 SaudiNewsNet articles into an embedded archive (or reuses
``--data-dir``), starts ``uvicorn`` in a subprocess, streams
``GET /api/export?format=csv`` (bodies included) to a file while sampling the
server's resident memory from ``/proc``, then parses the file back with
``csv`` and checks that it holds exactly one row per indexed article.
Prints rows/s, MB/s, the export size, and the server's RSS before, during and
after — the point being that memory stays flat however large the export.

    .venv/bin/python -m bench.bench_export [--data-dir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest

SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"
MiB = 2 ** 20


def proc_kib(pid: int, key: str) -> int:
    """A memory figure of process ``pid`` from /proc (VmRSS = now, VmHWM = peak), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sampler(threading.Thread):
    """Samples a process's RSS every ``every`` seconds; keeps the maximum."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, proc_kib(self.pid, "VmRSS"))
            self.stop.wait(self.every)


def export(base: str, pid: int, params: dict, out: Path) -> dict:
    sampler = Sampler(pid)
    sampler.start()
    t0 = time.perf_counter()
    size = 0
    with httpx.stream("GET", f"{base}/api/export", params=params, timeout=None) as r:
        r.raise_for_status()
        total_header = int(r.headers["x-total-count"])
        first_byte = None
        with out.open("wb") as fh:
            for chunk in r.iter_raw():
                if first_byte is None:
                    first_byte = time.perf_counter() - t0
                fh.write(chunk)
                size += len(chunk)
    seconds = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    return {"seconds": seconds, "bytes": size, "x_total": total_header, "first_byte_s": first_byte,
            "peak_rss_kib": sampler.peak}


def count_csv_rows(path: Path) -> tuple[int, int]:
    """(rows, rows whose body has a newline), parsed with the csv module."""
    rows = multiline = 0
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            rows += 1
            multiline += "\n" in row["body"]
    return rows, multiline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="archive directory (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="skip ingest if the archive already has articles")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-bench-export-"))
    settings = Settings(data_dir=data_dir, translator="none")

    engine = EmbeddedEngine(settings.embedded_path)
    if not (args.reuse and engine.count()):
        t0 = time.perf_counter()
        summary = ingest(sorted(SAUDI.glob("*.zip")), engine, batch_size=500)
        engine.optimize()
        print(f"ingest: {summary.indexed} indexed, {len(summary.skipped)} skipped in "
              f"{time.perf_counter() - t0:.0f} s")
    indexed = engine.count()
    engine.close()
    print(f"archive: {data_dir} ({indexed:,} articles)")

    port = free_port()
    env = {**os.environ, "ARSHIF_DATA_DIR": str(data_dir), "ARSHIF_ENGINE": "embedded", "ARSHIF_TRANSLATOR": "none"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], cwd=PROJECT_ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        httpx.get(f"{base}/api/search", params={"q": "الرياض"}, timeout=30)  # warm up imports and caches
        idle = proc_kib(server.pid, "VmRSS")
        print(f"server RSS after start-up and one search: {idle / 1024:.1f} MiB")

        with tempfile.TemporaryDirectory() as tmp:
            small = export(base, server.pid, {"format": "csv", "date_to": "2015-07-25"}, Path(tmp) / "small.csv")
            full_path = Path(tmp) / "full.csv"
            full = export(base, server.pid, {"format": "csv"}, full_path)
            t0 = time.perf_counter()
            rows, multiline = count_csv_rows(full_path)
            parse_s = time.perf_counter() - t0
        hwm = proc_kib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(10)

    for name, r in (("subset (date_to=2015-07-25)", small), ("full corpus", full)):
        print(f"{name}: {r['x_total']:,} rows, {r['bytes'] / MiB:.1f} MiB in {r['seconds']:.1f} s "
              f"= {r['x_total'] / r['seconds']:,.0f} rows/s, {r['bytes'] / MiB / r['seconds']:.1f} MiB/s "
              f"(first byte after {r['first_byte_s'] * 1000:.0f} ms); server peak RSS during it "
              f"{r['peak_rss_kib'] / 1024:.1f} MiB (+{(r['peak_rss_kib'] - idle) / 1024:.1f} MiB over idle)")
    print(f"server VmHWM (peak over its life): {hwm / 1024:.1f} MiB; RSS growth per MiB exported: "
          f"subset {(small['peak_rss_kib'] - idle) / 1024 / (small['bytes'] / MiB):.2f}, "
          f"full {(full['peak_rss_kib'] - idle) / 1024 / (full['bytes'] / MiB):.2f} (flat memory: the growth "
          f"does not follow the export size)")
    print(f"parsed back with csv in {parse_s:.1f} s: {rows:,} rows ({multiline:,} bodies with newlines); "
          f"indexed: {indexed:,}")
    assert rows == indexed == full["x_total"], (rows, indexed, full["x_total"])
    print("OK: one CSV row per indexed article")


if __name__ == "__main__":
    main()
