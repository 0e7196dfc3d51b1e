"""A question typed in full on the search page and the API: best match, and both say so.

Over the session archive (demo articles, the seed, a SaudiNewsNet sample; ``tests/conftest.py``).
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from web.app import create_app

# No article of the archive holds every word; the seed article (Baghouz) holds most of them.
QUESTION = "ما الذي حدث في الأيام الأخيرة من معارك الباغوز مع تنظيم داعش وأين ذهبت عائلات المقاتلين الأجانب"
SEED_TITLE = "مصادر تكشف خفايا الأيام الأخيرة من معارك"


@pytest.fixture(scope="module")
def client(archive_settings) -> TestClient:
    with TestClient(create_app(archive_settings)) as c:
        yield c


def relaxed_note(page: str) -> str | None:
    m = re.search(r'<p class="relaxed" role="status" data-words="(\d+)">(.*?)</p>', page, re.S)
    return html.unescape(m.group(2)) if m else None


def test_question_page_says_it_shows_the_articles_with_most_words(client):
    twin = client.get("/search.json", params={"q": QUESTION}).json()
    assert twin["relaxed"]["all_words_total"] == 0
    n = twin["relaxed"]["words"]
    assert n >= 8  # question words (ما الذي في من مع وأين) left out
    assert twin["hits"][0]["title"].startswith(SEED_TITLE)
    en = client.get("/search", params={"q": QUESTION, "ui": "en"}).text
    assert relaxed_note(en) == f"No article contains all {n} words: showing those with most of them"
    ar = client.get("/search", params={"q": QUESTION, "ui": "ar"}).text
    assert relaxed_note(ar) == f"لا توجد مقالة تحتوي الكلمات الـ{n} كلها: نعرض المقالات التي تحتوي أكثرها"


def test_a_question_sorted_by_date_leads_back_to_best_match(client):
    """Best match is an order by relevance; sorted by date, every word is required again and nothing
    matched, with nothing said about why. The empty page now leads back to the relevance order."""
    page = client.get("/search", params={"q": QUESTION, "sort": "newest", "ui": "en"}).text
    assert 'class="empty"' in page and 'class="in-stories"' not in page  # not "no results in no stories"
    back = re.search(r'<li><a href="([^"]+)">(sorting by relevance[^<]*)</a></li>', page)
    assert back, "the empty page offers the relevance order"
    target = html.unescape(back.group(1))
    assert "sort=" not in target and "q=" in target
    followed = client.get(target.replace("/search?", "/search.json?", 1)).json()
    assert followed["relaxed"] and followed["hits"][0]["title"].startswith(SEED_TITLE)
    # A keyword query sorted by date that finds nothing is not sent to best match: it has none.
    plain = client.get("/search", params={"q": "قرقزونيطاس", "sort": "newest", "ui": "en"}).text
    assert 'class="empty"' in plain and "sorting by relevance" not in plain


def test_keyword_and_quoted_queries_carry_no_note(client):
    for q in ("الباغوز", "داعش الباغوز", f'"{QUESTION}"'):
        page = client.get("/search", params={"q": q, "ui": "en"}).text
        assert relaxed_note(page) is None, q
        assert client.get("/search.json", params={"q": q}).json()["relaxed"] is None


def test_api_answers_relaxed_with_the_all_word_count(client):
    body = client.get("/api/search", params={"q": QUESTION}).json()
    assert body["relaxed"] is True and body["all_words_total"] == 0 and body["query_words"] >= 8
    assert body["hits"][0]["title"].startswith(SEED_TITLE)
    strict = client.get("/api/search", params={"q": "الباغوز"}).json()
    assert strict["relaxed"] is False and strict["all_words_total"] is None
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "relaxed" in schema["SearchResult"]["properties"]
