"""The core archive end to end: the seed article through readers, analysis and the embedded engine."""

from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.search import SearchRequest
from arshif.search.contract import FacetRequest, Filters
from indexer.pipeline import ingest
from tests.conftest import SEED


def ids(engine, q: str, **kw) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(q=q, size=50, **kw)).hits]


@pytest.fixture
def seeded(engine):
    summary = ingest([SEED], engine)
    assert summary.indexed == 1 and summary.ok
    (article_id,) = ids(engine, "")
    return engine, article_id


def test_seed_fields_as_a_reader_of_the_article_expects(seeded):
    engine, article_id = seeded
    art = engine.get(article_id)
    assert art.site == "It's Over 9000!"
    assert art.tags == ["austin_tice"]
    assert art.source == "بلدي نيوز"
    assert art.author == "عمر حاج حسين"
    assert len(art.related_titles) == 6
    assert art.language == "ar"
    for related in art.related_titles:
        assert related not in art.body
    assert art.body.count(art.title) == 0
    assert "مقالات ذات صلة" not in art.body
    assert "\nسقوط الباغوز\n" in art.body  # sub-headings stay in the body, on their own line


@pytest.mark.parametrize("query", ["الباغوز", "باغوز", "بالباغوز", "والباغوز",
                                   "مُقَاتِلِي",  # fully diacritised form of a body word
                                   "الـبـاغـوز",  # with tatweel
                                   "\"سقوط الباغوز\"", "٢٠١٧"])
def test_arabic_variants_find_the_seed(seeded, query):
    engine, article_id = seeded
    assert ids(engine, query) == [article_id]


def test_phrase_is_ordered_and_unstemmed(seeded):
    engine, article_id = seeded
    assert ids(engine, '"حقل العمر النفطي"') == [article_id]
    assert ids(engine, '"النفطي العمر حقل"') == []
    assert ids(engine, '"الباغوز سقوط"') == []
    assert ids(engine, '"باغوز سقوط"') == []


def test_exclusion_and_or(seeded):
    engine, article_id = seeded
    assert ids(engine, "الباغوز -داعش") == []
    assert ids(engine, "كلمةغيرموجودة OR الباغوز") == [article_id]
    assert ids(engine, "الباغوز كلمةغيرموجودة") == []


def test_highlight_marks_original_words_and_is_html_safe(seeded):
    engine, _ = seeded
    hit = engine.search(SearchRequest(q="بالباغوز")).hits[0]
    assert "<mark>الباغوز</mark>" in hit.snippet
    assert hit.matched_in == "original"
    stripped = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_reingest_updates_instead_of_duplicating(engine):
    first = ingest([SEED], engine)
    second = ingest([SEED], engine)
    assert (first.indexed, second.indexed, second.unchanged) == (1, 0, 1)
    assert engine.count() == 1


def test_mixed_good_and_broken_records(engine, tmp_path):
    bad = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"title": "Good one", "body": "Oil prices rose in Riyadh.", "url": "https://x.example/1"}).encode(),
        b'{"title": "broken json", ',
        json.dumps({"title": "Good two", "body": "Desert locusts.", "url": "https://x.example/2"}).encode(),
        b'{"title": "bad bytes \xff\xfe here", "body": "x"}',
        json.dumps({"title": "", "body": "  "}).encode(),
        json.dumps({"title": "Good three", "body": "خبر عربي عن الرياض", "url": "https://x.example/3"},
                   ensure_ascii=False).encode(),
    ]
    bad.write_bytes(b"\n".join(lines) + b"\n")
    summary = ingest([bad], engine)
    assert summary.indexed == 3
    assert sorted(p.line for p in summary.skipped) == [2, 4, 5]
    assert all(str(bad) in str(p) for p in summary.skipped)
    assert not summary.ok
    assert engine.count() == 3
    assert {h.title for h in engine.search(SearchRequest(q="", size=10)).hits} == {"Good one", "Good two",
                                                                                  "Good three"}


