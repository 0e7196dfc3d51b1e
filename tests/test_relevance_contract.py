"""Questions typed in full, names kept apart from words, no article twice: the same on every engine.

The articles are short texts written for these tests. Each engine (embedded, OpenSearch,
Elasticsearch: see ``tests/test_engine_contract.py`` for how the nodes are found) holds them, and
each test states what a reader would notice.
"""

from __future__ import annotations

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article
from arshif.search import SearchRequest
from arshif.search.syntax import QuerySyntaxError
from tests.test_engine_contract import _remote

OIL = "أسعار النفط"
RIYADH_URL = "https://news.example/riyadh-metro"


def _articles() -> list[Article]:
    arts = [
        # The answer to the question below: most of its words, none of the articles has them all.
        Article(id="oil-answer", language="ar", source="t", title="لماذا ارتفعت أسعار النفط هذا الأسبوع",
                body="قال محللون إن أسباب ارتفاع أسعار النفط تعود إلى خفض الإنتاج في دول أوبك."),
        Article(id="oil-other", language="ar", source="t", title="انخفاض أسعار الذهب",
                body="تراجعت أسعار الذهب في الأسواق العالمية بعد قرار البنك المركزي."),
        Article(id="riyadh", language="ar", source="t", title="افتتاح مترو الرياض", url=RIYADH_URL,
                body="افتتحت الهيئة الملكية لمدينة الرياض المرحلة الأولى من المترو في الرياض وضواحيها."),
        Article(id="sport", language="ar", source="t", title="وزارة الرياضة تطلق دوري المدارس",
                body="أعلنت وزارة الرياضة عن دوري رياضي جديد للمدارس يشجع الرياضة بين الطلاب."),
        Article(id="oman", language="ar", source="t", title="زيارة رسمية إلى عمان",
                body="وصل الوفد إلى مسقط في زيارة رسمية لسلطنة عمان."),
        Article(id="uncle", language="ar", source="t", title="قصة العم والحفيد",
                body="حكى العم لحفيده قصة قديمة عن القرية."),
        # A year with its era's mark (ميلادي, هجري), as Arabic news write it.
        Article(id="year-gregorian", language="ar", source="t", title="حصاد عام 2015م",
                body="استعرضت الصحيفة أبرز أحداث عام ٢٠١٥م في المنطقة."),
        # ... and behind a prefix, as in "between the years 2014 and 2015".
        Article(id="year-prefixed", language="ar", source="t", title="مقارنة الميزانيات",
                body="قارن التقرير الإنفاق بين عامي 2013م و2012م وبـ١٩٩٩م ولـ١٤٢٠هـ."),
        Article(id="year-hijri", language="ar", source="t", title="ميزانية ١٤٣٦هـ",
                body="أقرت الحكومة ميزانية العام المالي 1436هـ بعجز أقل."),
    ]
    # Enough articles with both words of a short keyword query that it keeps all-word precision;
    # others with one of the words only.
    for i in range(12):
        arts.append(Article(id=f"both-{i:02d}", language="ar", source="t", title=f"تقرير {i} عن {OIL}",
                            body=f"تابع التقرير رقم {i} حركة {OIL} في السوق المحلية."))
    for i in range(8):
        arts.append(Article(id=f"oil-only-{i:02d}", language="ar", source="t", title=f"إنتاج النفط {i}",
                            body=f"ارتفع إنتاج النفط في الحقل رقم {i} هذا الشهر، النفط النفط."))
    return arts


@pytest.fixture(scope="module", params=["embedded", "opensearch", "elasticsearch"])
def eng(request, tmp_path_factory):
    kind = request.param
    if kind == "embedded":
        engine = EmbeddedEngine(tmp_path_factory.mktemp("relevance") / "index.db")
    else:
        engine = _remote(kind, tmp_path_factory)
        if not engine.capabilities["arabic"]:
            pytest.skip(f"{kind} node without Arabic analysis")
    result = engine.upsert(_articles())
    assert not result.failed, result.failed
    if hasattr(engine, "refresh"):
        engine.refresh()
    yield engine
    if kind != "embedded":
        engine.client.indices.delete(index=engine.current_index())
    engine.close()


def ask(engine, q, **kw):
    return engine.search(SearchRequest(q=q, size=50, highlight=False, **kw))


def test_a_question_typed_in_full_finds_the_article_that_answers_it(eng):
    resp = ask(eng, "ما هي أسباب ارتفاع أسعار النفط في الأسواق الآسيوية؟")
    assert resp.relaxed is True
    assert resp.all_words_total == 0
    assert resp.query_words == 6  # ما هي في are stopwords: left out
    assert resp.hits[0].id == "oil-answer"


def test_question_words_are_not_required(eng):
    # "ما هو" and "ما هي" are the analyzers' stopwords: the content words alone decide.
    strict = ask(eng, OIL)
    asked = ask(eng, f"ما هي {OIL}")
    assert asked.relaxed is False
    assert {h.id for h in asked.hits} == {h.id for h in strict.hits}


