"""Counts and query errors read right in both interface languages."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from web import i18n
from web.app import create_app


@pytest.mark.parametrize("n, ar, en", [
    (0, "لا نتائج", "0 results"),
    (1, "نتيجة واحدة", "1 result"),
    (2, "نتيجتان", "2 results"),  # the Arabic dual, never "2 نتيجة"
    (3, "3 نتائج", "3 results"),
    (10, "10 نتائج", "10 results"),
    (11, "11 نتيجة", "11 results"),
    (100, "100 نتيجة", "100 results"),
    (1203, "1,203 نتائج", "1,203 results"),  # CLDR: n % 100 in 3..10 is "few"
    (1211, "1,211 نتيجة", "1,211 results"),
])
def test_result_counts_follow_cldr_plural_rules(n, ar, en):
    assert i18n.tn("results", n, "ar") == ar
    assert i18n.tn("results", n, "en") == en


def test_article_counts_in_both_languages():
    assert i18n.tn("articles", 1, "en") == "1 article"
    assert i18n.tn("articles", 2, "ar") == "مقالتان"
    assert i18n.tn("articles", 5, "ar") == "5 مقالات"
    assert i18n.tn("undated", 2225, "en") == "2,225 undated articles"


@pytest.fixture(scope="module")
def client(archive_settings):
    with TestClient(create_app(archive_settings)) as c:
        yield c


def _error_text(page: str) -> str:
    m = re.search(r'<div class="query-error"[^>]*>(.*?)</div>', page, re.S)
    assert m, "no query error shown"
    return re.sub(r"<[^>]+>", "", m.group(1))


@pytest.mark.parametrize("q", ['"النفط', "النفط )", "( النفط", "النفط OR", "source:", "النفط -)",
                               "(source:okaz النفط)", "النفط OR -أوبك", "(-النفط -أوبك) مكة"])
def test_query_errors_are_in_the_arabic_interface_language(client, q):
    page = client.get("/search", params={"q": q, "ui": "ar"})
    assert page.status_code == 400
    text = _error_text(page.text)
    words = re.findall(r"[A-Za-z]{3,}", text.replace("OR", "").replace("source", ""))
    assert words == [], f"English left in the Arabic message: {text!r}"
    assert re.search(r"[\u0621-\u064A]{3,}", text)
    assert 'lang="ar"' in page.text.split('class="query-error"', 1)[1][:400]
    english = _error_text(client.get("/search", params={"q": q, "ui": "en"}).text)
    assert re.search(r"[a-z]{4,}", english) and not re.search(r"[\u0621-\u064A]{3,}", english.replace(q, ""))


@pytest.mark.parametrize("params", [{"size": 500}, {"cursor": "zzz"}, {"page": 200, "size": 100},
                                    {"page": 3, "cursor": "eyJzb3J0IjoibmV3ZXN0In0"}])
def test_a_page_that_cannot_be_shown_says_so_in_arabic_not_that_the_query_was_unreadable(client, params):
    """size=500 on the Arabic page said 'the search phrase could not be read', then the English detail."""
    page = client.get("/search", params={"q": "النفط", "ui": "ar", **params})
    assert page.status_code == 400
    text = _error_text(page.text).strip()
    assert text.startswith("تعذّر عرض هذه الصفحة من النتائج") and "عبارة البحث" not in text, text
    assert not re.findall(r"[A-Za-z]{3,}", text), f"English left in the Arabic message: {text!r}"
    english = _error_text(client.get("/search", params={"q": "oil", "ui": "en", **params}).text).strip()
    assert english.startswith("This page of results cannot be shown")


@pytest.mark.parametrize(("params", "said"), [
    ({"q": "النفط " * 450}, "عبارة البحث: أطول من المسموح به (2000 حرف)"),
    ({"q": "النفط", "size": "abc"}, "عدد النتائج في الصفحة: يجب أن يكون عدداً صحيحاً"),
    ({"q": "النفط", "date_from": "2015-13-01"}, "من تاريخ: تاريخ غير صالح"),
    ({"q": "النفط", "date_from": "2015-02-30"}, "من تاريخ: تاريخ غير صالح: اكتب يوماً موجوداً"),
    ({"q": "النفط", "page": "0"}, "رقم الصفحة: يجب ألا يقل عن 1"),
    ({"q": "النفط", "sort": "oldest_first"}, "الترتيب: قيمة غير معروفة: المقبول 'relevance'، 'newest'، 'oldest' أو 'added'"),
    ({"q": "النفط", "histogram": "maybe"},
     "المدرج الزمني: قيمة غير معروفة: المقبول 'auto'، 'day'، 'week'، 'month'، 'year' أو 'none'"),
])
def test_a_refused_parameter_is_named_and_explained_in_arabic_on_the_arabic_page(client, params, said):
    """A pasted paragraph over 2,000 characters was refused under an Arabic heading in pydantic's English."""
    page = client.get("/search", params={"ui": "ar", **params})
    assert page.status_code == 422
    problems = re.search(r'<ul class="error-problems">(.*?)</ul>', page.text, re.S)
    assert problems and said in html.unescape(problems.group(1)), page.text
    assert problems.group(1).count("<li>") == 1, "one line for the one refused parameter"
    english = client.get("/search", params={"ui": "en", **params})
    assert english.status_code == 422 and "error-problems" not in english.text
    twin = client.get("/search", params={"ui": "ar", **params}, headers={"Accept": "application/json"}).json()
    assert set(twin["error"]["problems"][0]) == {"parameter", "message"}  # the API's shape is unchanged


