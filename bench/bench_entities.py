"""Entity tagging figures: F1 against the targets, the cost at ingest, and cross-script linking.

1. ANERcorp, CAMeL Lab test split: CoNLL scoring (exact span and type), per type and
   micro-averaged, over all four ANERcorp types and over the three the archive uses
   (PER, LOC, ORG). Target: micro-F1 ≥ 0.80.
2. AQMAR (Arabic Wikipedia, out of domain): PER/LOC/ORG (its MIS0–3 are not scored).
   Target: F1 ≥ 0.55.
3. Ingest cost: the same SaudiNewsNet articles ingested into two embedded indexes, with
   and without tagging, in interleaved chunks (so machine load hits both alike); prints
   the time each took and the ratio. Target: tagging adds ≤ 50 %.
4. Cross-script linking: of the 100 most frequent places in the tagged archive, how many
   that have an English name in a gazetteer (world-cities, CLDR/GeoNames) are linked to
   it (their facet key is that English name). Target: ≥ 90 %.

    .venv/bin/python -m bench.bench_entities [--articles 3000 | --articles all] [--model DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import tempfile
import time
import zipfile
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.entities import entity_key, fold_arabic
from arshif.search import SearchRequest
from arshif.search.contract import FacetRequest
from arshif.settings import PROJECT_ROOT
from indexer.entities import EntityTagger
from indexer.entities.arabic import MODEL_DIR, ArabicTagger, propagate
from indexer.entities.corpus import anercorp, aqmar
from indexer.entities.scoring import score
from indexer.pipeline import ingest

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)
SHARED = PROJECT_ROOT.parent / "shared"
SAUDI = SHARED / "corpora" / "saudinewsnet"


def f1_tables(model: Path) -> None:
    tagger = ArabicTagger(model)
    print(f"model {model / 'ar-ner.crfsuite'}: {(model / 'ar-ner.crfsuite').stat().st_size / 1e6:.2f} MB")
    test = anercorp(SHARED, "test")
    started = time.perf_counter()
    pred = tagger.tag_many([toks for toks, _ in test])
    took = time.perf_counter() - started
    gold = [tags for _, tags in test]
    n_tok = sum(len(t) for t, _ in test)
    print(f"tagged {n_tok:,} tokens in {took:.1f}s ({n_tok / took:,.0f} tokens/s, cold: every word featurised "
          f"for the first time; load {os.getloadavg()[0]:.1f})\n")
    print(score(gold, pred).report("ANERcorp CAMeL test split, all types, sentence by sentence "
                                   "(target micro-F1 ≥ 0.80)"))
    print(score(gold, pred, ["PER", "LOC", "ORG"]).report("ANERcorp CAMeL test split, PER/LOC/ORG"))
    prop = with_propagation([t for t, _ in test], pred)
    print(score(gold, prop).report(f"ANERcorp CAMeL test split, all types, with document-level propagation as at "
                                   f"ingest (blocks of {BLOCK} consecutive sentences stand in for articles)"))
    plain = ArabicTagger(model, constrained=False).tag_many([toks for toks, _ in test])
    print(score(gold, plain).report("ANERcorp CAMeL test split, all types, as CRFsuite decodes (no BIO constraints)"))
    aq = aqmar(SHARED)
    pred = tagger.tag_many([toks for toks, _ in aq])
    agold = [t for _, t in aq]
    print(score(agold, pred, ["PER", "LOC", "ORG"]).report(
        "AQMAR (28 Wikipedia articles, out of domain), PER/LOC/ORG (target micro-F1 ≥ 0.55)"))
    print(score(agold, with_propagation([t for t, _ in aq], pred), ["PER", "LOC", "ORG"]).report(
        f"AQMAR, PER/LOC/ORG, with propagation (blocks of {BLOCK} sentences)"))


BLOCK = 20


def with_propagation(sentences: list[list[str]], tags: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for i in range(0, len(sentences), BLOCK):
        out += propagate(sentences[i:i + BLOCK], tags[i:i + BLOCK])
    return out


def saudi_records(limit: int | None) -> list[dict]:
    out: list[dict] = []
    for z in sorted(SAUDI.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                for rec in json.loads(zf.read(name)):
                    out.append(rec)
                    if limit is not None and len(out) >= limit:
                        return out
    return out


def cpu_seconds() -> float:
    """CPU time of this process and of the ingest's worker processes so far (user + system)."""
    from arshif.analysis import workers

    t = os.times()
    total = t.user + t.system
    executor = workers._executor
    for pid in (list(executor._processes) if executor is not None and executor._processes else []):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def ingest_cost(records: list[dict], tmp: Path, chunks: int = 10, stories: bool = True) -> EmbeddedEngine:
    """Ingest ``records`` with and without tagging, chunk by chunk alternating; return the tagged index.

    ``stories``: both sides place articles in stories, as ``arshif ingest`` does by default (the real write
    path); without, the peer is the bare index write."""
    tagger = EntityTagger()
    tagger.tag_batch([])  # nothing to load yet: the model loads on the first chunk, and counts
    on = EmbeddedEngine(tmp / "on.db")
    off = EmbeddedEngine(tmp / "off.db")
    placing = {"on": None, "off": None}
    if stories:
        from indexer.stories import StoryAssigner

        placing = {"on": StoryAssigner(tmp / "on.stories.db"), "off": StoryAssigner(tmp / "off.stories.db")}
    times = {"on": 0.0, "off": 0.0}
    cpu = {"on": 0.0, "off": 0.0}
    size = max(1, len(records) // chunks)
    for i in range(0, len(records), size):
        part = tmp / f"part{i}.jsonl"
        with part.open("w", encoding="utf-8") as fh:
            for rec in records[i:i + size]:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        order = (("on", on, tagger), ("off", off, None)) if (i // size) % 2 == 0 else \
            (("off", off, None), ("on", on, tagger))
        for name, engine, t in order:
            started, cpu_started = time.perf_counter(), cpu_seconds()
            ingest([part], engine, tagger=t, stories=placing[name])
            times[name] += time.perf_counter() - started
            cpu[name] += cpu_seconds() - cpu_started
        part.unlink()
    off.close()
    for assigner in placing.values():
        if assigner is not None:
            assigner.close()
    n = len(records)
    print(f"\ningest of {n:,} SaudiNewsNet articles, {chunks} interleaved chunks each way (embedded engine, "
          f"{'stories placed as arshif ingest does' if stories else 'no stories'}):")
    print(f"  without tagging {times['off']:.1f}s ({n / times['off']:.0f} docs/s)")
    print(f"  with tagging    {times['on']:.1f}s ({n / times['on']:.0f} docs/s)")
    print(f"  tagging adds {times['on'] / times['off'] - 1:+.0%} to ingest time (target ≤ +50 %); "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  CPU time (this process and the worker pool): without {cpu['off']:.1f}s, with {cpu['on']:.1f}s "
          f"({cpu['on'] / cpu['off'] - 1:+.0%}); on an idle machine the wall-time cost tends to this figure "
          f"when both cores are busy without tagging, and is lower when one is partly idle")
    return on


def gazetteer_english() -> dict[str, str]:
    """Folded Arabic place name → English name, from world-cities (the shipped lexicon is checked via keys)."""
    out: dict[str, str] = {}
    with open(SHARED / "gazetteers" / "world-cities" / "world-cities.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            for ar, en in ((row["CountryNameAr"], row["CountryNameEn"]), (row["CityNameAr"], row["CityNameEn"])):
                if ar and en:
                    out.setdefault(fold_arabic(ar), en)
    return out


def linking(engine: EmbeddedEngine, top: int = 100) -> None:
    engine.search_timeout = 600.0  # a facet over the whole archive on a loaded machine: a generous budget
    resp = engine.search(SearchRequest(size=0, facets=[FacetRequest(field="place", size=top)]))
    places = resp.facets["place"]
    world = gazetteer_english()
    linked, missed, no_english = [], [], []
    for fv in places:
        key = fv.value
        if key.isascii():  # the key is an English name: linked
            linked.append(key)
        elif fold_arabic(key) in world or fold_arabic("ال" + key) in world:
            missed.append(f"{key} ({world.get(fold_arabic(key)) or world.get(fold_arabic('ال' + key))})")
        else:
            no_english.append(key)
    have = len(linked) + len(missed)
    print(f"\ncross-script linking, the {len(places)} most frequent places:")
    print(f"  {have} have an English name in a gazetteer; {len(linked)} of them linked "
          f"({len(linked) / have if have else 0:.0%}, target ≥ 90 %)")
    print(f"  not linked although the gazetteer knows them: {', '.join(missed) or '—'}")
    print(f"  no English name in any gazetteer ({len(no_english)}): {', '.join(no_english[:40])}")
    print(f"  top 15: {', '.join(f'{f.value} {f.count}' for f in places[:15])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", default="3000", help="SaudiNewsNet articles for the ingest figures, or 'all'")
    ap.add_argument("--model", type=Path, default=MODEL_DIR)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-f1", action="store_true", help="only the ingest cost and linking")
    ap.add_argument("--no-stories", action="store_true", help="peer is the bare index write (no story placing)")
    args = ap.parse_args()
    if not args.skip_f1:
        f1_tables(args.model)
    if args.skip_ingest:
        return
    records = saudi_records(None if args.articles == "all" else int(args.articles))
    with tempfile.TemporaryDirectory(prefix="arshif-ent-bench-") as tmp:
        engine = ingest_cost(records, Path(tmp), stories=not args.no_stories)
        linking(engine)
        engine.close()
    print(f"\n(entity_key check: الرياض → {entity_key('place', 'الرياض')})")


if __name__ == "__main__":
    main()
