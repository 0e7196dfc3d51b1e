"""Stories at ingest: copies grouped, the same story across languages joined, decoys apart, stable across runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article, Translation
from indexer.pipeline import ingest
from arshif.search import SearchRequest
from indexer.stories import StoryAssigner, open_assigner, story_store_path
from tests import stories_fixture as fx


def write_jsonl(path: Path, articles: list[Article]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(a.model_dump_json(exclude={"translation_status", "story_id"}) + "\n")
    return path


def aid(article: Article) -> str:
    """The id the archive gives a fixture article: readers keep a record's own id when it looks like one."""
    return article.id


NAMES = {a.id: aid(a) for a in fx.ALL}


@pytest.fixture
def ingested(settings, engine, tmp_path):
    stories = open_assigner(settings)
    summary = ingest([write_jsonl(tmp_path / "fx.jsonl", fx.fresh())], engine, stories=stories)
    stories.close()
    assert summary.indexed == len(fx.ALL) and summary.ok
    return {a.id: engine.get(NAMES[a.id]).story_id for a in fx.ALL}


def test_copies_of_one_report_share_a_story(ingested):
    assert ingested["rain-okaz"] == ingested["rain-alriyadh"] == ingested["rain-alweeam"]
    assert ingested["rain-okaz"] != ingested["clinic-ar"]


def test_the_same_story_in_english_and_arabic_is_joined(ingested):
    assert ingested["port-en"] == ingested["port-ar"]
    assert ingested["airport-en"] not in (ingested["port-en"], ingested["rain-okaz"])


def test_every_article_gets_a_story_and_a_story_is_named_after_its_first_article(ingested):
    assert all(ingested.values())
    assert ingested["port-ar"] == NAMES["port-en"]  # port-en came first in the file
    assert len(set(ingested.values())) == 4   # port, airport, rain, clinic


def test_re_ingest_changes_nothing(settings, engine, tmp_path, ingested):
    stories = open_assigner(settings)
    again = ingest([write_jsonl(tmp_path / "again.jsonl", fx.fresh())], engine, stories=stories)
    stories.close()
    assert again.unchanged == len(fx.ALL) and again.indexed == again.updated == 0
    assert {a.id: engine.get(NAMES[a.id]).story_id for a in fx.ALL} == ingested


def test_stories_continue_after_a_restart(settings, engine, tmp_path, ingested):
    """A new process (a new assigner over the same sidecar) puts a later copy in the old story."""
    assert story_store_path(settings).exists()
    later = fx.RAIN_OKAZ.model_copy(update={"id": "rain-sabq", "source": "sabq", "url": "https://example.org/sabq/r",
                                            "title": "أمطار رعدية على مكة والباحة"})
    stories = open_assigner(settings)
    ingest([write_jsonl(tmp_path / "later.jsonl", [later])], engine, stories=stories)
    stories.close()
    assert engine.get(aid(later)).story_id == ingested["rain-okaz"]


def test_an_edited_article_stays_in_its_story(settings, engine, tmp_path, ingested):
    edited = fx.RAIN_ALRIYADH.model_copy(update={"body": fx.RAIN_ALRIYADH.body + "\nتحديث: توقف هطول الأمطار."})
    stories = open_assigner(settings)
    summary = ingest([write_jsonl(tmp_path / "edit.jsonl", [edited])], engine, stories=stories)
    stories.close()
    assert summary.updated == 1
    assert engine.get(NAMES["rain-alriyadh"]).story_id == ingested["rain-okaz"]


