"""One contract, every engine: the same behaviour on embedded, OpenSearch and Elasticsearch.

Remote engines come from ``ARSHIF_TEST_OPENSEARCH_URL`` / ``ARSHIF_TEST_ELASTICSEARCH_URL`` (``./run test``
starts real nodes and sets them). With ``ARSHIF_REQUIRE_ENGINES=1`` (CI) an engine that is not there fails
the run instead of being skipped.
"""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.base import search_fingerprint
from arshif.errors import BadRequest
from arshif.model import Article, Translation
from arshif.search import SearchRequest
from arshif.search.contract import FacetRequest, Filters
from arshif.settings import Settings
from indexer.entities import EntityTagger
from indexer.pipeline import ingest
from tests.conftest import DEMO, SEED, saudi_sample_file

REMOTES = {"opensearch": "ARSHIF_TEST_OPENSEARCH_URL", "elasticsearch": "ARSHIF_TEST_ELASTICSEARCH_URL"}


def _remote(kind: str, tmp_path_factory):
    from arshif.engines.remote import RemoteEngine

    url = os.environ.get(REMOTES[kind])
    required = os.environ.get("ARSHIF_REQUIRE_ENGINES") == "1"
    if not url:
        if required:
            pytest.fail(f"{REMOTES[kind]} is not set but ARSHIF_REQUIRE_ENGINES=1: the {kind} node did not start")
        pytest.skip(f"no {kind} node: set {REMOTES[kind]} (./run test does)")
    settings = Settings(data_dir=tmp_path_factory.mktemp(kind), engine=f"{kind}+{url}",
                        index_name=f"arshif-test-{uuid.uuid4().hex[:8]}",
                        engine_timeout=60)  # these tests are about answers, not timeouts: a busy CI box is slow
    try:
        return RemoteEngine(kind, url, settings)
    except Exception as exc:  # noqa: BLE001
        if required:
            pytest.fail(f"{kind} at {url} is not usable: {exc}")
        pytest.skip(f"{kind} at {url} is not usable: {exc}")


@pytest.fixture(scope="module", params=["embedded", "opensearch", "elasticsearch"])
def loaded(request, tmp_path_factory):
    """An engine holding the demo articles, the seed and a small SaudiNewsNet sample."""
    kind = request.param
    if kind == "embedded":
        eng = EmbeddedEngine(tmp_path_factory.mktemp("contract") / "index.db")
    else:
        eng = _remote(kind, tmp_path_factory)
    sample = saudi_sample_file(tmp_path_factory.mktemp("sample"), per_zip=15)
    summary = ingest([DEMO, SEED, sample], eng, tagger=EntityTagger())
    assert summary.failed == {}, summary.failed
    yield eng
    if kind != "embedded":
        eng.client.indices.delete(index=eng.current_index())
    eng.close()


def search(engine, q="", **kw):
    return engine.search(SearchRequest(q=q, **kw))


def ids(engine, q="", **kw):
    return [h.id for h in search(engine, q, size=100, **kw).hits]


def arabic(engine) -> bool:
    return getattr(engine, "capabilities", {"arabic": True})["arabic"]


def test_a_whole_index_answers_complete_results(loaded):
    """``partial`` is the engine saying some shards did not answer; a healthy index never sets it."""
    resp = search(loaded, "الرياض", facets=[FacetRequest(field="source")], date_histogram="auto")
    assert resp.total > 0 and resp.partial is False


def test_count_and_ingest_is_idempotent(loaded):
    n = loaded.count()
    assert n > 200
    again = ingest([DEMO], loaded, tagger=EntityTagger())  # tagged as when loaded, so unchanged
    assert again.indexed == 0 and again.unchanged == 16
    assert loaded.count() == n


def test_arabic_forms_find_the_seed(loaded):
    seed = ids(loaded, "الباغوز")
    assert len(seed) == 1
    if not arabic(loaded):
        pytest.skip("this node lacks Arabic analysis: only exact forms match (see .ci/ENGINES.md)")
    for form in ("باغوز", "بالباغوز", "والباغوز", "مُقَاتِلِي"):
        assert seed[0] in ids(loaded, form), form


def test_phrases_keep_order(loaded):
    (seed,) = ids(loaded, "الباغوز")
    assert ids(loaded, '"حقل العمر النفطي"') == [seed]
    assert ids(loaded, '"النفطي العمر حقل"') == []


