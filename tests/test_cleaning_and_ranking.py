"""Details users notice: decoded entities, the right language, the typed form ranked first."""

from __future__ import annotations

from arshif.model import Article
from arshif.search import SearchRequest
from indexer.clean import clean_article
from indexer.language import detect_language
from indexer.pipeline import prepare


def test_html_entities_from_scraped_sources_are_decoded():
    art = clean_article(Article(title="كوشك لـ &quot;سبق&quot;", author="&nbsp;عكاظ (جدة)",
                                body="قال &#8220;نعم&#8221; &amp; مضى"))
    assert art.title == 'كوشك لـ "سبق"'
    assert art.author == "عكاظ (جدة)"
    assert art.body == "قال “نعم” & مضى"


def test_invisible_direction_marks_do_not_make_one_byline_several():
    """The author facet listed الرياض - فهد اللويحق three times: with U+200F, with U+202B…U+202C, and without."""
    plain = "الرياض - فهد اللويحق"
    for typed in (plain, "\u200f" + plain, "\u202b" + plain + "\u202c", "الرياض\u200f - فهد اللويحق\u200e"):
        art = clean_article(Article(title="t", body="b", author=typed, source="\u200fokaz", tags=["\u200eطقس"]))
        assert (art.author, art.source, art.tags) == (plain, "okaz", ["طقس"]), repr(typed)
    # (a text keeps them: there they steer how a line is shown)
    assert clean_article(Article(title="t", body="a \u200fb")).body == "a \u200fb"


def test_gallery_buttons_left_by_the_scraper_do_not_open_the_article():
    art = clean_article(Article(title="فيضانات باكستان", body="Next Previous\nعين اليوم – باكستان\nتواصل الفيضانات."))
    assert art.body == "عين اليوم – باكستان\nتواصل الفيضانات."
    # Most often they open the byline's line (251 of SaudiNewsNet's bodies).
    art = clean_article(Article(title="t", body="Next Previous حامد القرشي – عين اليوم\nتواصل الفيضانات."))
    assert art.body == "حامد القرشي – عين اليوم\nتواصل الفيضانات."
    # The words themselves stay when they are part of the text.
    art = clean_article(Article(title="t", body="Next week the council meets.\nPrevious talks failed."))
    assert art.body == "Next week the council meets.\nPrevious talks failed."


def test_title_decides_the_script_when_the_body_is_mostly_code():
    body = "var plot = jqplot('chart', [[1, 2], [3, 4]], {axes: {xaxis: {renderer: x}}}); " * 20 + "نص قصير"
    assert detect_language("صيفنا مع أهلنا.. أحلى؟!", body) == "ar"
    assert detect_language("Oil prices slide as OPEC+ adds barrels", "خبر " * 50) == "en"
    assert prepare(Article(title="عنوان <b>غامق</b> عن الرياض", body="x")).language == "ar"


def test_the_form_as_typed_ranks_first_when_two_words_share_a_stem(archive):
    """المدرسة (school) and المدرس (teacher) share the light stem مدرس: both match, each ranks its own first."""
    school = archive.search(SearchRequest(q="المدرسة", size=5)).hits
    teacher = archive.search(SearchRequest(q="المدرس", size=5)).hits
    assert archive.search(SearchRequest(q="المدرسة", size=0)).total == \
        archive.search(SearchRequest(q="المدرس", size=0)).total
    assert all("<mark>المدرسة</mark>" in h.title_highlight + h.snippet for h in school[:3])
    assert any("<mark>المدرس</mark>" in h.title_highlight + h.snippet for h in teacher[:1])


def test_riyadh_and_sport_are_told_apart(archive):
    """A known place name is kept whole by the stemmer: الرياض (Riyadh) no longer finds الرياضة (sport)."""
    riyadh = {h.id for h in archive.scan(SearchRequest(q="الرياض", sort="newest"))}
    sport = {h.id for h in archive.scan(SearchRequest(q="الرياضة", sort="newest"))}
    assert riyadh and sport
    both = {h.id for h in archive.scan(SearchRequest(q="الرياض الرياضة", sort="newest"))}
    assert riyadh & sport == both  # only articles that mention both are in both lists


def test_facet_prefix_ignores_letter_variants_and_case(archive):
    from arshif.search.contract import FacetRequest

    def values(prefix, field="author"):
        req = SearchRequest(size=0, facets=[FacetRequest(field=field, prefix=prefix, size=50)])
        return [f.value for f in archive.search(req).facets[field]]

    with_hamza = values("أ")
    assert with_hamza and values("ا") == with_hamza  # one letter, either spelling
    assert any(v.startswith("أ") for v in with_hamza) and any(v.startswith("ا") for v in with_hamza)
    assert values("DESERT", "source") == values("desert", "source") == ["Desert Herald"]