def test_a_second_writer_places_into_the_stories_the_first_one_made(settings, tmp_path):
    """Two writers on one archive (``arshif ingest`` while the server takes API writes, or two server workers),
    each with its story index opened before the other wrote: a copy written by one joins the story of the
    report the other wrote, the same article written by both keeps one story, and the archive and the
    sidecar agree on every article."""
    server = open_assigner(settings)        # opened first, as a running server's is
    server_engine = EmbeddedEngine(settings.embedded_path)
    cli = open_assigner(settings)
    cli_engine = EmbeddedEngine(settings.embedded_path)
    first = [a for a in fx.fresh() if a.id in ("rain-okaz", "port-en", "clinic-ar")]
    assert ingest([write_jsonl(tmp_path / "first.jsonl", first)], cli_engine, stories=cli).indexed == 3
    # the server, whose index was built before that ingest, now writes copies, a twin and one article again
    later = [a for a in fx.fresh() if a.id in ("rain-alriyadh", "port-ar", "clinic-ar")]
    with server.placing(later):
        server_engine.upsert(later)
    by_id = {a.id: a.story_id for a in later}
    assert by_id["rain-alriyadh"] == "rain-okaz"   # a copy of what the other writer placed
    assert by_id["port-ar"] == "port-en"           # the twin across languages, likewise
    assert by_id["clinic-ar"] == "clinic-ar"       # written by both: one story
    # and the first writer, going on, sees what the server placed
    rest = [a for a in fx.fresh() if a.id == "rain-alweeam"]
    ingest([write_jsonl(tmp_path / "rest.jsonl", rest)], cli_engine, stories=cli)
    for assigner in (server, cli):
        assigner.close()
    sidecar = StoryAssigner(story_store_path(settings))
    for a in fx.ALL:
        if a.id != "airport-en":  # the one article neither wrote
            assert cli_engine.get(a.id).story_id == sidecar.story_of(a.id), a.id
    assert cli_engine.get("rain-alweeam").story_id == "rain-okaz"
    sidecar.close()
    server_engine.close()
    cli_engine.close()


def test_two_ingests_at_once_agree_on_every_story(settings, tmp_path):
    """Two ingests of overlapping files at the same time (threads, one batch per article so their writes
    interleave): every article ends in one story that the archive and the sidecar agree on, and the
    copies and twins are together whoever placed them."""
    import threading

    arts = fx.fresh()
    files = [write_jsonl(tmp_path / "a.jsonl", arts[:5]), write_jsonl(tmp_path / "b.jsonl", arts[2:][::-1])]
    errors = []

    def run(path):
        try:
            engine = EmbeddedEngine(settings.embedded_path)
            stories = open_assigner(settings)
            summary = ingest([path], engine, stories=stories, batch_size=1)
            assert summary.ok
            stories.close()
            engine.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    engine = EmbeddedEngine(settings.embedded_path)
    sidecar = StoryAssigner(story_store_path(settings))
    got = {a.id: engine.get(a.id).story_id for a in fx.ALL}
    assert got == {a.id: sidecar.story_of(a.id) for a in fx.ALL}
    assert got["rain-okaz"] == got["rain-alriyadh"] == got["rain-alweeam"]
    assert got["port-en"] == got["port-ar"]
    assert len(set(got.values())) == 4
    sidecar.close()
    engine.close()


