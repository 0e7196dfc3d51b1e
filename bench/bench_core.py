"""Core benchmark: the full SaudiNewsNet corpus through the embedded engine.

Prints ingest docs/s, index size on disk, and p50/p95 latency of the fixed
query list (``bench/queries.py``) with two facets, a date histogram and
highlighting — the work a search page does.

    .venv/bin/python -m bench.bench_core [--data-dir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.search import FacetRequest, SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from bench.queries import QUERIES
from indexer.pipeline import ingest

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)  # the summary lists skipped records

SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


#: Articles per newspaper as the SaudiNewsNet README gives them (31,030 in all).
README_FIGURES = {
    "alriyadh": 4852, "aljazirah": 3690, "alyaum": 3065, "aleqtisadiya": 2964, "aawsat": 2947, "okaz": 2846,
    "alwatan": 2279, "almadina": 2252, "alweeam": 2090, "3alyoum": 2080, "sabq": 1411, "was": 369,
    "arreyadi": 133, "arriyadiyah": 52,
}


def check_source_counts(engine, skipped) -> bool:
    """Facet counts per source must equal the README's figures minus the records the summary skipped."""
    import json
    import zipfile

    skipped_by_source: dict[str, int] = {}
    by_member: dict[tuple[str, str], list[int]] = {}
    for p in skipped:
        by_member.setdefault((p.file, p.member), []).append(p.line)
    for (file, member), lines in by_member.items():
        with zipfile.ZipFile(file) as zf:
            records = json.loads(zf.read(member))
        for line in lines:
            src = records[line - 1]["source"]
            skipped_by_source[src] = skipped_by_source.get(src, 0) + 1
    facets = engine.search(SearchRequest(size=0, facets=[FacetRequest(field="source", size=50)])).facets["source"]
    got = {f.value: f.count for f in facets}
    ok = True
    print(f"{'source':<14}{'README':>8}{'skipped':>9}{'expected':>10}{'indexed':>9}")
    for src, n in README_FIGURES.items():
        exp = n - skipped_by_source.get(src, 0)
        ok &= got.get(src, 0) == exp
        print(f"{src:<14}{n:>8}{skipped_by_source.get(src, 0):>9}{exp:>10}{got.get(src, 0):>9}"
              f"{'' if got.get(src, 0) == exp else '  <-- differs'}")
    print(f"source facet counts {'EQUAL' if ok else 'DIFFER FROM'} README figures minus skipped records "
          f"({sum(README_FIGURES.values())} - {len(skipped)} = {sum(got.values())})")
    return ok


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
        check_source_counts(engine, summary.skipped)
        t2 = time.perf_counter()
        again = ingest(sorted(SAUDI.glob("*.zip")), engine, batch_size=500)
        print(f"re-ingest of the same files: {again.indexed} new, {again.updated} updated, {again.unchanged} "
              f"unchanged in {time.perf_counter() - t2:.1f} s; documents now {engine.count()}")
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