def test_cli_ingest_exit_status_names_skipped_records(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    bad = tmp_path / "mixed.jsonl"
    bad.write_text('{"title": "ok", "body": "fine"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(bad), "--data-dir", str(tmp_path / "d"), "--json"])
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["indexed"] == 1 and summary["skipped"] == 1
    assert f"{bad}:2" in summary["skipped_records"][0]


def test_filters_facets_histogram_sort_and_pages(archive):
    from datetime import date

    summer_2015 = Filters(date_from=date(2015, 7, 1), date_to=date(2015, 8, 31))
    req = SearchRequest(q="الرياض", size=5, facets=[FacetRequest(field="source"), FacetRequest(field="language")],
                        date_histogram="auto", filters=summer_2015)
    resp = archive.search(req)
    assert resp.total > 20
    sources = {f.value: f.count for f in resp.facets["source"]}
    assert sum(b.count for b in resp.date_histogram) == resp.total
    assert resp.interval == "day"
    top_source, top_count = max(sources.items(), key=lambda kv: kv[1])
    chosen = summer_2015.model_copy(update={"source": [top_source]})
    narrowed = archive.search(req.model_copy(update={"filters": chosen}))
    assert narrowed.total == top_count
    assert all(h.source == top_source for h in narrowed.hits)
    # Facets are disjunctive: choosing one source still shows the others' counts.
    assert {f.value for f in narrowed.facets["source"]} == set(sources)
    newest = archive.search(req.model_copy(update={"sort": "newest", "size": 50})).hits
    dates = [h.date for h in newest]
    assert dates == sorted(dates, reverse=True)
    page1 = archive.search(req.model_copy(update={"size": 10})).hits
    page2 = archive.search(req.model_copy(update={"size": 10, "offset": 10})).hits
    again = archive.search(req.model_copy(update={"size": 20})).hits
    assert [h.id for h in page1 + page2] == [h.id for h in again]


def test_date_range_filter(archive):
    from datetime import date

    resp = archive.search(SearchRequest(q="", filters=Filters(date_from=date(2015, 8, 1), date_to=date(2015, 8, 3)),
                                        date_histogram="day", size=0))
    assert resp.total > 0
    assert all(date(2015, 8, 1) <= b.start <= date(2015, 8, 3) for b in resp.date_histogram)


def test_histogram_counts_every_day_even_past_the_days_one_pass_returns(archive, monkeypatch):
    """Days are counted by a terms aggregation of at most DAYS_TERMS_SIZE days; matches on more days than
    that are counted again by a histogram, so no day's bar goes missing."""
    from arshif.engines import embedded

    req = SearchRequest(q="الرياض", size=0, date_histogram="day")  # words: counted by the text index
    every_day = archive.search(req)
    dated = sum(b.count for b in every_day.date_histogram)
    assert len(every_day.date_histogram) > 3 and every_day.total - 5 < dated <= every_day.total  # a few undated
    monkeypatch.setattr(embedded, "DAYS_AGGREGATION", {"terms": {"field": "day", "size": 3}})
    assert archive.search(req).date_histogram == every_day.date_histogram
    weeks = archive.search(req.model_copy(update={"date_histogram": "week"})).date_histogram
    assert all(b.start.weekday() == 0 for b in weeks) and sum(b.count for b in weeks) == dated


def test_day_counts_fold_into_weeks_months_and_years_as_dates_do():
    """The fold by day numbers gives the buckets a fold by dates gives, across calendar edges (0001-01-01,
    1969/1970, leap days, 9999-12-31), for the histogram's float keys and the terms' int keys alike."""
    import random
    from datetime import date, timedelta

    from arshif.engines import embedded, text_index

    def by_dates(days: dict[int, int], interval: str) -> list[tuple[date, int]]:
        starts = {"day": lambda d: d, "week": lambda d: d - timedelta(days=d.weekday()),
                  "month": lambda d: d.replace(day=1), "year": lambda d: d.replace(month=1, day=1)}[interval]
        out: dict[date, int] = {}
        for n, c in sorted(days.items()):
            start = starts(text_index.day_from_number(n))
            out[start] = out.get(start, 0) + c
        return sorted(out.items())

    rng = random.Random(7)
    edges = [date(1, 1, 1), date(1, 1, 7), date(1, 1, 8), date(1969, 12, 28), date(1969, 12, 31), date(1970, 1, 1),
             date(1970, 1, 5), date(2000, 2, 29), date(2024, 12, 31), date(9999, 12, 26), date(9999, 12, 31)]
    for trial in range(40):
        chosen = rng.sample(edges, rng.randint(1, len(edges))) if trial % 2 else []
        chosen += [date(rng.randint(1900, 2030), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(rng.randint(1, 300))]
        days = {text_index.day_number(d): rng.randint(1, 9) for d in chosen}
        keys = float if trial % 3 == 0 else int
        agg = {"buckets": [{"key": keys(n), "doc_count": c} for n, c in rng.sample(sorted(days.items()), len(days))]}
        for interval in ("day", "week", "month", "year"):
            buckets, said = embedded._folded_histogram(agg, interval)
            assert said == interval
            assert [(b.start, b.count) for b in buckets] == by_dates(days, interval), (trial, interval)


def test_more_like_this_finds_same_story_across_languages(archive):
    en = archive.search(SearchRequest(q="OPEC+ output", filters=Filters(language=["en"]), size=1)).hits[0]
    related = archive.more_like_this(en.id, size=5)
    assert related and en.id not in [h.id for h in related]
    assert related[0].language == "ar" and related[0].url.endswith("opec-plus-july-output-ar")


def test_update_and_delete_by_id(engine):
    ingest([SEED], engine)
    (hit,) = engine.search(SearchRequest(q="")).hits
    art = engine.get(hit.id)
    art.title = "عنوان جديد عن الباغوز"
    result = engine.upsert([art])
    assert result.updated == [hit.id]
    assert ids(engine, "جديد") == [hit.id]
    assert ids(engine, "الباغوز") == [hit.id] and ids(engine, "مصادر") == []  # the old title is gone
    assert engine._text.searcher().num_docs == 1  # the text index replaced the old copy, not added a second
    assert engine.delete([hit.id]) == 1
    assert engine.count() == 0 and ids(engine, "الباغوز") == []
    assert engine._text.searcher().num_docs == 0


def _reader_loop(path: str, rounds: int, queue) -> None:
    eng = EmbeddedEngine(path, readonly=True)
    errors = 0
    seen = 0
    for _ in range(rounds):
        try:
            seen = max(seen, eng.search(SearchRequest(q="الرياض", size=3)).total)
        except Exception as exc:  # noqa: BLE001
            errors += 1
            queue.put(repr(exc))
    queue.put(("done", errors, seen))


def test_one_writer_and_several_reader_processes(tmp_path, archive_dir):
    """Readers in other processes keep answering while a writer adds articles; nothing is corrupted."""
    from tests.conftest import saudi_sample_file

    path = tmp_path / "shared.db"
    writer = EmbeddedEngine(path)
    ingest([SEED], writer)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    readers = [ctx.Process(target=_reader_loop, args=(str(path), 150, queue)) for _ in range(3)]
    for p in readers:
        p.start()
    summary = ingest([saudi_sample_file(archive_dir.parent)], writer, batch_size=50)
    for p in readers:
        p.join(120)
    results = [queue.get(timeout=5) for _ in readers]
    assert all(r[0] == "done" and r[1] == 0 for r in results), results
    assert writer.count() == summary.indexed + 1
    integrity = writer._conn().execute("PRAGMA integrity_check").fetchall()
    assert integrity == [("ok",)]


def test_corpus_sample_counts_add_up_and_rerun_adds_nothing(engine, archive_dir):
    """Every record is accounted for: read = indexed + updated + unchanged; skipped ones are named."""
    from tests.conftest import saudi_sample_file

    sample = saudi_sample_file(archive_dir.parent)
    records = sum(1 for _ in sample.open(encoding="utf-8"))
    first = ingest([sample], engine)
    assert first.read + len(first.skipped) == records
    assert first.read == first.indexed + first.updated + first.unchanged + len(first.failed) + len(first.duplicates)
    assert all(p.reason == "no title and no body" and p.line for p in first.skipped)
    second = ingest([sample], engine)
    assert (second.indexed, second.updated, second.unchanged) == (0, 0, first.read - first.updated)
    assert engine.count() == first.indexed


def test_plain_hits_are_built_with_every_field_given(seeded):
    """A page without highlights builds its hits with ``model_construct``, which looks up each missing
    field's ``default_factory`` signature on every call (pydantic 2.14): that lookup once cost more than
    the search of a lean API request. Every field must be given, and the hit must equal a validated one."""
    from arshif.engines.base import hit_from_stored
    from arshif.search.contract import Hit

    engine, article_id = seeded
    doc = json.loads(engine.get(article_id).model_dump_json())
    hit = hit_from_stored(doc, 1.5, [1.5, article_id])
    assert hit.model_fields_set == set(Hit.model_fields)
    assert Hit.model_validate(hit.model_dump()) == hit
    (listed,) = engine.search(SearchRequest(q="", size=5, highlight=False)).hits
    assert (listed.id, listed.title, listed.story_sources, listed.story_size) == (article_id, hit.title, [], 1)
