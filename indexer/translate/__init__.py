"""Machine translation at ingest: providers, chunking, cache (filled in by the translation work)."""

from __future__ import annotations

from arshif.settings import Settings


def build_translator(settings: Settings, name: str | None = None):
    """The translator the settings ask for, or None when translation is off ('none')."""
    provider = (name or settings.translator or "none").lower()
    if provider == "none":
        return None
    raise ValueError(f"translation provider '{provider}' is not available yet")
