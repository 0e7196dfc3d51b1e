"""Facets on the embedded engine: counted by value ids against counted by text columns, in one process.

The fields of many values (``text_index.ID_FIELDS``: author, person, place, org) are counted by number
columns of their values' ids; their text columns count them too, with the same answer, slower (tantivy turns
each segment's top dictionary numbers back into strings to merge segments). This bench runs the API's
default request (seven facets, date histogram, highlights, story grouping) for the core query list and
natural-language questions, each query both ways in turn (the order alternating, so both see the same load
and neither pays all the cold caches), and prints mean / p50 / p95 of each and their ratio. With
``--check`` it also counts every facet list by hand, from the archive's tables over every match, and prints
how many lists differ on either way (sizes 3, 10 and 40, and with a source and a person filter).

    .venv/bin/python -m bench.bench_facets ARCHIVE.db [--questions 30] [--rounds 3] [--check]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import time
from pathlib import Path

from arshif.engines import text_index
from arshif.engines.embedded import EmbeddedEngine, _buckets
from arshif.search.params import SearchParams
from bench.bench_core import percentile
from bench.nl_queries import nl_questions
from bench.queries import QUERIES


def by_text(searcher, query, wanted, names=None, matches=None, riders=None):
    """top_values_with, the archive's names withheld: every field counted by its text column."""
    return _by_ids(searcher, query, wanted, None, matches, riders)


_by_ids = text_index.top_values_with


def timed(engine: EmbeddedEngine, requests: list, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"ids": [], "text": []}
    ways = {"ids": _by_ids, "text": by_text}
    try:
        for r in range(rounds):
            for i, request in enumerate(requests):
                for way in (("ids", "text") if (i + r) % 2 else ("text", "ids")):
                    text_index.top_values_with = ways[way]
                    started = time.perf_counter()
                    engine.search(request)
                    times[way].append((time.perf_counter() - started) * 1000)
    finally:
        text_index.top_values_with = _by_ids
    return times


def by_hand(conn, rowids: list[int], fields: list[str]) -> dict[str, collections.Counter]:
    """Each field's values over ``rowids``, counted from the archive's tables."""
    counts = {f: collections.Counter() for f in fields}
    for i in range(0, len(rowids), 500):
        chunk = rowids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for f in fields:
            if f in ("source", "author", "language", "site"):
                rows = conn.execute(f"SELECT {f} FROM article_meta WHERE rowid IN ({marks})", chunk).fetchall()
            elif f == "tag":
                rows = conn.execute(f"SELECT tag FROM article_tags WHERE rowid IN ({marks})", chunk).fetchall()
            else:
                rows = conn.execute(f"SELECT key FROM article_entities WHERE kind=? AND rowid IN ({marks})",
                                    [f, *chunk]).fetchall()
            counts[f].update(v for (v,) in rows if v)
    return counts


def check(engine: EmbeddedEngine, queries: list[str]) -> tuple[int, dict[str, int]]:
    """(facet lists checked, lists that differ from a count by hand, per way)."""
    calls = []

    def spy(searcher, query, wanted, names=None, matches=None, riders=None):
        calls.append((searcher, query, dict(wanted), names, matches))
        return _by_ids(searcher, query, wanted, names, matches, riders)

    text_index.top_values_with = spy  # (top_values calls it too)
    try:
        for q in queries:
            for size in (3, 10, 40):
                engine.search(SearchParams(q=q, facet_size=size).to_request())
            engine.search(SearchParams(q=q, source=["okaz"], person=["Mohammed bin Salman"]).to_request())
    finally:
        text_index.top_values_with = _by_ids
    wrong = {"ids": 0, "text": 0}
    lists = 0
    with engine._reading(budgeted=False) as conn:
        for searcher, query, wanted, names, matches in calls:
            total = searcher.search(query, limit=1, count=True).count
            hits = searcher.search(query, limit=max(total, 1), count=False).hits
            truth = by_hand(conn, searcher.fast_field_values("rowid", [a for _, a in hits]), list(wanted))
            ways = {"ids": _by_ids(searcher, query, wanted, names, matches)[0],
                    "text": _by_ids(searcher, query, wanted)[0]}
            for f, n in wanted.items():
                expected = [(v, c) for c, v in sorted((-c, v) for v, c in truth[f].items())][:n - 10]
                expected = [(v, -c) for v, c in expected]
                lists += 1
                for way, got in ways.items():
                    wrong[way] += [(b.value, b.count) for b in _buckets(got[f], n - 10)] != expected
    return lists, wrong


def summary(values: list[float]) -> str:
    return f"{statistics.mean(values):7.1f} {percentile(values, 50):7.1f} {percentile(values, 95):7.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("archive", type=Path, help="an embedded archive (.db) this version has opened once")
    ap.add_argument("--questions", type=int, default=30, help="XQuAD questions added to the core list")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="also count every facet list by hand")
    args = ap.parse_args()
    engine = EmbeddedEngine(args.archive, readonly=True)
    queries = [q if isinstance(q, str) else q[0] for q in QUERIES] + list(nl_questions())[:args.questions]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
          f"{engine.count()} articles; {len(queries)} queries x {args.rounds} rounds, both ways in turn")
    times = timed(engine, [SearchParams(q=q).to_request() for q in queries], args.rounds)
    print("facets counted by   mean     p50     p95  (ms, the default request)")
    for way, label in (("ids", "value ids"), ("text", "text columns")):
        print(f"{label:17s} {summary(times[way])}")
    print(f"mean ratio ids / text: {statistics.mean(times['ids']) / statistics.mean(times['text']):.2f}; "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.check:
        lists, wrong = check(engine, queries)
        print(f"checked {lists} facet lists against a count by hand of every match: "
              f"{wrong['ids']} differ by ids, {wrong['text']} by text columns")


if __name__ == "__main__":
    main()