def test_short_keyword_query_keeps_all_word_precision(eng):
    resp = ask(eng, OIL)
    assert resp.relaxed is False
    assert resp.total >= 10
    assert all(h.id.startswith("both-") or h.id == "oil-answer" for h in resp.hits)


def test_explicit_syntax_is_never_relaxed(eng):
    for q in ['"أسباب ارتفاع أسعار النفط العالمية"', "(أسباب ارتفاع أسعار الغاز) OR الفحم"]:
        resp = ask(eng, q)
        assert resp.relaxed is False and resp.total == 0, q
    # An exclusion is syntax: every word stays required (here none has them all).
    resp = ask(eng, "أسباب ارتفاع أسعار النفط الذهب -أوبك")
    assert resp.relaxed is False and resp.total == 0
    # Field filters apply to the relaxed query.
    resp = ask(eng, "ما هي أسباب ارتفاع أسعار النفط في الأسواق الآسيوية؟ source:t")
    assert resp.relaxed is True and resp.hits[0].id == "oil-answer"
    assert ask(eng, "ما هي أسباب ارتفاع أسعار النفط في الأسواق الآسيوية؟ source:nobody").total == 0
    with pytest.raises(QuerySyntaxError):
        ask(eng, 'أسباب "ارتفاع')


def test_a_quoted_phrase_stays_required_when_the_words_around_it_relax(eng):
    resp = ask(eng, 'أسباب تراجعت قرارات "أسعار الذهب"')
    assert resp.relaxed is True and resp.all_words_total == 0
    assert [h.id for h in resp.hits] == ["oil-other"]  # the only article with the phrase


def test_a_question_quoting_words_no_article_holds_as_written_still_answers(eng):
    # Quotation marks in a question quote; when no article has the quoted words in that order, its
    # words count like the others.
    resp = ask(eng, 'لماذا ارتفعت "أسعار النفط العالمية" مع أوبك؟')
    assert resp.relaxed is True and resp.hits and resp.hits[0].id == "oil-answer"
    # Typed as keywords, the phrase stays required: nothing has it.
    assert ask(eng, 'ارتفعت أوبك الإنتاج "أسعار النفط العالمية"').total == 0
    # One word beside the quote is too few to relax a keyword query, but a question still answers.
    resp = ask(eng, 'لماذا ارتفعت "أسعار النفط العالمية"؟')
    assert resp.relaxed is True and resp.hits and resp.hits[0].id == "oil-answer"
    assert ask(eng, 'ارتفعت "أسعار النفط العالمية"').total == 0


def test_two_words_keep_all_word_precision_even_with_no_match(eng):
    resp = ask(eng, "الذهب أوبك")  # each word is in an article, both together in none
    assert resp.relaxed is False and resp.total == 0


def test_two_words_asked_as_a_question_find_the_articles_with_either(eng):
    # The same two words as above, asked: a question rarely has an article repeating all its words.
    for q in ("الذهب أوبك؟", "ما الذهب وأوبك", "gold OPEC?"):
        resp = ask(eng, q)
        assert resp.relaxed is True and resp.all_words_total == 0, q
        assert resp.query_words == 2, q
    ids = {h.id for h in ask(eng, "الذهب أوبك؟").hits}
    assert {"oil-answer", "oil-other"} <= ids


def test_a_translated_question_is_best_matched_like_a_typed_one(eng):
    # Cross-language search ORs the query's translation in; the translation of a question relaxes by
    # the same rule as the question typed in that language.
    resp = ask(eng, "gold and OPEC?", alternatives=["(الذهب OR ذهب) أوبك"])
    assert resp.relaxed is True and resp.all_words_total == 0
    assert {"oil-answer", "oil-other"} <= {h.id for h in resp.hits}
    keywords = ask(eng, "gold OPEC", alternatives=["(الذهب OR ذهب) أوبك"])
    assert keywords.relaxed is False and keywords.total == 0


def test_date_order_is_never_relaxed(eng):
    resp = ask(eng, "ما هي أسباب ارتفاع أسعار النفط في الأسواق الآسيوية؟", sort="newest")
    assert resp.relaxed is False and resp.total == 0


def test_relaxed_pages_walk_every_hit_once(eng):
    req = SearchRequest(q="أسباب ارتفاع أسعار النفط أوبك", size=4, highlight=False)
    seen: list[str] = []
    resp = eng.search(req)
    assert resp.relaxed
    total = resp.total
    while True:
        seen += [h.id for h in resp.hits]
        if not resp.next_cursor:
            break
        resp = eng.search(req.model_copy(update={"cursor": resp.next_cursor}))
        assert resp.relaxed
    assert len(seen) == len(set(seen)) == total


