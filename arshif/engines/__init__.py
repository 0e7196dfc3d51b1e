"""Engines behind the search contract, chosen by one setting (``ARSHIF_ENGINE``)."""

from __future__ import annotations

import logging

from arshif.engines.base import BadRequest, Engine, EngineUnavailable, SearchTimeout, WriteResult  # noqa: F401
from arshif.settings import Settings

log = logging.getLogger("arshif.engines")


def open_engine(settings: Settings, *, readonly: bool = False, lazy: bool = False) -> Engine:
    """Open the engine ``settings.engine`` names.

    ``lazy``: a remote engine that cannot be reached yet is returned anyway and connects on the first
    request that finds it up (the web app uses this, so it and the node may start in either order).

    ``embedded`` / ``embedded:PATH`` — the in-process engine (a SQLite archive and its tantivy text index);
    ``elasticsearch+http://…`` / ``opensearch+http://…`` — a remote node or cluster.

    An embedded archive opened ``readonly`` (the web app, ``arshif search``) whose text index an older Arshif
    wrote is rebuilt from the archive first, by one writable open (it waits while another process writes or
    rebuilds), so an upgrade needs no step of its own. When that cannot be done (a read-only directory), the
    read-only open's message stands.
    """
    spec = settings.engine.strip()
    if spec == "embedded" or spec.startswith("embedded:"):
        from arshif.engines.embedded import EmbeddedEngine, TextIndexOutdated

        try:
            return EmbeddedEngine(settings.embedded_path, readonly=readonly, settings=settings)
        except TextIndexOutdated as outdated:
            log.warning("the text index beside %s is of an older version, or not of this archive: rebuilding "
                        "it from the archive now, once (the archive itself is not changed)", settings.embedded_path)
            try:
                EmbeddedEngine(settings.embedded_path, settings=settings).close()
            except Exception as exc:  # noqa: BLE001 - e.g. a read-only directory: the first message says what to do
                raise outdated from exc
            log.warning("text index of %s rebuilt", settings.embedded_path)
            return EmbeddedEngine(settings.embedded_path, readonly=readonly, settings=settings)
    if spec.startswith(("elasticsearch+", "opensearch+")):
        from arshif.engines.remote import open_remote

        return open_remote(settings, lazy=lazy)
    raise EngineUnavailable(
        f"unknown engine '{spec}': use 'embedded', 'embedded:/path/index.db', "
        "'elasticsearch+http://host:9200' or 'opensearch+http://host:9200'")
