"""Other people's dumps go in without --map: their ids, field names, dates and duplicates."""

from __future__ import annotations

import collections
import gzip
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import PROJECT_ROOT
from indexer.pipeline import ingest
from indexer.readers import ReadProblem, read_paths

SHARED = Path(os.environ.get("ARSHIF_SHARED", Path(__file__).resolve().parents[2] / "shared"))
ANT = SHARED / "corpora" / "ant" / "ant.jsonl.gz"
BBC = SHARED / "corpora" / "bbc" / "bbc-news.jsonl"


def _read(path, **kw):
    warnings: list[str] = []
    items = list(read_paths([path], on_warning=warnings.append, **kw))
    return ([a for a in items if not isinstance(a, ReadProblem)],
            [p for p in items if isinstance(p, ReadProblem)], warnings)


@pytest.mark.slow
@pytest.mark.skipif(not ANT.exists(), reason="ANT corpus not in ../shared")
def test_ant_lands_with_its_ids_sources_and_dates():
    """ANT arrives as {docno, src, time, text, cat, …}: every field lands without --map."""
    raw = {}
    with gzip.open(ANT, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            raw[rec["docno"]] = rec
    articles, problems, warnings = _read(ANT)
    assert problems == [] and warnings == []
    assert len(articles) == len(raw) == 41_661
    assert [a.id for a in articles] == list(raw)  # docno is the id, not a hash
    assert all(a.source == raw[a.id]["src"] for a in articles)
    assert sum(1 for a in articles if a.source) == 41_660  # one record has an empty src
    assert all(a.published is not None for a in articles)
    assert all(a.body for a in articles if raw[a.id]["text"].strip())
    shapes = collections.Counter()
    for a in articles:
        t = raw[a.id]["time"]
        shapes["rfc822" if t[:3].isalpha() else "dmy" if "/" in t else "iso"] += 1
        if t[:3].isalpha():  # 'Sun, 18 Feb 2018 17:21:49 GMT'
            assert a.published.strftime("%d %b %Y") == t[5:16]
        elif "/" in t:  # '17/05/2015': day first
            assert a.published.strftime("%d/%m/%Y") == t[:10]
        else:
            assert a.published.isoformat() == t[:10]
    assert min(shapes.values()) > 4000  # all three shapes were there and read
    assert {a.published.year for a in articles} <= set(range(2012, 2019))
    assert articles[0].tags == [raw[articles[0].id]["cat"]]


@pytest.mark.skipif(not BBC.exists(), reason="BBC corpus not in ../shared")
def test_bbc_keeps_its_ids_and_a_rerun_changes_nothing(tmp_path):
    engine = EmbeddedEngine(tmp_path / "bbc.db")
    first = ingest([BBC], engine, defaults={"source": "BBC", "language": "en"})
    assert (first.read, first.indexed, first.updated, first.duplicates) == (2225, 2225, 0, [])
    assert engine.get("bbc-business-001").title == "Ad sales boost Time Warner profit"
    second = ingest([BBC], engine, defaults={"source": "BBC", "language": "en"})
    assert (second.indexed, second.updated, second.unchanged) == (0, 0, 2225)
    engine.close()


def test_usual_field_names_and_date_shapes_without_a_map(tmp_path):
    records = [
        {"guid": "https://example.com/a?id=1", "headline": "One", "article": "Body one", "site": "Example",
         "pubDate": "Wed, 12 Jul 2017 08:00:00 +0300", "byline": "A. Writer"},
        {"docno": "ex 2/3", "title": "Two", "content": "Body two", "publisher": "Daily",
         "published_at": "2019-03-24T10:00:00Z", "cat": "world"},
        {"id": 17, "title": "Three", "body": "Body three", "source": "Wire", "date": "05/17/2016"},
        {"article_id": "x-4", "title": "Four", "text": "Body four", "timestamp": 1500000000},
        {"id": "x-5", "title": "Five", "description": "Only a description", "time": "31.12.2015"},
    ]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    articles, problems, warnings = _read(path)
    assert problems == [] and warnings == []
    a, b, c, d, e = articles
    assert (a.id, a.source_id, a.title, a.body, a.source, a.author) == (
        "", "https://example.com/a?id=1", "One", "Body one", "Example", "A. Writer")
    assert a.published == date(2017, 7, 12)
    assert (b.id, b.source_id, b.source, b.tags, b.published) == ("", "ex 2/3", "Daily", ["world"], date(2019, 3, 24))
    assert (c.id, c.published) == ("17", date(2016, 5, 17))  # month first only when the day says so
    assert (d.id, d.published) == ("x-4", date(2017, 7, 14))
    assert (e.body, e.published) == ("Only a description", date(2015, 12, 31))


def test_an_unmapped_field_warns_once_per_file(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps({"title": f"t{i}", "body": "b", "sentiment": 0.5, "Region": "x"})
                              for i in range(30)), encoding="utf-8")
    articles, problems, warnings = _read(path)
    assert len(articles) == 30 and problems == []
    assert len(warnings) == 2
    assert "'sentiment'" in warnings[0] and "record 1" in warnings[0] and "--map sentiment=FIELD" in warnings[0]
    assert "'Region'" in warnings[1]
    # mapped away on purpose: no warning
    _, _, quiet = _read(path, field_map={"sentiment": "", "region": ""})
    assert quiet == []