def test_riyadh_is_not_sport(eng):
    riyadh = {h.id for h in ask(eng, "الرياض").hits}
    sport = {h.id for h in ask(eng, "الرياضة").hits}
    assert riyadh == {"riyadh"}
    assert sport == {"sport"}
    assert {h.id for h in ask(eng, "بالرياض").hits} == {"riyadh"}  # the prefixed form still finds it


def test_oman_is_not_uncle(eng):
    assert {h.id for h in ask(eng, "عمان").hits} == {"oman"}
    assert "oman" not in {h.id for h in ask(eng, "العم").hits}


def test_an_article_linked_from_two_editions_is_listed_once(eng):
    again = Article(language="ar", source="t", url=RIYADH_URL + "?weekly", title="افتتاح مترو الرياض",
                    body="افتتحت الهيئة الملكية لمدينة الرياض المرحلة الأولى من المترو في الرياض وضواحيها.")
    first = Article(language="ar", source="t", url=RIYADH_URL, title=again.title, body=again.body)
    result = eng.upsert([first, again])
    if hasattr(eng, "refresh"):
        eng.refresh()
    try:
        assert len(set(result.created + result.updated + result.unchanged)) == 1
        hits = [h.id for h in ask(eng, "مترو").hits]
        assert len(hits) == len(set(hits)) == 2  # the fixture's article and this one, each once
    finally:
        eng.delete([first.with_id().id])
        if hasattr(eng, "refresh"):
            eng.refresh()


def test_the_node_keeps_the_same_names_whole_as_the_python_analysis(eng):
    """One definition: the node's arshif_text (read from mappings/articles.json) equals the Python twin."""
    from arshif.analysis import get_analyzer
    from arshif.engines.remote import _body

    if not hasattr(eng, "client"):
        pytest.skip("the embedded engine is the Python analysis itself")
    text = "زار الوفد الرياض وبالرياض ملعب الرياضة في عمان ودبي وواشنطن مع العم"
    resp = _body(eng.client.indices.analyze(index=eng.alias, body={"analyzer": "arshif_text", "text": text}))
    assert [t["token"] for t in resp["tokens"]] == get_analyzer("arshif_text").terms(text)


@pytest.mark.parametrize(("q", "found"), [("2015", "year-gregorian"), ("٢٠١٥", "year-gregorian"),
                                          ("1436", "year-hijri"), ("عام 2015", "year-gregorian"),
                                          ("2012", "year-prefixed"), ("2012م", "year-prefixed"),
                                          ("1999", "year-prefixed"), ("1420", "year-prefixed")])
def test_a_year_finds_the_articles_that_write_it_with_its_era_mark(eng, q, found):
    # 2015م and 1436هـ are one word to the tokenizer: searched as written, a year found none of them.
    assert found in [h.id for h in ask(eng, q).hits]


def test_a_word_typed_on_a_persian_keyboard_finds_the_arabic_spelling(eng):
    # Persian keyboards type ی and ک where Arabic has ي/ى and ك: حکی is حكى.
    assert [h.id for h in ask(eng, "حکی العم").hits][:1] == ["uncle"]


def test_the_node_reads_era_marks_and_persian_letters_as_the_python_analysis(eng):
    from arshif.analysis import get_analyzer
    from arshif.engines.remote import _body

    if not hasattr(eng, "client"):
        pytest.skip("the embedded engine is the Python analysis itself")
    text = ("عام 2015م و١٤٣٦هـ و10م و2015 م وم2015 و2015مم والـ2015م بـ2015م بـ١٤٣٦هـ وللـ2015م فبـ2015م لـ5 "
            "کتاب فارسی")
    for analyzer in ("arshif_text", "arshif_exact"):
        resp = _body(eng.client.indices.analyze(index=eng.alias, body={"analyzer": analyzer, "text": text}))
        assert [t["token"] for t in resp["tokens"]] == get_analyzer(analyzer).terms(text), analyzer


@pytest.mark.parametrize(("pattern", "replacement", "text"), [
    ("a", "\\$1", "cat"), ("a", "\\\\", "cat"), ("a", "\\n", "cat"), ("(a)|(b)", "[$2]", "ab"),
    ("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "$10", "abcdefghij"), ("(a)", "$10", "a"), ("^([0-9]+)[مه]$", "$1", "2015م"),
])
@pytest.mark.parametrize("every", [True, False])
def test_pattern_replace_reads_its_replacement_as_the_node_does(eng, pattern, replacement, text, every):
    """The Python chain's pattern_replace against the node's own filter: Java's $n, \\ escapes and `all`."""
    from arshif.analysis.filters import build_filter
    from arshif.engines.remote import _body

    if not hasattr(eng, "client"):
        pytest.skip("the embedded engine is the Python analysis itself")
    spec = {"type": "pattern_replace", "pattern": pattern, "replacement": replacement, "all": every}
    resp = _body(eng.client.indices.analyze(body={"tokenizer": "keyword", "filter": [spec], "text": text}))
    assert resp["tokens"][0]["token"] == build_filter("x", {"x": spec})(text)
