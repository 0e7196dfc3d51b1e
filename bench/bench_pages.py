"""Page benchmark: server-side rendering of the search page over the full SaudiNewsNet corpus.

Ingests every SaudiNewsNet zip into an embedded archive (a temp dir, or
``--data-dir``), then requests the HTML search page in-process (TestClient over
``create_app``) for 60 two-word Arabic queries with all four facets, the date
histogram and highlighting — exactly what a person's browser asks for — and
prints p50/p95/max milliseconds per page. The same queries are also timed at
the engine alone (``SearchService.search``) so the split between engine and
page (templates, view model) is visible. Target: page p95 ≤ 150 ms.

    .venv/bin/python -m bench.bench_pages [--data-dir DIR] [--reuse] [--rounds N] [--profile]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest

SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"
TARGET_P95_MS = 150.0

#: Two-word Arabic queries as a researcher of Saudi news from summer 2015 would type them.
QUERIES: list[str] = [
    "وزارة الصحة", "ولي العهد", "أسعار النفط", "الملك سلمان", "مجلس الوزراء", "الأمن العام",
    "الدفاع المدني", "وزارة التعليم", "سوق الأسهم", "المنطقة الشرقية", "مكة المكرمة", "المدينة المنورة",
    "خادم الحرمين", "الحرس الوطني", "التحالف العربي", "عاصفة الحزم", "الأمم المتحدة", "الاتفاق النووي",
    "كورونا الرياض", "فيروس كورونا", "حادث مروري", "الهلال النصر", "كرة القدم", "المنتخب السعودي",
    "الدوري السعودي", "موسم الحج", "وزارة الداخلية", "هيئة الأمر", "البنك المركزي", "القطاع الخاص",
    "سوق العمل", "وزارة العمل", "الإسكان الرياض", "أمانة جدة", "أمطار غزيرة", "درجات الحرارة",
    "الطقس اليوم", "جامعة الملك", "التعليم العالي", "طلاب المدارس", "الإرهاب داعش", "تنظيم داعش",
    "الحوثي صنعاء", "اليمن عدن", "إيران النووي", "سوريا الأسد", "العراق بغداد", "مصر القاهرة",
    "تركيا أردوغان", "مجلس الشورى", "هيئة مكافحة", "الفساد المالي", "أرامكو السعودية", "أوبك النفط",
    "الريال السعودي", "العقار الأسعار", "مطار الملك", "الخطوط السعودية", "حرس الحدود", "مستشفى الملك",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(name: str, values: list[float]) -> str:
    return (f"{name:<22} n={len(values):<4} p50={statistics.median(values):7.1f} ms  "
            f"p95={percentile(values, 95):7.1f} ms  max={max(values):7.1f} ms")


def build(data_dir: Path, reuse: bool) -> Settings:
    settings = Settings(data_dir=data_dir, translator="none")
    if reuse and settings.embedded_path.exists():
        print(f"reusing the archive at {settings.embedded_path}")
        return settings
    zips = sorted(SAUDI.glob("*.zip"))
    if not zips:
        sys.exit(f"no SaudiNewsNet zips under {SAUDI}")
    engine = EmbeddedEngine(settings.embedded_path)
    t0 = time.perf_counter()
    result = ingest(zips, engine, batch_size=500)
    if hasattr(engine, "optimize"):
        engine.optimize()
    elapsed = time.perf_counter() - t0
    print(f"ingested {result.indexed + result.updated + result.unchanged:,} articles from {len(zips)} zips "
          f"in {elapsed:.0f} s ({result.read / elapsed:.0f} docs/s); skipped {len(result.skipped)}")
    engine.close()
    return settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="archive directory (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="skip the ingest when the archive already exists")
    ap.add_argument("--rounds", type=int, default=2, help="passes over the query list (default 2)")
    ap.add_argument("--profile", action="store_true", help="profile one pass with pyinstrument (if installed)")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="arshif-bench-pages-"))
    settings = build(data_dir, args.reuse)

    from fastapi.testclient import TestClient

    from web.app import create_app
    from web.service import SearchParams

    app = create_app(settings)
    service = app.state.service
    print(f"archive: {service.engine.count():,} articles; {len(QUERIES)} two-word Arabic queries × {args.rounds} "
          f"rounds; all facets (source, author, language, tag), date histogram, highlighting")
    page_ms: list[float] = []
    engine_ms: list[float] = []
    totals: list[int] = []
    with TestClient(app) as client:
        for q in QUERIES[:3]:  # warm caches and compile templates
            client.get("/search", params={"q": q, "ui": "ar"})
        for _ in range(args.rounds):
            for q in QUERIES:
                t0 = time.perf_counter()
                r = client.get("/search", params={"q": q, "ui": "ar"})
                page_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (q, r.status_code)
                assert 'data-field="source"' in r.text or "لا توجد مقالات" in r.text
                t0 = time.perf_counter()
                resp = service.search(SearchParams(q=q))
                engine_ms.append((time.perf_counter() - t0) * 1000)
                totals.append(resp.total)
        print(f"hits per query: median {statistics.median(totals):,.0f}, max {max(totals):,}, "
              f"zero-hit queries {sum(1 for t in totals if t == 0) // args.rounds}")
        print(summary("search page (HTML)", page_ms))
        print(summary("engine alone", engine_ms))
        print(f"page overhead (median page − median engine): "
              f"{statistics.median(page_ms) - statistics.median(engine_ms):.1f} ms")
        p95 = percentile(page_ms, 95)
        print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}")
        if args.profile:
            try:
                from pyinstrument import Profiler
            except ImportError:
                print("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
                return
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for q in QUERIES:
                client.get("/search", params={"q": q, "ui": "ar"})
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