def test_search_page_counts_follow_the_plural_rules(client):
    """The heading of the results agrees with its number in both languages ("1 result", "نتيجتان")."""
    for ui in ("ar", "en"):
        for q in ("الباغوز", "Riyadh metro", "النفط"):
            n = client.get("/search.json", params={"q": q}).json()["total"]
            page = client.get("/search", params={"q": q, "ui": ui}).text
            heading = re.search(r'<h1[^>]*id="results-heading"[^>]*>(.*?)</h1>', page, re.S)
            shown = heading.group(1) if heading else page
            assert i18n.tn("results", n, ui) in shown
            if n == 1:
                assert "1 results" not in page


def test_the_interface_follows_the_browsers_language_and_says_that_it_does(archive_settings):
    """A page without ?ui= or a cookie is in the browser's language; its answer must say it varies with it,
    or a cache keyed on the URL serves the Arabic page to an English browser."""
    with TestClient(create_app(archive_settings)) as fresh:  # (no remembered language)
        english = fresh.get("/search", params={"q": "oil"}, headers={"Accept-Language": "en-GB,en;q=0.9"})
        arabic = fresh.get("/search", params={"q": "oil"}, headers={"Accept-Language": "ar-SA,ar;q=0.9"})
        twin = fresh.get("/search.json", params={"q": "oil"})
    assert '<html lang="en"' in english.text and '<html lang="ar"' in arabic.text
    for r in (english, arabic, twin):
        assert "Accept-Language" in r.headers["vary"]


def test_histogram_axis_labels_are_short_enough_to_stand_side_by_side():
    """Three day labels of the sidebar ran into one another: '21 July 20151 August 201511 August 2015'."""
    import datetime as dt

    from web.i18n import fmt_axis

    days = [dt.date(2015, 7, 21), dt.date(2015, 8, 1), dt.date(2015, 8, 11)]
    labels = [fmt_axis(d, "day", "en", year=d == days[-1]) for d in days]
    assert labels == ["21 Jul", "1 Aug", "11 Aug 2015"]
    assert fmt_axis(dt.date(2015, 8, 1), "month", "en", year=False) == "Aug 2015"
    assert fmt_axis(dt.date(2015, 8, 1), "day", "ar", year=True) == "1 أغسطس 2015"
