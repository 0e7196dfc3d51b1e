"""Probe for the engine issue: would tantivy, fed with Arshif's own tokens, close the gap to OpenSearch?

Not the product: a measurement taken before choosing the embedded engine's next text index
(see the engine issue, "Measure before choosing"). It builds a tantivy index (the ``tantivy`` package:
Rust, Lucene-like BM25 with block-max WAND, multi-threaded indexing, fast-field aggregations) from the
articles of an existing embedded archive, with **the project's own analysis**: the same tokens FTS5
indexes (:func:`arshif.engines.fts_tokens.document_tokens`: stem and ``=``exact form at one position),
computed in the shared analysis worker processes and handed to tantivy as whitespace-joined terms
(see :func:`schema`), so the analyzers stay the one definition in ``mappings/``. With ``--compare-ingest``
it also writes the same articles into a new embedded archive, with the same worker pool, and prints both
rates (one after the other, same run).

Then it runs the core query list and the OR-ed XQuAD questions interleaved on the embedded engine
(the page request of ``bench_engines``: 10 hits, source and author facets, date histogram, highlights)
and on tantivy (10 hits, total count, the same two facets as terms aggregations, a day histogram),
and prints p50/p95 for each with the ratio, and how often both count the same matches. Tantivy does
not highlight here: highlighting ten hits is the same Python step on either index.

    pip install -e ".[probe]"   (tantivy: not a dependency of the product)
    .venv/bin/python -m bench.probe_tantivy --archive PATH/arshif.db [--nl 300] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from arshif.analysis import workers
from arshif.engines.base import analyse_phrase, analyse_word, plan_query
from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.fts_tokens import document_tokens
from arshif.fields import FIELD_BOOSTS
from arshif.search import FacetRequest, SearchRequest
from arshif.search.syntax import And, BestMatch, Or, Phrase, Words
from bench.bench_core import percentile
from bench.nl_queries import nl_questions
from bench.queries import QUERIES

TEXT_FIELDS = ("title", "body", "tr_title", "tr_body")  # the FTS5 columns, in order
FACETS = ("source", "author")
EXACT = "_exact"
CHUNK = 48


def schema():
    """Each text twice: its stems, and its exact forms (``=``-prefixed), each field's tokens in word order.

    FTS5 keeps both at one position; here they are two fields with tantivy's whitespace tokenizer, so a
    document reaches tantivy as a few short strings (tokenized in Rust by its indexing threads) instead
    of a token list with offsets (pre-tokenized JSON was 25x larger and slower than the analysis itself).
    Phrases use the exact forms, as on FTS5; highlighting stays on the stored text, as now."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("rowid", stored=True, fast=True, indexed=True)
    for f in TEXT_FIELDS:
        sb.add_text_field(f, tokenizer_name="whitespace", index_option="position")
        sb.add_text_field(f + EXACT, tokenizer_name="whitespace", index_option="position")
    for f in FACETS:
        sb.add_text_field(f, fast=True, tokenizer_name="raw")
    sb.add_date_field("date", fast=True, indexed=True)
    return sb.build()


def json_documents(rows: list[tuple]) -> list[str]:
    """Worker-process entry point: each article as tantivy's JSON, its texts analysed by Arshif."""
    out = []
    for rowid, *texts, source, author, day in rows:
        doc: dict = {"rowid": rowid, "source": source, "author": author}
        for name, text in zip(TEXT_FIELDS, texts):
            if not text:
                continue
            tokens = document_tokens(text)  # (start, end, stem, =exact) or (start, end, =exact)
            doc[name] = " ".join(t[2] for t in tokens if len(t) == 4)
            doc[name + EXACT] = " ".join(t[-1] for t in tokens)
        if day:
            doc["date"] = day[:10] + "T00:00:00Z"
        out.append(json.dumps(doc, ensure_ascii=False))
    return out


def build(archive: Path, index_dir: Path) -> tuple[int, float]:
    import apsw
    import tantivy

    conn = apsw.Connection(str(archive), flags=apsw.SQLITE_OPEN_READONLY)
    rows = conn.execute("SELECT a.rowid, t.title, t.body, t.tr_title, t.tr_body, a.source, a.author, a.date "
                        "FROM articles a JOIN article_text t ON t.rowid = a.rowid").fetchall()
    conn.close()
    index = tantivy.Index(schema(), path=str(index_dir))
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    t0 = time.perf_counter()
    futures = [workers.submit(json_documents, rows[i:i + CHUNK]) for i in range(0, len(rows), CHUNK)]
    for future in futures:
        for doc in future.result():
            writer.add_json(doc)
    writer.commit()
    writer.wait_merging_threads()
    return len(rows), time.perf_counter() - t0


def embedded_ingest(archive: Path, target: Path) -> tuple[int, float]:
    """The same articles written into a new embedded archive (batches of 500, as an ingest does)."""
    import apsw

    from arshif.engines import fts_tokens
    from arshif.model import Article

    conn = apsw.Connection(str(archive), flags=apsw.SQLITE_OPEN_READONLY)
    docs = [d for (d,) in conn.execute("SELECT doc FROM articles ORDER BY rowid").fetchall()]
    conn.close()
    articles = [Article.model_validate_json(d) for d in docs]
    engine = EmbeddedEngine(target)
    t0 = time.perf_counter()
    for i in range(0, len(articles), 500):
        if i + 500 < len(articles):
            engine.prefetch(articles[i + 500:i + 1000])
        engine.upsert(articles[i:i + 500])
    secs = time.perf_counter() - t0
    fts_tokens.shutdown(wait=True)
    engine.close()
    return len(articles), secs


