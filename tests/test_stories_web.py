"""Stories as a reader meets them: grouped results with '+N more from …', the switch, the story page, exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from indexer.stories import open_assigner
from tests import stories_fixture as fx
from tests.test_stories import NAMES, write_jsonl
from web.app import create_app

RAIN = {NAMES["rain-okaz"], NAMES["rain-alriyadh"], NAMES["rain-alweeam"]}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stories-web")
    settings = Settings(data_dir=tmp / "data", translator="none")
    eng = EmbeddedEngine(settings.embedded_path)
    stories = open_assigner(settings)
    summary = ingest([write_jsonl(tmp / "fx.jsonl", fx.fresh())], eng, stories=stories)
    stories.close()
    eng.close()
    assert summary.indexed == len(fx.ALL)
    with TestClient(create_app(settings)) as c:
        yield c


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<li class="hit" data-id="([^"]+)"', page)


def test_results_are_grouped_by_story_by_default(client):
    page = client.get("/search", params={"q": "الأرصاد أمطار", "ui": "en"}).text
    ids = hit_ids(page)
    assert len(ids) == 1 and ids[0] in RAIN
    more = re.search(r'<p class="story-more"><a href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert more, "a grouped hit says how many more copies there are"
    link, text = more.groups()
    shown = client.get(f"/articles/{ids[0]}.json").json()["article"]["source"]
    # The other copies' sources by name, as the hit's own source is shown (not the stored codes).
    names = {"okaz": "Okaz", "alriyadh": "Al Riyadh", "alweeam": "Al Weeam"}
    assert text.startswith("+2 more from ") and all(names[s] in text for s in names if s != shown), text
    assert not any(s in text for s in names), text
    arabic = client.get("/search", params={"q": "الأرصاد أمطار", "ui": "ar"}).text
    assert any(n in arabic for n in ("عكاظ", "الوئام")) and "alweeam" not in re.search(
        r'<p class="story-more">.*?</p>', arabic, re.S).group(0)
    assert "in 1 story" in page


def test_the_switch_shows_every_copy(client):
    page = client.get("/search", params={"q": "الأرصاد أمطار", "ui": "en"}).text
    switch = re.search(r'<a href="([^"]+)"[^>]*data-group="none"', page).group(1)
    every = client.get(switch.replace("&amp;", "&")).text
    assert set(hit_ids(every)) == RAIN and 'class="story-more"' not in every
    # the choice stays when the query changes (the form carries it)
    assert '<input type="hidden" name="group" value="none">' in every


def test_api_group_none_lists_every_copy_and_story_counts_distinct_stories(client):
    grouped = client.get("/api/search", params={"q": "", "size": 20}).json()
    assert grouped["total"] == len(fx.ALL) and grouped["stories"] == 4 and len(grouped["hits"]) == 4
    port = next(h for h in grouped["hits"] if h["id"] in (NAMES["port-en"], NAMES["port-ar"]))
    assert port["story_size"] == 2 and port["story_id"] == NAMES["port-en"]
    every = client.get("/api/search", params={"q": "", "size": 20, "group": "none"}).json()
    assert every["stories"] is None and {h["id"] for h in every["hits"]} == set(NAMES.values())
    assert all(h["story_id"] for h in every["hits"])


def test_story_page_lists_each_copy_with_source_date_and_language_first_publisher_first(client):
    story = client.get(f"/articles/{NAMES['rain-alriyadh']}.json").json()["article"]["story_id"]
    page = client.get(f"/stories/{story}", params={"ui": "en"})
    assert page.status_code == 200
    rows = re.findall(r'<li class="hit" data-id="([^"]+)" data-lang="(\w+)"( data-first="true")?>', page.text)
    assert {r[0] for r in rows} == RAIN and all(r[1] == "ar" for r in rows)
    assert rows[0][2] and NAMES["rain-alriyadh"] != rows[0][0]  # alriyadh ran it a day later
    for source in ("okaz", "alriyadh", "alweeam"):
        assert f'<bdi class="hit-source" data-value="{source}">' in page.text
    assert page.text.count("<time datetime=") == 3
    twin = client.get(f"/stories/{story}.json").json()
    assert twin["articles"] == 3 and twin["first"] == rows[0][0]
    assert [c["source"] for c in twin["copies"]][-1] == "alriyadh"
    api = client.get(f"/api/stories/{story}").json()
    assert api["total"] == 3 and api["first"] == rows[0][0]


def test_cross_language_story_page_shows_both_languages(client):
    page = client.get(f"/stories/{NAMES['port-en']}", params={"ui": "en"}).text
    langs = re.findall(r'<li class="hit" data-id="[^"]+" data-lang="(\w+)"', page)
    assert sorted(langs) == ["ar", "en"]


def test_unknown_story_is_404(client):
    assert client.get("/stories/nope").status_code == 404
    assert client.get("/api/stories/nope").status_code == 404


def test_export_carries_story_id_and_every_copy(client):
    r = client.get("/api/export", params={"q": "", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(fx.ALL)
    stories = {row["id"]: row["story_id"] for row in rows}
    assert len({stories[i] for i in RAIN}) == 1 and stories[NAMES["port-ar"]] == NAMES["port-en"]


def test_an_article_written_through_the_api_joins_its_story(tmp_path_factory):
    """The write API places articles in stories too: a republished copy lands in the story of the original."""
    tmp = tmp_path_factory.mktemp("stories-write")
    settings = Settings(data_dir=tmp / "data", translator="none", api_key="k")
    eng = EmbeddedEngine(settings.embedded_path)
    stories = open_assigner(settings)
    ingest([write_jsonl(tmp / "fx.jsonl", fx.fresh())], eng, stories=stories)
    stories.close()
    eng.close()
    copy = fx.RAIN_OKAZ.model_dump(mode="json", exclude={"id", "story_id", "translation_status"})
    copy.update(source="sabq", url="https://example.org/sabq/rain", title="أمطار رعدية على مكة والباحة")
    with TestClient(create_app(settings)) as c:
        r = c.post("/api/articles", json=copy, headers={"X-API-Key": "k"})
        assert r.status_code == 200 and r.json()["created"]
        new_id = r.json()["ids"][0]
        assert c.get(f"/api/articles/{new_id}").json()["story_id"] == NAMES["rain-okaz"]
        hits = c.get("/api/search", params={"q": "الأرصاد"}).json()["hits"]
        assert len(hits) == 1 and hits[0]["story_size"] == 4
