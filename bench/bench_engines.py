"""Every engine side by side on the full SaudiNewsNet corpus.

For the embedded engine, OpenSearch and Elasticsearch it prints, in one table:
ingest docs/s, p50/p95 latency of the core query list (``bench/queries.py``, two
facets + date histogram + highlights), and known-item MRR@10 (500 sampled
articles, each article's title as the query, the article itself as the answer).

It then compares the top-10 ids of 20 fixed queries on OpenSearch and on the
embedded engine and explains each difference: whether the differing articles
match on both engines (same matches, different BM25 ordering) or on one only.

    ./run test first starts the nodes; or: bash .ci/engines.sh start
    .venv/bin/python -m bench.bench_engines [--engines embedded,opensearch,elasticsearch] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
import uuid
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.remote import RemoteEngine
from arshif.search import SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from bench.bench_core import SAUDI, percentile, run_queries
from bench.queries import QUERIES
from indexer.pipeline import ingest
from indexer.readers import read_paths

SEED = PROJECT_ROOT.parent / "shared" / "seed" / "000_2d331081257e349b.txt"
URLS = {"opensearch": os.environ.get("ARSHIF_TEST_OPENSEARCH_URL", "http://127.0.0.1:9201"),
        "elasticsearch": os.environ.get("ARSHIF_TEST_ELASTICSEARCH_URL", "http://127.0.0.1:9202")}
PARITY_QUERIES = QUERIES[:20]
_SYNTAX = re.compile(r"[\"“”«»()]|(?<!\S)-|\bOR\b|\b\w+:")


def title_query(title: str) -> str:
    """A title as plain words: no quotes, brackets, leading minus, OR or field: that the syntax would read."""
    return " ".join(_SYNTAX.sub(" ", title).split())


def open_engine(kind: str, tmp: Path):
    if kind == "embedded":
        return EmbeddedEngine(tmp / "embedded.db")
    settings = Settings(data_dir=tmp, engine=f"{kind}+{URLS[kind]}", index_name=f"arshif-bench-{uuid.uuid4().hex[:6]}")
    return RemoteEngine(kind, URLS[kind], settings)


def known_items(limit: int | None, n: int = 500) -> list[tuple[str, str]]:
    """(title, id) of n articles sampled with a fixed seed."""
    from indexer.pipeline import prepare

    items = []
    for rec in read_paths(sorted(SAUDI.glob("*.zip"))):
        if hasattr(rec, "title") and rec.title.strip():
            art = prepare(rec)
            items.append((art.title, art.id))
        if limit and len(items) >= limit:
            break
    random.Random(20151).shuffle(items)
    return items[:n]


def mrr_at_10(engine, items) -> float:
    total = 0.0
    for title, aid in items:
        q = title_query(title)
        ids = [h.id for h in engine.search(SearchRequest(q=q, size=10, highlight=False)).hits]
        if aid in ids:
            total += 1 / (ids.index(aid) + 1)
    return total / len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="embedded,opensearch,elasticsearch")
    ap.add_argument("--limit", type=int, default=None, help="only the first N records (for a quick look)")
    args = ap.parse_args()
    kinds = args.engines.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="arshif-bench-engines-"))
    paths = [SEED, *sorted(SAUDI.glob("*.zip"))]
    items = known_items(args.limit)
    rows, engines = [], {}
    for kind in kinds:
        engine = open_engine(kind, tmp)
        engines[kind] = engine
        label = engine.describe() if hasattr(engine, "describe") else "embedded SQLite FTS5"
        print(f"== {kind}: {label}", flush=True)
        t0 = time.perf_counter()
        if args.limit:
            from itertools import islice
            from indexer.pipeline import IngestSummary, prepare
            batch = [prepare(r) for r in islice((r for r in read_paths(paths) if hasattr(r, "title")), args.limit)]
            summary = IngestSummary(read=len(batch))
            summary.add(engine.upsert(batch))
        else:
            summary = ingest(paths, engine, batch_size=500)
        secs = time.perf_counter() - t0
        if hasattr(engine, "optimize"):
            engine.optimize()
        print(f"   ingested {summary.indexed} in {secs:.0f} s ({len(summary.skipped)} skipped, "
              f"{len(summary.failed)} failed)", flush=True)
        run_queries(engine, rounds=1)
        lat = run_queries(engine, rounds=3)
        mrr = mrr_at_10(engine, items)
        rows.append((kind, engine.count(), summary.indexed / secs, percentile(lat, 50), percentile(lat, 95), mrr))

    print()
    print(f"{'engine':<14}{'docs':>8}{'ingest docs/s':>15}{'p50 ms':>9}{'p95 ms':>9}{'MRR@10':>9}")
    for kind, docs, rate, p50, p95, mrr in rows:
        print(f"{kind:<14}{docs:>8}{rate:>15.0f}{p50:>9.1f}{p95:>9.1f}{mrr:>9.3f}")
    print(f"(latency: {len(QUERIES)} queries x 3 rounds, size 10, source+author facets, auto date histogram, "
          f"highlights; MRR@10: {len(items)} sampled titles as queries)")

    if "embedded" in engines and "opensearch" in engines:
        parity(engines["embedded"], engines["opensearch"])
    for kind, engine in engines.items():
        if kind != "embedded":
            engine.client.indices.delete(index=engine.current_index())


def parity(embedded, other) -> None:
    print("\nTop-10 parity, embedded vs opensearch (20 fixed queries):")
    same = 0
    titled = [0, 0]
    for q in PARITY_QUERIES:
        ha = embedded.search(SearchRequest(q=q, size=10, highlight=False)).hits
        hb = other.search(SearchRequest(q=q, size=10, highlight=False)).hits
        a, b = [h.id for h in ha], [h.id for h in hb]
        # A reader's view of each top ten: how many hits carry the query, as typed, in their title.
        bare = q.strip('"')
        titled[0] += sum(bare in h.title for h in ha)
        titled[1] += sum(bare in h.title for h in hb)
        ta = embedded.search(SearchRequest(q=q, size=0)).total
        tb = other.search(SearchRequest(q=q, size=0)).total
        if a == b:
            same += 1
            print(f"  = {q!r}: identical top-10 (matches: {ta} / {tb})")
            continue
        only_a, only_b = set(a) - set(b), set(b) - set(a)
        all_a = {h.id for h in embedded.scan(SearchRequest(q=q, sort="newest"))} if only_b else set()
        all_b = {h.id for h in other.scan(SearchRequest(q=q, sort="newest"))} if only_a else set()
        reorder = not only_a and not only_b
        both_match = only_a <= all_b and only_b <= all_a
        why = ("same articles, different order" if reorder else
               "all differing articles match on both engines: BM25 ranks them differently" if both_match else
               "some articles match on one engine only")
        print(f"  ~ {q!r}: overlap {len(set(a) & set(b))}/10, matches {ta} / {tb}: {why}")
        if not both_match:
            for aid in sorted(only_a - all_b):
                print(f"      only embedded: {aid} {embedded.get(aid).title[:70]}")
            for aid in sorted(only_b - all_a):
                print(f"      only opensearch: {aid} {other.get(aid).title[:70]}")
    print(f"  top-10 hits with the query as typed in their title: embedded {titled[0]}/200, "
          f"opensearch {titled[1]}/200")
    print(f"  {same}/20 identical. Why rankings differ: the tokens are the same on both (the analyzers are "
          "built from one definition), but FTS5's bm25() scores a document over all columns at once with "
          "column weights (title 3, body 1, translation 1.5/0.5), while Lucene's multi_match best_fields "
          "scores each field separately (BM25 with per-field length norms) and takes the best field plus "
          "0.3 x the others; Lucene also encodes field lengths lossily (one byte), which reorders near-ties.")


if __name__ == "__main__":
    main()
