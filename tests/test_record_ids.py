"""A record's own id stays searchable on every engine: as the article id when it can be one, else as its
``source_id`` (a keyword field of ``mappings/articles.json``), through ``id:``/``source_id:`` in the query, the
``id`` filter of the API and the pages; and archives made before the field still open and answer."""

from __future__ import annotations

import copy
import json

import apsw
import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.mappings import index_definition
from arshif.model import Article
from arshif.search import SearchRequest
from arshif.search.contract import Filters
from arshif.settings import Settings
from indexer.pipeline import ingest
from tests.test_engine_contract import _remote
from web.app import create_app

RECORDS = [
    {"id": "bbc-x-1", "title": "Plain wombat", "text": "A wombat with a plain id."},
    {"docno": "ex 2/3", "title": "Spaced wombat", "text": "A wombat whose id has a space and a slash."},
    {"guid": "https://example.com/?p=7", "title": "Guid wombat", "text": "A wombat with a URL for an id.",
     "url": "https://example.com/7"},
    {"title": "Nameless wombat", "text": "A wombat with no id of its own."},
]


def _records(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS), encoding="utf-8")
    return path


def _engine(kind, tmp_path_factory) -> tuple:
    """(engine, the settings an app over it takes)."""
    if kind == "embedded":
        settings = Settings(data_dir=tmp_path_factory.mktemp("ids"), translator="none")
        return EmbeddedEngine(settings.embedded_path), settings
    engine = _remote(kind, tmp_path_factory)
    return engine, engine.settings


def _drop(engine):
    if hasattr(engine, "client"):
        engine.client.indices.delete(index=engine.current_index())
    engine.close()


def titles(engine, q="", **filters):
    resp = engine.search(SearchRequest(q=q, filters=Filters(**filters), size=20, highlight=False))
    return sorted(h.title for h in resp.hits)


@pytest.mark.parametrize("kind", ["embedded", "opensearch", "elasticsearch"])
def test_a_record_is_found_by_its_own_id(kind, tmp_path_factory, tmp_path):
    engine, settings = _engine(kind, tmp_path_factory)
    try:
        assert ingest([_records(tmp_path)], engine).indexed == 4
        assert titles(engine, "id:bbc-x-1") == ["Plain wombat"]          # kept as the article id
        assert titles(engine, 'source_id:"ex 2/3"') == ["Spaced wombat"]  # kept as source_id
        assert titles(engine, 'id:"ex 2/3"') == ["Spaced wombat"]         # either name, either place
        assert titles(engine, "id:https://example.com/?p=7") == ["Guid wombat"]
        assert titles(engine, "id:ex") == [] and titles(engine, 'id:"ex 2"') == []  # exact, not words
        assert titles(engine, "wombat -id:bbc-x-1 -source_id:\"ex 2/3\"") == ["Guid wombat", "Nameless wombat"]
        assert titles(engine, "id:bbc-x-1 OR id:\"ex 2/3\"") == ["Plain wombat", "Spaced wombat"]
        assert titles(engine, "space", id=["ex 2/3", "bbc-x-1"]) == ["Spaced wombat"]  # with words, AND-ed
        with TestClient(create_app(settings, engine=engine)) as c:
            api = c.get("/api/search", params={"id": "ex 2/3", "facets": ""}).json()
            assert api["total"] == 1 and api["hits"][0]["title"] == "Spaced wombat"
            assert api["hits"][0]["source_id"] == "ex 2/3"
            assert c.get("/api/search", params=[("id", "bbc-x-1"), ("id", "https://example.com/?p=7")]
                         ).json()["total"] == 2
            page = c.get("/search", params={"id": "ex 2/3", "ui": "en"}).text
            assert "1 result" in page and "Spaced wombat" in page
            assert 'data-field="id"' in page and "Record id:" in page  # shown as a filter that can be removed
            assert c.get("/api/export", params={"q": 'id:"ex 2/3"', "fields": "title,source_id"}).text.splitlines() \
                == ["title,source_id", "Spaced wombat,ex 2/3"]
    finally:
        _drop(engine)


def test_an_embedded_archive_from_before_the_column_opens_and_answers(tmp_path):
    """Read-only, the filter reads the stored documents; the first writable open adds and fills the column."""
    path = tmp_path / "index.db"
    engine = EmbeddedEngine(path)
    ingest([_records(tmp_path)], engine)
    engine.close()
    conn = apsw.Connection(str(path))
    conn.execute("DROP INDEX articles_source_id; ALTER TABLE articles DROP COLUMN source_id")
    conn.close()
    old = EmbeddedEngine(path, readonly=True)
    assert titles(old, 'id:"ex 2/3"') == ["Spaced wombat"] and titles(old, "id:bbc-x-1") == ["Plain wombat"]
    old.close()
    migrated = EmbeddedEngine(path)
    columns = {r[1] for r in migrated._conn().execute("PRAGMA table_info(articles)").fetchall()}
    assert "source_id" in columns
    assert titles(migrated, 'id:"ex 2/3"') == ["Spaced wombat"]
    migrated.upsert([Article(source_id="new one", title="Fresh wombat", body="Stored after the migration.")])
    assert titles(migrated, 'id:"new one"') == ["Fresh wombat"]
    migrated.close()


@pytest.mark.parametrize("kind", ["opensearch", "elasticsearch"])
def test_a_remote_index_from_before_the_field_opens_takes_writes_and_finds_old_ids_after_reindex(
        kind, tmp_path_factory):
    from arshif.engines.remote import RemoteEngine, document

    probe = _remote(kind, tmp_path_factory)
    probe.client.indices.delete(index=probe.current_index())  # start from an index as an older Arshif made it
    old_definition = copy.deepcopy(index_definition(probe.settings))
    del old_definition["mappings"]["properties"]["source_id"]
    old_index = probe.settings.index_name + "-v1-old"
    probe.client.indices.create(index=old_index, body=old_definition)
    probe.client.indices.put_alias(index=old_index, name=probe.settings.index_name)
    stored = Article(source_id="old 1/2", title="Old wombat", body="Stored by an older version.").with_id()
    doc = document(stored, stored.content_hash(), 1)
    del doc["source_id"]
    probe.client.index(index=old_index, id=stored.id, body=doc, refresh=True)
    probe.close()

    engine = RemoteEngine(kind, probe.url, probe.settings)
    try:
        assert engine.mapping_outdated  # the CLI and /api/stats say: run 'arshif reindex'
        assert titles(engine, "wombat") == ["Old wombat"]
        fresh = Article(source_id="new 3/4", title="New wombat", body="Stored after the upgrade.")
        assert engine.upsert([fresh]).failed == {}  # the strict index took the new field
        assert titles(engine, 'id:"new 3/4"') == ["New wombat"]
        assert titles(engine, 'id:"old 1/2"') == []  # stored before the field: found once reindexed
        engine.reindex()
        assert not engine.mapping_outdated
        assert titles(engine, 'id:"old 1/2"') == ["Old wombat"] and titles(engine, 'id:"new 3/4"') == ["New wombat"]
    finally:
        _drop(engine)


def test_every_filter_field_is_an_exact_keyword_of_the_index_definition():
    """The field table and mappings/ agree: what a filter matches exactly is a keyword in the index."""
    from arshif.fields import FILTERS

    properties = index_definition()["mappings"]["properties"]
    assert {f.name: properties[f.stored_as]["type"] for f in FILTERS} == {f.name: "keyword" for f in FILTERS}
    assert properties["source_id"] == {"type": "keyword"}
