"""Stories: cross-language joining on NTREX, copy detection on labelled SaudiNewsNet pairs, and the cost.

    .venv/bin/python -m bench.bench_stories [--skip-corpus] [--per-file] [--limit N]

1. **NTREX** (``../shared/lexicon/ntrex``: 123 news documents, English and human Arabic translation,
   sentence-aligned; ``DOCUMENT_IDS.tsv`` gives each line's document): each document is placed as an
   English and an Arabic article, no translation stored, in document order and in a shuffled order.
   Prints the share of documents whose English article's story holds its Arabic twin (target ≥ 80 %),
   and the share of stories that hold one document only (target ≥ 95 %).
2. **SaudiNewsNet, whole corpus** (31,030 records in 18 daily files), ingested four times in one run by
   the ``arshif ingest`` command, each into a new embedded archive, with ``ARSHIF_STORIES`` off, on, on,
   off (so a drifting load weighs on both alike): the whole command is timed, starting the process, the
   worker pool and the final optimize included. Prints the added ingest time (target ≤ 30 %), and the
   added CPU time of the command and its analysis workers (user + system): on a shared machine the wall
   time moves with the others' load, the CPU time much less.
   ``--per-file`` instead ingests in this process through :func:`indexer.pipeline.ingest` into two
   archives, a day's file at a time in turns (who goes first alternating).
   Then, on the story index the ingest with stories left (its sidecar, reopened as a server does), the
   time to place one new article as an API write does (analysed in-process; NTREX documents and edited
   corpus copies; p50/p95/p99, target ≤ 20 ms), and precision/recall of "same story_id" on the labelled
   pairs of ``stories_labels.json`` (built by ``bench/stories_labels.py``; targets precision ≥ 0.95,
   recall ≥ 0.85).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict, defaultdict
from pathlib import Path

from arshif.analysis import workers
from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article
from arshif.settings import PROJECT_ROOT
from indexer.pipeline import ingest, prepare
from indexer.readers import ReadProblem, read_paths
from indexer.stories import StoryAssigner
from indexer.stories.features import lexicon_keys

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)

SHARED = PROJECT_ROOT.parent / "shared"
NTREX = SHARED / "lexicon" / "ntrex"
SAUDI = SHARED / "corpora" / "saudinewsnet"
LABELS = Path(__file__).with_name("stories_labels.json")


def ntrex_articles() -> list[tuple[str, Article]]:
    ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    en = (NTREX / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    ar = (NTREX / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    docs: OrderedDict[str, tuple[list[str], list[str]]] = OrderedDict()
    for doc, e, a in zip(ids, en, ar, strict=True):
        docs.setdefault(doc, ([], []))
        docs[doc][0].append(e)
        docs[doc][1].append(a)
    out = []
    for n, (doc, (es, as_)) in enumerate(docs.items()):
        out.append((doc, Article(id=f"ntrex-{n}-en", language="en", title=es[0], body="\n".join(es[1:]))))
        out.append((doc, Article(id=f"ntrex-{n}-ar", language="ar", title=as_[0], body="\n".join(as_[1:]))))
    return out


def bench_ntrex(order: str) -> dict:
    arts = [(d, a.model_copy(deep=True)) for d, a in ntrex_articles()]
    if order == "shuffled":
        random.Random(14).shuffle(arts)
    with tempfile.TemporaryDirectory() as tmp:
        assigner = StoryAssigner(Path(tmp) / "stories.db")
        assigner.assign([a for _, a in arts])
        assigner.close()
    by_id = {a.id: a for _, a in arts}
    docs = sorted({d for d, _ in arts})
    n_docs = len(docs)
    joined = sum(by_id[f"ntrex-{i}-en"].story_id == by_id[f"ntrex-{i}-ar"].story_id for i in range(n_docs))
    stories: dict[str, set[str]] = defaultdict(set)
    for d, a in arts:
        stories[a.story_id].add(d)
    pure = sum(len(v) == 1 for v in stories.values())
    return {"order": order, "documents": n_docs, "twin_joined": joined / n_docs, "stories": len(stories),
            "single_document_stories": pure / len(stories)}


def corpus_records() -> list[Article]:
    return [item for item in read_paths(sorted(SAUDI.glob("*.zip"))) if not isinstance(item, ReadProblem)]


def bench_corpus(tmp: Path, limit: int | None = None) -> dict:
    """Ingest the corpus into two archives through the real write path (:func:`indexer.pipeline.ingest`),
    one without stories and one with, a day's file at a time in turns (who goes first alternates), so both
    see the same load; each file's ingest is timed whole, its worker analysis included."""
    files = sorted(SAUDI.glob("*.zip"))[:limit]
    plain = EmbeddedEngine(tmp / "plain" / "index.db")
    storied = EmbeddedEngine(tmp / "stories" / "index.db")
    t = time.perf_counter()
    assigner = StoryAssigner(tmp / "stories" / "index.stories.db")
    t_open = time.perf_counter() - t
    t_plain = 0.0
    t_stories = t_open
    n = 0
    for i, path in enumerate(files):
        runs = [("plain", plain, None), ("stories", storied, assigner)]
        for name, engine, stories in (runs if i % 2 == 0 else runs[::-1]):
            t = time.perf_counter()
            summary = ingest([path], engine, stories=stories)
            took = time.perf_counter() - t
            if name == "plain":
                t_plain += took
                n += summary.indexed
            else:
                t_stories += took
    stories_of = dict(assigner._story)
    n_stories = len(set(stories_of.values()))
    place = placement_times(assigner)
    assigner.close()
    t = time.perf_counter()
    reopened = StoryAssigner(tmp / "stories" / "index.stories.db")
    t_reopen = time.perf_counter() - t
    reopened.close()
    plain.close()
    storied.close()
    return {
        "articles": n, "stories": n_stories, "files": len(files),
        "ingest_without_s": round(t_plain, 1), "ingest_with_s": round(t_stories, 1),
        "added_pct": round(100 * (t_stories - t_plain) / t_plain, 1),
        **place,
        "open_empty_s": round(t_open, 2), "reopen_full_s": round(t_reopen, 1),
        "_stories_of": stories_of,
    }