def test_boolean_syntax(loaded):
    both = set(ids(loaded, "Riyadh metro"))
    assert both
    assert set(ids(loaded, "Riyadh metro -orange")) < both or not set(ids(loaded, "Riyadh metro orange"))
    assert set(ids(loaded, "Riyadh OR Dubai")) >= set(ids(loaded, "Dubai"))


def test_filters_and_disjunctive_facets(loaded):
    facets = [FacetRequest(field="source", size=50), FacetRequest(field="language"), FacetRequest(field="tag")]
    everything = search(loaded, facets=facets, size=0)
    langs = {f.value: f.count for f in everything.facets["language"]}
    assert langs["en"] == 6 and langs["ar"] >= 10
    assert sum(langs.values()) == everything.total
    tags = {f.value: f.count for f in everything.facets["tag"]}
    assert tags["austin_tice"] == 1 and tags["economy"] >= 4
    sources = {f.value: f.count for f in everything.facets["source"]}
    top = max(sources, key=lambda s: (sources[s], s))
    one = search(loaded, facets=facets, filters=Filters(source=[top]), size=100)
    assert one.total == sources[top]
    assert {h.source for h in one.hits} == {top}
    assert {f.value for f in one.facets["source"]} == set(sources)
    excluded = search(loaded, f"-source:{top}", size=0)
    assert excluded.total == everything.total - one.total


def test_date_range_and_histogram(loaded):
    resp = search(loaded, filters=Filters(date_from=date(2025, 1, 1)), date_histogram="month", size=0)
    assert resp.total == 16  # the demo articles are the only ones from 2025
    assert sum(b.count for b in resp.date_histogram) == 16
    assert resp.date_histogram[0].start == date(2025, 1, 1)
    auto = search(loaded, filters=Filters(date_from=date(2015, 7, 1), date_to=date(2015, 8, 31)),
                  date_histogram="auto", size=0)
    assert auto.interval == "day" and sum(b.count for b in auto.date_histogram) == auto.total


def test_highlights_are_html_safe_and_say_where_they_matched(loaded):
    hit = search(loaded, "الباغوز").hits[0]
    assert "<mark>الباغوز</mark>" in hit.snippet and hit.matched_in == "original"
    assert "<mark>" in hit.title_highlight
    translated = search(loaded, "desalination", filters=Filters(language=["ar"])).hits
    assert translated and translated[0].matched_in == "translation"
    assert translated[0].snippet_language == "en"


def test_sort_and_stable_pagination(loaded):
    newest = search(loaded, "", sort="newest", size=30).hits
    assert [h.date for h in newest] == sorted([h.date for h in newest], reverse=True)
    oldest = search(loaded, "", sort="oldest", size=5).hits
    assert oldest[0].date <= newest[-1].date
    full = ids(loaded, "السعودية", sort="relevance")
    pages = []
    for page in range(3):
        pages += [h.id for h in search(loaded, "السعودية", size=10, offset=page * 10).hits]
    assert pages == full[:30]


def test_cursor_walks_every_match_once(loaded):
    total = search(loaded, "", size=0).total
    seen: list[str] = []
    req = SearchRequest(q="", size=37, sort="newest")
    while True:
        resp = loaded.search(req)
        seen += [h.id for h in resp.hits]
        if not resp.next_cursor:
            break
        req = req.model_copy(update={"cursor": resp.next_cursor})
    assert len(seen) == total == len(set(seen))


