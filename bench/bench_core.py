"""Core benchmark: the full SaudiNewsNet corpus through the embedded engine.

Prints ingest docs/s, index size on disk, and p50/p95 latency of the fixed
query list (``bench/queries.py``) with two facets, a date histogram and
highlighting — the work a search page does.

    .venv/bin/python -m bench.bench_core [--data-dir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.search import FacetRequest, SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from bench.queries import QUERIES
from indexer.pipeline import ingest

SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_queries(engine, queries=QUERIES, rounds: int = 3) -> list[float]:
    timings = []
    for _ in range(rounds):
        for q in queries:
            req = SearchRequest(q=q, size=10, facets=[FacetRequest(field="source"), FacetRequest(field="author")],
                                date_histogram="auto", highlight=True)
            t0 = time.perf_counter()
            engine.search(req)
            timings.append((time.perf_counter() - t0) * 1000)
    return timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="archive directory (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="skip ingest if the archive already exists")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-bench-"))
    settings = Settings(data_dir=data_dir)
    engine = EmbeddedEngine(settings.embedded_path)
    if not (args.reuse and engine.count()):
        t0 = time.perf_counter()
        summary = ingest(sorted(SAUDI.glob("*.zip")), engine, batch_size=500)
        t_ingest = time.perf_counter() - t0
        t1 = time.perf_counter()
        engine.optimize()
        t_opt = time.perf_counter() - t1
        print(f"ingest: {summary.read} read, {summary.indexed} indexed, {summary.updated} updated, "
              f"{summary.unchanged} unchanged, {len(summary.skipped)} skipped {dict(summary.skipped_reasons())}")
        print(f"ingest time: {t_ingest:.1f} s  ->  {summary.read / t_ingest:.0f} docs/s "
              f"(+ optimize {t_opt:.1f} s)")
    stats = engine.stats()
    print(f"documents: {stats['documents']}, index size on disk: {stats['size_bytes'] / 2**20:.1f} MiB")
    run_queries(engine, rounds=1)  # warm the page cache
    timings = run_queries(engine)
    print(f"{len(QUERIES)} queries x 3 rounds, 2 facets + date histogram + highlights, size=10:")
    print(f"  p50 {percentile(timings, 50):.1f} ms   p95 {percentile(timings, 95):.1f} ms   "
          f"max {max(timings):.1f} ms   mean {statistics.mean(timings):.1f} ms")
    print(f"archive: {data_dir}")


if __name__ == "__main__":
    main()
