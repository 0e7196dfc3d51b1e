"""Cross-lingual search offline, on the full archive and on every engine.

The archive: SaudiNewsNet (31,030 Arabic articles), the BBC corpus (2,225
English), the seed article, and XQuAD's 240 Wikipedia paragraphs in Arabic and
in English (sources ``XQuAD-ar`` / ``XQuAD-en``; titled by their first words so
no English Wikipedia title leaks into an Arabic paragraph). No translation
provider: query alternatives come from the offline lexicon
(:mod:`arshif.crosslingual`). For each engine it prints:

* **XQuAD en→ar** — each of the 1,190 English questions, ``mode=cross``, with
  the English paragraphs left out (``-source:XQuAD-en``, as if only the Arabic
  ones had been ingested): recall@10 of the question's Arabic paragraph.
* **XQuAD ar→en** — each Arabic question, the Arabic paragraphs left out:
  recall@10 of its English paragraph.
* **entities** — ``bench/crosslingual_entities.json``: people, places and
  organisations of the corpora, typed in English; share whose top hit
  mentions the entity (in either language), and whose top *Arabic* hit does.
* **topics** — ``crosslingual_labels.json``: precision@10 of English topic
  queries on the Arabic articles, judged by the labels.
* **latency** — p50/p95 of a cross query (building the alternatives + the
  search, 10 hits, highlights), over every query above.

    .venv/bin/python -m bench.bench_crosslingual [--engines embedded,opensearch,elasticsearch]
        [--data-dir DIR] [--limit N] [--show]

Remote engines are read from ``ARSHIF_TEST_OPENSEARCH_URL`` / ``ARSHIF_TEST_ELASTICSEARCH_URL``;
their index (``arshif-xling-bench``) and the embedded archive under ``--data-dir``
are reused when they already hold the archive.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from arshif.crosslingual import CrossLingual
from arshif.search import Filters, SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)

SHARED = Path(os.environ.get("ARSHIF_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SAUDI = SHARED / "corpora" / "saudinewsnet"
BBC = SHARED / "corpora" / "bbc" / "bbc-news.jsonl"
SEED = SHARED / "seed" / "000_2d331081257e349b.txt"
XQUAD = SHARED / "relevance" / "xquad"
LABELS = Path(__file__).with_name("crosslingual_labels.json")
ENTITIES = Path(__file__).with_name("crosslingual_entities.json")
URLS = {"opensearch": os.environ.get("ARSHIF_TEST_OPENSEARCH_URL", "http://127.0.0.1:9201"),
        "elasticsearch": os.environ.get("ARSHIF_TEST_ELASTICSEARCH_URL", "http://127.0.0.1:9202")}
INDEX = "arshif-xling-bench"


def normalise(text: str) -> str:
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if not "\u064B" <= ch <= "\u0652")
    return text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "\u0640": None}))


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else 0.0


# --- XQuAD -------------------------------------------------------------------------------------


def xquad(lang: str) -> list[dict]:
    return json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]


def paragraph_url(lang: str, article: int, paragraph: int) -> str:
    return f"https://xquad.invalid/{lang}/{article}/{paragraph}"


def xquad_records(lang: str) -> list[dict]:
    out = []
    for a, art in enumerate(xquad(lang)):
        for p, par in enumerate(art["paragraphs"]):
            context = par["context"].strip()
            out.append({"title": " ".join(context.split()[:8]), "content": context, "language": lang,
                        "source": f"XQuAD-{lang}", "url": paragraph_url(lang, a, p)})
    return out


def xquad_questions(lang: str) -> list[tuple[str, str]]:
    """(question, url of its paragraph in the other language) for every question."""
    other = "ar" if lang == "en" else "en"
    return [(qa["question"].strip(), paragraph_url(other, a, p))
            for a, art in enumerate(xquad(lang)) for p, par in enumerate(art["paragraphs"]) for qa in par["qas"]]


# --- the archive -------------------------------------------------------------------------------


def open_bench_engine(kind: str, data_dir: Path):
    if kind == "embedded":
        from arshif.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(data_dir / "embedded.db", settings=Settings(data_dir=data_dir))
    from arshif.engines.remote import RemoteEngine

    settings = Settings(data_dir=data_dir, engine=f"{kind}+{URLS[kind]}", index_name=INDEX)
    return RemoteEngine(kind, URLS[kind], settings)


def build(engine, work: Path) -> None:
    if engine.count() >= 33_000:
        return
    started = time.perf_counter()
    for lang in ("ar", "en"):
        path = work / f"xquad-{lang}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in xquad_records(lang)),
                        encoding="utf-8")
    summary = ingest(sorted(SAUDI.glob("*.zip")) + [SEED, work / "xquad-ar.jsonl", work / "xquad-en.jsonl"], engine)
    summary_bbc = ingest([BBC], engine, defaults={"source": "BBC"})
    if hasattr(engine, "optimize"):
        engine.optimize()
    print(f"  ingested {summary.indexed + summary_bbc.indexed} articles in {time.perf_counter() - started:.0f}s")


def url_ids(engine) -> dict[str, str]:
    from arshif.model import stable_id

    return {paragraph_url(lang, a, p): stable_id(paragraph_url(lang, a, p), "", "")
            for lang in ("ar", "en") for a, art in enumerate(xquad(lang)) for p, _ in enumerate(art["paragraphs"])}


# --- measures ----------------------------------------------------------------------------------


class Runner:
    """Runs cross queries on one engine and keeps their latencies."""

    def __init__(self, engine, lexicon_dir: Path | None):
        self.engine = engine
        self.cl = CrossLingual(Settings(lexicon_dir=lexicon_dir), engine=engine)
        self.latencies: list[float] = []
        self.zero = 0
        self.failed = 0

    def search(self, q: str, filters: Filters | None = None, size: int = 10):
        from arshif.search.contract import SearchResponse

        t0 = time.perf_counter()
        alternatives = self.cl.alternatives(q)
        try:
            response = self.engine.search(SearchRequest(q=q, alternatives=alternatives, size=size,
                                                        filters=filters or Filters(), highlight=True))
        except Exception as exc:  # noqa: BLE001 - a search past its time budget counts as a miss, and is told
            self.failed += 1
            print(f"    search failed ({type(exc).__name__}): {q[:80]}", flush=True)
            response = SearchResponse(total=0, hits=[])
        self.latencies.append((time.perf_counter() - t0) * 1000)
        if not response.total:
            self.zero += 1
        return alternatives, response


def recall_xquad(runner: Runner, lang: str, ids: dict[str, str], limit: int | None, show: bool) -> tuple[float, float]:
    """R@10 and zero-result share of ``lang`` questions against the other language's paragraphs."""
    other = "ar" if lang == "en" else "en"
    questions = xquad_questions(lang)
    if limit:
        questions = questions[::max(1, len(questions) // limit)][:limit]
    flt = Filters(exclude={"source": [f"XQuAD-{lang}"]})
    found = zero = 0
    for q, url in questions:
        alts, response = runner.search(q, flt)
        top = [h.id for h in response.hits]
        found += ids[url] in top
        zero += not response.total
        if show and ids[url] not in top:
            print(f"    miss [{other}] {q} → {' | '.join(alts)[:300]}")
    return found / len(questions), zero / len(questions)


def entities(runner: Runner, show: bool) -> tuple[float, float, int]:
    items = json.loads(ENTITIES.read_text(encoding="utf-8"))["entities"]
    top_any = top_ar = 0
    for item in items:
        rx = re.compile(item["mentions"], re.I)
        _, response = runner.search(item["name"])
        ok = False
        if response.hits:
            art = runner.engine.get(response.hits[0].id)
            ok = bool(rx.search(normalise(f"{art.title}\n{art.body}")))
        _, arabic = runner.search(item["name"], Filters(language=["ar"]), size=1)
        ok_ar = False
        if arabic.hits:
            art = runner.engine.get(arabic.hits[0].id)
            ok_ar = bool(rx.search(normalise(f"{art.title}\n{art.body}")))
        top_any += ok
        top_ar += ok_ar
        if show and not (ok and ok_ar):
            print(f"    entity {item['name']}: top {'ok' if ok else 'WRONG'}, top Arabic {'ok' if ok_ar else 'WRONG'}"
                  f" → {' | '.join(runner.cl.alternatives(item['name']))[:200]}")
    return top_any / len(items), top_ar / len(items), len(items)


def arabic_texts(engine) -> dict[str, str]:
    out = {}
    for hit in engine.scan(SearchRequest(q="", filters=Filters(language=["ar"]), highlight=False), batch=1000):
        out[hit.id] = None
    for i, ids in enumerate(_chunks(list(out), 500)):
        for aid, art in engine.get_many(ids).items():
            out[aid] = normalise(f"{art.title}\n{art.body}")
    return out


def _chunks(xs, n):
    for i in range(0, len(xs), n):
        yield xs[i:i + n]


def topics(runner: Runner, texts: dict[str, str], show: bool) -> float:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["queries"]
    precisions = []
    for query, patterns in labels.items():
        rx = [re.compile(p, re.S) for p in patterns]
        alts, response = runner.search(query, Filters(language=["ar"]))
        top = [h.id for h in response.hits]
        p10 = sum(1 for aid in top if texts.get(aid) and any(r.search(texts[aid]) for r in rx)) / len(top) if top else 0.0
        precisions.append(p10)
        if show:
            print(f"    {query:<22} P@10 {p10:.2f}  {response.total:>6} hits  {' | '.join(alts)[:160]}")
    return sum(precisions) / len(precisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="embedded,opensearch,elasticsearch")
    parser.add_argument("--data-dir", type=Path, help="Where the embedded archive is kept (reused when present).")
    parser.add_argument("--limit", type=int, help="XQuAD questions per direction (default: all 1,190).")
    parser.add_argument("--only", default="xquad-en,xquad-ar,entities,topics")
    parser.add_argument("--lexicon-dir", type=Path, help="optional lexicon files (default: DATA_DIR/lexicon if built)")
    parser.add_argument("--shipped-only", action="store_true", help="ignore the optional MUSE/ANETAC files")
    parser.add_argument("--show", action="store_true", help="Print misses and each topic's alternatives.")
    args = parser.parse_args()
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="arshif-xling-")
        args.data_dir = Path(tmp.name)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    from arshif.lexicon import load_lexicon
    from arshif.lexicon.dictionary import load_dictionary

    lexicon_dir = args.lexicon_dir
    if lexicon_dir is None and (args.data_dir / "lexicon").exists():
        lexicon_dir = args.data_dir / "lexicon"
    if args.shipped_only:
        lexicon_dir = Path("/nonexistent")
    loaded = load_dictionary(lexicon_dir).loaded
    print(f"lexicon: {len(load_lexicon())} phrase entries; dictionary: "
          f"{', '.join(f'{k} {v}' for k, v in loaded.items())}; provider: none")
    rows = []
    for kind in args.engines.split(","):
        engine = open_bench_engine(kind, args.data_dir)
        print(f"\n== {kind}")
        build(engine, args.data_dir)
        ids = url_ids(engine)
        runner = Runner(engine, lexicon_dir)
        runner.cl.alternatives("warm up")
        row = {"engine": kind, "docs": engine.count()}
        only = args.only.split(",")
        if "xquad-en" in only:
            row["en→ar R@10"], row["en→ar zero"] = recall_xquad(runner, "en", ids, args.limit, args.show)
            print(f"  XQuAD en→ar R@10 {row['en→ar R@10']:.3f} (zero results {row['en→ar zero']:.1%})")
        if "xquad-ar" in only:
            row["ar→en R@10"], row["ar→en zero"] = recall_xquad(runner, "ar", ids, args.limit, args.show)
            print(f"  XQuAD ar→en R@10 {row['ar→en R@10']:.3f} (zero results {row['ar→en zero']:.1%})")
        if "entities" in only:
            row["entity top"], row["entity top ar"], n = entities(runner, args.show)
            print(f"  entities ({n}): top hit mentions it {row['entity top']:.1%}; "
                  f"top Arabic hit {row['entity top ar']:.1%}")
        if "topics" in only:
            row["topic P@10"] = topics(runner, arabic_texts(engine), args.show)
            print(f"  topics P@10 {row['topic P@10']:.3f}")
        row["p50 ms"], row["p95 ms"] = percentile(runner.latencies, 50), percentile(runner.latencies, 95)
        print(f"  cross query (alternatives + search) p50 {row['p50 ms']:.0f} ms, p95 {row['p95 ms']:.0f} ms "
              f"over {len(runner.latencies)} queries ({runner.failed} failed); load {os.getloadavg()[0]:.1f}")
        rows.append(row)
        engine.close()
    keys = [k for k in rows[0] if k != "engine"]
    print("\n" + f"{'':<16}" + "".join(f"{r['engine']:>16}" for r in rows))
    for k in keys:
        cells = []
        for r in rows:
            v = r.get(k)
            cells.append(f"{v:>16.3f}" if isinstance(v, float) and v < 2 else f"{v!s:>16}" if not isinstance(v, float)
                         else f"{v:>16.0f}")
        print(f"{k:<16}" + "".join(cells))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
