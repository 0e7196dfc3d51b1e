"""Named-entity tagging at ingest: people, places and organisations, in Arabic and English articles.

:class:`EntityTagger` picks the tagger by the article's language — the
project's own CRF for Arabic (:mod:`.arabic`, trained by :mod:`.train`),
spaCy's small English model for English (:mod:`.english`) — and stores the
entities on the article under the keys of :mod:`arshif.entities`, which link
spellings and scripts. Each tagger loads on first use, so the app and the
CLI start fast and an archive with no English pays nothing for spaCy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from arshif.entities import LABEL_KINDS, merge_mentions
from arshif.model import Article

log = logging.getLogger("arshif.entities")


class EntityTagger:
    """Tags batches of articles in place; a tagger whose model cannot be loaded is reported once and skipped."""

    def __init__(self, model_dir: str | Path | None = None, *, english: bool = True):
        self.model_dir = model_dir
        self.english_enabled = english
        self._arabic = None
        self._english = None
        self._failed: set[str] = set()
        self.tagged = 0

    def _load(self, lang: str):
        if lang in self._failed:
            return None
        try:
            if lang == "ar":
                if self._arabic is None:
                    from .arabic import MODEL_DIR, ArabicTagger

                    self._arabic = ArabicTagger(self.model_dir or MODEL_DIR)
                return self._arabic
            if lang == "en" and self.english_enabled:
                if self._english is None:
                    from .english import EnglishTagger

                    self._english = EnglishTagger()
                return self._english
        except Exception as exc:  # noqa: BLE001 - a missing model must not stop an ingest
            log.warning("no %s entity tagger (%s): articles in that language get no entities", lang, exc)
            self._failed.add(lang)
        return None

    def tag_batch(self, articles: Iterable[Article]) -> None:
        """Tag the articles that have no entities yet (articles that arrive with entities keep them)."""
        articles = [a for a in articles if not a.entities]
        for lang in ("ar", "en"):
            group = [a for a in articles if a.language == lang]
            tagger = self._load(lang) if group else None
            if tagger is None:
                continue
            texts = [f"{a.title}\n\n{a.body}" for a in group]
            found = tagger.mentions_many(texts)
            for article, mentions in zip(group, found):
                article.entities = merge_mentions(
                    [(LABEL_KINDS[kind], text, lang) for kind, text, _, _ in mentions if kind in LABEL_KINDS])
                self.tagged += 1

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
