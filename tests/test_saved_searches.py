"""Saved searches and their feeds, on every engine: what arrives and matches is new at once, what does not
match never is, and saved searches (with where each reader last looked) survive restarts and reindexing.

Engines come from the engine contract's fixtures (``ARSHIF_TEST_OPENSEARCH_URL`` /
``ARSHIF_TEST_ELASTICSEARCH_URL``; ``./run test`` starts real nodes).
"""

from __future__ import annotations

import json
import uuid

import feedparser
import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.saved_searches import InvalidName, NameTaken, SavedSearchStore
from arshif.settings import Settings
from indexer.pipeline import ingest
from tests.conftest import DEMO
from tests.test_engine_contract import _remote
from web.feed import render_feed
from web.saved import CLI, PAGE, SavedSearches
from web.service import SearchService


@pytest.fixture(scope="module", params=["embedded", "opensearch", "elasticsearch"])
def archive_engine(request, tmp_path_factory):
    """(settings, engine) of an archive holding the demo articles, on each engine."""
    kind = request.param
    if kind == "embedded":
        settings = Settings(data_dir=tmp_path_factory.mktemp("saved-embedded") / "data", translator="none")
        eng = EmbeddedEngine(settings.embedded_path)
    else:
        eng = _remote(kind, tmp_path_factory)
        settings = eng.settings
    assert ingest([DEMO], eng).failed == {}
    yield settings, eng
    if kind != "embedded":
        eng.client.indices.delete(index=eng.current_index())
    eng.close()


@pytest.fixture
def saved(archive_engine, tmp_path):
    """Saved searches over the archive, kept in a fresh store (as in a fresh data directory)."""
    settings, eng = archive_engine
    store = SavedSearchStore(tmp_path / "saved-searches.db")
    return SavedSearches(SearchService(settings, eng), store, settings.archive_key)


def arrive(engine, tmp_path, *articles: dict, stories=None) -> list[str]:
    """Ingest ``articles`` the way a user does (a JSONL file through the indexer); their ids."""
    path = tmp_path / f"arrivals-{uuid.uuid4().hex[:6]}.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    summary = ingest([path], engine, stories=stories)
    assert summary.failed == {}, summary.failed
    return [_id_of(a) for a in articles]


def _id_of(article: dict) -> str:
    from arshif.model import stable_id

    return stable_id(article["url"], article.get("title", ""), article.get("body", ""))


def word() -> str:
    """A made-up word no article holds yet, so a test sees only its own arrivals."""
    letters = "bcdfghjklmnpqrstvwz"
    n = uuid.uuid4().int
    return "zor" + "".join(letters[(n >> (5 * i)) % len(letters)] for i in range(7))


def article(title: str, body: str, *, source="wire-a", language="en", published="2003-02-01", **extra) -> dict:
    return {"url": f"https://news.example/{uuid.uuid4().hex}", "title": title, "body": body, "source": source,
            "language": language, "published": published, **extra}


def feed_of(saved: SavedSearches, search, size=50):
    response = saved.newest(search, size)
    xml = render_feed(search, response, feed_url=f"http://127.0.0.1/saved/{search.id}/feed.atom",
                      search_url="http://127.0.0.1/search", article_url=lambda i: f"http://127.0.0.1/articles/{i}")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_matching_arrival_is_new_at_once_and_a_non_matching_one_never(saved, tmp_path):
    w = word()
    search = saved.save("Mine watch", {"q": w, "source": ["wire-a"], "size": 5, "page": 3})
    assert search.params == {"q": w, "source": ["wire-a"]}  # what is searched is kept, not how it was shown
    assert saved.status(search).new == 0 and saved.status(search).total == 0

    # An old story ingested today is new (arrival, not article date, decides); one about something else,
    # and one with the word from a source the search leaves out, never are.
    match, other, elsewhere = arrive(saved.engine, tmp_path,
                                     article(f"The {w} mine reopens", f"Miners return to the {w} pits.",
                                             published="1998-05-04"),
                                     article("Harbour cranes stand idle", "Dockers wait for ships.",
                                             published="2030-01-01"),
                                     article(f"{w} prices", f"Traders watch {w}.", source="wire-b"))
    status = saved.status(search)
    assert (status.total, status.new) == (1, 1)
    entries = feed_of(saved, search).entries
    assert [e.title for e in entries] == [f"The {w} mine reopens"]
    assert entries[0].link.endswith(f"/articles/{match}")
    assert other not in str(entries) and elsewhere not in str(entries)

    saved.looked(search)
    assert saved.status(search).new == 0
    # The same article corrected is not new again; a second one is, and leads the feed.
    arrive(saved.engine, tmp_path, {**article(f"The {w} mine reopens", f"Miners return to the {w} pits, "
                                              "after two years.", published="1998-05-04"),
                                    "url": saved.engine.get(match).url})
    assert saved.status(search).new == 0
    second, = arrive(saved.engine, tmp_path, article(f"A second {w} seam", "Found in the hills."))
    assert saved.status(search).new == 1
    assert [e.link.rsplit("/", 1)[1] for e in feed_of(saved, search).entries] == [second, match]


