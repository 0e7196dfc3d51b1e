"""Every engine side by side on the full SaudiNewsNet corpus.

For the embedded engine, OpenSearch and Elasticsearch it prints, in one table:
ingest docs/s (and the CPU seconds this process spent on it), p50/p95 latency
of the core query list (``bench/queries.py``, two facets + date histogram +
highlights) and of natural-language questions with every word OR-ed
(``bench/nl_queries.py``, same facets/histogram/highlights), and known-item
MRR@10 (500 sampled articles, each article's title as the query, the article
itself as the answer). The query lists run **interleaved**: each query goes to
every engine in turn (the order rotating), so all engines see the same load;
the ratio column divides each engine's p95 by OpenSearch's.

It then compares the top-10 ids of 20 fixed queries on OpenSearch and on the
embedded engine and explains each difference: whether the differing articles
match on both engines (same matches, different BM25 ordering) or on one only.

    ./run test first starts the nodes; or: bash .ci/engines.sh start
    .venv/bin/python -m bench.bench_engines [--engines embedded,opensearch,elasticsearch] [--limit N]
        [--embedded-archive PATH]  (reuse an archive already ingested; its ingest is then not measured)
        [--keep]                   (keep the remote indices, e.g. for bench/bench_api.py; names are printed)
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

from arshif.engines import fts_tokens
from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.remote import RemoteEngine
from arshif.search import SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from arshif.search import FacetRequest
from bench.bench_core import SAUDI, percentile
from bench.nl_queries import nl_questions
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


def open_engine(kind: str, tmp: Path, archive: Path | None = None, alias: str | None = None):
    """The engine under test, with no search time budget: a bench measures how long searches take."""
    if kind == "embedded":
        return EmbeddedEngine(archive or tmp / "embedded.db", settings=Settings(search_timeout=0))
    settings = Settings(data_dir=tmp, engine=f"{kind}+{URLS[kind]}", search_timeout=0,
                        index_name=alias or f"arshif-bench-{uuid.uuid4().hex[:6]}")
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


def page_request(q: str) -> SearchRequest:
    """What a search page asks: 10 hits, two facets, the date histogram, highlights."""
    return SearchRequest(q=q, size=10, facets=[FacetRequest(field="source"), FacetRequest(field="author")],
                         date_histogram="auto", highlight=True)


def interleaved(engines: dict, queries: list[str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per search for each engine, each query sent to every engine in turn (order rotating)."""
    kinds = list(engines)
    times: dict[str, list[float]] = {k: [] for k in kinds}
    n = 0
    for _ in range(rounds):
        for q in queries:
            order = kinds[n % len(kinds):] + kinds[:n % len(kinds)]
            n += 1
            for kind in order:
                t0 = time.perf_counter()
                engines[kind].search(page_request(q))
                times[kind].append((time.perf_counter() - t0) * 1000)
    return times


