"""Translating articles that are already in the archive (``arshif translate --pending`` / ``--all``).

Articles whose translation failed at ingest are indexed in their own language
with a ``pending`` translation and its reason; this pass translates them (the
cache makes chunks that did get through free) and writes them back, so the
index gains the translation columns. Nothing is removed or re-read from the
source files in between.
"""

from __future__ import annotations

from typing import Callable

from arshif.engines.base import Engine
from indexer.translate.translator import Translator


def translate_archive(engine: Engine, translator: Translator, *, include_untranslated: bool = False,
                      batch_size: int = 100, on_total: Callable[[int], None] | None = None,
                      on_progress: Callable[[int], None] | None = None) -> dict:
    """Translate the archive's pending articles (and, with ``include_untranslated``, those never translated)."""
    ids = engine.pending_ids(include_untranslated=include_untranslated)
    if on_total:
        on_total(len(ids))
    summary = {"considered": len(ids), "translated": 0, "still_pending": 0, "not_applicable": 0,
               "written": 0, "failed_writes": 0}
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        articles = [a for a in (engine.get(i) for i in chunk) if a is not None]
        todo = [a for a in articles if translator.needs_translation(a)]
        summary["not_applicable"] += len(chunk) - len(todo)
        if todo:
            translator.translate_batch(todo)
            for article in todo:
                if article.translation_status == "done":
                    summary["translated"] += 1
                else:
                    summary["still_pending"] += 1
            result = engine.upsert(todo)
            summary["written"] += len(result.updated) + len(result.created)
            summary["failed_writes"] += len(result.failed)
        if on_progress:
            on_progress(len(chunk))
    summary["translation"] = translator.stats()
    return summary