@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_a_cursor_pages_only_the_search_that_made_it(loaded, sort):
    """A script kept a cursor and changed q: it was served the old search's next page under the new name."""
    req = SearchRequest(q="السعودية", size=2, sort=sort)
    cursor = loaded.search(req).next_cursor
    assert cursor
    for other in ({"q": "oil"}, {"filters": Filters(language=["en"])}, {"group": "story"},
                  {"alternatives": ["Saudi"]}):  # (cross mode: the query in the other language too)
        with pytest.raises(BadRequest, match="cursor was made for another search"):
            loaded.search(req.model_copy(update={"cursor": cursor, **other}))
    # the same search may change what it shows of each page, and list its filters in another order
    page = loaded.search(req.model_copy(update={"cursor": cursor, "size": 3, "highlight": False}))
    assert page.hits
    two = req.model_copy(update={"filters": Filters(language=["ar", "en"])})
    cursor = loaded.search(two).next_cursor
    assert loaded.search(two.model_copy(update={"cursor": cursor, "filters": Filters(language=["en", "ar", "en"])})).hits
    assert search_fingerprint(req.model_copy(update={"filters": Filters(place=["Riyadh", "Jeddah"])})) == \
        search_fingerprint(req.model_copy(update={"filters": Filters(place=["Jeddah", "Riyadh", "Riyadh"])}))
    # (Medina and Madinah link to one place but select different stored keys: two searches)
    assert search_fingerprint(req.model_copy(update={"filters": Filters(place=["Medina"])})) != \
        search_fingerprint(req.model_copy(update={"filters": Filters(place=["Madinah"])}))


def test_more_like_this_crosses_languages(loaded):
    en = search(loaded, "OPEC+ output", filters=Filters(language=["en"]), size=1).hits[0]
    related = loaded.more_like_this(en.id, size=5)
    assert related and en.id not in [h.id for h in related]
    assert related[0].url.endswith("opec-plus-july-output-ar")  # the same story, told in Arabic


def test_update_and_delete(loaded):
    art = Article(title="Zanzibar spice harvest", body="Cloves and nutmeg from Pemba island.",
                  url="https://test.example/zanzibar", language="en", source="Test Wire", published=date(2024, 5, 1),
                  translations={"ar": Translation(language="ar", title="حصاد التوابل في زنجبار",
                                                  body="القرنفل وجوزة الطيب من جزيرة بمبا.", kind="provided")})
    created = loaded.upsert([art])
    assert created.created == [art.id]
    assert ids(loaded, "Zanzibar") == [art.id]
    assert ids(loaded, "زنجبار") == [art.id]
    art.title = "Zanzibar clove harvest"
    assert loaded.upsert([art]).updated == [art.id]
    assert loaded.get(art.id).title == "Zanzibar clove harvest"
    assert loaded.delete([art.id]) == 1
    assert ids(loaded, "Zanzibar") == [] and loaded.get(art.id) is None


def test_numbers_match_whichever_decimal_and_thousands_separators_are_typed(loaded):
    """An Arabic keyboard types ٫ and ٬ (U+066B, U+066C) where a wire story has . and ,: '٣٫٥ مليار' found
    nothing of '3.5 مليار'."""
    arts = [Article(title="Quokkaville budget", body="Spending of 3.5 billion and 7,250 new posts.",
                    url="https://test.example/quokka-en", language="en", source="Test Wire"),
            Article(title="ميزانية كووكافيل", body="إنفاق ٤٫٢ مليار و٩٬٦٠٠ وظيفة جديدة.",
                    url="https://test.example/quokka-ar", language="ar", source="Test Wire")]
    loaded.upsert(arts)
    try:
        for typed, found in (("٣٫٥", arts[0]), ("3.5", arts[0]), ("٧٬٢٥٠", arts[0]), ("7,250", arts[0]),
                             ("4.2", arts[1]), ("٤٫٢ مليار", arts[1]), ("9,600", arts[1])):
            assert ids(loaded, typed) == [found.id], typed
    finally:
        loaded.delete([a.id for a in arts])