def test_a_saved_search_keeps_its_grouping_in_its_feed_and_new_count(saved, tmp_path):
    """Grouped by story (the default), a wire report and its republished copy are one new item and one
    feed entry saying '+1 more'; a search saved with every copy counts and lists both."""
    from indexer.stories import StoryAssigner

    w = word()
    grouped = saved.save("Wire story", {"q": w, "group": "story"})
    every = saved.save("Every copy", {"q": w, "group": "none"})
    assert grouped.params == {"q": w} and every.params == {"q": w, "group": "none"}
    report = (f"The {w} dam on the upper river was closed on Monday after engineers found cracks in its "
              "northern wall, the water authority said. Farmers downstream were told to expect lower flows "
              "for at least two weeks while divers inspect the foundations. The authority said the dam held "
              "forty million cubic metres when it was closed and that no village was in danger.")
    stories = StoryAssigner(tmp_path / "stories.db")
    first, copy, other = arrive(saved.engine, tmp_path,
                                article(f"{w} dam closed after cracks found", report, source="wire-a"),
                                article(f"Cracks close the {w} dam", report + " More follows.", source="paper-b"),
                                article(f"{w} festival opens", f"The {w} festival of lanterns opened in the old "
                                        "town square with music and food stalls.", source="wire-a"),
                                stories=stories)
    stories.close()
    assert saved.engine.get(first).story_id == saved.engine.get(copy).story_id != saved.engine.get(other).story_id
    assert (saved.status(grouped).total, saved.status(grouped).new) == (2, 2)
    assert (saved.status(every).total, saved.status(every).new) == (3, 3)
    entries = feed_of(saved, grouped).entries
    assert len(entries) == 2
    dam = next(e for e in entries if e.link.rsplit("/", 1)[1] in (first, copy))
    other_source = "wire-a" if dam.link.endswith(copy) else "paper-b"
    assert f"+1 more from {other_source}" in dam.content[0].value
    assert {e.link.rsplit("/", 1)[1] for e in feed_of(saved, every).entries} == {first, copy, other}
    runs = {n.search.id: n for n in saved.whats_new(CLI)}
    assert (runs[grouped.id].total, len(runs[grouped.id].hits)) == (2, 2) and runs[every.id].total == 3


def test_feed_titles_carry_their_language_and_the_stored_translation(saved, tmp_path):
    w = word()
    search = saved.save("Bilingual", {"q": w})
    ar_id, = arrive(saved.engine, tmp_path, article(
        f"افتتاح منجم {w} الجديد", f"افتتح اليوم منجم {w} في المنطقة الشمالية.", language="ar",
        translations={"en": {"language": "en", "title": f"New {w} mine opens",
                             "body": f"The {w} mine opened today in the north.", "status": "done"}}))
    entry, = feed_of(saved, search).entries
    assert entry.title == f"افتتاح منجم {w} الجديد" and entry.title_detail.language == "ar"
    assert entry.summary == f"New {w} mine opens" and entry.summary_detail.language == "en"
    assert w in entry.content[0].value
    assert entry.updated_parsed >= entry.published_parsed  # arrived now, published earlier


