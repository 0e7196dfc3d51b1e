"""Named-entity tagging at ingest: people, places and organisations, in Arabic and English articles.

:class:`EntityTagger` picks the tagger by the article's language — the
project's own CRF for Arabic (:mod:`.arabic`, trained by :mod:`.train`),
spaCy's small English model for English (:mod:`.english`) — and stores the
entities on the article under the keys of :mod:`arshif.entities`, which link
spellings and scripts.

Where the work runs: a large batch is tagged in the ingest's worker processes
(:mod:`arshif.analysis.workers`, the one pool the write path analyses text in), in
chunks, while the pipeline reads the next batch (:meth:`EntityTagger.submit`);
a small one (an API call, a test's few articles) is tagged in-process. Each
process loads each model once, on first use, and keeps it (:func:`_taggers`),
so the app and the CLI start fast and an archive with no English pays
nothing for spaCy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path

from arshif.analysis import workers
from arshif.entities import LABEL_KINDS, Entity, merge_mentions
from arshif.lexicon import load_lexicon
from arshif.model import Article

log = logging.getLogger("arshif.entities")

#: Batches with fewer articles than this are tagged in-process (a worker round trip would cost more).
POOL_THRESHOLD = 64
#: Articles per job sent to a worker.
CHUNK = 50

# (model dir, lang) → loaded tagger, or None when it could not be loaded; one set per process.
_LOADED: dict[tuple[str, str], object] = {}


def _tagger(model_dir: str | None, lang: str):
    key = (model_dir or "", lang)
    if key not in _LOADED:
        try:
            if lang == "ar":
                from .arabic import MODEL_DIR, ArabicTagger

                _LOADED[key] = ArabicTagger(model_dir or MODEL_DIR)
            else:
                from .english import EnglishTagger

                _LOADED[key] = EnglishTagger()
            # The lexicon keys every entity (arshif.entities.entity_key): built here, with the model, so worker
            # processes forked after this inherit it instead of each building it again (~0.4 s apiece).
            load_lexicon()
        except Exception as exc:  # noqa: BLE001 - a missing model must not stop an ingest
            log.warning("no %s entity tagger (%s): articles in that language get no entities", lang, exc)
            _LOADED[key] = None
    return _LOADED[key]


def entities_of(model_dir: str | None, lang: str, texts: Sequence[str]) -> list[list[Entity]] | None:
    """The entities of each text in ``lang`` (None when that language has no tagger).

    Entities come out merged and keyed, so when a worker runs this (through :func:`entity_rows`) the
    writer's process only stores them."""
    tagger = _tagger(model_dir, lang)
    if tagger is None:
        return None
    return [merge_mentions([(LABEL_KINDS[kind], text, lang) for kind, text, _, _ in mentions if kind in LABEL_KINDS])
            for mentions in tagger.mentions_many(list(texts), offsets=False)]


def entity_rows(model_dir: str | None, lang: str, texts: Sequence[str]) -> list[list[tuple]] | None:
    """:func:`entities_of` as plain tuples, what a worker sends back: a pydantic model pickles and unpickles
    about ten times slower than a tuple, and the unpickling is the writer process's time."""
    found = entities_of(model_dir, lang, texts)
    if found is None:
        return None
    return [[(e.kind, e.key, e.name, e.count, e.lang) for e in entities] for entities in found]


def _entities(rows: list[list[tuple]]) -> list[list[Entity]]:
    """The entities of :func:`entity_rows`' tuples (already checked where they were made)."""
    return [[Entity.model_construct(kind=kind, key=key, name=name, count=count, lang=lang)
             for kind, key, name, count, lang in entities] for entities in rows]


def _text(article: Article) -> str:
    return f"{article.title}\n\n{article.body}"


class Pending:
    """Tagging under way in worker processes; :meth:`apply` waits for it and stores the entities."""

    def __init__(self, jobs: list[tuple[list[Article], Future | None]], tagger: "EntityTagger"):
        self.jobs = jobs
        self.tagger = tagger

    def apply(self) -> None:
        for group, future in self.jobs:
            if future is None:
                continue
            found = workers.result(future)  # None when the pool broke: tag here instead
            if found is None:
                log.warning("entity tagging in a worker failed: tagging in-process")
                self.tagger.tag_batch(group)
                continue
            self.tagger._store(group, _entities(found))
        self.jobs = []


class EntityTagger:
    """Tags batches of articles; a tagger whose model cannot be loaded is reported once and skipped."""

    def __init__(self, model_dir: str | Path | None = None, *, english: bool = True, workers: bool = True):
        self.model_dir = str(model_dir) if model_dir else None
        self.english_enabled = english
        self.workers = workers
        self.tagged = 0

    def _langs(self) -> tuple[str, ...]:
        return ("ar", "en") if self.english_enabled else ("ar",)

    def _store(self, group: list[Article], found: list[list[Entity]] | None) -> None:
        if found is None:
            return
        for article, entities in zip(group, found):
            article.entities = entities
            self.tagged += 1

    def _groups(self, articles: Iterable[Article]) -> list[tuple[str, list[Article]]]:
        todo = [a for a in articles if not a.entities]  # articles that arrive with entities keep them
        return [(lang, [a for a in todo if a.language == lang]) for lang in self._langs()]

    def tag_batch(self, articles: Iterable[Article]) -> None:
        """Tag, in this process, the articles that have no entities yet."""
        for lang, group in self._groups(articles):
            if group:
                self._store(group, entities_of(self.model_dir, lang, [_text(a) for a in group]))

    def submit(self, articles: Sequence[Article]) -> Pending:
        """Start tagging ``articles``: in worker processes when there are many, else here and now.

        The entities land on the articles when :meth:`Pending.apply` is called."""
        jobs: list[tuple[list[Article], Future | None]] = []
        if not self.workers or len(articles) < POOL_THRESHOLD:
            self.tag_batch(articles)
            return Pending(jobs, self)
        groups = [(lang, group) for lang, group in self._groups(articles) if group]
        # The taggers of every language in the batch are loaded before its first job goes, so the workers that job
        # forks inherit them (the batch's English articles loaded spaCy in each worker again, ~2 s of CPU apiece).
        # A language first met once the pool runs is still loaded by each worker itself: the pool forks once.
        # Only the batch's languages: an archive with no English pays nothing for spaCy. No tagger: nothing sent.
        loaded = {lang for lang, _group in groups if _tagger(self.model_dir, lang) is not None}
        for lang, group in groups:
            if lang not in loaded:
                continue
            for i in range(0, len(group), CHUNK):
                part = group[i:i + CHUNK]
                jobs.append((part, workers.submit(entity_rows, self.model_dir, lang, [_text(a) for a in part])))
        return Pending(jobs, self)

    def tag(self, article: Article) -> Article:
        self.tag_batch([article])
        return article


_DEFAULT: list[EntityTagger | None] = []


def default_tagger() -> EntityTagger | None:
    """The process-wide tagger the ingest uses (None when ``ARSHIF_ENTITIES=0``); built on first call."""
    if not _DEFAULT:
        from arshif.settings import get_settings

        settings = get_settings()
        _DEFAULT.append(EntityTagger(settings.entities_model_dir) if settings.entities else None)
    return _DEFAULT[0]