def test_a_facet_prefix_finds_values_whatever_their_letter_variants_case_or_script(loaded):
    """The prefix box: اسامة lists أسامة and اسامه, 'riy' lists Riyadh, and الرياض typed in full lists Riyadh,
    the key its Arabic mentions are counted under (it listed nothing, and took 0.5-0.9 s over 32k articles)."""
    from arshif.entities import Entity, entity_key

    def named(i, kind, *keys):
        return Article(title=f"Wombatfest {i}", body="wombatfest notes", url=f"https://test.example/wombat{i}",
                       language="en", source="Test Wire", author=["أسامة علي", "اسامه نور", "Osman Kaya"][i % 3],
                       entities=[Entity(kind=kind, key=k, name=k, lang="ar") for k in keys])
    arts = [named(0, "place", entity_key("place", "الرياض")), named(1, "place", "Riyadh", "الرياض الجديدة"),
            named(2, "place", "ريفيرا").model_copy(update={"source": "okaz"})]
    assert entity_key("place", "الرياض") == "Riyadh"
    loaded.upsert(arts)
    try:
        def values(field, prefix):
            r = loaded.search(SearchRequest(q="wombatfest", size=0, facets=[FacetRequest(field=field, prefix=prefix)]))
            return [(v.value, v.count) for v in r.facets[field]]

        assert values("author", "اسامة") == values("author", "أسامه") == [("أسامة علي", 1), ("اسامه نور", 1)]
        assert values("author", "OS") == values("author", "os") == [("Osman Kaya", 1)]
        assert values("place", "riy") == [("Riyadh", 2)]
        assert values("place", "الرياض") == [("Riyadh", 2), ("الرياض الجديدة", 1)]
        assert values("place", "ري") == [("ريفيرا", 1)]
        # a long prefix (the engines cap a pattern's length: 500 before), and a fragment that is no name
        assert values("place", "الرياض الجديدة" + " وما حولها" * 12) == []
        assert values("place", "الرياض الجديد") == [("الرياض الجديدة", 1)]
        assert values("place", "الرياض الجديدة المدينة الكبرى") == []
        assert values("author", '.*"[(') == []  # (the pattern's own syntax is escaped)
        # a source is stored by its key and shown by its name: typed by its name, it is found
        assert values("source", "عكاظ") == values("source", "OKA") == [("okaz", 1)]
    finally:
        loaded.delete([a.id for a in arts])


def test_an_entity_key_an_earlier_tagger_stored_is_found_by_its_facet_value(loaded):
    """An archive tagged before the lexicon linked الرياض holds it as a key of its own: its facet lists it, and
    a click on it (place=الرياض, whose key is now Riyadh) must still find its articles."""
    from arshif.entities import Entity

    art = Article(title="Dugongfest", body="dugong notes", url="https://test.example/dugong", language="ar",
                  source="Test Wire", entities=[Entity(kind="place", key="الرياض", name="الرياض", lang="ar")])
    loaded.upsert([art])
    try:
        r = loaded.search(SearchRequest(q="dugongfest", facets=[FacetRequest(field="place")]))
        assert [(v.value, v.count) for v in r.facets["place"]] == [("الرياض", 1)]
        picked = loaded.search(SearchRequest(q="dugongfest", filters=Filters(place=["الرياض"])))
        assert [h.id for h in picked.hits] == [art.id]
    finally:
        loaded.delete([art.id])


def test_an_empty_tag_is_no_tag_on_any_engine(loaded):
    """A feed's empty tag was a facet value of its own on the SQL path and OpenSearch, not on the index path."""
    art = Article(title="Numbatfest", body="numbat notes", url="https://test.example/numbat", language="en",
                  source="Test Wire", tags=["", " marsupials ", "marsupials", "  "])
    assert art.tags == ["marsupials"]
    loaded.upsert([art])
    try:
        for sort in ("relevance", "newest"):
            r = loaded.search(SearchRequest(q="numbatfest", sort=sort, facets=[FacetRequest(field="tag")]))
            assert [(v.value, v.count) for v in r.facets["tag"]] == [("marsupials", 1)], sort
        assert loaded.get(art.id).tags == ["marsupials"]
    finally:
        loaded.delete([art.id])


def test_an_english_question_is_not_answered_by_its_question_word(loaded):
    """'Who is Adel al-Jubeir?' found 1,097 articles saying only 'who': English has no who among its
    stopwords, so best match ranked the question word. A question's question words are left out;
    quoted, or in a query that is no question, they are searched for."""
    art = Article(title="Who won the quiz", body="The band who played last night, and who sang.",
                  url="https://test.example/who-quiz", language="en", source="Test Wire")
    loaded.upsert([art])
    try:
        for q in ("Who is Quokkaman Zubairi?", "who is quokkaman zubairi", "Where is Quokkaman Zubairi from?"):
            assert art.id not in ids(loaded, q), q
        assert art.id in ids(loaded, "who")  # (a question word alone is still looked for)
        assert art.id in ids(loaded, "band who played")
    finally:
        loaded.delete([art.id])


def test_script_markup_is_escaped(loaded):
    art = Article(title='<script>alert(1)</script> Xylophone', body='<img src=x onerror=alert(1)> "><b>xylophone</b>',
                  url="https://test.example/xss", language="en", source="Test Wire")
    loaded.upsert([art])
    hit = search(loaded, "xylophone").hits[0]
    for html in (hit.snippet, hit.title_highlight):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in hit.title_highlight
    loaded.delete([art.id])


