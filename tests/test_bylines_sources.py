"""Bylines read as place / outlet / author, and sources named as people name them."""

from __future__ import annotations

import pytest

from arshif.search import FacetRequest, Filters, SearchRequest
from arshif.sources import SourceTable, _rows, sources
from indexer.bylines import parse_byline


@pytest.mark.parametrize("raw, source, author, place", [
    ("الرياض - الوئام :", "alweeam", "الوئام", "الرياض"),
    ("الرياض-الوئام:", "alweeam", "الوئام", "الرياض"),
    ("واس - الرياض", "alyaum", "واس", "الرياض"),
    ("الرياض : واس", "aleqtisadiya", "واس", "الرياض"),
    ("عكاظ (جدة)", "okaz", "عكاظ", "جدة"),
    ("«الاقتصادية» من الرياض", "aleqtisadiya", "الاقتصادية", "الرياض"),
    ("لندن: «الشرق الأوسط أونلاين»", "aawsat", "الشرق الأوسط", "لندن"),
    ("القاهرة - مكتب الجزيرة - طارق محيي:", "aljazirah", "طارق محيي", "القاهرة"),
    ("عبدالله البرقاوي- سبق- الرياض:", "sabq", "عبدالله البرقاوي", "الرياض"),
    ("عادل الخنين من الرياض", "aleqtisadiya", "عادل الخنين", "الرياض"),
    ("الرياض - أحمد غاوي", "alriyadh", "أحمد غاوي", "الرياض"),  # the city, not the paper, before a name
    ("دبي - الرياض", "alriyadh", "الرياض", "دبي"),  # the paper, after a city
    ("الوئام - رويترز:", "alweeam", "رويترز", ""),  # the agency is the author, not the paper that ran it
    ("كتب - عبدالله الحنيان:", "aljazirah", "عبدالله الحنيان", ""),
])
def test_clear_bylines_become_place_outlet_author(raw, source, author, place):
    b = parse_byline(raw, source)
    assert (b.author, b.place) == (author, place)


@pytest.mark.parametrize("raw, tidy", [
    ("الوئام- rt:", "الوئام - rt"),  # a part we cannot read: only tidied
    ("Hannah Lowe", "Hannah Lowe"),
    ('Ann "Quote" Writer', 'Ann "Quote" Writer'),
    ("Author <img src=x onerror=alert(1)>", "Author <img src=x onerror=alert(1)>"),  # markup: left alone
    ("فهد عامر الأحمدي", "فهد عامر الأحمدي"),
])
def test_unclear_bylines_are_kept_tidied(raw, tidy):
    assert parse_byline(raw).author == tidy


def test_one_writer_is_one_author_facet_value(archive):
    """In the SaudiNewsNet sample Asharq Al-Awsat's datelines ('لندن: «الشرق الأوسط»',
    'القاهرة: «الشرق الأوسط أونلاين»', …) are one author value, and each correspondent is their name."""
    resp = archive.search(SearchRequest(facets=[FacetRequest(field="author", size=1000)], size=0))
    values = {f.value: f.count for f in resp.facets["author"]}
    assert values["الشرق الأوسط"] > 40
    assert not any(v.endswith((":", "»")) or "«" in v or "أونلاين" in v for v in values)
    assert "محمد علي صالح" in values  # 'واشنطن: محمد علي صالح'
    hit = archive.search(SearchRequest(filters=Filters(author=["الشرق الأوسط"]), size=1)).hits[0]
    article = archive.get(hit.id)
    assert "«الشرق الأوسط" in article.byline and article.dateline  # the printed byline is kept beside it


@pytest.mark.parametrize("typed", ["aawsat", "AAWSAT", "الشرق الأوسط", "الشرق الاوسط", "asharq al-awsat"])
def test_any_name_of_a_source_filters_on_it(archive, typed):
    expected = archive.search(SearchRequest(filters=Filters(source=["aawsat"]), size=0)).total
    assert expected > 10
    assert archive.search(SearchRequest(filters=Filters(source=[typed]), size=0)).total == expected
    assert archive.search(SearchRequest(q=f'source:"{typed}"', size=0)).total == expected
    everything = archive.search(SearchRequest(size=0)).total
    assert archive.search(SearchRequest(q=f'-source:"{typed}"', size=0)).total == everything - expected


def test_source_names_in_both_languages_and_an_extension(tmp_path):
    table = sources()
    assert (table.display("3alyoum", "ar"), table.display("3alyoum", "en")) == ("عين اليوم", "Ain Alyoum")
    assert table.display("unknown-paper", "ar") == "unknown-paper"
    extra = tmp_path / "more.tsv"
    extra.write_text("# mine\nhayat\tالحياة\tAl Hayat\tجريدة الحياة|Dar Al Hayat\n", encoding="utf-8")
    extended = SourceTable(_rows(sources.__wrapped__.__globals__["TABLE"]) + _rows(extra))
    assert extended.canonical("جريدة الحياة") == extended.canonical("AL HAYAT") == "hayat"
    assert extended.canonical("عكاظ") == extended.canonical("OKAZ") == "okaz"