def long_article_highlight(tmp: Path) -> tuple[float, float]:
    """Milliseconds to search with highlights a 1 MB article whose only match is in its middle, and without."""
    from arshif.model import Article

    engine = EmbeddedEngine(tmp / "long.db")
    filler = "كلمة عادية في نص طويل جدا عن الاقتصاد والطقس. " * 11_000
    engine.upsert([Article(title="تقرير", body=filler + " زنجبار " + filler, source="t", url="https://example.org/l")])
    timings = []
    for highlight in (True, False):
        engine.search(SearchRequest(q="زنجبار", highlight=highlight))
        t0 = time.perf_counter()
        engine.search(SearchRequest(q="زنجبار", highlight=highlight))
        timings.append((time.perf_counter() - t0) * 1000)
    engine.close()
    return timings[0], timings[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="embedded,opensearch,elasticsearch")
    ap.add_argument("--limit", type=int, default=None, help="only the first N records (for a quick look)")
    ap.add_argument("--embedded-archive", type=Path, default=None, help="reuse this embedded archive (no ingest)")
    ap.add_argument("--nl", type=int, default=300, help="natural-language questions to run (default 300)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the core list (default 3)")
    ap.add_argument("--keep", action="store_true", help="keep the remote indices")
    ap.add_argument("--opensearch-index", default=None, help="reuse this OpenSearch alias (no ingest)")
    ap.add_argument("--mrr-items", type=int, default=500, help="known-item queries per engine (default 500)")
    args = ap.parse_args()
    kinds = args.engines.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="arshif-bench-engines-"))
    paths = [SEED, *sorted(SAUDI.glob("*.zip"))]
    items = known_items(args.limit, args.mrr_items)
    ingested, engines = {}, {}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    for kind in kinds:
        engine = open_engine(kind, tmp, args.embedded_archive if kind == "embedded" else None,
                             args.opensearch_index if kind == "opensearch" else None)
        engines[kind] = engine
        label = engine.describe() if hasattr(engine, "describe") else "embedded: SQLite archive + tantivy text index"
        print(f"== {kind}: {label}", flush=True)
        if (kind == "embedded" and args.embedded_archive) or (kind == "opensearch" and args.opensearch_index):
            print(f"   reusing an archive of {engine.count()} articles: ingest not measured here", flush=True)
            ingested[kind] = (None, None)
            continue
        t0, c0 = time.perf_counter(), _cpu()
        if args.limit:
            from itertools import islice
            from indexer.pipeline import IngestSummary, prepare
            batch = [prepare(r) for r in islice((r for r in read_paths(paths) if hasattr(r, "title")), args.limit)]
            summary = IngestSummary(read=len(batch))
            summary.add(engine.upsert(batch))
        else:
            summary = ingest(paths, engine, batch_size=500)
        if kind == "embedded":
            fts_tokens.shutdown(wait=True)  # so the workers' CPU time is counted
        secs, cpu = time.perf_counter() - t0, _cpu() - c0
        if hasattr(engine, "optimize"):
            engine.optimize()
        print(f"   ingested {summary.indexed} in {secs:.0f} s ({len(summary.skipped)} skipped, "
              f"{len(summary.failed)} failed; this process and its workers used {cpu:.0f} CPU s; "
              f"optimize {time.perf_counter() - t0 - secs:.0f} s)", flush=True)
        ingested[kind] = (summary.indexed / secs, cpu)

    nl = nl_questions(args.nl)
    interleaved(engines, QUERIES, rounds=1)  # warm caches
    core = interleaved(engines, QUERIES, rounds=args.rounds)
    natural = interleaved(engines, nl, rounds=1)
    mrr = {kind: mrr_at_10(engine, items) for kind, engine in engines.items()}

    ref = "opensearch" if "opensearch" in engines else None
    print()
    print(f"{'engine':<14}{'docs':>8}{'ingest/s':>10}{'core p50':>10}{'p95':>8}{'x OS':>7}"
          f"{'NL p50':>9}{'p95':>8}{'x OS':>7}{'MRR@10':>8}")
    for kind, engine in engines.items():
        rate = ingested[kind][0]
        c95, n95 = percentile(core[kind], 95), percentile(natural[kind], 95)
        cx = f"{c95 / percentile(core[ref], 95):.2f}" if ref else "-"
        nx = f"{n95 / percentile(natural[ref], 95):.2f}" if ref else "-"
        print(f"{kind:<14}{engine.count():>8}{(f'{rate:.0f}' if rate else '-'):>10}"
              f"{percentile(core[kind], 50):>10.1f}{c95:>8.1f}{cx:>7}"
              f"{percentile(natural[kind], 50):>9.1f}{n95:>8.1f}{nx:>7}{mrr[kind]:>8.3f}")
    print(f"(core: {len(QUERIES)} queries x {args.rounds} rounds; NL: {len(nl)} XQuAD Arabic questions, words OR-ed; "
          f"both size 10, source+author facets, auto date histogram, highlights, interleaved across engines; "
          f"MRR@10: {len(items)} sampled titles as queries; load average {os.getloadavg()[0]:.1f} at the end)")
    if "embedded" in engines:
        with_hl, without = long_article_highlight(tmp)
        print(f"1 MB article, one match in the middle: search with highlights {with_hl:.1f} ms, without {without:.1f} ms")

    if "embedded" in engines and "opensearch" in engines:
        parity(engines["embedded"], engines["opensearch"])
    for kind, engine in engines.items():
        if kind != "embedded":
            if args.keep or (kind == "opensearch" and args.opensearch_index):
                print(f"kept {kind} index {engine.current_index()} (alias {engine.settings.index_name})")
            else:
                engine.client.indices.delete(index=engine.current_index())


def _cpu() -> float:
    """CPU seconds of this process and its finished children (analysis workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


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
          "built from one definition) and both score a word over all texts at once (BM25F) with the same "
          "weights (title 3, body 1, translation 2/1: combined_fields weights on OpenSearch, whole repetitions "
          "in one tantivy field here), but OpenSearch counts a word's documents per field (the largest) where "
          "tantivy counts them over the one field, both encode lengths in one byte, and near-ties fall "
          "differently.")


if __name__ == "__main__":
    main()
