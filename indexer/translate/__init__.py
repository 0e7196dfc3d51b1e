"""Machine translation at ingest: providers, chunking, cache, concurrency, retries.

``build_translator(settings)`` is the entry point: None when translation is off
(``translator='none'``), else a :class:`~indexer.translate.translator.Translator`
with ``translate_batch(articles)`` (fills ``article.translations``) and ``stats()``.
"""

from __future__ import annotations

from arshif.settings import Settings
from indexer.translate.cache import TranslationCache
from indexer.translate.providers import (
    ArgosProvider,
    DeepTranslatorProvider,
    ProviderError,
    ProviderUnavailable,
    parse_spec,
)
from indexer.translate.translator import TranslationFailed, Translator, parse_targets

__all__ = [
    "build_translator", "build_provider", "Translator", "TranslationCache", "TranslationFailed",
    "ProviderError", "ProviderUnavailable", "parse_targets",
]


def build_provider(settings: Settings, name: str | None = None):
    """The provider ``name`` (or ``settings.translator``) names, or None for 'none'."""
    spec = (name or settings.translator or "none").strip()
    provider_name, _ = parse_spec(spec)
    if provider_name in ("none", "off", ""):
        return None
    if provider_name == "argos":
        pairs = list(parse_targets(settings.translate_targets).items())
        return ArgosProvider(pairs)
    return DeepTranslatorProvider(spec, url=settings.translator_url, api_key=settings.translator_api_key,
                                  timeout=settings.translate_timeout)


def build_translator(settings: Settings, name: str | None = None, **options) -> Translator | None:
    """The translator the settings ask for, or None when translation is off ('none').

    Raises :class:`ProviderUnavailable` with a readable reason when the provider cannot
    be used here (unknown name, bad options, argostranslate or its models missing).
    ``options`` go to :class:`Translator` (e.g. ``max_attempts``, ``backoff_base``).
    """
    provider = build_provider(settings, name)
    if provider is None:
        return None
    return Translator(
        provider,
        targets=settings.translate_targets,
        cache=TranslationCache(settings.translation_cache_path),
        concurrency=settings.translate_concurrency,
        rate_per_second=settings.translate_rate_per_second,
        max_chars=settings.translate_max_chars,
        **options,
    )