@pytest.mark.parametrize("kind", ["opensearch", "elasticsearch"])
def test_node_without_arabic_analysis_gets_one_clear_line_and_still_works(kind, tmp_path_factory, caplog):
    """A node lacking the Arabic filters: one warning naming what is lost, a standard-analyzer index, working search."""
    from arshif.engines.remote import RemoteEngine

    probe = _remote(kind, tmp_path_factory)  # skips or fails like the other remote tests when no node is there
    probe.client.indices.delete(index=probe.current_index())
    settings = probe.settings
    with caplog.at_level("WARNING", logger="arshif.engines.remote"):
        engine = RemoteEngine(kind, probe.url, settings, arabic_components=("arabic_normalization_not_installed",))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" or r.levelname == "ERROR"]
    assert len(warnings) == 1 and "no Arabic analysis" in warnings[0] and "بالباغوز" in warnings[0]
    assert engine.capabilities["arabic"] is False and "WITHOUT Arabic analysis" in engine.describe()
    ingest([SEED], engine)
    assert len(ids(engine, "الباغوز")) == 1      # exact forms still match
    assert ids(engine, "بالباغوز") == []         # the cost the warning names: no prefix stripping
    engine.client.indices.delete(index=engine.current_index())


def test_vocabulary_lookup_for_transliteration(loaded):
    """Cross-lingual search keeps only spellings the index knows; every engine can tell which."""
    counts = loaded.vocabulary_counts(["باغوز", "قطار", "zzqqxx"])
    assert counts["باغوز"] == 1 and counts["قطار"] >= 1 and "zzqqxx" not in counts
    exact = loaded.vocabulary_counts(["الباغوز", "باغوز"], exact=True)
    assert exact.get("الباغوز") == 1 and "باغوز" not in exact


def test_a_refused_document_is_reported_not_counted(loaded):
    """An article over Lucene's 32 KB keyword limit: Lucene engines refuse it and say which and why, the
    rest of the batch lands; the embedded engine has no such limit and stores both. Never a false count."""
    good = Article(title="Quokka census", body="Rottnest island count.", url="https://test.example/quokka",
                   language="en", source="Test Wire")
    big = Article(title="Immense author", body="A keyword longer than Lucene's 32 KB term limit.",
                  url="https://test.example/immense", language="en", source="Test Wire", author="x" * 40_000)
    result = loaded.upsert([good, big])
    if hasattr(loaded, "client"):
        assert result.created == [good.id]
        assert list(result.failed) == [big.id] and "author" in result.failed[big.id]
        assert loaded.get(big.id) is None
    else:
        assert sorted(result.created) == sorted([good.id, big.id]) and result.failed == {}
        assert loaded.get(big.id).author == "x" * 40_000
    assert ids(loaded, "quokka") == [good.id]
    loaded.delete([good.id, big.id])


def test_arrivals_are_told_by_ingest_mark_not_by_date(loaded):
    """'New since a mark' (saved searches): an old article stored now is new; an update, or a re-send of
    an unchanged article, is not; ``sort=added`` lists arrivals first, each with when it was stored."""
    mark = loaded.ingest_mark()
    assert search(loaded, filters=Filters(seen_after=mark)).total == 0
    existing = search(loaded, "Riyadh", size=1).hits[0]
    old_news = Article(title="Wombat archive rediscovered", body="A 1990 story, ingested today.",
                       url="https://test.example/wombat-1990", language="en", source="Test Wire",
                       published=date(1990, 1, 2))
    loaded.upsert([old_news])
    before_update = loaded.ingest_mark()
    assert before_update > mark
    original = loaded.get(existing.id)
    loaded.upsert([original.model_copy(update={"body": original.body + " Updated."})])
    loaded.upsert([old_news.model_copy()])  # unchanged: nothing happens
    new = search(loaded, filters=Filters(seen_after=mark), size=10)
    assert [h.id for h in new.hits] == [old_news.id]
    assert search(loaded, "wombat", filters=Filters(seen_after=before_update)).total == 0
    newest = search(loaded, sort="added", size=3).hits
    assert newest[0].id == old_news.id and newest[0].indexed_at is not None
    assert newest[0].score is None  # ordered by arrival, not relevance
    walked = []  # a cursor walk in arrival order meets every article once
    request = SearchRequest(sort="added", size=97, highlight=False)
    while True:
        resp = loaded.search(request)
        walked += [h.id for h in resp.hits]
        if not resp.next_cursor:
            break
        request = request.model_copy(update={"cursor": resp.next_cursor})
    assert len(walked) == len(set(walked)) == loaded.count()
    loaded.delete([old_news.id])
    loaded.upsert([original])


