"""What a reader meets in Chromium after the user tour: a page past the last result, "Translate now" behind
the server's key, and a saved search whose "new" count only an explicit "Mark as seen" clears.

Same set-up as ``tests/test_browser.py`` (Debian's Chromium driven by Playwright, a real uvicorn server,
screenshots in ``tests/artifacts/``, no request leaving localhost).
"""

from __future__ import annotations

import re

import httpx
import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from indexer.translate import build_translator
from tests.conftest import DEMO, SEED
from tests.test_browser import ARTIFACTS, LiveServer, browser, query_of, server, watched  # noqa: F401 - fixtures
from tests.translate_server import TranslateServer
from web.app import create_app

pytestmark = pytest.mark.browser

KEY = "browser-reader-key"


def test_a_page_past_the_end_says_so_and_leads_to_the_last_page(server, watched):  # noqa: F811
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/search?q=الرياض&source=aawsat&size=5&page=9&ui=en")
    empty = page.locator(".past-end")
    assert empty.is_visible()
    assert empty.inner_text().startswith("Page 9 is past the end of the results: the last page is 2.")
    assert "No articles match" not in page.locator("main").inner_text()
    assert "of 9" not in page.locator("p.took").inner_text()  # no "11–11 of 9"
    page.screenshot(path=str(ARTIFACTS / "past-end-en.png"), full_page=False)
    page.get_by_role("link", name="Go to the last page (2)").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert query_of(page.url)["source"] == ["aawsat"] and query_of(page.url)["size"] == ["5"]
    assert page.locator("li.hit").count() == 4 and "6–9 of 9" in page.locator("p.took").inner_text()
    assert not dialogs


@pytest.fixture
def translating_server(tmp_path):
    with TranslateServer() as translate:
        settings = Settings(data_dir=tmp_path / "data", translator="libre", translator_url=translate.url,
                            translate_rate_per_second=500, translate_timeout=5, api_key=KEY)
        engine = EmbeddedEngine(settings.embedded_path)
        ingest([SEED, DEMO], engine)
        app = create_app(settings, engine=engine, article_translator=build_translator(settings))
        with LiveServer(app) as live:
            yield live.url, translate
        engine.close()


def test_translate_now_asks_for_the_key_and_refuses_without_it(translating_server, watched):  # noqa: F811
    url, translate = translating_server
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(url + "/search?q=الباغوز&ui=en")
    page.locator("li.hit h2.hit-title a").first.click()
    page.wait_for_url(re.compile(r"/articles/"))
    form = page.locator(".translation-state form.translate-now")
    assert form.get_by_label("API key").is_visible()
    form.get_by_label("API key").fill("not-the-key")
    form.get_by_role("button", name="Translate now").click()
    page.wait_for_load_state()
    assert page.locator("#translate-error").inner_text() == "The API key is missing or wrong."
    assert page.locator("#original-title").is_visible() and translate.requests == 0
    page.screenshot(path=str(ARTIFACTS / "translate-now-refused-en.png"), full_page=False)
    form = page.locator(".translation-state form.translate-now")
    form.get_by_label("API key").fill(KEY)
    form.get_by_role("button", name="Translate now").click()
    page.wait_for_selector("[data-block=translation]")
    assert "machine translation" in page.locator("[data-block=translation]").inner_text().lower()
    assert query_of(page.url)["q"] == ["الباغوز"]  # back on the article, the reader's search kept
    assert translate.requests >= 1 and page.locator("#translate-error").count() == 0
    page.screenshot(path=str(ARTIFACTS / "translate-now-done-en.png"), full_page=False)
    assert not dialogs


@pytest.fixture
def saved_server(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", translator="none", api_key=KEY)
    engine = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], engine)
    with LiveServer(create_app(settings, engine=engine)) as live:
        yield live.url
    engine.close()


def test_opening_a_saved_search_keeps_its_new_count_until_marked_seen(saved_server, watched):  # noqa: F811
    url = saved_server
    headers = {"X-API-Key": KEY}
    made = httpx.post(url + "/api/saved-searches", headers=headers,
                      json={"name": "Quokka watch", "search": {"q": "quokka"}})
    assert made.status_code == 201, made.text
    r = httpx.post(url + "/api/articles", headers=headers, json={
        "title": "Quokka census on Rottnest", "body": "The island counted its quokkas.", "language": "en",
        "source": "wire", "url": "https://news.example/quokka"})
    assert r.status_code == 200, r.text
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(url + "/saved?ui=en")
    row = page.locator("li.saved", has_text="Quokka watch")
    assert row.locator(".saved-new").inner_text() == "1 new"
    row.get_by_role("link", name="Quokka watch").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert "Quokka census" in page.locator("li.hit").first.inner_text()
    page.go_back()
    page.reload()
    row = page.locator("li.saved", has_text="Quokka watch")
    assert row.locator(".saved-new").inner_text() == "1 new"  # looking at the results cleared nothing
    row.locator("summary", has_text="Mark as seen").click()
    seen = row.locator("form.saved-seen-form")
    seen.get_by_label("API key").fill(KEY)
    page.screenshot(path=str(ARTIFACTS / "saved-mark-seen-en.png"), full_page=False)
    seen.get_by_role("button", name="Mark as seen").click()
    page.wait_for_url(re.compile(r"done=seen"))
    assert page.locator(".saved-message").inner_text() == "Marked as seen."
    row = page.locator("li.saved", has_text="Quokka watch")
    assert row.locator(".saved-new").count() == 0 and row.get_attribute("data-new") == "0"
    page.screenshot(path=str(ARTIFACTS / "saved-seen-en.png"), full_page=False)
    assert not dialogs