class TantivyProbe:
    """Arshif's query tree compiled to tantivy queries, the way the FTS5 compiler reads it."""

    def __init__(self, index_dir: Path):
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(str(index_dir))
        self.index.reload()
        self.schema = self.index.schema
        self.aggs = {f: {"terms": {"field": f, "size": 10}} for f in FACETS}
        self.aggs["days"] = {"date_histogram": {"field": "date", "fixed_interval": "1d"}}

    def _fields(self, terms: list[str], exact: bool):
        t = self.t
        parts = []
        for field, boost in FIELD_BOOSTS.items():
            name = field + EXACT if exact else field
            q = (t.Query.term_query(self.schema, name, terms[0]) if len(terms) == 1
                 else t.Query.phrase_query(self.schema, name, terms))
            parts.append((t.Occur.Should, t.Query.boost_query(q, boost)))
        return t.Query.boolean_query(parts)

    def compile(self, node):
        t = self.t
        if node is None:
            return None
        if isinstance(node, Words):
            wt = analyse_word(node.text)
            if wt is None:
                return None
            if wt.exact:
                return self._fields(["=" + x for x in wt.terms], True)
            stemmed = self._fields(list(wt.terms), False)
            typed = ["=" + x for x in analyse_phrase(node.text)]
            return t.Query.boolean_query([(t.Occur.Should, stemmed), (t.Occur.Should, self._fields(typed, True))]) \
                if typed else stemmed
        if isinstance(node, Phrase):
            terms = ["=" + x for x in analyse_phrase(node.text)]
            return self._fields(terms, True) if terms else None
        parts = [q for q in (self.compile(c) for c in node.children) if q is not None]
        if not parts:
            return None
        occur = t.Occur.Must if isinstance(node, And) else t.Occur.Should
        if isinstance(node, (Or, BestMatch)) or isinstance(node, And):
            return parts[0] if len(parts) == 1 else t.Query.boolean_query([(occur, p) for p in parts])
        raise ValueError(node)

    def search(self, q: str) -> int:
        query = self.compile(plan_query(SearchRequest(q=q)).text)
        if query is None:
            return 0
        searcher = self.index.searcher()
        result = searcher.search(query, 10, count=True)
        searcher.fast_field_values("rowid", [addr for _, addr in result.hits])
        searcher.aggregate(query, self.aggs)
        return result.count


def page_request(q: str) -> SearchRequest:
    return SearchRequest(q=q, size=10, facets=[FacetRequest(field=f) for f in FACETS], date_histogram="auto",
                         highlight=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", type=Path, required=True, help="an embedded archive (arshif.db) to read")
    ap.add_argument("--index-dir", type=Path, default=None, help="where to build the tantivy index")
    ap.add_argument("--nl", type=int, default=300)
    ap.add_argument("--compare-ingest", action="store_true",
                    help="also write the same articles into a new embedded archive and print its rate")
    args = ap.parse_args()
    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="arshif-probe-tantivy-"))
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    n, secs = build(args.archive, index_dir)
    workers.shutdown(wait=True)
    size = sum(p.stat().st_size for p in index_dir.iterdir()) / 2**20
    print(f"tantivy index of {n} articles built in {secs:.0f} s ({n / secs:.0f} docs/s: analysis in "
          f"{workers.workers()} worker processes, JSON handed to tantivy's 2 indexing threads); {size:.0f} MB",
          flush=True)
    if args.compare_ingest:
        n2, secs2 = embedded_ingest(args.archive, index_dir.parent / (index_dir.name + "-embedded.db"))
        print(f"embedded archive of the same {n2} articles written in {secs2:.0f} s ({n2 / secs2:.0f} docs/s); "
              f"tantivy / embedded: {(n / secs) / (n2 / secs2):.2f}x", flush=True)
    embedded = EmbeddedEngine(args.archive, readonly=True)
    probe = TantivyProbe(index_dir)
    print(f"{'list':<6}{'queries':>8}{'embedded p50':>14}{'p95':>8}{'tantivy p50':>13}{'p95':>8}"
          f"{'p95 ratio':>11}{'same count':>12}")
    for label, queries in (("core", QUERIES), ("NL", nl_questions(args.nl))):
        for q in queries[:5]:  # warm both
            embedded.search(page_request(q)), probe.search(q)
        times = {"e": [], "t": []}
        same = 0
        for i, q in enumerate(queries):
            order = ("e", "t") if i % 2 == 0 else ("t", "e")
            counts = {}
            for who in order:
                t0 = time.perf_counter()
                counts[who] = embedded.search(page_request(q)).total if who == "e" else probe.search(q)
                times[who].append((time.perf_counter() - t0) * 1000)
            same += counts["e"] == counts["t"]
        e95, t95 = percentile(times["e"], 95), percentile(times["t"], 95)
        print(f"{label:<6}{len(queries):>8}{percentile(times['e'], 50):>14.1f}{e95:>8.1f}"
              f"{percentile(times['t'], 50):>13.1f}{t95:>8.1f}{e95 / t95:>10.1f}x{same:>8}/{len(queries)}")
    print(f"(interleaved query by query; embedded: the bench_engines page with highlights; tantivy: top 10, count, "
          f"two terms aggregations, day histogram, no highlights; load average {os.getloadavg()[0]:.1f} at the end; "
          f"index in {index_dir}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
