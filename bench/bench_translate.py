"""Translation throughput at ingest, against a local LibreTranslate stand-in answering in 50 ms.

Ingests 2,000 Arabic SaudiNewsNet articles with translation on (the real
deep-translator LibreTranslator talking HTTP to ``tests/translate_server.py``),
prints requests/s and characters/s against what the configured concurrency
allows (concurrency / latency), then ingests the same articles into a second
index with the same cache: zero requests.

    .venv/bin/python -m bench.bench_translate [--articles 2000] [--concurrency 4] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest
from indexer.translate import build_translator

sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from translate_server import TranslateServer  # noqa: E402

logging.getLogger("arshif.ingest").setLevel(logging.ERROR)
SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"


def sample(path: Path, n: int) -> Path:
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        for z in sorted(SAUDI.glob("*.zip")):
            with zipfile.ZipFile(z) as zf:
                for name in zf.namelist():
                    for rec in json.loads(zf.read(name)):
                        if written >= n:
                            return path
                        if (rec.get("title") or "").strip() and (rec.get("content") or "").strip():
                            rec["language"] = "ar"
                            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                            written += 1
    return path


def run(settings: Settings, index: Path, source: Path, server: TranslateServer) -> tuple[dict, float, int]:
    server.reset_counts()
    engine = EmbeddedEngine(index)
    translator = build_translator(settings)
    started = time.perf_counter()
    summary = ingest([source], engine, translator=translator)
    elapsed = time.perf_counter() - started
    engine.close()
    translator.close()
    return summary.translation, elapsed, summary.indexed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=Settings().translate_concurrency)
    parser.add_argument("--rate", type=float, default=1000.0, help="translate_rate_per_second (default: no limit in practice)")
    parser.add_argument("--delay", type=float, default=0.05, help="server latency per request, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arshif-tr-bench-") as tmp, TranslateServer(delay=args.delay) as server:
        root = Path(tmp)
        source = sample(root / "articles.jsonl", args.articles)
        settings = Settings(data_dir=root / "data", translator="libre", translator_url=server.url,
                            translate_concurrency=args.concurrency, translate_rate_per_second=args.rate)
        ceiling = min(args.concurrency / args.delay, args.rate) if args.delay else args.rate
        print(f"{args.articles} Arabic SaudiNewsNet articles → en; server latency {args.delay * 1000:.0f} ms; "
              f"concurrency {args.concurrency}; rate limit {args.rate:g}/s; max chars {settings.translate_max_chars}")

        stats, elapsed, indexed = run(settings, root / "one.db", source, server)
        req_s = stats["requests"] / stats["seconds"] if stats["seconds"] else 0.0
        print(f"\nrun 1: {indexed} articles indexed in {elapsed:.1f}s ({indexed / elapsed:.0f} articles/s)")
        print(f"  translation time {stats['seconds']:.1f}s, {stats['requests']} requests "
              f"({server.requests} seen by the server, at most {server.max_in_flight} at once), "
              f"{stats['chars_translated']:,} chars")
        print(f"  throughput {req_s:.1f} requests/s, {stats['chars_translated'] / stats['seconds']:,.0f} chars/s "
              f"— ceiling {ceiling:.0f} requests/s (concurrency / latency): {req_s / ceiling:.0%} of it")
        print(f"  translated {stats['translated']}, pending {stats['pending']}, cache hits {stats['cache_hits']}")

        stats2, elapsed2, indexed2 = run(settings, root / "two.db", source, server)
        print(f"\nrun 2 (second index, same cache): {indexed2} articles in {elapsed2:.1f}s; "
              f"{stats2['requests']} requests ({server.requests} seen by the server), "
              f"cache hits {stats2['cache_hits']}, hit rate {stats2['cache_hit_rate']:.0%}")


if __name__ == "__main__":
    main()
