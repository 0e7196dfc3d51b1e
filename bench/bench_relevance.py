"""Relevance of the questions people type, on every engine, against the stock ``arabic`` analyzer.

XQuAD's 240 Arabic paragraphs (``../shared/relevance/xquad/xquad.ar.json``, CC BY-SA 4.0, read at
run time, never copied) are ingested among the full SaudiNewsNet archive (~31k articles) on the
embedded engine, OpenSearch and Elasticsearch. Its 1,190 Arabic questions are sent as typed, as a
user would type them into the search box (``SearchRequest(q=question)``, nothing removed, no
syntax added); the paragraph each question was written about is the one right answer.

On each remote node the same documents also go into a second index analysed by the node's own
built-in ``arabic`` analyzer and queried with a plain ``multi_match`` (best_fields over title and
body, default OR): the baseline an out-of-the-box Elasticsearch/OpenSearch gives.

One table: R@10 (answer in the top ten), MRR@10, zero-result rate, p95 latency (size 10,
highlights on), how many answers were relaxed (no or few all-word matches), then two checks that
relaxing must not cost anything elsewhere:

* keyword precision: for the two-word queries of ``bench/queries.py`` with at least 10 all-word
  matches, every top-10 hit contains both words (after analysis: stemmed, normalised);
* known-item MRR@10 (500 sampled SaudiNewsNet titles as queries, ``bench/bench_engines.py``).

    bash .ci/engines.sh start            # with ARSHIF_OS_PORT / ARSHIF_ES_PORT of your choice
    .venv/bin/python -m bench.bench_relevance [--engines embedded,opensearch,elasticsearch]
        [--work DIR]   keep the indices in DIR / under fixed names and reuse them on the next run
                       (reindexed when mappings/articles.json changed)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from arshif.analysis import get_analyzer
from arshif.engines.base import analyse_word
from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.remote import RemoteEngine, _body
from arshif.model import Article
from arshif.search import SearchRequest
from arshif.search.syntax import And, QuerySyntaxError, Words, parse_query
from arshif.settings import PROJECT_ROOT, Settings
from bench.bench_core import SAUDI, percentile
from bench.bench_engines import URLS, known_items, mrr_at_10
from bench.queries import QUERIES
from indexer.pipeline import prepare
from indexer.readers import ReadProblem, read_paths

logging.getLogger("arshif").setLevel(logging.ERROR)

XQUAD = PROJECT_ROOT.parent / "shared" / "relevance" / "xquad" / "xquad.ar.json"
STOCK_SUFFIX = "-stock-arabic"


def xquad() -> tuple[list[Article], list[tuple[str, str]]]:
    """(paragraph articles, (question, id of its paragraph)) from XQuAD's Arabic file."""
    with open(XQUAD, encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    articles, questions = [], []
    for a, doc in enumerate(data):
        for p, para in enumerate(doc["paragraphs"]):
            aid = f"xquad-{a:02d}-{p:02d}"
            # No title: XQuAD gives only the English Wikipedia page name, which no Arabic question uses.
            articles.append(Article(id=aid, title="", body=para["context"], language="ar", source="xquad"))
            questions += [(qa["question"], aid) for qa in para["qas"]]
    return articles, questions


def corpus() -> list[Article]:
    return [prepare(r) for r in read_paths(sorted(SAUDI.glob("*.zip"))) if not isinstance(r, ReadProblem)]


def open_engine(kind: str, work: Path):
    """The engine under test, with no search time budget: the bench measures how long searches take."""
    if kind == "embedded":
        return EmbeddedEngine(work / "relevance.db", settings=Settings(search_timeout=0))
    settings = Settings(data_dir=work, engine=f"{kind}+{URLS[kind]}", index_name=f"arshif-relbench-{work.name}",
                        search_timeout=0)
    return RemoteEngine(kind, URLS[kind], settings)


def load(engine, docs: list[Article]) -> None:
    """Ingest (idempotent: unchanged articles are skipped) and reindex when the analysis changed."""
    if engine.count() != len(docs):
        for i in range(0, len(docs), 500):
            engine.upsert(docs[i:i + 500])
    elif getattr(engine, "mapping_outdated", False):
        t0 = time.perf_counter()
        engine.reindex()
        if hasattr(engine, "_ensure_index"):
            engine._ensure_index()
        print(f"   reindexed with the current mappings in {time.perf_counter() - t0:.0f} s", flush=True)
    if hasattr(engine, "refresh"):
        engine.refresh()
    if hasattr(engine, "optimize"):
        engine.optimize()


class StockArabic:
    """The node's built-in ``arabic`` analyzer on title and body, queried with a plain multi_match."""

    name = "stock arabic"

    def __init__(self, engine: RemoteEngine, docs: list[Article]):
        self.client = engine.client
        self.index = engine.alias + STOCK_SUFFIX
        if not self.client.indices.exists(index=self.index):
            text = {"type": "text", "analyzer": "arabic"}
            self.client.indices.create(index=self.index, body={
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": {"properties": {"title": text, "body": text}}})
        if _body(self.client.count(index=self.index))["count"] != len(docs):
            for i in range(0, len(docs), 500):
                ops = []
                for d in docs[i:i + 500]:
                    ops += [{"index": {"_index": self.index, "_id": d.id}}, {"title": d.title, "body": d.body}]
                self.client.bulk(body=ops)
            self.client.indices.refresh(index=self.index)

    def ask(self, q: str) -> tuple[list[str], int, bool]:
        resp = _body(self.client.search(index=self.index, body={
            "query": {"multi_match": {"query": q, "fields": ["title", "body"], "type": "best_fields"}},
            "size": 10, "_source": False, "track_total_hits": True,
            "highlight": {"fields": {"body": {"number_of_fragments": 1, "fragment_size": 220}}}}))
        return [h["_id"] for h in resp["hits"]["hits"]], resp["hits"]["total"]["value"], False


class Project:
    """An Arshif engine through the search contract, exactly as the API calls it."""

    def __init__(self, engine):
        self.engine = engine
        self.name = engine.name

    def ask(self, q: str) -> tuple[list[str], int, bool]:
        try:
            resp = self.engine.search(SearchRequest(q=q, size=10, highlight=True))
        except QuerySyntaxError:
            return [], 0, False
        return [h.id for h in resp.hits], resp.total, getattr(resp, "relaxed", False)


def relevance(system, questions) -> dict:
    recall = mrr = zero = relaxed = 0
    lat: list[float] = []
    for q, answer in questions:
        t0 = time.perf_counter()
        ids, total, was_relaxed = system.ask(q)
        lat.append((time.perf_counter() - t0) * 1000)
        zero += total == 0
        relaxed += was_relaxed
        if answer in ids:
            recall += 1
            mrr += 1 / (ids.index(answer) + 1)
    n = len(questions)
    return {"R@10": recall / n, "MRR@10": mrr / n, "zero": zero / n, "p95": percentile(lat, 95),
            "p50": percentile(lat, 50), "relaxed": relaxed / n}


def two_word_queries() -> list[tuple[str, list[tuple[str, ...]]]]:
    """Two-word bare queries of bench/queries.py with each word's analysed terms."""
    out = []
    for q in QUERIES:
        tree = parse_query(q).text
        if isinstance(tree, And) and len(tree.children) == 2 and all(isinstance(c, Words) for c in tree.children):
            out.append((q, [analyse_word(c.text).terms for c in tree.children]))
    return out


def keyword_precision(engine, queries) -> tuple[int, int, list[str]]:
    """(queries checked, queries whose top ten all contain both words, failures)."""
    an = get_analyzer("arshif_text")
    checked = good = 0
    failures = []
    for q, words in queries:
        resp = engine.search(SearchRequest(q=q, size=0, highlight=False))
        all_words = resp.total if not getattr(resp, "relaxed", False) else resp.all_words_total
        if all_words < 10:
            continue
        checked += 1
        hits = engine.search(SearchRequest(q=q, size=10, highlight=False)).hits
        docs = engine.get_many([h.id for h in hits])
        ok = True
        for h in hits:
            a = docs[h.id]
            tr = a.translation()
            text = " ".join([a.title, a.body] + ([tr.title, tr.body] if tr and tr.status == "done" else []))
            terms = an.terms(text)
            # a word of several terms (rare) must occur as a sequence; one term must occur at all
            if not all(_contains(terms, list(w)) for w in words):
                ok = False
                failures.append(f"{q!r}: {h.id} {a.title[:60]}")
                break
        good += ok
    return checked, good, failures


def _contains(terms: list[str], seq: list[str]) -> bool:
    n = len(seq)
    return any(terms[i:i + n] == seq for i in range(len(terms) - n + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="embedded,opensearch,elasticsearch")
    ap.add_argument("--work", default=None, help="keep indices here / under fixed names and reuse them")
    ap.add_argument("--no-known-item", action="store_true", help="skip the known-item MRR (500 queries)")
    ap.add_argument("--every", type=int, default=1, help="ask every Nth question only (a quicker look)")
    ap.add_argument("--no-stock", action="store_true", help="skip the stock arabic analyzer baseline")
    ap.add_argument("--load-only", action="store_true", help="only build the indices (with --work, for a later run)")
    args = ap.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="arshif-bench-relevance-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load: {os.getloadavg()}", flush=True)
    paragraphs, questions = xquad()
    questions = questions[::args.every]
    t0 = time.perf_counter()
    docs = corpus() + paragraphs
    print(f"{len(docs)} documents ({len(paragraphs)} XQuAD paragraphs), {len(questions)} questions, "
          f"read in {time.perf_counter() - t0:.0f} s", flush=True)
    items = None if args.no_known_item else known_items(None)
    pairs = two_word_queries()
    rows = []
    for kind in args.engines.split(","):
        engine = open_engine(kind, work)
        t0 = time.perf_counter()
        load(engine, docs)
        print(f"== {kind}: {engine.count()} documents ready in {time.perf_counter() - t0:.0f} s", flush=True)
        systems = [Project(engine)]
        if kind != "embedded" and not args.no_stock:
            systems.append(StockArabic(engine, docs))
        if args.load_only:
            continue
        for system in systems:
            relevance(system, questions[:50])  # warm caches
            r = relevance(system, questions)
            label = kind if isinstance(system, Project) else f"{kind} stock arabic"
            if isinstance(system, Project):
                checked, good, failures = keyword_precision(engine, pairs)
                r["precision"] = f"{good}/{checked}"
                r["known"] = mrr_at_10(engine, items) if items else float("nan")
                for f in failures:
                    print(f"   precision miss {f}")
            else:
                r["precision"], r["known"] = "-", float("nan")
            rows.append((label, r))
            print(f"   {label}: {r}", flush=True)
        engine.close()
    print(f"\nload: {os.getloadavg()}")
    print(f"{'system':<28}{'R@10':>7}{'MRR@10':>8}{'zero':>8}{'p50 ms':>8}{'p95 ms':>8}{'relaxed':>9}"
          f"{'kw prec':>9}{'known MRR':>11}")
    for label, r in rows:
        print(f"{label:<28}{r['R@10']:>7.3f}{r['MRR@10']:>8.3f}{r['zero']:>8.1%}{r['p50']:>8.1f}{r['p95']:>8.1f}"
              f"{r['relaxed']:>9.1%}{r['precision']:>9}{r['known']:>11.3f}")
    print(f"({len(questions)} XQuAD Arabic questions as typed (every {args.every}); answer = its paragraph among {len(docs)} documents; "
          "kw prec: two-word queries of bench/queries.py with >= 10 all-word matches whose top 10 all contain "
          "both words; known MRR: 500 SaudiNewsNet titles)")


if __name__ == "__main__":
    main()
