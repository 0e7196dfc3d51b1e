"""Throughput check for the analyzers: ``python -m bench.bench_analysis [corpus.zip] [megabytes]``.

Reads article ``content`` from a SaudiNewsNet-style zip (one JSON array of
objects), takes about N MB of text and prints, per analyzer and method, the
tokenizer tokens processed per CPU second (best of three runs), with a cold
per-word cache (fresh analyzer) and a warm one.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from collections.abc import Callable

from arshif.analysis import Analyzer, build_analyzer, load_analysis_settings
from arshif.settings import PROJECT_ROOT

#: The shared corpora sit beside the checkout (never copied into it).
DEFAULT_CORPUS = str(PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet" / "2015-07-21.zip")


def load_texts(path: str, megabytes: float) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        data = json.loads(zf.read(zf.namelist()[0]))
    texts, size = [], 0
    for article in data:
        content = article.get("content") or ""
        texts.append(content)
        size += len(content)
        if size >= megabytes * 1_000_000:
            break
    return texts


def _time(texts: list[str], fn: Callable[[str], list]) -> tuple[float, int]:
    t0 = time.process_time()
    out = 0
    for t in texts:
        out += len(fn(t))
    return time.process_time() - t0, out


def main(argv: list[str]) -> None:
    path = argv[1] if len(argv) > 1 and argv[1] else DEFAULT_CORPUS
    megabytes = float(argv[2]) if len(argv) > 2 else 5.0
    texts = load_texts(path, megabytes)
    settings = load_analysis_settings()

    def fresh(name: str) -> Analyzer:
        return build_analyzer(name, settings)

    words = sum(len(fresh("arshif_exact")._tfindall(t)) for t in texts)
    print(f"{len(texts)} texts, {sum(map(len, texts)) / 1e6:.2f} M chars, {words} tokenizer tokens")
    cases: list[tuple[str, Callable[[Analyzer, Analyzer], Callable[[str], list]]]] = [
        ("arshif_text.analyze", lambda t, e: t.analyze),
        ("arshif_text.tokens", lambda t, e: t.tokens),
        ("arshif_text.terms", lambda t, e: t.terms),
        ("arshif_exact.analyze", lambda t, e: e.analyze),
        ("arshif_exact.tokens", lambda t, e: e.tokens),
        ("exact.analyze_with(text)", lambda t, e: lambda s: e.analyze_with(t, s)),
    ]
    for label, pick in cases:
        cold = min(_time(texts, pick(fresh("arshif_text"), fresh("arshif_exact")))[0] for _ in range(3))
        warm_text, warm_exact = fresh("arshif_text"), fresh("arshif_exact")
        fn = pick(warm_text, warm_exact)
        _time(texts, fn)
        warm, emitted = min(_time(texts, fn) for _ in range(3))
        print(f"{label:26s} cold {words / cold / 1e6:5.2f} M tok/s   warm {words / warm / 1e6:5.2f} M tok/s"
              f"   ({emitted} tokens out)")


if __name__ == "__main__":
    main(sys.argv)