def test_a_large_ingest_places_and_indexes_as_article_by_article_writes_do(tmp_path):
    """A large batch is analysed once, in the worker processes, for both its stories and the index; a
    batch of one is analysed in-process. Both give the same stories and the same search results."""
    import zipfile

    from tests.conftest import SAUDI

    sample = tmp_path / "sample.jsonl"
    with sample.open("w", encoding="utf-8") as fh:
        for z in sorted(SAUDI.glob("*.zip"))[:2]:
            with zipfile.ZipFile(z) as zf:
                records = [r for name in zf.namelist() for r in json.loads(zf.read(name))]
            for rec in records[:30]:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    fixture = write_jsonl(tmp_path / "fx.jsonl", fx.fresh())
    archives = {}
    for name, batch_size in (("bulk", 250), ("one_by_one", 1)):
        engine = EmbeddedEngine(tmp_path / name / "index.db")
        stories = StoryAssigner(tmp_path / name / "index.stories.db")
        summary = ingest([sample, fixture], engine, stories=stories, batch_size=batch_size)
        assert summary.ok and summary.indexed > 60
        archives[name] = (engine, dict(stories._story))
        stories.close()
    (bulk, bulk_stories), (single, single_stories) = archives["bulk"], archives["one_by_one"]
    assert bulk_stories == single_stories
    assert bulk_stories["rain-alweeam"] == bulk_stories["rain-okaz"] and bulk_stories["port-ar"] == "port-en"
    found = 0
    for q in ("أمطار", "الرياض", "وزير", "السعودية", "ميناء جدة", "Jeddah"):
        a, b = (e.search(SearchRequest(q=q, size=50, highlight=False, sort="oldest")) for e in (bulk, single))
        assert a.total == b.total and [h.id for h in a.hits] == [h.id for h in b.hits], q
        assert [h.story_id for h in a.hits] == [h.story_id for h in b.hits]
        found += a.total
    assert found > 30
    bulk.close()
    single.close()


def test_a_stored_translation_joins_the_other_language(tmp_path):
    """With a translation stored, an English article meets an Arabic copy of that translation's text."""
    assigner = StoryAssigner(tmp_path / "s.db")
    arabic = fx.RAIN_OKAZ.model_copy(deep=True)
    english = Article(id="rain-en", language="en", title="Thunderstorms forecast for Makkah and Al-Baha",
                      body="The National Center for Meteorology forecast thunderstorms.",
                      translations={"ar": Translation(language="ar", title=arabic.title, body=arabic.body,
                                                      kind="machine", provider="test")})
    assigner.assign([arabic, english])
    assert english.story_id == arabic.story_id == "rain-okaz"


def test_stories_can_be_switched_off(tmp_path):
    from arshif.settings import Settings

    assert open_assigner(Settings(data_dir=tmp_path, stories=False)) is None


# --- grouping on every engine -------------------------------------------------------------------

from arshif.search.contract import Filters  # noqa: E402
from tests.test_engine_contract import _remote  # noqa: E402


@pytest.fixture(scope="module", params=["embedded", "opensearch", "elasticsearch"])
def grouped(request, tmp_path_factory):
    """An engine holding the fixture articles, placed in stories at ingest."""
    from arshif.settings import Settings

    kind = request.param
    tmp = tmp_path_factory.mktemp(f"stories-{kind}")
    if kind == "embedded":
        settings = Settings(data_dir=tmp / "data")
        eng = EmbeddedEngine(settings.embedded_path)
    else:
        eng = _remote(kind, tmp_path_factory)
        settings = eng.settings
    stories = open_assigner(settings)
    summary = ingest([write_jsonl(tmp / "fx.jsonl", fx.fresh())], eng, stories=stories)
    stories.close()
    assert summary.indexed == len(fx.ALL) and summary.ok, summary.as_dict()
    yield eng
    if kind != "embedded":
        eng.client.indices.delete(index=eng.current_index())
    eng.close()


def _search(engine, **kw):
    return engine.search(SearchRequest(size=20, highlight=False, **kw))


@pytest.mark.engines
def test_grouped_results_show_one_hit_per_story_with_its_other_copies(grouped):
    resp = _search(grouped, group="story", sort="oldest")
    assert resp.total == len(fx.ALL) and resp.stories == 4 and len(resp.hits) == 4
    rain = next(h for h in resp.hits if h.id in (NAMES["rain-okaz"], NAMES["rain-alweeam"], NAMES["rain-alriyadh"]))
    assert rain.story_size == 3
    assert sorted(rain.story_sources + [rain.source]) == ["alriyadh", "alweeam", "okaz"]
    port = next(h for h in resp.hits if h.id in (NAMES["port-en"], NAMES["port-ar"]))
    assert port.story_size == 2 and port.story_sources


