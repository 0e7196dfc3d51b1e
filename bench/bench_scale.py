"""Scale: the embedded engine with ≥ 300,000 articles — a **replicated** archive, said plainly.

There is no 300k-article corpus in ../shared, so this bench builds one from the
real ones: SaudiNewsNet (31k, Arabic), ANT (41.7k, Arabic) and BBC (2.2k,
English), about 75k articles, **replicated** with new ids (and an
``arshif-replica=k`` parameter on the URL) and dates shifted by ``k × 400`` days until the target count
is reached. Replicas repeat the same texts, so the vocabulary does not grow as
it would with 300k distinct articles; posting lists and match sets grow 4×.

Printed: ingest time and docs/s (with the CPU seconds of this process and its
analysis workers), index size on disk, peak RSS of this process and of its
workers during ingest, then p50/p95 of the core query list and of the OR-ed
natural-language questions on the big archive and — with ``--baseline`` — on
the 31k SaudiNewsNet archive, interleaved, with the ratio.

    .venv/bin/python -m bench.bench_scale [--target 300000] [--data-dir DIR] [--baseline 31K_ARCHIVE.db] [--reuse]

``--reuse`` queries an archive a previous run left in ``--data-dir`` (no ingest figures then), so the
query table can be measured again when the machine is quiet.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from arshif.engines import fts_tokens
from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article
from arshif.settings import PROJECT_ROOT
from bench.bench_core import percentile
from bench.bench_engines import interleaved
from bench.nl_queries import nl_questions
from bench.queries import QUERIES
from indexer.pipeline import prepare
from indexer.readers import ReadProblem, read_paths

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)

CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"


def prepared_originals(out: Path, limit: int | None = None) -> int:
    """Read, clean and language-tag every article of the three corpora once (``limit``: the first N of each,
    for a quick check of the bench itself), into a JSONL file."""
    sources = [(sorted((CORPORA / "saudinewsnet").glob("*.zip")), None),
               ([CORPORA / "ant" / "ant.jsonl.gz"], None),
               ([CORPORA / "bbc" / "bbc-news.jsonl"], {"source": "BBC"})]
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for paths, defaults in sources:
            taken = 0
            for rec in read_paths(paths, defaults=defaults):
                if isinstance(rec, ReadProblem):
                    continue
                if limit and taken >= limit:
                    break
                taken += 1
                try:
                    art = prepare(rec)
                except Exception:  # noqa: BLE001 - skipped as the ingest would skip it
                    continue
                fh.write(art.model_dump_json(exclude={"translation_status"}) + "\n")
                n += 1
    return n


def replicas(originals: Path, target: int):
    """Articles from ``originals``, copy 0 as is, then copies with new ids and shifted dates, up to ``target``."""
    made = 0
    k = 0
    while made < target:
        with originals.open(encoding="utf-8") as fh:
            for line in fh:
                art = Article.model_validate_json(line)
                if k:
                    shift = timedelta(days=400 * k)
                    art.id = hashlib.sha1(f"{art.id}:replica:{k}".encode()).hexdigest()[:16]
                    if art.url:
                        art.url += ("&" if "?" in art.url else "?") + f"arshif-replica={k}"
                    if art.published:
                        art.published = art.published + shift
                    if art.extracted:
                        art.extracted = art.extracted + shift
                yield art
                made += 1
                if made >= target:
                    return
        k += 1


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process, and of its largest finished child (analysis worker), in MB."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", type=int, default=300_000)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--baseline", type=Path, default=None, help="the 31k SaudiNewsNet archive (.db) to compare with")
    ap.add_argument("--nl", type=int, default=100)
    ap.add_argument("--limit-originals", type=int, default=None,
                    help="only the first N articles of each corpus (a quick check of the bench, not a figure)")
    ap.add_argument("--reuse", action="store_true",
                    help="query the archive a previous run left in --data-dir instead of building it again")
    args = ap.parse_args()
    if args.reuse and not (args.data_dir and (args.data_dir / "index" / "arshif.db").exists()):
        ap.error("--reuse needs --data-dir pointing at a previous run's directory (with index/arshif.db)")
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    if not args.reuse:
        build(work, args)
    else:
        print(f"reusing the archive in {work / 'index'}: ingest not measured in this run", flush=True)
    query_table(work, args)


def build(work: Path, args) -> None:
    """Replicate the real corpora into a fresh archive and print the ingest figures."""
    originals = work / "originals.jsonl"
    t0 = time.perf_counter()
    n_orig = prepared_originals(originals, args.limit_originals)
    print(f"read and prepared {n_orig} real articles (SaudiNewsNet + ANT + BBC) in {time.perf_counter() - t0:.0f} s; "
          f"REPLICATED x{args.target / n_orig:.1f} (new ids, dates shifted) to reach {args.target}", flush=True)

    engine = EmbeddedEngine(work / "index" / "arshif.db")
    t0, c0 = time.perf_counter(), cpu_seconds()
    batch: list[Article] = []
    done = 0
    for art in replicas(originals, args.target):
        batch.append(art)
        if len(batch) >= 500:
            engine.upsert(batch)
            done += len(batch)
            batch.clear()
            if done % 50_000 == 0:
                print(f"   {done} articles, {time.perf_counter() - t0:.0f} s", flush=True)
    if batch:
        engine.upsert(batch)
    ingest_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    engine.optimize()
    optimize_s = time.perf_counter() - t1
    fts_tokens.shutdown(wait=True)
    cpu = cpu_seconds() - c0
    rss_self, rss_worker = peak_rss_mb()
    stats = engine.stats()
    print(f"ingest: {stats['documents']} articles in {ingest_s:.0f} s ({stats['documents'] / ingest_s:.0f} docs/s; "
          f"{cpu:.0f} CPU s with workers) + optimize {optimize_s:.0f} s; index {stats['size_bytes'] / 2**30:.2f} GiB; "
          f"peak RSS {rss_self:.0f} MB (writer), {rss_worker:.0f} MB (largest worker)", flush=True)
    engine.close()


def query_table(work: Path, args) -> None:
    """p50/p95 of both query lists on the big archive (and the 31k baseline, interleaved)."""
    big = f"{args.target // 1000}k"
    engines = {big: EmbeddedEngine(work / "index" / "arshif.db", readonly=True)}
    if args.baseline:
        engines = {"31k": EmbeddedEngine(args.baseline, readonly=True), **engines}
    nl = nl_questions(args.nl)
    interleaved(engines, QUERIES, rounds=1)
    core = interleaved(engines, QUERIES, rounds=2)
    natural = interleaved(engines, nl, rounds=1)
    print(f"{'archive':<10}{'docs':>9}{'core p50':>10}{'p95':>8}{'NL p50':>9}{'p95':>8}")
    for label, eng in engines.items():
        print(f"{label:<10}{eng.count():>9}{percentile(core[label], 50):>10.1f}{percentile(core[label], 95):>8.1f}"
              f"{percentile(natural[label], 50):>9.1f}{percentile(natural[label], 95):>8.1f}")
    if args.baseline:
        print(f"p95 ratio {big} / 31k: core {percentile(core[big], 95) / percentile(core['31k'], 95):.2f}, "
              f"NL {percentile(natural[big], 95) / percentile(natural['31k'], 95):.2f}")
    print(f"(replicated archive; queries as in bench_engines: size 10, 2 facets, date histogram, highlights; "
          f"load average {os.getloadavg()[0]:.1f} at the end; archive in {work})")


if __name__ == "__main__":
    main()