def bench_cli(tmp: Path, limit: int | None = None) -> dict:
    """``arshif ingest`` of the corpus, stories off / on / on / off, each run into a new data directory."""
    files = [str(p) for p in sorted(SAUDI.glob("*.zip"))[:limit]]
    arshif = Path(sys.executable).with_name("arshif")
    took: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    summary = {}
    for n, mode in enumerate(("off", "on", "on", "off")):
        data = tmp / f"{n}-{mode}"
        env = {**os.environ, "ARSHIF_DATA_DIR": str(data), "ARSHIF_ENGINE": "embedded",
               "ARSHIF_STORIES": "true" if mode == "on" else "false", "ARSHIF_TRANSLATOR": "none"}
        t = time.perf_counter()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([str(arshif), "ingest", "--quiet", "--json", *files], env=env, capture_output=True,
                              text=True)
        took[mode].append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers are joined by the command: counted
        cpu[mode].append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
        if done.returncode not in (0, 3):  # 3: some records skipped (SaudiNewsNet has empty ones), said in the JSON
            raise SystemExit(f"arshif ingest failed ({mode}): {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)
        print(f"  arshif ingest, stories {mode}: {took[mode][-1]:.1f} s, CPU {cpu[mode][-1]:.1f} s "
              f"(load {os.getloadavg()[0]:.1f})",
              flush=True)
    sidecar = tmp / "1-on" / "index" / "arshif.stories.db"
    t = time.perf_counter()
    assigner = StoryAssigner(sidecar)
    t_reopen = time.perf_counter() - t
    stories_of = dict(assigner._story)
    place = placement_times(assigner)
    assigner.close()
    without, with_ = sum(took["off"]), sum(took["on"])
    return {"articles": summary.get("indexed", 0), "stories": len(set(stories_of.values())), "files": len(files),
            "ingest_without_s": " + ".join(f"{x:.1f}" for x in took["off"]),
            "ingest_with_s": " + ".join(f"{x:.1f}" for x in took["on"]),
            "added_pct": round(100 * (with_ - without) / without, 1),
            "cpu_without_s": round(sum(cpu["off"]), 1), "cpu_with_s": round(sum(cpu["on"]), 1),
            "added_cpu_pct": round(100 * (sum(cpu["on"]) - sum(cpu["off"])) / sum(cpu["off"]), 1), **place,
            "reopen_full_s": round(t_reopen, 1), "_stories_of": stories_of}


def placement_times(assigner: StoryAssigner) -> dict:
    """Place new articles one at a time, each as an API write would (analysed here, its own transaction),
    into the full story index: NTREX's English and Arabic documents (new stories; English ones search
    the Arabic index across languages) and corpus articles sent again under a new id with their first
    line dropped (edited copies)."""
    probes = [a.model_copy(deep=True) for _, a in ntrex_articles()]
    rng = random.Random(14)
    records = corpus_records()
    for a in rng.sample(records, 250):
        a = prepare(a)
        lines = a.body.split("\n")
        probes.append(a.model_copy(update={"id": "probe-" + a.id[:40],
                                           "body": "\n".join(lines[1:]) if len(lines) > 1 else a.body[200:]}))
    rng.shuffle(probes)
    times = []
    for a in probes:
        t = time.perf_counter()
        assigner.assign([a])
        times.append(time.perf_counter() - t)
    times.sort()
    return {"probes": len(times),
            "place_ms_p50": round(1000 * times[len(times) // 2], 2),
            "place_ms_p95": round(1000 * times[int(len(times) * 0.95)], 2),
            "place_ms_p99": round(1000 * times[int(len(times) * 0.99)], 2),
            "place_ms_max": round(1000 * times[-1], 1)}


def score_labels(stories_of: dict[str, str]) -> dict:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["pairs"]
    tp = fp = fn = tn = missing = 0
    by_stratum: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in labels:
        a, b = stories_of.get(p["a"]), stories_of.get(p["b"])
        if a is None or b is None:
            missing += 1
            continue
        same = a == b
        cell = (0 if same else 2) + (0 if p["same"] else 1)  # tp, fp, fn, tn
        by_stratum[p["stratum"]][cell] += 1
        tp += same and p["same"]
        fp += same and not p["same"]
        fn += (not same) and p["same"]
        tn += (not same) and not p["same"]
    return {"pairs": len(labels), "same": tp + fn, "missing": missing, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "by_stratum": {k: dict(zip(("tp", "fp", "fn", "tn"), v)) for k, v in by_stratum.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-corpus", action="store_true", help="NTREX only (seconds instead of many minutes)")
    ap.add_argument("--per-file", action="store_true", help="time the ingests in this process, a file at a time "
                                                                "in turns, instead of four `arshif ingest` runs")
    ap.add_argument("--limit", type=int, default=None, help="only the first N daily files (a smoke run; the "
                                                            "targets are for the whole corpus)")
    args = ap.parse_args()
    print(f"load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} on {os.cpu_count()} cores")
    for order in ("document", "shuffled"):
        r = bench_ntrex(order)
        print(f"NTREX ({order} order): {r['documents']} documents, English story holds its Arabic twin for "
              f"{100 * r['twin_joined']:.1f} % (target ≥ 80), {r['stories']} stories, "
              f"{100 * r['single_document_stories']:.1f} % join no two documents (target ≥ 95)")
    if args.skip_corpus:
        return
    # The corpus run starts cold, as an ingest does: no analysis workers yet, the lexicon's keys unbuilt.
    workers.shutdown(wait=True)
    lexicon_keys.cache_clear()
    with tempfile.TemporaryDirectory() as tmp:
        r = (bench_corpus if args.per_file else bench_cli)(Path(tmp), args.limit)
    s = score_labels(r.pop("_stories_of"))
    print(f"SaudiNewsNet: {r['articles']} records in {r['files']} files → {r['stories']} stories")
    print(f"  full ingest without stories {r['ingest_without_s']} s, with {r['ingest_with_s']} s (opening the "
          f"story index included): {r['added_pct']:+} % (target ≤ 30)")
    if "added_cpu_pct" in r:
        print(f"  CPU time (the command and its workers) without {r['cpu_without_s']} s, with {r['cpu_with_s']} s: "
              f"{r['added_cpu_pct']:+} %")
    print(f"  placing one new article ({r['probes']} probes, each analysed and written alone): p50 "
          f"{r['place_ms_p50']} ms, p95 {r['place_ms_p95']} ms, p99 {r['place_ms_p99']} ms, "
          f"max {r['place_ms_max']} ms (target ≤ 20)")
    print(f"  story index rebuilt from the sidecar at start: {r['reopen_full_s']} s for the whole corpus")
    print(f"  labelled pairs: {s['pairs']} ({s['same']} same), precision {s['precision']:.3f} (target ≥ 0.95), "
          f"recall {s['recall']:.3f} (target ≥ 0.85); tp {s['tp']} fp {s['fp']} fn {s['fn']} tn {s['tn']}, "
          f"missing {s['missing']}; by stratum {s['by_stratum']}")
    print(f"load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")


if __name__ == "__main__":
    main()