def test_plain_and_uncounted_pages_list_what_the_full_path_lists(loaded):
    """Hits without highlights are read lightly, and a feed's page (newest arrivals, not counted) takes a
    shorter way on the embedded engine: both must list exactly what the full path lists, in its order,
    also after an update (which keeps an article's arrival) and a newer arrival."""
    dump = lambda resp: [h.model_dump(exclude={"article"}) for h in resp.hits]  # noqa: E731
    oldest = search(loaded, sort="oldest", size=1).hits[0]
    original = loaded.get(oldest.id)
    loaded.upsert([original.model_copy(update={"title": original.title + " (corrected)"})])
    newer = Article(title="Numbat sighting", body="A numbat, newly stored.", url="https://test.example/numbat",
                    language="en", source="Test Wire",
                    translations={"ar": Translation(language="ar", title="مشاهدة نمبات", body="نمبات.")})
    loaded.upsert([newer])
    try:
        for q in ("", "الرياض", "Riyadh OR numbat", "-الرياض", "source:okaz"):
            full = search(loaded, q, sort="added", size=20, highlight=False, with_articles=True)
            plain = search(loaded, q, sort="added", size=20, highlight=False)
            feed = search(loaded, q, sort="added", size=20, highlight=False, count_total=False)
            assert dump(plain) == dump(full) == dump(feed), q
            assert plain.total == full.total and plain.total_counted
            # An engine may skip counting (the embedded one does when more than the page match); a count it
            # gives is the count, and an uncounted total is the page.
            assert (feed.total, feed.total_counted) in ((full.total, True), (20, False)), q
            assert feed.total_counted or full.total > 20, q
            ranked = search(loaded, q, size=20, highlight=False)
            assert dump(ranked) == dump(search(loaded, q, size=20, highlight=False, with_articles=True)), q
        first = search(loaded, "numbat", sort="added", size=10, highlight=False, count_total=False).hits[0]
        assert (first.id, first.translated_title, first.translation_status) == (newer.id, "مشاهدة نمبات", "done")
    finally:
        loaded.delete([newer.id])
        loaded.upsert([original])


def test_entity_facets_link_spellings_and_scripts(loaded):
    """One place, written الرياض, والرياض or Riyadh, is one facet value, and filtering by any spelling
    finds the demo's Riyadh metro story in both languages."""
    resp = search(loaded, size=0, facets=[FacetRequest(field="place", size=100),
                                          FacetRequest(field="person", size=10), FacetRequest(field="org", size=10)])
    places = {f.value: f.count for f in resp.facets["place"]}
    assert "Riyadh" in places and "الرياض" not in places and "رياض" not in places, places
    assert resp.facets["person"] and resp.facets["org"]
    metro = set(ids(loaded, "metro"))
    for spelling in ("الرياض", "والرياض", "Riyadh"):
        hits = search(loaded, filters=Filters(place=[spelling]), size=100).hits
        assert len(hits) == places["Riyadh"]
        assert {h.language for h in hits} >= {"ar", "en"}
    by_syntax = search(loaded, "place:الرياض", size=100).hits
    assert {h.language for h in by_syntax} >= {"ar", "en"}
    assert metro & {h.id for h in by_syntax}
    assert set(ids(loaded, "place:Riyadh")) == {h.id for h in by_syntax}
    # Leaving the place out removes exactly those articles.
    everything = search(loaded, size=0).total
    assert search(loaded, "-place:Riyadh", size=0).total == everything - places["Riyadh"]


