"""A person using the pages in a real browser: headless Chromium against a real uvicorn server.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python
``playwright`` package, which drives that browser (no browser download). Each
step asserts what the user sees: texts, counts and the URL. Screenshots go to
``tests/artifacts/``. Every request the browser makes must stay on localhost.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("ARSHIF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><b>bold</b>']
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class LiveServer:
    """uvicorn serving an app on a free localhost port, in a thread."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(archive_settings):
    with LiveServer(create_app(archive_settings)) as s:
        yield s.url


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-hostile")
    payload = " ".join(XSS)
    record = {"url": "javascript:alert(1)", "title": f"Zanzibar {payload} harbour",
              "body": f"The Zanzibar harbour story {payload} continues.\n\nMore {payload} Zanzibar.",
              "source": f"Source {XSS[0]}", "author": f"Author {XSS[1]}", "tags": [f"tag {XSS[2]}"],
              "language": "en", "published": "2024-05-01", "related_titles": [f"Related {XSS[0]}"]}
    path = root / "hostile.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", translator="none")
    engine = EmbeddedEngine(settings.embedded_path)
    assert ingest([path], engine).indexed == 1
    engine.close()
    with LiveServer(create_app(settings)) as s:
        yield s.url


@pytest.fixture
def watched(browser):
    """A browser context that records every request and every dialog."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
    requests: list[str] = []
    dialogs: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    context.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield context, requests, dialogs
    context.close()
    foreign = [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
               and urlsplit(u).hostname not in LOCAL_HOSTS]
    assert not foreign, f"requests left localhost: {foreign}"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def twin(context, url: str) -> dict:
    """The JSON twin of a page URL (what the page should show)."""
    r = context.request.get(url, headers={"Accept": "application/json"})
    assert r.ok
    return r.json()


def test_search_filter_narrow_open_switch_and_back(server, watched):
    context, requests, dialogs = watched
    page = context.new_page()

    # 1. the search page, Arabic UI (the browser prefers Arabic); type an Arabic query
    page.goto(server + "/")
    assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    page.get_by_label("ابحث في الأرشيف").fill("الرياض")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?.*q="))
    assert query_of(page.url)["q"] == ["الرياض"]
    total = twin(context, page.url)["total"]
    heading = page.locator("#results-heading").inner_text()
    assert f"{total:,}" in heading and "نتيجة" in heading and "الرياض" in heading
    assert page.locator("li.hit").count() == 10
    assert page.locator("li.hit mark").first.inner_text() in ("الرياض", "بالرياض", "والرياض", "للرياض")
    page.screenshot(path=str(ARTIFACTS / "search-ar.png"), full_page=False)

    # 2. tick the first source in the facet list
    value = page.locator("section.facet[data-field=source] a.facet-value").first
    source = value.get_attribute("data-value")
    name = value.locator(".facet-label").inner_text().strip()  # the source's name in the UI's language
    count = int(value.locator(".count").inner_text().replace(",", ""))
    assert 0 < count < total
    value.click()
    page.wait_for_url(re.compile(r"source="))
    assert query_of(page.url)["source"] == [source]
    assert f"{count:,}" in page.locator("#results-heading").inner_text() or count == 1
    assert page.locator(f"section.facet[data-field=source] a.is-selected[data-value='{source}']").count() == 1
    chip = page.locator(".chips a.chip[data-field=source]")
    assert chip.is_visible() and name in chip.inner_text()
    assert {t.strip() for t in page.locator("li.hit .hit-source").all_inner_texts()} == {name}
    assert {page.locator("li.hit .hit-source").nth(i).get_attribute("data-value")
            for i in range(page.locator("li.hit .hit-source").count())} == {source}

    # 3. narrow by date: click the tallest bar of the histogram
    bars = page.locator("svg.hist a.hist-bar")
    counts = [int(c) for c in bars.evaluate_all("els => els.map(e => e.dataset.count)")]
    assert len(counts) >= 2
    best = counts.index(max(counts))
    start, end = bars.nth(best).get_attribute("data-start"), bars.nth(best).get_attribute("data-end")
    bars.nth(best).click()
    page.wait_for_url(re.compile(r"date_from="))
    q = query_of(page.url)
    assert q["date_from"] == [start] and q["date_to"] == [end] and q["source"] == [source]
    narrowed = max(counts)
    heading = page.locator("#results-heading").inner_text()
    assert (f"{narrowed:,}" in heading) or (narrowed == 1 and "نتيجة واحدة" in heading)
    assert page.locator(".chips a.chip[data-field=date]").is_visible()
    dates = page.locator("li.hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and all(start <= d <= end for d in dates)
    results_url = page.url

    # 4. open the first result
    first = page.locator("li.hit .hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]+"))
    assert page.locator("#original-title").inner_text() == title
    original = page.locator("section[data-block=original]")
    assert original.get_attribute("lang") == "ar" and original.get_attribute("dir") == "rtl"
    assert source in page.locator(".meta-list").inner_text()
    article_url = page.url

    # 5. switch the interface to English
    page.locator("a.ui-switch").click()
    page.wait_for_url(re.compile(r"ui=en"))
    assert page.get_attribute("html", "lang") == "en" and page.get_attribute("html", "dir") == "ltr"
    assert page.locator("#details-heading").inner_text() == "Details"
    assert page.locator("#original-title").inner_text() == title  # the article itself is unchanged

    # 6. back: the Arabic article page, then the narrowed results exactly as they were
    page.go_back()
    page.wait_for_url(article_url)
    assert page.get_attribute("html", "lang") == "ar"
    page.go_back()
    page.wait_for_url(results_url)
    heading = page.locator("#results-heading").inner_text()
    assert (f"{narrowed:,}" in heading) or (narrowed == 1 and "نتيجة واحدة" in heading)
    assert page.locator(".chips a.chip").count() == 2

    # 7. switch these results to English: same filters, same count; the choice is remembered,
    #    so a link without ui (here: a fresh search) shows the English UI too
    page.locator("a.ui-switch").click()
    page.wait_for_url(re.compile(r"ui=en"))
    assert {k: v for k, v in query_of(page.url).items() if k != "ui"} == \
        {k: v for k, v in query_of(results_url).items() if k != "ui"}
    assert f"{narrowed:,} result" in page.locator("#results-heading").inner_text()
    assert page.locator(".chips a.chip[data-field=date]").inner_text().startswith("Date:")
    page.goto(server + "/search?q=" + "الرياض")
    assert page.get_attribute("html", "lang") == "en"
    assert "results" in page.locator("#results-heading").inner_text()
    page.screenshot(path=str(ARTIFACTS / "search-en.png"), full_page=False)

    # an Arabic snippet inside the English UI reads right-to-left, aligned right
    snippet = page.locator("li.hit p.snippet[lang=ar]").first
    direction, align, gap = snippet.evaluate("""e => {
        const s = getComputedStyle(e);
        const r = document.createRange(); r.selectNodeContents(e);
        const rects = Array.from(r.getClientRects()).filter(x => x.width > 0);
        const first = rects.reduce((a, x) => x.top < a.top ? x : a);
        const mid = (first.top + first.bottom) / 2;  // the first line's middle
        const right = Math.max(...rects.filter(x => x.top <= mid && x.bottom >= mid).map(x => x.right));
        return [s.direction, s.textAlign, e.getBoundingClientRect().right - right];
    }""")
    assert direction == "rtl" and align in ("start", "right")
    assert abs(gap) < 3, "the first line of an Arabic snippet starts at the right edge"
    assert page.locator("li.hit h2.hit-title[lang=ar]").first.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("#results-heading").evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert not dialogs


def test_article_side_by_side_and_stacked(server, watched):
    context, requests, dialogs = watched
    page = context.new_page()
    hits = twin(context, server + "/search?q=المسار البرتقالي&lang=ar")["hits"]
    aid = hits[0]["id"]
    page.goto(f"{server}/articles/{aid}?ui=en")
    original, translation = page.locator("section[data-block=original]"), page.locator("section[data-block=translation]")
    assert (original.get_attribute("lang"), original.get_attribute("dir")) == ("ar", "rtl")
    assert (translation.get_attribute("lang"), translation.get_attribute("dir")) == ("en", "ltr")
    assert page.locator("#translation-title").inner_text().startswith("Riyadh Metro opens Orange Line")
    a, b = original.bounding_box(), translation.bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and a["x"] + a["width"] <= b["x"], "side by side, original first"
    assert page.locator("section.related li.related-item").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
    # follow related coverage back into the archive
    page.locator("section.related a.related-title").first.click()
    page.wait_for_url(re.compile(r"/articles/(?!" + aid + ")[0-9a-f]+"))
    # on a phone the blocks stack
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{server}/articles/{aid}?ui=ar")
    a, b = original.bounding_box(), translation.bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1, "stacked on narrow screens"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    page.screenshot(path=str(ARTIFACTS / "article-narrow-ar.png"), full_page=False)
    assert not dialogs


def test_keyboard_users_get_a_skip_link_and_visible_focus(server, watched):
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/search?q=الرياض&ui=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().top") >= 0  # visible when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_a_long_pasted_query_is_cut_in_the_box_not_refused(server, watched):
    """A pasted article (14,000 characters) used to end on an error page without the search box (over 2,000
    characters), or as a bare 'Invalid HTTP request received.' past the server's URL limit. The box takes what
    a search takes, and the page that answers keeps it."""
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/?ui=en")
    page.locator("#q").fill("الرياض " * 2000)  # 14,000 characters: fill() types as a paste does, up to maxlength
    assert len(page.locator("#q").input_value()) == 2000
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?.*q="))
    # The search page answers, with its box: here that a search takes at most 64 words, said beside the box.
    assert page.locator("#q").count() == 1 and len(page.locator("#q").input_value()) == 2000
    assert "64" in page.locator("#query-error").inner_text()


def test_hostile_article_runs_no_script(hostile_server, watched):
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(hostile_server + "/search?ui=en")
    page.get_by_label("Search the archive").fill("Zanzibar")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Zanzibar"))
    injected = "() => document.querySelectorAll('img, b, iframe, script:not([src]), [onerror]').length"
    hit = page.locator("li.hit").first
    assert XSS[0] in hit.locator(".hit-title").inner_text()  # shown as text
    assert XSS[1] in hit.locator(".snippet").inner_text()
    assert page.evaluate(injected) == 0
    hit.locator(".hit-title a").click()
    page.wait_for_url(re.compile(r"/articles/"))
    body = page.locator("section[data-block=original]").inner_text()
    assert all(x in body for x in XSS)
    assert page.evaluate(injected) == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.wait_for_timeout(200)
    assert not dialogs, f"a dialog fired: {dialogs}"


def test_dragging_across_the_histogram_selects_a_period(server, watched):
    """Progressive enhancement: with JavaScript a drag across bars picks the whole span."""
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/search?q=الرياض&ui=en&date_from=2015-01-01&date_to=2015-12-31")
    bars = page.locator("svg.hist a.hist-bar")
    assert bars.count() >= 3
    first, last = bars.nth(0), bars.nth(bars.count() - 1)
    a, b = first.bounding_box(), last.bounding_box()
    start, end = first.get_attribute("data-start"), last.get_attribute("data-end")
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, a["y"] + a["height"] / 2, steps=4)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_to=" + end))
    q = query_of(page.url)
    assert q["date_from"] == [start] and q["date_to"] == [end] and q["q"] == ["الرياض"]
    assert page.locator(".chips a.chip[data-field=date]").is_visible()


def test_api_docs_render_openapi_31_and_try_it_out_works(server, watched):
    """/docs lists the operations of the OpenAPI 3.1 document and runs one from the page, offline."""
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    assert "Unable to render" not in page.content()
    paths = [p.strip() for p in page.locator(".opblock-summary-path").all_inner_texts()]
    for path in ("/api/search", "/api/search/batch", "/api/articles/{article_id}", "/api/export", "/api/health"):
        assert any(p.replace("\u200b", "") == path for p in paths), (path, paths)
    page.screenshot(path=str(ARTIFACTS / "docs.png"), full_page=False)
    block = page.locator(".opblock-get", has=page.locator(".opblock-summary-path[data-path='/api/search']")).first
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("tr[data-param-name='q'] input").fill("الرياض")
    block.locator("button.execute").click()
    response = block.locator(".live-responses-table .response .response-col_status").first
    response.wait_for(timeout=15000)
    assert response.inner_text().strip().startswith("200")
    body = block.locator(".live-responses-table .response-col_description pre").first.inner_text()
    assert json.loads(body)["total"] > 0
    assert any("/api/search?" in u and "q=" in u for u in requests)
    page.screenshot(path=str(ARTIFACTS / "docs-try-it-out.png"), full_page=False)
    assert not dialogs


def test_reader_goes_from_results_to_article_and_back(server, watched):
    """An English reader on an Arabic result: the article says it is untranslated, marks the query,
    fills the text width, and its back link returns to the same results page."""
    context, requests, dialogs = watched
    page = context.new_page()
    search = server + "/search?q=الرياض&source=aawsat&size=5&ui=en&page=2"
    page.goto(search)
    page.screenshot(path=str(ARTIFACTS / "reading-results-en.png"), full_page=False)
    assert page.locator("li.hit .hit-state").first.inner_text() == "not translated"
    assert page.locator("li.hit .hit-source").first.inner_text() == "Asharq Al-Awsat"
    page.locator("li.hit h2.hit-title a").first.click()
    page.wait_for_url(re.compile(r"/articles/"))
    assert page.locator("#q").input_value() == "الرياض"
    assert page.locator(".block-body mark").count() >= 1
    note = page.locator(".translation-state[data-status=none]")
    assert note.is_visible() and "No translation service is configured" in note.inner_text()
    text, main = page.locator("section[data-block=original]").bounding_box(), page.locator("main").bounding_box()
    assert text["width"] > 0.6 * main["width"], "the text uses the width when there is no translation column"
    page.screenshot(path=str(ARTIFACTS / "reading-article-en.png"), full_page=False)
    page.locator("#back-to-results").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert query_of(page.url) == query_of(search)
    assert page.locator("nav.pagination a[aria-current=page]").inner_text() == "2"
    assert not dialogs


def test_histogram_axes_intervals_zoom_and_undated(server, watched):
    context, requests, dialogs = watched
    page = context.new_page()
    page.goto(server + "/search?ui=en")
    hist = page.locator("section.histogram")
    assert hist.locator(".hist-y-max").inner_text().replace(",", "").isdigit()
    assert hist.locator(".hist-axis span").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "histogram.png"), clip=hist.bounding_box())
    # choose the interval
    hist.locator(".hist-intervals a[data-interval=week]").click()
    page.wait_for_url(re.compile(r"histogram=week"))
    assert page.locator("section.histogram").get_attribute("data-interval") == "week"
    # zoom into the busiest bar: the chart keeps bars around it, the chosen one highlighted
    bars = page.locator("svg.hist a.hist-bar")
    counts = [int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count())]
    bars.nth(counts.index(max(counts))).click()
    page.wait_for_url(re.compile(r"date_from="))
    zoomed = page.locator("svg.hist a.hist-bar")
    axis = page.locator("section.histogram .hist-axis span").all_inner_texts()
    assert len(set(axis)) >= 2, f"one bar fills the chart, the same date at both ends: {axis}"
    assert zoomed.count() >= 2 and page.locator("svg.hist a.hist-bar.is-selected").count() == 1
    assert page.locator("section.histogram .hist-summary").inner_text().endswith("chosen period")
    # with the automatic interval the zoomed chart goes finer (days) and still shows the days around
    page.locator(".hist-intervals a[data-interval=auto]").click()
    page.wait_for_url(lambda url: "histogram=" not in url)
    assert page.locator("section.histogram").get_attribute("data-interval") == "day"
    assert page.locator("svg.hist a.hist-bar").count() > page.locator("svg.hist a.hist-bar.is-selected").count()
    page.screenshot(path=str(ARTIFACTS / "histogram-zoomed.png"),
                    clip=page.locator("section.histogram").bounding_box())
    assert not dialogs


def test_undated_articles_are_counted_not_hidden(tmp_path_factory, browser):
    """The BBC corpus has no dates: the date panel says so instead of vanishing."""
    bbc = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc" / "bbc-news.jsonl"
    if not bbc.exists():
        pytest.skip("BBC corpus not in ../shared")
    root = tmp_path_factory.mktemp("undated")
    settings = Settings(data_dir=root / "data", translator="none")
    engine = EmbeddedEngine(settings.embedded_path)
    lines = bbc.read_text(encoding="utf-8").splitlines()[:40]
    (root / "bbc.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert ingest([root / "bbc.jsonl"], engine, defaults={"source": "BBC", "language": "en"}).indexed == 40
    engine.close()
    with LiveServer(create_app(settings)) as s:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(s.url + "/search?ui=en")
        assert page.locator(".hist-undated").inner_text() == "40 undated articles"
        page.goto(s.url + "/search?ui=ar")
        assert page.locator(".hist-undated").inner_text() == "40 مقالة دون تاريخ"
        context.close()


def test_phone_shows_filters_first_folded_and_exports(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-SA",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(server + "/search?q=الرياض&ui=ar")
    refine, first_hit = page.locator("details.refine"), page.locator("li.hit").first
    assert refine.bounding_box()["y"] < first_hit.bounding_box()["y"], "filters come before the results"
    assert refine.get_attribute("open") is None, "folded on a phone"
    assert first_hit.bounding_box()["y"] < 844, "the first result is on the first screen"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    page.screenshot(path=str(ARTIFACTS / "phone-search-ar.png"), full_page=False)
    page.locator("summary.refine-summary").click()
    assert refine.get_attribute("open") is not None
    assert page.locator("section.facet[data-field=source] a.facet-value").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-search-ar-filters.png"), full_page=False)
    with page.expect_download() as info:
        page.locator("#export a[data-format=csv]").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark: Excel then reads the Arabic as Arabic"
    lines = raw.decode("utf-8-sig").splitlines()
    total = twin(context, server + "/search?q=الرياض")["total"]
    assert lines[0].startswith("id,") and len(lines) >= total + 1
    context.close()


def test_phone_keeps_filters_in_force_in_sight_and_controls_big_enough_to_tap(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-SA")
    page = context.new_page()
    page.goto(server + "/search?q=الرياض&ui=ar")
    page.locator("summary.refine-summary").click()
    source = page.locator("section.facet[data-field=source] a.facet-value").first
    assert source.bounding_box()["height"] >= 40
    source.click()
    page.wait_for_load_state()
    assert page.locator("details.refine").get_attribute("open") is None, "folded again on the next page"
    filtered = page.url
    # The filter in force is in sight without opening the fold, and one tap on it removes it.
    chip = page.locator(".chips-folded a.chip").first
    assert chip.is_visible() and chip.bounding_box()["y"] < page.locator("li.hit").first.bounding_box()["y"]
    for control in (chip, *page.locator(".sort a, .group-switch a, #export a").all()):
        box = control.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, control.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    page.screenshot(path=str(ARTIFACTS / "phone-search-ar-filtered.png"), full_page=False)
    # Two filters: the folded list also offers to clear them all.
    page.goto(filtered + "&lang=ar")
    assert page.locator(".chips-folded a.chip").count() == 2 and page.locator(".chips-folded a.clear-all").is_visible()
    page.goto(filtered)
    chip = page.locator(".chips-folded a.chip").first
    total = page.locator(".results-count, h1, #results-heading").first.inner_text()
    chip.click()
    page.wait_for_load_state()
    assert page.locator(".chips-folded").count() == 0 and page.locator("details.refine").get_attribute("open") is None
    assert page.locator(".results-count, h1, #results-heading").first.inner_text() != total
    # On a wide screen the filters are open and listed once.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(filtered)
    assert not page.locator(".chips-folded").is_visible() and page.locator(".chips a.chip").first.is_visible()
    context.close()
