"""The translator the ingest pipeline calls: chunking, cache, concurrency, rate limit, retries.

:meth:`Translator.translate_batch` fills ``article.translations[target]`` for each
article in the batch whose language has a target in ``translate_targets``
(``ar:en,en:ar``): a ``done`` machine translation with its provenance, or — when
the provider could not be reached within the bounded retries — a ``pending``
one with the reason, so the article is still indexed in its own language and
``arshif translate --pending`` finishes the work later. Articles that already
carry a done translation into the target (provided or human) are left alone.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from arshif.model import Article, Translation
from indexer.translate.cache import TranslationCache
from indexer.translate.chunking import chunk_text
from indexer.translate.providers import Provider, ProviderError
from indexer.translate.ratelimit import TokenBucket

log = logging.getLogger("arshif.translate")


def parse_targets(spec: str) -> dict[str, str]:
    """``'ar:en,en:ar'`` → ``{'ar': 'en', 'en': 'ar'}`` (source language → target language)."""
    targets: dict[str, str] = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        src, sep, tgt = part.partition(":")
        if not sep or not src.strip() or not tgt.strip() or src.strip() == tgt.strip():
            raise ValueError(f"translate_targets takes SOURCE:TARGET pairs such as 'ar:en,en:ar', got '{part}'")
        targets[src.strip()] = tgt.strip()
    return targets


class TranslationFailed(RuntimeError):
    pass


@dataclass
class _Outcome:
    text: str | None = None
    model: str = ""
    error: str = ""


class Translator:
    """See the module docstring. Thread-safe; one per process is enough."""

    def __init__(
        self,
        provider: Provider,
        *,
        targets: dict[str, str] | str = "ar:en,en:ar",
        cache: TranslationCache | None = None,
        concurrency: int = 4,
        rate_per_second: float = 10.0,
        max_chars: int = 4500,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        breaker_threshold: int = 3,
        breaker_cooldown: float = 60.0,
    ):
        self.provider = provider
        self.targets = parse_targets(targets) if isinstance(targets, str) else dict(targets)
        self.cache = cache
        self.concurrency = max(1, int(concurrency))
        self.bucket = TokenBucket(rate_per_second, capacity=max(1.0, min(rate_per_second, self.concurrency)))
        self.max_chars = max_chars
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.breaker_threshold = max(1, breaker_threshold)
        self.breaker_cooldown = breaker_cooldown
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._failures_in_a_row = 0
        self._open_until = 0.0
        self._last_error = ""
        self._stats = {
            "articles": 0, "translated": 0, "pending": 0, "skipped": 0,
            "chunks": 0, "requests": 0, "cache_hits": 0, "cache_misses": 0, "retries": 0, "failures": 0,
            "chars_translated": 0, "seconds": 0.0,
        }

    # --- public --------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.provider.name

    def stats(self) -> dict:
        with self._lock:
            s = dict(self._stats)
        lookups = s["cache_hits"] + s["cache_misses"]
        s["cache_hit_rate"] = round(s["cache_hits"] / lookups, 3) if lookups else 0.0
        s["seconds"] = round(s["seconds"], 2)
        s["provider"] = self.provider.name
        return s

    def needs_translation(self, article: Article) -> str | None:
        """The target language ``article`` should be translated into, or None."""
        target = self.targets.get(article.language)
        if not target:
            return None
        existing = article.translations.get(target)
        if existing is not None and existing.status == "done":
            return None
        if not (article.title.strip() or article.body.strip()):
            return None
        return target

    def translate_batch(self, articles: list[Article]) -> None:
        """Translate the title and body of every article that needs it (mutates ``article.translations``)."""
        started = time.perf_counter()
        work: list[tuple[Article, str, list, list]] = []  # article, target, [title chunked, body chunked]
        jobs: dict[tuple[str, str, str], _Outcome | None] = {}
        for article in articles:
            if article.language not in self.targets:
                continue
            self._count("articles")
            target = self.needs_translation(article)
            if target is None:
                self._count("skipped")
                continue
            parts = [chunk_text(article.title, self.max_chars), chunk_text(article.body, self.max_chars)]
            for part in parts:
                for chunk in part.chunks:
                    jobs.setdefault((article.language, target, chunk), None)
            work.append((article, target, parts, []))
        if not work:
            return
        self._count("chunks", len(jobs))
        self._run_jobs(jobs)
        now = datetime.now(timezone.utc)
        for article, target, parts, _ in work:
            texts: list[str] = []
            errors: list[str] = []
            models: list[str] = []
            for part in parts:
                outs = [jobs[(article.language, target, c)] for c in part.chunks]
                failed = [o.error for o in outs if o is None or o.text is None]
                if failed:
                    errors.extend(failed)
                    texts.append("")
                    continue
                texts.append(part.join([o.text for o in outs]))  # type: ignore[misc]
                models.extend(o.model for o in outs if o.model)
            if errors:
                self._count("pending")
                article.translations[target] = Translation(
                    language=target, status="pending", kind="machine", provider=self.provider.name,
                    model=self.provider.model, reason=errors[0] or "translation failed")
            else:
                self._count("translated")
                article.translations[target] = Translation(
                    language=target, title=texts[0], body=texts[1], status="done", kind="machine",
                    provider=self.provider.name, model=models[0] if models else self.provider.model,
                    translated_at=now)
        self._count("seconds", time.perf_counter() - started)

    def translate_text(self, text: str, source: str, target: str, *, attempts: int | None = None) -> str:
        """Translate any text (chunked, cached); raises :class:`TranslationFailed` when it cannot."""
        part = chunk_text(text, self.max_chars)
        if not part.chunks:
            return text
        jobs: dict[tuple[str, str, str], _Outcome | None] = {(source, target, c): None for c in part.chunks}
        self._run_jobs(jobs, attempts=attempts)
        outs = [jobs[(source, target, c)] for c in part.chunks]
        bad = [o.error for o in outs if o is None or o.text is None]
        if bad:
            raise TranslationFailed(bad[0])
        return part.join([o.text for o in outs])  # type: ignore[misc]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self.cache is not None:
            self.cache.close()
        self.provider.close()

    # --- the work ------------------------------------------------------------------------

    def _run_jobs(self, jobs: dict, attempts: int | None = None) -> None:
        misses = []
        for key in jobs:
            src, tgt, chunk = key
            hit = self.cache.get(self.provider.name, src, tgt, chunk) if self.cache is not None else None
            if hit is not None:
                self._count("cache_hits")
                jobs[key] = _Outcome(hit[0], hit[1])
            else:
                misses.append(key)
        if not misses:
            return
        self._count("cache_misses", len(misses))
        if len(misses) == 1 or self.concurrency == 1:
            for key in misses:
                jobs[key] = self._translate_chunk(*key, attempts=attempts)
            return
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="translate")
            executor = self._executor
        futures = {key: executor.submit(self._translate_chunk, *key, attempts=attempts) for key in misses}
        for key, fut in futures.items():
            jobs[key] = fut.result()

    def _translate_chunk(self, source: str, target: str, text: str, attempts: int | None = None) -> _Outcome:
        attempts = attempts or self.max_attempts
        for attempt in range(1, attempts + 1):
            paused = self._breaker_open()
            if paused:
                return _Outcome(error=paused)
            self.bucket.acquire()
            self._count("requests")
            try:
                out = self.provider.translate(text, source, target)
            except ProviderError as exc:
                if exc.transient and attempt < attempts:
                    self._count("retries")
                    delay = exc.retry_after if exc.retry_after is not None else \
                        self.backoff_base * (2 ** (attempt - 1)) * (1 + random.random() / 4)
                    delay = min(delay, self.backoff_max)
                    log.info("translation retry %d/%d in %.1fs: %s", attempt, attempts - 1, delay, exc)
                    time.sleep(delay)
                    continue
                self._failed(str(exc))
                what = f" after {attempt} attempts" if attempt > 1 else ""
                return _Outcome(error=f"{exc}{what}")
            except Exception as exc:  # noqa: BLE001 - a provider bug must not stop ingest
                self._failed(f"{self.provider.name}: {type(exc).__name__}: {exc}")
                return _Outcome(error=f"{self.provider.name}: {type(exc).__name__}: {exc}")
            self._succeeded(len(text))
            if self.cache is not None:
                self.cache.put(self.provider.name, source, target, text, out, self.provider.model)
            return _Outcome(out, self.provider.model)
        return _Outcome(error="translation failed")  # pragma: no cover - loop always returns

    # --- bookkeeping ---------------------------------------------------------------------

    def _count(self, key: str, n: float = 1) -> None:
        with self._lock:
            self._stats[key] += n

    def _succeeded(self, chars: int) -> None:
        with self._lock:
            self._stats["chars_translated"] += chars
            self._failures_in_a_row = 0
            self._open_until = 0.0

    def _failed(self, reason: str) -> None:
        with self._lock:
            self._stats["failures"] += 1
            self._failures_in_a_row += 1
            self._last_error = reason
            if self._failures_in_a_row >= self.breaker_threshold:
                self._open_until = time.monotonic() + self.breaker_cooldown
        log.warning("translation failed: %s", reason)

    def _breaker_open(self) -> str | None:
        """A reason when the provider has failed too often in a row to be tried again just now."""
        with self._lock:
            if self._open_until and time.monotonic() < self._open_until:
                return (f"provider paused for {self.breaker_cooldown:g}s after {self._failures_in_a_row} "
                        f"failures in a row; last: {self._last_error}")
        return None
