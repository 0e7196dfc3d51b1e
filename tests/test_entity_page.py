"""The entity page: one person, place or organisation across the archive, in both languages.

A small archive (the demo articles, tagged, and a few hand-made articles whose
entities are given, with markup and quotes in their names) keeps this quick.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.entities import Entity
from arshif.model import Article
from indexer.entities import EntityTagger
from indexer.pipeline import ingest, prepare
from tests.conftest import DEMO
from web.app import create_app

HOSTILE = '<script>alert("x")</script> O\'Neil & Co'


def made(title: str, body: str, language: str, date: str, source: str, entities: list[Entity]) -> Article:
    article = prepare(Article(title=title, body=body, language=language, source=source, published=date,
                              url=f"https://example.org/{abs(hash(title))}"), tagger=None)
    article.entities = entities
    return article


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from arshif.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("entity-page") / "data", translator="none")
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], eng, tagger=EntityTagger())
    eng.upsert([
        made("Zanzibar harbour reopens", "The harbour reopened.", "en", "2023-03-01", "wire",
             [Entity(kind="org", key=HOSTILE, name=HOSTILE, lang="en"),
              Entity(kind="place", key="Zanzibar", name="Zanzibar", lang="en")]),
        made("ميناء زنجبار", "أعيد فتح الميناء.", "ar", "2024-06-01", "okaz",
             [Entity(kind="org", key=HOSTILE, name="أونيل وشركاه", lang="ar"),
              Entity(kind="place", key="Zanzibar", name="زنجبار", lang="ar")]),
        made("قطار العاصمة", "وفي الرياض افتتح المسار.", "ar", "2024-06-02", "okaz",
             [Entity(kind="place", key="Riyadh", name="والرياض", lang="ar")]),
        made("طريق إلى العاصمة", "الطريق للرياض مفتوح.", "ar", "2024-06-03", "okaz",
             [Entity(kind="place", key="Riyadh", name="للرياض", lang="ar")]),
        made("مجلس البحر", "اجتمع المجلس.", "ar", "2024-07-01", "okaz",
             [Entity(kind="org", key="مجلس البحر", name="مجلس البحر", lang="ar")]),
    ])
    eng.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_any_spelling_opens_one_page_with_both_languages(site):
    """/entities/place/الرياض and /entities/place/Riyadh are one page: the key, each language with how its
    articles write the name, and the counts the search filter gives."""
    ar = site.get("/entities/place/الرياض", params={"ui": "en"})
    en = site.get("/entities/place/Riyadh", params={"ui": "en"})
    assert ar.status_code == en.status_code == 200
    assert 'data-key="Riyadh"' in ar.text and 'data-key="Riyadh"' in en.text
    twin = site.get("/entities/place/الرياض.json").json()
    search = site.get("/search.json", params={"place": "Riyadh", "size": 1}).json()
    assert twin["key"] == "Riyadh" and twin["total"] == search["total"] > 1
    langs = {v["value"]: v["count"] for v in twin["languages"]}
    assert langs.get("ar", 0) > 0 and langs.get("en", 0) > 0, langs
    assert any("الرياض" in s["value"] for s in twin["spellings"]["ar"]), twin["spellings"]
    assert any(s["value"] == "Riyadh" for s in twin["spellings"]["en"]), twin["spellings"]
    section = re.search(r'<section class="panel entity-languages".*?</section>', ar.text, re.S).group(0)
    assert 'data-lang="ar"' in section and 'data-lang="en"' in section
    assert re.search(r'<span class="tag" lang="ar" dir="rtl">[^<]*الرياض', section)
    # The newest articles are the search's newest, in both languages.
    newest = site.get("/search.json", params={"place": "Riyadh", "sort": "newest", "size": 10}).json()
    assert [r["id"] for r in twin["recent"]] == [h["id"] for h in newest["hits"]]


def test_a_name_written_with_an_attached_conjunction_is_listed_as_the_name(site):
    """والرياض ("and Riyadh") is the same place written after و, and للرياض ("to Riyadh") after ل, which drops
    the alef of ال: the spellings count both as الرياض (not as a name لرياض)."""
    twin = site.get("/entities/place/Riyadh.json").json()
    spellings = {s["value"]: s["count"] for s in twin["spellings"]["ar"]}
    assert "الرياض" in spellings and not any(v.startswith(("و", "ل")) for v in spellings), spellings


def test_coverage_sources_and_co_occurring_link_onwards(site):
    """Coverage bars and sources link to the filtered archive; co-occurring entities to their own pages."""
    page = site.get("/entities/place/Zanzibar", params={"ui": "en"}).text
    twin = site.get("/entities/place/Zanzibar.json").json()
    assert twin["total"] == 2 and {b["start"][:4] for b in twin["histogram"] if b["count"]} == {"2023", "2024"}
    bars = re.findall(r'<a class="hist-bar" href="([^"]+)"[^>]*data-count="(\d+)"', page)
    assert sum(int(c) for _, c in bars) == 2
    for link, count in bars:
        assert site.get(html.unescape(link), headers={"Accept": "application/json"}).json()["total"] == int(count)
    sources = dict(re.findall(r'<a class="tag" href="([^"]+)"><bdi>([^<]+)</bdi>', page))
    assert len(sources) == 2
    orgs = re.search(r'<div data-kind="org">.*?</div>', page, re.S).group(0)
    (link,) = re.findall(r'<a class="tag entity" href="([^"]+)"', orgs)
    org_page = site.get(html.unescape(link))
    assert org_page.status_code == 200 and 'data-kind="org"' in org_page.text


def test_names_are_escaped_and_arabic_reads_right_to_left(site):
    """A name with markup and quotes is text on the page (never markup); an Arabic name is set RTL, in an
    Arabic UI too; the JSON twin gives the name as it is."""
    twin = site.get("/entities/place/Zanzibar.json").json()
    (hostile,) = [v["value"] for v in twin["co_occurring"]["org"]]
    assert hostile == HOSTILE
    page = site.get("/entities/place/Zanzibar", params={"ui": "en"}).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Neil &amp; Co" in page
    own = site.get(f"/entities/org/{hostile.replace('/', '%2F')}", params={"ui": "ar"}).text
    assert "<script>alert" not in own and 'lang="ar" dir="rtl"' in own
    council = site.get("/entities/org/مجلس البحر", params={"ui": "ar"}).text
    assert '<h1 id="entity-heading" dir="rtl">مجلس البحر</h1>' in council


def test_unknown_entity_and_kind_answer_404(site):
    assert site.get("/entities/person/Nobody%20Atall").status_code == 404
    assert site.get("/entities/planet/Mars.json").status_code == 404
    missing = site.get("/entities/person/<b>x</b>", params={"ui": "en"})
    assert missing.status_code == 404 and "<b>x</b>" not in missing.text


def test_article_page_links_each_entity_to_its_page(site):
    twin = site.get("/search.json", params={"place": "Zanzibar", "lang": "en"}).json()
    article = site.get(f"/articles/{twin['hits'][0]['id']}", params={"ui": "en"}).text
    pages = [html.unescape(h) for h in re.findall(r'<a class="entity-about" href="([^"]+)"', article)]
    assert "/entities/place/Zanzibar?ui=en" in pages
    assert all(site.get(p).status_code == 200 for p in pages)
