"""Building the running pieces from one settings object: engine, translators, the web app."""

from __future__ import annotations

import logging

from arshif.crosslingual import QUERY_TIMEOUT, CrossLingual, default_query_translator
from arshif.engines import Engine, EngineUnavailable, open_engine
from arshif.settings import Settings

log = logging.getLogger("arshif.cli")


def query_translator(settings: Settings, engine: Engine | None) -> CrossLingual:
    """Cross-lingual search: lexicon and transliteration, plus the configured provider (if any) with a
    short timeout and one attempt, so a provider that is down costs one timeout, never an error page."""
    provider = None
    if (settings.translator or "none").strip().lower() not in ("none", "off", ""):
        try:
            from indexer.translate import build_translator

            quick = settings.model_copy(update={"translate_timeout": min(settings.translate_timeout, QUERY_TIMEOUT)})
            provider = build_translator(quick, max_attempts=1)
        except Exception as exc:  # noqa: BLE001 - cross-lingual search still works from the lexicon
            log.warning("query translation provider unavailable (%s); using the lexicon only", exc)
    return default_query_translator(settings, engine, translator=provider)


def article_translator(settings: Settings):
    """The ingest translator (cache, retries, provenance) for 'Translate now', or None when none is set."""
    if (settings.translator or "none").strip().lower() in ("none", "off", ""):
        return None
    try:
        from indexer.translate import build_translator

        return build_translator(settings)
    except Exception as exc:  # noqa: BLE001 - the archive still serves; the page says none is configured
        log.warning("translation provider unavailable for 'Translate now' (%s)", exc)
        return None


def web_app(settings: Settings):
    """The web app over the configured engine (read-only on an embedded archive: writes open their own)."""
    from web.app import create_app

    engine: Engine | None
    try:
        engine = open_engine(settings, readonly=settings.engine.startswith("embedded")
                             and settings.embedded_path.exists())
    except EngineUnavailable as exc:
        log.error("engine unavailable at start-up: %s", exc)
        engine = None
    return create_app(settings, engine=engine, query_translator=query_translator(settings, engine),
                      article_translator=article_translator(settings))
