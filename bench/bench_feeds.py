"""Feed benchmark: the Atom feed of a saved search, 50 entries, over the full SaudiNewsNet corpus.

Builds (or reuses, ``--reuse``) an embedded archive of every SaudiNewsNet zip, saves one search per query of
``bench/queries.py`` (Arabic and English, some with syntax) in a fresh saved-search store, then times, with
the queries interleaved in one process:

* ``feed``: what a feed reader's request costs — the search's 50 most recently stored matches, rendered as
  Atom (``web/saved.py`` + ``web/feed.py``); with ``--http`` also through the app's route in-process;
* ``feed (old path)``: the same feed the way it was read before (every match collected and counted, each
  hit's whole article validated): the same request with ``count_total`` and ``with_articles``, interleaved
  with the new one so both meet the same load;
* ``peer``: the same query as a plain 50-hit search by relevance (no facets), the cost a feed is compared to;
* ``new count``: the list page's figures for one saved search (its matches, and those new since last look).

Prints p50/p95/max per kind (wall time, and CPU time of the working thread: on a loaded, shared machine
wall time mostly measures waiting for a core) and the feed/peer ratio of medians. Target: feed p95 ≤ 50 ms.

    .venv/bin/python -m bench.bench_feeds [--data-dir DIR] [--reuse] [--rounds N] [--http]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import feedparser

from bench.bench_pages import build, percentile, summary
from bench.queries import QUERIES

TARGET_P95_MS = 50.0
ENTRIES = 50


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="archive directory (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="skip the ingest when the archive already exists")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the query list (default 3)")
    ap.add_argument("--http", action="store_true", help="also time the feed through the app's route")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-bench-feeds-"))
    settings = build(data_dir, args.reuse)

    from arshif.crosslingual import default_query_translator
    from arshif.engines import open_engine
    from arshif.saved_searches import SavedSearchStore
    from web.feed import render_feed
    from web.saved import SavedSearches
    from arshif.search.params import SearchParams
    from web.service import SearchService

    engine = open_engine(settings, readonly=True)
    service = SearchService(settings, engine, default_query_translator(settings, engine))
    store = SavedSearchStore(Path(tempfile.mkdtemp(prefix="arshif-bench-saved-")) / "saved-searches.db")
    saved = SavedSearches(service, store, settings.archive_key)
    searches = [saved.save(f"q{i}: {q}", {"q": q}) for i, q in enumerate(QUERIES)]
    print(f"archive: {engine.count():,} articles; {len(searches)} saved searches × {args.rounds} rounds; "
          f"feed of {ENTRIES} entries; load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")

    def feed(search) -> bytes:
        response = saved.newest(search, ENTRIES)
        return render_feed(search, response, feed_url=f"http://127.0.0.1:8000/saved/{search.id}/feed.atom",
                           search_url="http://127.0.0.1:8000/search",
                           article_url=lambda i: f"http://127.0.0.1:8000/articles/{i}")

    def feed_old(search) -> bytes:
        request = saved.request(search.params, size=ENTRIES).model_copy(update={"with_articles": True})
        response = engine.search(request)
        return render_feed(search, response, feed_url=f"http://127.0.0.1:8000/saved/{search.id}/feed.atom",
                           search_url="http://127.0.0.1:8000/search",
                           article_url=lambda i: f"http://127.0.0.1:8000/articles/{i}")

    def peer(search):
        return service.search(SearchParams(q=search.params["q"], size=ENTRIES, facets=[], histogram=None))

    client = None
    if args.http:
        from fastapi.testclient import TestClient

        from web.app import create_app

        settings_http = settings.model_copy(update={"data_dir": store.path.parent})
        client = TestClient(create_app(settings_http, engine=engine, query_translator=service.query_translator))

    # Warm-up, and a check that each feed is a feed a reader can parse with the promised entries.
    entries: list[int] = []
    for search in searches:
        parsed = feedparser.parse(feed(search))
        assert not parsed.bozo, (search.name, parsed.bozo_exception)
        entries.append(len(parsed.entries))
        old = feedparser.parse(feed_old(search))
        assert [e.id for e in old.entries] == [e.id for e in parsed.entries], search.name  # the same feed
        peer(search)
    print(f"entries per feed: median {statistics.median(entries):.0f}, min {min(entries)}, "
          f"feeds with {ENTRIES}: {sum(1 for n in entries if n == ENTRIES)}/{len(entries)}")

    kinds = ["feed", "feed (old path)", "peer", "new count"] + (["feed over HTTP"] if client is not None else [])
    times: dict[str, list[float]] = {k: [] for k in kinds}
    # CPU time of the thread doing the work, beside wall time: on a shared, loaded machine wall time
    # mostly measures waiting for a core; CPU time is what the work itself costs.
    cpu: dict[str, list[float]] = {k: [] for k in kinds if k != "feed over HTTP"}
    for _ in range(args.rounds):
        for search in searches:
            for kind in kinds:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                if kind == "feed":
                    feed(search)
                elif kind == "feed (old path)":
                    feed_old(search)
                elif kind == "peer":
                    peer(search)
                elif kind == "new count":
                    saved.status(search)
                else:
                    r = client.get(f"/saved/{search.id}/feed.atom")
                    assert r.status_code == 200, r.status_code
                times[kind].append((time.perf_counter() - t0) * 1000)
                if kind in cpu:
                    cpu[kind].append((time.thread_time() - c0) * 1000)
    for kind, values in times.items():
        print(summary(kind + " (wall)", values))
    for kind, values in cpu.items():
        print(summary(kind + " (CPU)", values))
    print(f"feed / peer (medians): {statistics.median(times['feed']) / statistics.median(times['peer']):.2f}")
    for unit, table in (("wall", times), ("CPU", cpu)):
        new, old = table["feed"], table["feed (old path)"]
        print(f"feed new / old path ({unit}): p50 {statistics.median(new) / statistics.median(old):.2f}, "
              f"p95 {percentile(new, 95) / percentile(old, 95):.2f}")
    p95, cpu95 = percentile(times["feed"], 95), percentile(cpu["feed"], 95)
    print(f"target feed p95 ≤ {TARGET_P95_MS:.0f} ms: wall {'met' if p95 <= TARGET_P95_MS else 'NOT met'} "
          f"({p95:.1f} ms), CPU {'met' if cpu95 <= TARGET_P95_MS else 'NOT met'} ({cpu95:.1f} ms); "
          f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
