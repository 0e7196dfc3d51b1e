"""Engines behind the search contract, chosen by one setting (``ARSHIF_ENGINE``)."""

from __future__ import annotations

from arshif.engines.base import BadRequest, Engine, EngineUnavailable, SearchTimeout, WriteResult  # noqa: F401
from arshif.settings import Settings


def open_engine(settings: Settings, *, readonly: bool = False, lazy: bool = False) -> Engine:
    """Open the engine ``settings.engine`` names.

    ``lazy``: a remote engine that cannot be reached yet is returned anyway and connects on the first
    request that finds it up (the web app uses this, so it and the node may start in either order).

    ``embedded`` / ``embedded:PATH`` — the in-process SQLite FTS5 engine;
    ``elasticsearch+http://…`` / ``opensearch+http://…`` — a remote node or cluster.
    """
    spec = settings.engine.strip()
    if spec == "embedded" or spec.startswith("embedded:"):
        from arshif.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(settings.embedded_path, readonly=readonly, settings=settings)
    if spec.startswith(("elasticsearch+", "opensearch+")):
        from arshif.engines.remote import open_remote

        return open_remote(settings, lazy=lazy)
    raise EngineUnavailable(
        f"unknown engine '{spec}': use 'embedded', 'embedded:/path/index.db', "
        "'elasticsearch+http://host:9200' or 'opensearch+http://host:9200'")