def test_cli_reports_duplicates_in_the_file_and_each_skip_once(tmp_path):
    path = tmp_path / "dups.jsonl"
    lines = [{"id": "a-1", "title": "first", "body": "x"}, {"id": "a-2", "title": "second", "body": "y"},
             {"id": "a-1", "title": "first again", "body": "x2"}, {"note": "no text"},
             {"id": "a-2", "title": "second", "body": "y"}, {"id": "a-3", "title": "t", "body": "z", "mood": 1}]
    path.write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    cmd = [sys.executable, "-m", "cli", "ingest", str(path), "--data-dir", str(tmp_path / "data"),
           "--quiet"]
    for run in (1, 2):
        done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
        assert done.returncode == 3, done.stderr  # one record skipped
        err = " ".join(done.stderr.split())  # rich wraps long lines
        # printed once, not once by the log and once by the list
        assert err.count(f"{path}:4: no title and no body") == 1
        assert err.count(f"duplicate {path}") == 2
        assert f"{path}:3: duplicate of {path}:1 (same id a-1)" in err
        assert f"{path}:5: duplicate of {path}:2" in err
        assert err.count("'mood'") == 1
        table = " ".join(err.replace("│", " ").split())
        assert "duplicates in the input 2" in table and "updated 0" in table
    engine = EmbeddedEngine(tmp_path / "data" / "index" / "arshif.db", readonly=True)
    assert engine.count() == 3 and engine.get("a-1").title == "first"


def test_a_record_id_that_cannot_be_an_id_still_finds_the_article(tmp_path):
    """'ex 2/3' or a URL guid is kept as source_id; the id is derived from it; the API finds it by either."""
    from fastapi.testclient import TestClient

    from arshif.settings import Settings
    from web.app import create_app

    path = tmp_path / "odd-ids.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"docno": "ex 2/3", "title": "Two", "text": "Body two"},
        {"guid": "https://example.com/?p=7", "title": "Seven", "text": "Body seven", "url": "https://example.com/7"},
        {"id": "bbc-x-1", "title": "Plain", "text": "Body"}]), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", translator="none")
    engine = EmbeddedEngine(settings.embedded_path)
    first = ingest([path], engine)
    assert first.indexed == 3
    # the text changes, the record's own id does not: the same article is updated, not duplicated
    path.write_text(path.read_text(encoding="utf-8").replace("Body two", "Body two, corrected"), encoding="utf-8")
    second = ingest([path], engine)
    assert (second.indexed, second.updated, engine.count()) == (0, 1, 3)
    with TestClient(create_app(settings, engine=engine)) as c:
        for raw, title in (("ex 2/3", "Two"), ("https://example.com/?p=7", "Seven"), ("bbc-x-1", "Plain")):
            r = c.get("/api/lookup", params={"source_id": raw})
            assert r.status_code == 200 and r.json()["title"] == title
        assert c.get("/api/lookup", params={"source_id": "ex 2/3"}).json()["source_id"] == "ex 2/3"
        assert c.get("/api/lookup", params={"source_id": "nothing"}).status_code == 404
    engine.close()