@pytest.mark.engines
def test_re_ingest_keeps_every_story_on_every_engine(grouped, tmp_path):
    """Ingesting the same articles again leaves each one as it was on every engine (nothing rewritten, every
    ``story_id`` kept, the same four stories), and an edited copy stays in its story."""
    from arshif.settings import Settings

    settings = Settings(engine=f"embedded:{grouped.path}") if isinstance(grouped, EmbeddedEngine) else grouped.settings
    before = {a.id: grouped.get(a.id).story_id for a in fx.ALL}
    stories = open_assigner(settings)
    again = ingest([write_jsonl(tmp_path / "again.jsonl", fx.fresh())], grouped, stories=stories)
    assert again.unchanged == len(fx.ALL) and again.indexed == again.updated == 0, again.as_dict()
    assert {a.id: grouped.get(a.id).story_id for a in fx.ALL} == before
    edited = fx.RAIN_ALWEEAM.model_copy(update={"body": fx.RAIN_ALWEEAM.body + "\nتحديث: توقف هطول الأمطار."})
    edit = ingest([write_jsonl(tmp_path / "edit.jsonl", [edited])], grouped, stories=stories)
    stories.close()
    assert edit.updated == 1
    if not isinstance(grouped, EmbeddedEngine):
        grouped.refresh()  # searches see the edit now, as the next grouped search of a user would
    assert grouped.get("rain-alweeam").story_id == before["rain-okaz"]
    assert _search(grouped, group="story").stories == 4


@pytest.mark.engines
def test_group_none_shows_every_copy(grouped):
    resp = _search(grouped, group="none")
    assert resp.stories is None and {h.id for h in resp.hits} == set(NAMES.values())


@pytest.mark.engines
def test_grouping_follows_the_query(grouped):
    """A query matching one copy only shows that copy, alone: the others are not matches."""
    resp = _search(grouped, q='"حارة نهاراً"', group="story")  # a sentence two of the three rain copies have
    assert resp.stories == 1 and resp.hits[0].story_size == 2


@pytest.mark.engines
def test_a_story_lists_its_copies_and_cursor_pages_walk_stories(grouped):
    rain = grouped.get(NAMES["rain-okaz"]).story_id
    copies = _search(grouped, filters=Filters(story=[rain]), sort="oldest")
    assert [h.source for h in copies.hits][:1] in (["okaz"], ["alweeam"])  # 2 Nov, before alriyadh's 3 Nov
    assert {h.id for h in copies.hits} == {NAMES["rain-okaz"], NAMES["rain-alriyadh"], NAMES["rain-alweeam"]}
    seen, cursor = [], None
    for _ in range(10):
        resp = grouped.search(SearchRequest(size=1, group="story", sort="newest", cursor=cursor, highlight=False))
        seen += [h.story_id for h in resp.hits]
        cursor = resp.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4


def test_a_grouped_search_counts_its_stories_exactly(archive):
    """Pages of a grouped search count stories: an estimate led readers to pages that do not exist ('page
    187' of 183 for اليمن over SaudiNewsNet + BBC: 1,865 estimated, 1,823 stories). Up to thousands of
    stories the count is exact: here every match is read, page by page, and its stories counted."""
    checked = 0
    for q in ("السعودية", "المملكة", "الرياض", "وزارة", "في", "من"):
        grouped = archive.search(SearchRequest(q=q, size=10, facets=[], highlight=False, group="story"))
        if grouped.total <= 10:
            continue  # a single page reads every match: counted exactly either way
        stories: set[str] = set()
        cursor = None
        while True:
            page = archive.search(SearchRequest(q=q, size=100, facets=[], highlight=False, group="none",
                                                cursor=cursor))
            stories.update(h.story_id or h.id for h in page.hits)
            cursor = page.next_cursor
            if not cursor:
                break
        assert grouped.stories == len(stories), q
        checked += 1
    assert checked >= 4