def test_feed_escapes_what_it_carries(saved, tmp_path):
    w = word()
    search = saved.save("Escapes <b>&", {"q": w})
    arrive(saved.engine, tmp_path, article(f"<script>alert(1)</script> {w} & co\x0b", f"a < b {w} \x01"))
    parsed = feed_of(saved, search)
    assert parsed.feed.title.startswith("Escapes <b>&")
    entry, = parsed.entries
    assert entry.title == f"<script>alert(1)</script> {w} & co"
    assert "<script>" not in entry.content[0].value and "&lt;" in entry.content[0].value


def test_each_reader_has_its_own_last_look(saved, tmp_path):
    w = word()
    search = saved.save("Readers", {"q": w})
    arrive(saved.engine, tmp_path, article(f"{w} one", "first"))
    runs = {n.search.id: n for n in saved.whats_new(CLI)}
    assert runs[search.id].total == 1 and [h.title for h in runs[search.id].hits] == [f"{w} one"]
    assert {n.search.id: n.total for n in saved.whats_new(CLI)}[search.id] == 0  # the cron job moved on
    assert saved.status(search, PAGE).new == 1  # the page reader has not looked yet
    arrive(saved.engine, tmp_path, article(f"{w} two", "second"))
    assert saved.status(search, PAGE).new == 2
    assert {n.search.id: n.total for n in saved.whats_new(CLI)}[search.id] == 1


def test_saved_searches_survive_restart_and_reindex(archive_engine, tmp_path):
    settings, eng = archive_engine
    w = word()
    store_path = tmp_path / "saved-searches.db"
    first = SavedSearches(SearchService(settings, eng), SavedSearchStore(store_path), settings.archive_key)
    search = first.save("Survivor", {"q": w, "mode": "en"})
    everything = first.save("Everything", {})
    arrive(eng, tmp_path, article(f"{w} before reindex", "one"))
    assert first.status(everything).new == 1
    eng.reindex()
    if isinstance(eng, EmbeddedEngine):  # a restart: the process opens the archive again
        eng.close()
    again = SavedSearches(SearchService(settings, eng), SavedSearchStore(store_path), settings.archive_key)
    kept, = [s for s in again.store.list() if s.id == search.id]
    assert (kept.name, kept.params) == ("Survivor", {"q": w, "mode": "en"})
    # Reindexing kept every article's arrival mark: only the one that came after saving is new.
    assert again.status(kept).new == 1
    assert again.status(again.store.get(everything.id)).new == 1
    again.looked(kept)
    assert again.status(kept).new == 0
    arrive(eng, tmp_path, article(f"{w} after reindex", "two"))
    assert again.status(kept).new == 1


def test_store_names_rename_delete(tmp_path):
    store = SavedSearchStore(tmp_path / "s.db")
    a = store.create("  Oil   prices ", {"q": "oil"}, archive="x", mark=5)
    assert a.name == "Oil prices"
    with pytest.raises(NameTaken):
        store.create("oil PRICES", {"q": "x"}, archive="x", mark=5)
    for bad in ("", "   ", "x" * 121):
        with pytest.raises(InvalidName):
            store.create(bad, {}, archive="x", mark=0)
    b = store.create("النفط", {"q": "النفط"}, archive="x", mark=7)
    assert [s.name for s in store.list()] == ["Oil prices", "النفط"]
    with pytest.raises(NameTaken):
        store.rename(b.id, "oil prices")
    assert store.rename(b.id, "أسعار النفط").name == "أسعار النفط"
    assert store.rename(999, "nothing") is None
    # Marks belong to one archive: on another one nothing is known yet.
    assert store.last_seen(a.id, "page", "x") == 5 and store.last_seen(a.id, "page", "y") is None
    store.mark_seen(a.id, "page", "x", 9)
    assert store.last_seen(a.id, "page", "x") == 9 and store.last_seen(a.id, "cli", "x") == 5
    assert store.delete(a.id) and not store.delete(a.id)
    assert store.get(a.id) is None and store.last_seen(a.id, "page", "x") is None
    c = store.create("Oil prices", {"q": "oil"}, archive="x", mark=1)
    assert c.id not in (a.id, b.id)  # a deleted search's id (and feed URL) is not handed out again
