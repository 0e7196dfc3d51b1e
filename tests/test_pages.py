"""The HTML pages over the session archive: search, facets, histogram, article, errors, XSS.

Pages are read as a browser would get them (TestClient over ``create_app``);
each page's JSON twin must carry the same data the HTML shows.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article, Translation
from arshif.settings import Settings
from indexer.pipeline import ingest
from web.app import create_app

SEED_TITLE = "مصادر تكشف خفايا الأيام الأخيرة من معارك"
DEMO_AR_TITLE = "افتتاح المسار البرتقالي لقطار الرياض"
XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><b>bold</b>']


@pytest.fixture(scope="module")
def client(archive_settings) -> TestClient:
    with TestClient(create_app(archive_settings)) as c:
        yield c


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<li class="hit" data-id="([0-9a-f]+)"', page)


def facet_section(page: str, field: str) -> str:
    m = re.search(rf'<section class="facet"[^>]*data-field="{field}">(.*?)</section>', page, re.S)
    assert m, f"no {field} facet on the page"
    return m.group(1)


def facet_values(page: str, field: str) -> list[tuple[str, str, int | None]]:
    """(href, value, count) of each value in a facet list, as the HTML shows them."""
    out = []
    for m in re.finditer(r'<a class="facet-value[^"]*" href="([^"]+)" data-value="([^"]*)">(.*?)</a>',
                         facet_section(page, field), re.S):
        count = re.search(r'<span class="count">([\d,]*)</span>', m.group(3)).group(1).replace(",", "")
        out.append((html.unescape(m.group(1)), html.unescape(m.group(2)), int(count) if count else None))
    return out


def shown_total(page: str, client: TestClient, url: str) -> int:
    """The result count the page shows, checked against its JSON twin."""
    twin = client.get(url, headers={"Accept": "application/json"}).json()
    assert f"{twin['total']:,} result" in page
    return twin["total"]


# --- search page ----------------------------------------------------------------------------


def test_search_page_lists_seed_and_demo_results(client):
    r = client.get("/search", params={"q": "الباغوز"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in r.text  # Arabic UI by default
    assert SEED_TITLE in html.unescape(re.sub(r"</?mark>", "", r.text))
    assert "<mark>الباغوز</mark>" in r.text

    r = client.get("/search", params={"q": "metro", "ui": "en"})
    assert '<html lang="en" dir="ltr">' in r.text
    text = html.unescape(re.sub(r"</?mark>", "", r.text))
    assert "Riyadh Metro's Orange Line opens" in text
    assert DEMO_AR_TITLE in text  # the Arabic demo article matches through its translation
    assert "Sort:" in r.text and 'data-sort="newest"' in r.text


def test_home_page_lists_everything_with_facets_and_histogram(client):
    r = client.get("/?ui=en")
    assert r.status_code == 200
    twin = client.get("/", headers={"Accept": "application/json"}).json()
    assert twin["total"] > 1000
    assert f"{twin['total']:,} results" in r.text
    assert '<svg class="hist"' in r.text
    assert all(s in r.text for s in ('data-field="source"', 'data-field="author"', 'data-field="language"',
                                      'data-field="tag"'))
    # a search box with a label, syntax help and the language modes; a skip link
    assert '<label class="search-label" for="q">' in r.text
    assert '"exact phrase"' in html.unescape(r.text) and "-word" in r.text and "a OR b" in r.text
    for mode in ("both", "ar", "en", "cross"):
        assert f'name="mode" value="{mode}"' in r.text
    assert 'class="skip-link" href="#main"' in r.text and 'id="main"' in r.text


def test_facet_counts_are_visible_and_match_the_twin(client):
    r = client.get("/search", params={"q": "الرياض", "ui": "en"})
    twin = client.get("/search.json", params={"q": "الرياض", "ui": "en"}).json()
    for field in ("source", "author", "language", "tag"):
        shown = [(v, c) for _, v, c in facet_values(r.text, field)]
        assert shown == [(f["value"], f["count"]) for f in twin["facets"][field]], field
    sources = facet_values(r.text, "source")
    assert sources and all(c and c > 0 for _, _, c in sources)
    assert sum(c for _, _, c in sources) >= twin["total"] - 1  # nearly every hit has a source


def test_filter_links_narrow_the_results_and_chips_remove_them(client):
    url = "/search?q=%D8%A7%D9%84%D8%B1%D9%8A%D8%A7%D8%B6&ui=en"  # q=الرياض
    page = client.get(url).text
    total = shown_total(page, client, url)
    href, value, count = facet_values(page, "source")[0]
    assert count < total
    narrowed = client.get(href)
    assert narrowed.status_code == 200
    twin = client.get(href, headers={"Accept": "application/json"}).json()
    assert twin["total"] == count
    assert all(h["source"] == value for h in twin["hits"])
    assert f"{count:,} result" in narrowed.text
    assert parse_qs(urlsplit(href).query)["source"] == [value]
    # the value is ticked, and an active-filter chip removes it again
    assert any(v == value for _, v, _ in facet_values(narrowed.text, "source"))
    assert 'class="facet-value is-selected"' in narrowed.text
    chip = re.search(r'<a class="chip" href="([^"]+)" data-field="source">', narrowed.text)
    assert chip
    back = client.get(html.unescape(chip.group(1)), headers={"Accept": "application/json"}).json()
    assert back["total"] == total

    # multi-select: a second source adds its hits (values of one field are OR-ed)
    others = [(h, v, c) for h, v, c in facet_values(narrowed.text, "source") if v != value]
    if others:
        h2, v2, c2 = others[0]
        both = client.get(h2, headers={"Accept": "application/json"}).json()
        assert parse_qs(urlsplit(h2).query)["source"] == [value, v2]
        assert both["total"] == count + c2


def test_language_facet_and_modes(client):
    ar = client.get("/search.json", params={"q": "metro", "mode": "ar"}).json()
    assert ar["total"] >= 1 and all(h["language"] == "ar" for h in ar["hits"])
    en = client.get("/search.json", params={"q": "metro", "lang": "en"}).json()
    assert en["total"] >= 1 and all(h["language"] == "en" for h in en["hits"])
    page = client.get("/search", params={"q": "metro", "ui": "ar"}).text
    labels = re.findall(r'<bdi class="facet-label">([^<]+)</bdi>', facet_section(page, "language"))
    assert "الإنجليزية" in labels and "العربية" in labels


def test_json_twin_equals_page_data(client):
    params = {"q": "الرياض", "sort": "newest", "page": "2", "ui": "en"}
    page = client.get("/search", params=params)
    twin_suffix = client.get("/search.json", params=params)
    twin_accept = client.get("/search", params=params, headers={"Accept": "application/json"})
    assert twin_suffix.headers["content-type"].startswith("application/json")
    data = twin_suffix.json()
    assert {**data, "took_ms": 0} == {**twin_accept.json(), "took_ms": 0}
    assert data["page"] == 2 and data["sort"] == "newest"
    assert hit_ids(page.text) == [h["id"] for h in data["hits"]]
    assert len(data["hits"]) == 10
    text = html.unescape(page.text)
    for h in data["hits"]:
        assert html.unescape(h["title_highlight"]) in text
        assert h["snippet_label"] in text
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert f"11–20 of {data['total']:,}" in page.text
    bars = re.findall(r'data-start="([\d-]+)" data-end="([\d-]+)" data-count="(\d+)"', page.text)
    assert [(b["start"], b["end"], b["count"]) for b in data["date_histogram"]["buckets"] if b["href"]] == \
        [(s, e, int(c)) for s, e, c in bars]
    # the article page's twin too
    aid = data["hits"][0]["id"]
    art = client.get(f"/articles/{aid}.json").json()
    assert art["article"]["id"] == aid
    assert art == client.get(f"/articles/{aid}", headers={"Accept": "application/json"}).json()


def test_pagination_and_sort_links(client):
    r = client.get("/search", params={"q": "الرياض", "ui": "en"})
    assert '<nav class="pagination"' in r.text
    nxt = html.unescape(re.search(r'<a class="next" rel="next" href="([^"]+)"', r.text).group(1))
    assert parse_qs(urlsplit(nxt).query)["page"] == ["2"]
    page2 = client.get(nxt)
    assert set(hit_ids(page2.text)).isdisjoint(hit_ids(r.text))
    assert 'aria-current="page"' in page2.text and 'rel="prev"' in page2.text
    oldest = re.search(r'<a href="([^"]+)" data-sort="oldest"', r.text).group(1)
    data = client.get(html.unescape(oldest), headers={"Accept": "application/json"}).json()
    dates = [h["date"] for h in data["hits"] if h["date"]]
    assert dates == sorted(dates)


def test_histogram_bars_filter_to_their_period(client):
    page = client.get("/search", params={"ui": "en"}).text
    bars = re.findall(r'<a class="hist-bar" href="([^"]+)"[^>]*data-start="([\d-]+)" data-end="([\d-]+)" '
                      r'data-count="(\d+)"', page)
    assert len(bars) >= 2
    href, start, end, count = max(bars, key=lambda b: int(b[3]))
    qs = parse_qs(urlsplit(html.unescape(href)).query)
    assert qs["date_from"] == [start] and qs["date_to"] == [end]
    data = client.get(html.unescape(href), headers={"Accept": "application/json"}).json()
    assert data["total"] == int(count)
    assert all(start <= h["date"] <= end for h in data["hits"])
    narrowed = client.get(html.unescape(href)).text
    assert 'data-field="date"' in narrowed  # a removable chip for the period
    # narrowed to one period, the histogram switches to a finer interval
    assert data["date_histogram"]["interval"] in ("day", "week", "month")


def test_facet_show_more_page_with_prefix(client):
    page = client.get("/search", params={"ui": "en"}).text
    more = re.search(r'<a class="show-more" href="([^"]+)"', facet_section(page, "author"))
    assert more, "a long facet list offers 'show more'"
    full = client.get(html.unescape(more.group(1)))
    assert full.status_code == 200
    assert 'class="prefix-form"' in full.text and 'name="prefix"' in full.text
    values = re.findall(r'data-value="([^"]*)"', full.text)
    assert len(values) > 10
    prefix = html.unescape(values[3])[:2]
    filtered = client.get("/facets/author.json", params={"prefix": prefix}).json()
    assert filtered["values"] and all(v["value"].startswith(prefix) for v in filtered["values"])
    assert client.get("/facets/nonsense").status_code == 404


def test_article_page_shows_both_blocks_with_lang_and_dir(client):
    data = client.get("/search.json", params={"q": "المسار البرتقالي", "lang": "ar"}).json()
    aid = data["hits"][0]["id"]
    r = client.get(f"/articles/{aid}", params={"ui": "en"})
    assert r.status_code == 200
    assert '<html lang="en" dir="ltr">' in r.text
    original = re.search(r'<section class="block block-original" data-block="original" ([^>]*)>', r.text).group(1)
    translation = re.search(r'<section class="block block-translation[^"]*" data-block="translation"'
                            r'[^>]*?(lang="\w+" dir="\w+")', r.text).group(1)
    assert 'lang="ar" dir="rtl"' in original
    assert translation == 'lang="en" dir="ltr"'
    assert DEMO_AR_TITLE in r.text and "Riyadh Metro opens Orange Line" in r.text
    assert "About this translation" in r.text
    assert "Related coverage in the archive" in r.text
    related = re.findall(r'<li class="related-item" data-id="([0-9a-f]+)"', r.text)
    assert related and aid not in related
    twin = client.get(f"/articles/{aid}.json").json()
    assert [h["id"] for h in twin["related"]] == related
    # each related article's source by its name in the page's language, as in search results
    from arshif.sources import display
    shown = re.findall(r'<li class="related-item".*?<bdi class="hit-source" data-value="([^"]*)">([^<]*)</bdi>',
                       r.text, re.S)
    assert shown and all(name == display(code, "en") for code, name in shown), shown
    assert twin["translation"]["language"] == "en"
    # metadata links back into the archive
    assert "/search?ui=en&amp;source=" in r.text or "/search?source=" in r.text
    assert 'rel="noopener noreferrer nofollow external"' in r.text
    assert client.get("/articles/0000000000000000").status_code == 404
    assert client.get("/articles/0000000000000000.json").json()["error"]["status"] == 404


def test_seed_article_page_in_arabic_ui(client):
    data = client.get("/search.json", params={"q": "الباغوز"}).json()
    seed = next(h for h in data["hits"] if SEED_TITLE in h["title"])
    r = client.get(f"/articles/{seed['id']}", params={"ui": "ar"})
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "لا توجد ترجمة" not in r.text  # no empty translation block is invented
    assert 'data-block="translation"' not in r.text
    assert "عناوين ذات صلة من المصدر" in r.text  # the seed's "related articles" list


def test_ui_language_is_remembered_in_a_cookie(archive_settings):
    with TestClient(create_app(archive_settings)) as c:
        r = c.get("/search", params={"ui": "en"})
        assert "arshif_ui=en" in r.headers.get("set-cookie", "")
        assert '<html lang="en" dir="ltr">' in c.get("/search").text
        r = c.get("/search", params={"ui": "ar"})
        assert '<html lang="ar" dir="rtl">' in r.text
        assert '<html lang="ar" dir="rtl">' in c.get("/search").text
        # links carry ui, so a shared link shows the same language
        assert 'href="/search?ui=ar"' in r.text
        switch = re.search(r'<a class="ui-switch" href="([^"]+)"', r.text).group(1)
        assert html.unescape(switch) == "/search?ui=en"


def test_empty_state_suggests_removing_filters_and_cross_language(client):
    r = client.get("/search", params={"q": "zzqqxxunmatchable", "ui": "en"})
    assert r.status_code == 200
    assert "No articles match" in r.text
    assert "mode=cross" in r.text
    r = client.get("/search", params={"q": "الباغوز", "source": "aawsat", "mode": "ar", "ui": "en"})
    assert "No articles match" in r.text
    suggestions = re.search(r'<ul class="suggestions">(.*?)</ul>', r.text, re.S).group(1)
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', suggestions)]
    assert any("source=" not in link for link in links)  # drop the source filter
    assert any("mode=cross" in link for link in links)
    dropped = next(link for link in links if "source=" not in link and "mode=" in link)
    assert client.get(dropped, headers={"Accept": "application/json"}).json()["total"] >= 1


def test_query_syntax_error_keeps_the_query_and_says_what_is_wrong(client):
    r = client.get("/search", params={"q": '"unclosed phrase', "ui": "en"})
    assert r.status_code == 400
    assert "The query could not be read" in r.text and "unclosed quote" in r.text
    assert 'value="&#34;unclosed phrase"' in r.text  # still in the box, escaped
    assert client.get("/search.json", params={"q": '"unclosed'}).status_code == 400
    deep = client.get("/search", params={"page": "1000", "size": "100", "ui": "en"})
    assert deep.status_code == 400 and "cursor" in deep.text
    bad = client.get("/search", params={"page": "zero"})
    assert bad.status_code == 422 and "<html" in bad.text and "Traceback" not in bad.text


def test_pages_are_self_contained(client):
    for url in ("/search?q=الرياض&ui=en", "/?ui=ar"):
        page = client.get(url)
        refs = re.findall(r'<(?:link|script|img|iframe|source)\b[^>]*(?:href|src)="([^"]+)"', page.text)
        assert refs and all(u.startswith("/") and not u.startswith("//") for u in refs), refs
        assert "@import" not in page.text and "http://" not in re.sub(r'href="[^"]*"', "", page.text).split(
            "<ol class=\"hits\"")[0]
        assert "default-src 'self'" in page.headers["content-security-policy"]
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert "url(" not in css.text and "@import" not in css.text
    assert "Noto Naskh Arabic" in css.text and "DejaVu Sans" in css.text
    assert client.get("/static/histogram.js").status_code == 200


# --- fresh archives: hostile text, translation states, engine down ---------------------------


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory) -> TestClient:
    """A fresh archive holding an article full of markup, a machine-translated and a pending one."""
    root = tmp_path_factory.mktemp("hostile")
    payload = " ".join(XSS)
    records = [
        {"url": "javascript:alert(1)", "title": f"Zanzibar {payload} harbour",
         "body": f"The Zanzibar harbour story {payload} continues here.\n\nSecond paragraph {payload} Zanzibar.",
         "source": f"Source {XSS[0]}", "author": f"Author {XSS[1]}", "tags": [f"tag {XSS[2]}"],
         "language": "en", "published": "2024-05-01",
         "related_titles": [f"Related {XSS[0]}"],
         "translations": {"ar": {"language": "ar", "title": f"زنجبار {payload}", "body": f"نص {payload}",
                                 "kind": "machine", "provider": f"prov {XSS[1]}"}}},
        {"url": "https://example.test/mt", "title": "تقرير عن ميناء زنجبار التجاري",
         "body": "يتناول التقرير حركة الشحن في ميناء زنجبار التجاري خلال الموسم.",
         "source": "مصدر تجريبي", "language": "ar", "published": "2024-05-02",
         "translations": {"en": {"language": "en", "title": "Report on Zanzibar's commercial port",
                                 "body": "The report covers shipping traffic at Zanzibar's commercial port "
                                         "during the season.",
                                 "kind": "machine", "provider": "test-mt", "model": "tiny-1",
                                 "translated_at": "2024-05-03T10:00:00"}}},
    ]
    path = root / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", translator="none")
    engine = EmbeddedEngine(settings.embedded_path)
    summary = ingest([path], engine)
    assert summary.indexed == 2, summary.as_dict()
    # readers take only finished translations from files; a pending one is what the translator leaves
    engine.upsert([Article(url="https://example.test/pending", title="Pending Zanzibar translation",
                           body="This article about Zanzibar waits for its translation.", source="Tester",
                           language="en", published=dt.date(2024, 5, 4),
                           translations={"ar": Translation(language="ar", status="pending",
                                                           reason="provider rate limit, retry queued")})])
    engine.close()
    with TestClient(create_app(settings)) as c:
        yield c


def _assert_escaped(page: str) -> None:
    for raw in XSS:
        assert raw not in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert 'href="javascript:' not in page


def test_markup_in_articles_is_escaped_everywhere(hostile_client):
    c = hostile_client
    for ui in ("en", "ar"):
        results = c.get("/search", params={"q": "Zanzibar", "ui": ui})
        assert results.status_code == 200
        assert len(hit_ids(results.text)) == 3
        _assert_escaped(results.text)
        assert "<mark>Zanzibar</mark>" in results.text  # highlighting still works
        # the snippet (highlighted body) is escaped too
        snippets = re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', results.text, re.S)
        assert any("&lt;script&gt;" in s for s in snippets) and not any("<script" in s for s in snippets)
        # facet values (source, author, tag) are escaped
        for field in ("source", "author", "tag"):
            assert "&lt;" in facet_section(results.text, field)
    aid = c.get("/search.json", params={"q": "harbour story"}).json()["hits"][0]["id"]
    article = c.get(f"/articles/{aid}", params={"ui": "en"})
    assert article.status_code == 200
    _assert_escaped(article.text)
    assert "javascript:alert(1)" in article.text  # shown as text, never as a link
    chips = c.get("/search", params={"source": f"Source {XSS[0]}", "ui": "en"})
    _assert_escaped(chips.text)
    facet_page = c.get("/facets/author", params={"q": "Zanzibar"}).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in facet_page and "<img src=x" not in facet_page


def test_machine_and_pending_translations_are_labelled(hostile_client):
    c = hostile_client
    data = c.get("/search.json", params={"q": "Zanzibar's commercial port", "ui": "en"}).json()
    hit = next(h for h in data["hits"] if h["language"] == "ar")
    assert hit["snippet_from"] == "translation" and hit["snippet_label"] == "machine translation"
    results = c.get("/search", params={"q": "Zanzibar's commercial port", "ui": "en"}).text
    assert "machine translation" in results
    article = c.get(f"/articles/{hit['id']}", params={"ui": "en"}).text
    assert '<strong class="mt-flag">Machine translation</strong>' in article
    assert 'data-kind="machine"' in article and "test-mt" in article and "tiny-1" in article
    assert "3 May 2024" in article  # when it was translated
    article_ar = c.get(f"/articles/{hit['id']}", params={"ui": "ar"}).text
    assert "ترجمة آلية" in article_ar
    pending = c.get("/search.json", params={"q": "Pending"}).json()["hits"][0]
    page = c.get(f"/articles/{pending['id']}", params={"ui": "en"}).text
    assert 'data-status="pending"' in page and "Translation pending" in page
    assert "provider rate limit, retry queued" in page


def test_engine_unavailable_is_a_clear_503_page(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "nothing", engine="no-such-engine", translator="none"))
    with TestClient(app, raise_server_exceptions=False) as c:
        for url in ("/search?q=x&ui=en", "/", "/articles/abc", "/facets/source"):
            r = c.get(url)
            assert r.status_code == 503, url
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers.get("retry-after") == "30"
            assert "Traceback" not in r.text and "File \"" not in r.text
        r = c.get("/search?q=x&ui=en")
        assert "The archive is temporarily unavailable" in r.text
        assert '<a class="button-link" href="/search?ui=en">' in r.text
        assert "الأرشيف غير متاح مؤقتاً" in c.get("/search?ui=ar").text
        twin = c.get("/search.json?q=x")
        assert twin.status_code == 503 and twin.json()["error"]["status"] == 503


def test_cross_language_mode_finds_the_arabic_seed_from_an_english_name(client):
    """An English reader types the place name; with no network the page still finds the Arabic article."""
    plain = client.get("/search", params={"q": "Baghouz", "ui": "en"})
    cross = client.get("/search", params={"q": "Baghouz", "mode": "cross", "ui": "en"})
    assert "الباغوز" not in plain.text
    assert cross.status_code == 200 and "الباغوز" in cross.text
    data = client.get("/search.json", params={"q": "Baghouz", "mode": "cross"}).json()
    assert data["mode"] == "cross" and any("الباغوز" in h["title"] for h in data["hits"])


def test_place_facet_links_scripts_and_article_page_lists_entities(client):
    """The Places facet counts الرياض and Riyadh as one value; following it keeps Arabic and English
    stories; the article page lists its places, each linking to the archive filtered by it."""
    page = client.get("/search", params={"q": "metro OR قطار", "ui": "en"}).text
    places = {value: (link, count) for link, value, count in facet_values(page, "place")}
    assert "Riyadh" in places and "الرياض" not in places, places
    filtered = client.get(places["Riyadh"][0]).text
    twin = client.get(places["Riyadh"][0], headers={"Accept": "application/json"}).json()
    assert {h["language"] for h in twin["hits"]} >= {"ar", "en"}
    assert "People" in page or "Places" in page
    (first, *_) = hit_ids(filtered)
    article = client.get(f"/articles/{first}", params={"ui": "en"}).text
    section = re.search(r'<section class="panel entities".*?</section>', article, re.S)
    assert section, "no entities panel on the article page"
    links = [html.unescape(h) for h in re.findall(r'<a class="tag entity" href="([^"]+)"', section.group(0))]
    assert any("place=Riyadh" in h for h in links), links


def test_the_last_page_a_search_may_reach_says_why_it_is_the_last(client, monkeypatch):
    """Pages stop at the 10,000th result: page 1,000 of 2,450 showed a grey 'next' and nothing else. (Here with
    the cap at 20 results.)"""
    import web.pages.search as search_page

    monkeypatch.setattr(search_page, "MAX_OFFSET", 20)
    every = client.get("/search.json", params={"group": "none", "size": 10}).json()
    assert every["total"] > 20
    last = client.get("/search", params={"group": "none", "size": 10, "page": 2, "ui": "en"})
    assert "Pages stop at the first 10,000 results" in last.text
    assert 'class="pages-capped"' not in client.get("/search", params={"group": "none", "size": 10, "ui": "en"}).text
    arabic = client.get("/search", params={"group": "none", "size": 10, "page": 2, "ui": "ar"})
    assert "تتوقف الصفحات عند أول 10,000 نتيجة" in arabic.text
