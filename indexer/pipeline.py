"""The write path, end to end: readers → clean → detect language → tag entities → translate → story → index.

:func:`ingest` streams records from the readers in batches, so memory stays flat
whatever the corpus size, and writes each batch in one engine transaction. A bad
record is reported with its file and line and skipped; every good record lands.
Re-running an ingest is idempotent (stable ids; unchanged articles are not
rewritten) and therefore resumable: an interrupted run simply runs again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from arshif.engines.base import Engine, WriteResult
from arshif.model import Article
from indexer.bylines import parse_byline
from indexer.clean import clean_article
from indexer.entities import EntityTagger, Pending, default_tagger
from indexer.language import detect_language
from indexer.readers import ReadProblem, read_paths

log = logging.getLogger("arshif.ingest")


@dataclass
class IngestSummary:
    """What an ingest did. ``read`` = indexed + updated + unchanged + failed + duplicates.

    ``duplicates`` are records whose id an earlier record of the same run already had (the first
    one is kept): they are reported where they are, never counted as "updated".
    ``warnings`` are things read but not kept (a field no alias maps), once per file.
    """

    read: int = 0
    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[ReadProblem] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    translation: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.failed

    def skipped_reasons(self) -> Counter:
        return Counter(_reason_kind(p.reason) for p in self.skipped)

    def as_dict(self) -> dict:
        return {
            "read": self.read, "indexed": self.indexed, "updated": self.updated, "unchanged": self.unchanged,
            "duplicates": len(self.duplicates), "skipped": len(self.skipped), "failed": len(self.failed),
            "skipped_reasons": dict(self.skipped_reasons()),
            "skipped_records": [str(p) for p in self.skipped],
            "duplicate_records": self.duplicates, "warnings": self.warnings,
            "failed_records": self.failed, "translation": self.translation,
        }

    def add(self, result: WriteResult) -> None:
        self.indexed += len(result.created)
        self.updated += len(result.updated)
        self.unchanged += len(result.unchanged)
        self.failed.update(result.failed)


def _where(article: Article) -> str:
    p = article.provenance
    where = p.file + (f":{p.member}" if p.member else "")
    return where + (f":{p.line}" if p.line is not None else "")


def _reason_kind(reason: str) -> str:
    return reason.split(":", 1)[0].strip()


def prepare(article: Article, tagger: EntityTagger | None | bool = True) -> Article:
    """Clean an article, read its byline (place / outlet / author), detect its language when the
    record did not state it, tag its entities, and fix its id.

    ``tagger``: True for the process-wide tagger (off when ``ARSHIF_ENTITIES=0``), a tagger, or None/False for none.
    """
    clean_article(article)
    if article.author and not article.byline:
        byline = parse_byline(article.author, article.source)
        if byline.author != article.author:
            article.byline, article.author = article.author, byline.author
        if byline.place and not article.dateline:
            article.dateline = byline.place
    if article.language not in ("ar", "en"):
        article.language = detect_language(article.title, article.body)  # type: ignore[assignment]
    if tagger is True:
        tagger = default_tagger()
    if tagger and not article.entities:
        tagger.tag(article)
    return article.with_id()


def ingest(
    paths: Iterable[str | Path],
    engine: Engine,
    *,
    translator=None,
    stories=None,
    defaults: dict | None = None,
    field_map: dict | None = None,
    batch_size: int = 250,
    on_progress: Callable[[int], None] | None = None,
    tagger: EntityTagger | None | bool = True,
) -> IngestSummary:
    """Ingest every record under ``paths`` into ``engine``; see the module docstring.

    ``stories`` (an :class:`indexer.stories.StoryAssigner`, optional) sets each article's
    ``story_id`` just before its batch is written; each batch is analysed for it (in the analysis
    workers) while the batch before it is being written.
    """
    summary = IngestSummary()
    batch: list[Article] = []
    first_seen: dict[str, str] = {}  # id → where this run first read it
    # A batch's texts are analysed in the worker processes (for its stories, or by the engine itself) while
    # the batch before it is written: (batch, its story analysis under way) waits here for its turn.
    waiting: list[tuple[list[Article], object, Pending | None]] = []

    def warn(message: str) -> None:
        summary.warnings.append(message)
        log.info("warning: %s", message)

    entity_tagger = default_tagger() if tagger is True else (tagger or None)

    def write(articles: list[Article], ahead=None, tagging: Pending | None = None) -> None:
        if tagging is not None:
            tagging.apply()  # the entities land before the write (tagged in the pool since the last flush)
        if stories is None:
            summary.add(engine.upsert(articles))
        else:
            with stories.placing(articles, ahead):  # story ids set; the texts' tokens at hand for the engine
                summary.add(engine.upsert(articles))
        if on_progress:
            on_progress(len(articles))

    def flush(last: bool = False) -> None:
        if batch:
            ready = list(batch)
            batch.clear()
            # Tagging goes to the analysis pool first: it is the longer job, and the pool works in order.
            tagging = entity_tagger.submit(ready) if entity_tagger else None
            if translator is not None:
                translator.translate_batch(ready)
            if stories is None:
                engine.prefetch(ready)  # the engine may analyse it while the batch before it is written
                waiting.append((ready, None, tagging))
            else:  # after translation: a stored translation helps find the other language
                waiting.append((ready, stories.analyse_ahead(ready, keep_tokens=engine.analyses_here), tagging))
        while len(waiting) > (0 if last else 1):
            write(*waiting.pop(0))

    # One bulk write: the embedded engine commits its text index every few thousand articles, not every batch.
    with engine.bulk():
        # Skips are logged at INFO: the CLI lists them itself, and a warning here printed each one twice.
        for item in read_paths(paths, defaults=defaults, field_map=field_map, on_warning=warn):
            if isinstance(item, ReadProblem):
                summary.skipped.append(item)
                log.info("skipped %s", item)
                if on_progress:
                    on_progress(1)
                continue
            try:
                article = prepare(item, tagger=None)  # tagged a batch at a time in flush()
            except Exception as exc:  # noqa: BLE001 - one odd record must not stop the run
                problem = ReadProblem(item.provenance.file, item.provenance.line, item.provenance.member,
                                      f"could not prepare record: {exc}")
                summary.skipped.append(problem)
                log.info("skipped %s", problem)
                continue
            summary.read += 1
            where = _where(article)
            if article.id in first_seen:
                summary.duplicates.append(f"{where}: duplicate of {first_seen[article.id]} (same id {article.id})")
                if on_progress:
                    on_progress(1)
                continue
            first_seen[article.id] = where
            batch.append(article)
            if len(batch) >= batch_size:
                flush()
        flush(last=True)
    if translator is not None:
        summary.translation = translator.stats()
    log.info("ingest finished: %s", {k: v for k, v in summary.as_dict().items() if not k.endswith("_records")})
    return summary