def test_a_forked_process_and_its_parent_both_get_their_own_answers(loaded):
    """A script that searches in threads and forks workers (multiprocessing's default on Linux) that search
    the same engine object. A remote engine's keep-alive connections are sockets the child inherits: a
    request the child sent on one while its parent used it gave the parent the child's page, silently (before
    the fix, thousands of wrong pages in three searching threads beside 40 children)."""
    import signal
    import threading
    import time

    titles = [h.title for h in search(loaded, size=40, highlight=False).hits]
    words = list(dict.fromkeys(w for t in titles for w in ("".join(c for c in w if c.isalnum()) for w in t.split())
                               if len(w) > 4))

    def answer(q):
        resp = search(loaded, q, size=5, highlight=False)
        return resp.total, [h.id for h in resp.hits]

    expected = {w: answer(w) for w in words[:30]}
    expected = {w: a for w, a in expected.items() if a[0]}
    queries = list(expected)
    assert len({str(a) for a in expected.values()}) >= 6, expected  # distinct answers: a mix-up shows

    stop = threading.Event()
    wrong: list[str] = []

    def parent_searches(k: int) -> None:
        i = k
        while not stop.is_set():
            q = queries[i % len(queries)]
            i += 1
            try:
                if answer(q) != expected[q]:
                    wrong.append(q)
            except Exception as exc:  # noqa: BLE001 - a garbled answer may also fail to parse
                wrong.append(f"{q}: {exc!r}")
            time.sleep(0.005)  # idle connections wait in the pool between searches, as in a real script

    threads = [threading.Thread(target=parent_searches, args=(k,), daemon=True) for k in range(3)]
    for t in threads:
        t.start()
    children = []
    try:
        for n in range(16):
            pid = os.fork()
            if pid == 0:  # the child: its own searches, then out without pytest's teardown
                code = 1
                try:
                    signal.alarm(60)
                    code = sum(answer(q) != expected[q] for q in (queries[(n + 5 * i) % len(queries)]
                                                                  for i in range(20)))
                finally:
                    os._exit(min(code, 100))
            children.append(pid)
            time.sleep(0.05)
        codes = [os.waitpid(pid, 0)[1] for pid in children]
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert [os.waitstatus_to_exitcode(c) for c in codes] == [0] * len(children)
    assert wrong == []


FORK_AT_EXIT = r"""
import os, sys, signal, threading
sys.path.insert(0, sys.argv[1])
from arshif.engines.remote import RemoteEngine
from arshif.search import SearchRequest
from arshif.settings import Settings

kind, url, index = sys.argv[2:5]
engine = RemoteEngine(kind, url, Settings(engine=f"{kind}+{url}", index_name=index))
total = engine.search(SearchRequest(q="metro", size=3)).total
transport = engine.flavour.client.transport
nodes = transport.node_pool.all() if hasattr(transport, "node_pool") else transport.connection_pool.connections
idle = nodes[0].pool.pool  # urllib3's queue of idle connections: its lock, held by a thread at the fork
held, done = threading.Event(), threading.Event()

def searching_thread_inside_the_pool():
    with idle.mutex:
        held.set()
        done.wait()

threading.Thread(target=searching_thread_inside_the_pool, daemon=True).start()
held.wait()
pid = os.fork()
if pid == 0:
    signal.alarm(30)
    assert engine.search(SearchRequest(q="metro", size=3)).total == total
    print("child searched", flush=True)
    sys.exit(0)  # a normal exit: urllib3 drains every pool it still has, under that lock
done.set()
status = os.waitpid(pid, 0)[1]
print("child", "hung" if os.WIFSIGNALED(status) else f"exit {os.waitstatus_to_exitcode(status)}")
"""


def test_a_forked_child_exits_though_its_parent_was_inside_a_connection_pool(loaded, tmp_path):
    """A child forked while a parent thread was taking a connection from the client's pool must still finish:
    urllib3 drains a pool under the pool's lock at exit, and the child inherited that lock held."""
    import subprocess
    import sys

    from arshif.settings import PROJECT_ROOT

    if isinstance(loaded, EmbeddedEngine):
        pytest.skip("the embedded engine has no connection pool to a node (its fork is tested in test_embedded_load)")
    script = tmp_path / "fork_at_exit.py"
    script.write_text(FORK_AT_EXIT)
    out = subprocess.run([sys.executable, str(script), str(PROJECT_ROOT), loaded.kind, loaded.url, loaded.alias],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split("\n")[:2] == ["child searched", "child exit 0"], out.stdout + out.stderr
