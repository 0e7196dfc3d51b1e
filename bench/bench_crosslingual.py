"""Cross-lingual search offline: English queries over the full Arabic SaudiNewsNet corpus.

No translation provider: the alternatives come from the bilingual lexicon and
transliteration only. For each English query of ``crosslingual_labels.json``
it prints the alternatives' size, the Arabic hits, precision@10 judged against
the labels (see the ``_method`` note in that file), recall against the same
labels over the whole corpus, and the time to build the alternatives.

    .venv/bin/python -m bench.bench_crosslingual [--data-dir DIR]

Without ``--data-dir`` the corpus (31,030 articles) and the seed article are
ingested into a temporary archive first (a few minutes); with it, an archive
built before is reused (ingested into it when empty).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from arshif.crosslingual import CrossLingual
from arshif.engines.embedded import EmbeddedEngine
from arshif.search import Filters, SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)

SHARED = PROJECT_ROOT.parent / "shared"
SAUDI = SHARED / "corpora" / "saudinewsnet"
SEED = SHARED / "seed" / "000_2d331081257e349b.txt"
LABELS = Path(__file__).with_name("crosslingual_labels.json")


def normalise(text: str) -> str:
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if not "\u064B" <= ch <= "\u0652")
    return text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "\u0640": None}))


def build(data_dir: Path) -> EmbeddedEngine:
    settings = Settings(data_dir=data_dir, translator="none")
    engine = EmbeddedEngine(settings.embedded_path)
    if engine.count() == 0:
        started = time.perf_counter()
        summary = ingest(sorted(SAUDI.glob("*.zip")) + [SEED], engine)
        engine.optimize()
        print(f"ingested {summary.indexed} articles in {time.perf_counter() - started:.0f}s "
              f"({len(summary.skipped)} skipped)")
    return engine


def corpus_texts(engine: EmbeddedEngine) -> dict[str, str]:
    rows = engine._conn().execute("SELECT id, doc FROM articles WHERE language='ar'").fetchall()
    out = {}
    for aid, doc in rows:
        d = json.loads(doc)
        out[aid] = normalise(f"{d.get('title', '')}\n{d.get('body', '')}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="Archive to use (built there when empty).")
    parser.add_argument("--show", action="store_true", help="Also print each query's alternatives.")
    args = parser.parse_args()
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="arshif-xling-")
        args.data_dir = Path(tmp.name)
    engine = build(args.data_dir)
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["queries"]
    texts = corpus_texts(engine)
    print(f"archive: {engine.count()} articles ({len(texts)} Arabic); provider: none (lexicon + transliteration)")
    cl = CrossLingual(engine=engine)
    cl.alternatives("warm up")  # loads the lexicon once

    print(f"\n{'query':<20}{'alts':>5}{'hits':>7}{'P@10':>7}{'relevant':>10}{'recall':>8}{'alt ms':>8}{'search ms':>10}")
    precisions, recalls = [], []
    for query, patterns in labels.items():
        rx = [re.compile(p, re.S) for p in patterns]
        relevant = {aid for aid, text in texts.items() if any(r.search(text) for r in rx)}
        t0 = time.perf_counter()
        alternatives = cl.alternatives(query)
        ms = (time.perf_counter() - t0) * 1000
        request = SearchRequest(q=query, alternatives=alternatives, size=10, highlight=False,
                                filters=Filters(language=["ar"]))
        t0 = time.perf_counter()
        response = engine.search(request)
        search_ms = (time.perf_counter() - t0) * 1000
        top = [h.id for h in response.hits]
        p10 = sum(1 for aid in top if aid in relevant) / len(top) if top else 0.0
        found = {h.id for h in engine.scan(request, batch=1000)} if response.total else set()
        recall = len(found & relevant) / len(relevant) if relevant else 0.0
        precisions.append(p10)
        recalls.append(recall)
        print(f"{query:<20}{len(alternatives):>5}{response.total:>7}{p10:>7.2f}{len(relevant):>10}{recall:>8.2f}{ms:>8.0f}{search_ms:>10.0f}")
        if args.show:
            print("    " + " | ".join(alternatives))
    n = len(precisions)
    print(f"\nmean P@10 {sum(precisions) / n:.2f}   mean recall {sum(recalls) / n:.2f}   over {n} queries")
    engine.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
