"""Reading as a person would: from a result to the article and back, and an English reader facing Arabic."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from indexer.translate import build_translator
from tests.conftest import DEMO, SEED
from tests.translate_server import TranslateServer
from web.app import create_app


@pytest.fixture(scope="module")
def client(archive_settings):
    with TestClient(create_app(archive_settings)) as c:
        yield c


def _first_hit_href(page: str) -> str:
    m = re.search(r'<h2 class="hit-title"[^>]*><a href="([^"]+)"', page)
    assert m, "no result on the page"
    return html.unescape(m.group(1))


def test_article_keeps_the_search_it_was_opened_from(client):
    search = "/search?q=الرياض&source=aawsat&size=5&page=2&ui=en"
    results = client.get(search).text
    link = _first_hit_href(results)
    state = parse_qs(urlsplit(link).query)
    assert state["q"] == ["الرياض"] and state["source"] == ["aawsat"] and state["page"] == ["2"]
    article = client.get(link).text
    back = re.search(r'<a id="back-to-results" href="([^"]+)"', article)
    assert back, "no way back to the results"
    assert parse_qs(urlsplit(html.unescape(back.group(1))).query) == parse_qs(urlsplit(search).query)
    assert re.search(r'<input id="q" name="q" type="search" value="الرياض"', article)  # the box keeps the query
    assert '<input type="hidden" name="source" value="aawsat">' in article  # and its filters
    body = article.split('class="block-body"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"<mark>[^<]*رياض[^<]*</mark>", body), "query words are not marked in the text"
    # an article opened without a search has no back link and no marks
    plain = client.get(urlsplit(link).path, params={"ui": "en"}).text
    assert 'id="back-to-results"' not in plain and "<mark>" not in plain.split('class="block-body"', 1)[1]


def test_english_reader_is_told_why_an_arabic_article_is_untranslated(client):
    results = client.get("/search", params={"q": "", "source": "aawsat", "ui": "en"}).text
    assert 'class="hit-state" data-translation="none">not translated' in results
    assert "Asharq Al-Awsat" in results  # the source's English name, not the slug
    article = client.get(_first_hit_href(results)).text
    note = re.search(r'<div class="translation-state" data-status="none"[^>]*>(.*?)</div>', article, re.S)
    assert note and "No translation service is configured" in note.group(1)
    assert "Translate now" not in article  # no provider on this server
    assert 'class="parallel single"' in article
    arabic = client.get(_first_hit_href(results).replace("ui=en", "ui=ar")).text
    assert 'class="translation-state"' not in arabic  # an Arabic reader needs no such note
    assert "الشرق الأوسط" in client.get("/search", params={"source": "aawsat", "ui": "ar"}).text


KEY = "reader-key-1"


@pytest.fixture
def translating(tmp_path):
    with TranslateServer() as server:
        settings = Settings(data_dir=tmp_path / "data", translator="libre", translator_url=server.url,
                            translate_rate_per_second=500, translate_timeout=5, api_key=KEY)
        engine = EmbeddedEngine(settings.embedded_path)
        assert ingest([SEED, DEMO], engine).indexed > 5  # ingest without translation
        app = create_app(settings, engine=engine, article_translator=build_translator(settings))
        with TestClient(app) as c:
            yield c, server
        engine.close()


def test_translate_now_stores_a_machine_translation_with_its_provenance(translating):
    c, server = translating
    hit = c.get("/search.json", params={"q": "الباغوز"}).json()["hits"][0]
    assert hit["translation_status"] == "none" and not hit["translated_title"]
    page = c.get(f"/articles/{hit['id']}", params={"ui": "en", "q": "الباغوز"}).text
    assert "Translate now" in page and "You can have it translated now" in page
    action = html.unescape(re.search(r'<form class="translate-now" method="post" action="([^"]+)"', page).group(1))
    assert 'name="api_key" type="password"' in page  # a write: the form asks for the server's key
    # A forged or keyless post translates nothing (no provider call, nothing stored) and shows the article again.
    for data in ({}, {"api_key": "wrong"}):
        refused = c.post(action, data=data, follow_redirects=False)
        assert refused.status_code == 403 and "The API key is missing or wrong." in refused.text
        assert 'class="block-title"' in refused.text and "Translate now" in refused.text
        assert "/translate" not in refused.text.split("<footer", 1)[1]  # its links are the article's own
    assert server.requests == 0
    assert c.get(f"/articles/{hit['id']}.json").json()["translation_state"]["status"] == "none"
    done = c.post(action, data={"api_key": KEY}, follow_redirects=False)
    assert done.status_code == 303
    back = done.headers["location"]
    assert parse_qs(urlsplit(back).query)["q"] == ["الباغوز"]  # still the reader's search
    assert server.requests >= 1
    twin = c.get(f"/articles/{hit['id']}.json").json()
    tr = twin["article"]["translations"]["en"]
    assert (tr["status"], tr["kind"], tr["provider"]) == ("done", "machine", "libre") and tr["translated_at"]
    assert twin["translation_state"]["status"] == "done"
    article = c.get(back).text
    assert 'data-block="translation"' in article and "Machine translation" in article
    # the translated title now shows in the result list
    results = c.get("/search", params={"q": "الباغوز", "ui": "en"}).text
    assert 'class="hit-translated-title"' in results and "Baghuz" in results


def test_translate_now_is_off_on_a_server_that_takes_no_writes(tmp_path):
    """A provider but no API key: the page says why it cannot be translated here, offers no button, and a
    post is refused without calling the provider."""
    with TranslateServer() as server:
        settings = Settings(data_dir=tmp_path / "data", translator="libre", translator_url=server.url)
        engine = EmbeddedEngine(settings.embedded_path)
        ingest([SEED], engine)
        app = create_app(settings, engine=engine, article_translator=build_translator(settings))
        with TestClient(app) as c:
            hit = c.get("/search.json", params={"q": "الباغوز"}).json()["hits"][0]
            page = c.get(f"/articles/{hit['id']}", params={"ui": "en"}).text
            assert "Translate now" not in page and "this server takes no writes" in page
            r = c.post(f"/articles/{hit['id']}/translate", data={"api_key": "guess"})
            assert r.status_code == 403 and "switched off" in r.text
            assert server.requests == 0
        engine.close()
