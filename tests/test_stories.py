"""Stories at ingest: copies grouped, the same story across languages joined, decoys apart, stable across runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article, Translation, stable_id
from indexer.pipeline import ingest
from indexer.stories import StoryAssigner, open_assigner, story_store_path
from tests import stories_fixture as fx


def write_jsonl(path: Path, articles: list[Article]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(a.model_dump_json(exclude={"translation_status", "story_id"}) + "\n")
    return path


def aid(article: Article) -> str:
    """The id the archive gives a fixture article (readers derive it from the URL)."""
    return stable_id(article.url, article.title, article.body)


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
    later = fx.RAIN_OKAZ.model_copy(update={"source": "sabq", "url": "https://example.org/sabq/r",
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
