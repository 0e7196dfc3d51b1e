"""Readers: what a user notices when files go in — fields, problems, encodings, streaming."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import tracemalloc
import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from arshif.model import Article
from indexer.readers import ReadProblem, estimate_records, read_paths

SHARED = Path(os.environ.get("ARSHIF_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SEED = SHARED / "seed" / "000_2d331081257e349b.txt"
SAUDI = SHARED / "corpora" / "saudinewsnet"
BBC = SHARED / "corpora" / "bbc" / "bbc-news.jsonl"

needs_shared = pytest.mark.skipif(not SEED.exists(), reason=f"shared material not found at {SHARED}")


def read(*paths, **kw) -> tuple[list[Article], list[ReadProblem]]:
    articles, problems = [], []
    for r in read_paths(paths, **kw):
        (problems if isinstance(r, ReadProblem) else articles).append(r)
    return articles, problems


def fields(a: Article) -> dict:
    return a.model_dump(exclude={"provenance"})


# --- the native text format ---------------------------------------------------------------------

@needs_shared
def test_seed_native_file():
    articles, problems = read(SEED)
    assert problems == []
    [a] = articles
    assert a.site == "It's Over 9000!"
    assert a.title.startswith("مصادر تكشف خفايا") and not a.title.endswith("9000!")
    assert a.tags == ["austin_tice"]
    assert a.source == "بلدي نيوز"
    assert a.author == "عمر حاج حسين"
    assert len(a.related_titles) == 6
    assert not any(t in a.body for t in a.related_titles)
    assert "مقالات ذات صلة" not in a.body
    assert a.body.count(a.title) == 0  # the repeated title line is not part of the body
    paragraphs = a.body.split("\n")
    assert "سقوط الباغوز" in paragraphs and "هزيمة داعش" in paragraphs  # sub-headings on their own line
    assert paragraphs[0].startswith("خسر تنظيم")  # the byline is not body
    assert all(p.strip() == p and p for p in paragraphs)
    assert a.provenance.file == str(SEED)
    assert a.provenance.reader == "text" and a.provenance.member is None
    assert a.id == "" and a.language == "other"  # ids and language are the pipeline's job


@needs_shared
@pytest.mark.parametrize("encoding", ["cp1256", "utf-8-sig", "utf-16"])
def test_seed_in_other_encodings_reads_the_same(tmp_path, encoding):
    [expected], _ = read(SEED)
    copy = tmp_path / f"seed-{encoding}.txt"
    copy.write_bytes(SEED.read_text(encoding="utf-8").replace("\n", "\r\n").encode(encoding))
    [a], problems = read(copy)
    assert problems == []
    assert fields(a) == fields(expected)
    assert not a.title.startswith("\ufeff")


def test_native_file_without_tag_line_takes_directory_name(tmp_path):
    coll = tmp_path / "gaza_2014"
    coll.mkdir()
    (coll / "a.txt").write_text("Ceasefire holds - Example Site\n\nCeasefire holds\n\nReuters - (Jane Doe)\n"
                                "First paragraph.\nSecond paragraph.\n\nRelated articles\n\nOther story\n", "utf-8")
    (coll / "b.txt").write_text("Talks resume - Example Site\nsyria_talks\n\nTalks resume\n\nBody.\n", "utf-8")
    (coll / ".hidden.txt").write_text("Hidden - X\n\nnot to be read\n", "utf-8")
    articles, problems = read(tmp_path)
    assert problems == []
    a, b = articles  # sorted, hidden file skipped
    assert (a.title, a.site, a.tags, a.source, a.author) == ("Ceasefire holds", "Example Site", ["gaza_2014"],
                                                             "Reuters", "Jane Doe")
    assert a.body == "First paragraph.\nSecond paragraph." and a.related_titles == ["Other story"]
    assert b.tags == ["syria_talks"] and b.body == "Body."


# --- JSON Lines -----------------------------------------------------------------------------------

def test_jsonl_good_and_bad_lines(tmp_path):
    good = lambda i: json.dumps({"title": f"عنوان {i}", "body": f"نص الخبر {i}", "source": "Example"},
                                ensure_ascii=False).encode("utf-8")
    lines = [
        good(1),                                                    # 1
        b'{"title": "broken", "body": ',                            # 2 bad JSON
        good(3),                                                    # 3
        b'{"title": "bytes \xff\xfe\x00garbage", "body": "x"}',     # 4 undecodable bytes
        b"",                                                        # 5 blank: skipped
        b'{"title": "  ", "body": "", "url": "http://example.com"}',  # 6 neither title nor body
        b'[{"title": "in an array"}]',                              # 7 not an object
        good(8),                                                    # 8
        json.dumps({"body": "only a body"}).encode(),               # 9 body-only: kept
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    articles, problems = read(path)
    assert [a.title for a in articles] == ["عنوان 1", "عنوان 3", "عنوان 8", ""]
    assert [a.provenance.line for a in articles] == [1, 3, 8, 9]
    assert all(a.provenance.reader == "jsonl" and a.provenance.file == str(path) for a in articles)
    assert [p.line for p in problems] == [2, 4, 6, 7]
    bad_json, undecodable, empty, array = problems
    assert "bad JSON" in bad_json.reason and "column" in bad_json.reason
    assert "decode" in undecodable.reason
    assert empty.reason == "no title and no body"
    assert "not a JSON object" in array.reason and "array" in array.reason
    assert str(bad_json).startswith(f"{path}:2: bad JSON")


def test_jsonl_in_utf16_with_bom(tmp_path):
    path = tmp_path / "wide.jsonl"
    path.write_bytes('{"title": "عنوان أول"}\r\n{"title": "عنوان ثان"}\r\n'.encode("utf-16"))
    articles, problems = read(path)
    assert problems == [] and [a.title for a in articles] == ["عنوان أول", "عنوان ثان"]


def test_jsonl_in_cp1256(tmp_path):
    path = tmp_path / "legacy.jsonl"
    recs = [{"title": "خبر عاجل من الرياض", "content": "تفاصيل الخبر الكامل هنا"} for _ in range(3)]
    path.write_bytes("\r\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode("cp1256"))
    articles, problems = read(path)
    assert problems == [] and len(articles) == 3
    assert articles[0].title == "خبر عاجل من الرياض" and articles[0].body == "تفاصيل الخبر الكامل هنا"


# --- files and archives ---------------------------------------------------------------------------

def test_empty_and_unsupported_files(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    (tmp_path / "blank.txt").write_text(" \n\n")
    articles, problems = read(tmp_path / "empty.jsonl", tmp_path / "photo.png", tmp_path / "notes.csv",
                              tmp_path / "missing.json", tmp_path / "blank.txt")
    assert articles == []
    assert [p.reason for p in problems][0] == "empty file"
    assert all(p.reason.startswith("not a supported file type") for p in problems[1:3])
    assert "no such file" in problems[3].reason
    assert problems[4].reason == "empty file"
    assert str(problems[0]) == f"{tmp_path / 'empty.jsonl'}: empty file"


def test_corrupt_zips(tmp_path):
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"this is not a zip archive at all" * 10)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.jsonl", "\n".join(json.dumps({"title": f"t{i}", "body": "b" * 200 + str(i)}) for i in range(200)))
    data = bytearray(damaged.read_bytes())
    for i in range(60, 200):  # inside the compressed data of the member
        data[i] ^= 0x5A
    damaged.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(damaged.read_bytes()[:100])
    results = list(read_paths([garbage, damaged, truncated]))  # does not raise
    problems = [r for r in results if isinstance(r, ReadProblem)]
    assert {p.file for p in problems} == {str(garbage), str(damaged), str(truncated)}
    assert "not a readable zip archive" in problems[0].reason
    damaged_problem = next(p for p in problems if p.file == str(damaged))
    assert damaged_problem.member == "a.jsonl" and "corrupt" in damaged_problem.reason
    assert str(damaged_problem).startswith(f"{damaged}:a.jsonl")


def test_zip_with_jsonl_txt_and_json_members(tmp_path, monkeypatch):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("news/day1.jsonl", "\n".join(json.dumps({"title": f"Day one {i}", "content": "Text."})
                                                  for i in range(3)))
        zf.writestr("news/story.txt", "A story - Site\n\nA story\n\nParagraph.\n")
        zf.writestr("arr.json", json.dumps([{"headline": "From array", "text": "Body"}]))
        zf.writestr("__MACOSX/._arr.json", b"\x00\x05\x16\x07junk")
    articles, problems = read(path)
    assert problems == []
    assert [(a.title, a.provenance.member, a.provenance.line, a.provenance.reader) for a in articles] == [
        ("Day one 0", "news/day1.jsonl", 1, "jsonl"),
        ("Day one 1", "news/day1.jsonl", 2, "jsonl"),
        ("Day one 2", "news/day1.jsonl", 3, "jsonl"),
        ("A story", "news/story.txt", None, "text"),
        ("From array", "arr.json", 1, "json"),
    ]
    assert all(a.provenance.file == str(path) for a in articles)
    assert articles[3].tags == ["news"]  # a txt member without a tag line: its folder is the collection
    assert estimate_records([path]) == 5


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"title": "Zipped", "text": "Body"}\n{"title": "Two"}\n'))
    articles, problems = read(path)
    assert problems == [] and [a.title for a in articles] == ["Zipped", "Two"]


def test_json_array_problems_keep_their_index(tmp_path):
    path = tmp_path / "arr.json"
    path.write_text(json.dumps([{"title": "one"}, "a string", {"note": "no title"}, {"body": "four"}])
                    + "\n[", encoding="utf-8")
    articles, problems = read(path)
    assert [(a.title, a.body, a.provenance.line) for a in articles] == [("one", "", 1), ("", "four", 4)]
    assert [(p.line, p.reason) for p in problems[:2]] == [(2, "not a JSON object: got a string"),
                                                         (3, "no title and no body")]
    assert "extra data" in problems[2].reason


def test_truncated_json_array_keeps_the_records_before_the_break(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([{"title": f"t{i}", "body": "x" * 100} for i in range(5)])[:-150], encoding="utf-8")
    articles, problems = read(path)
    assert [a.title for a in articles] == ["t0", "t1", "t2"]
    [p] = problems
    assert p.line == 4 and p.reason.startswith("bad JSON in element 4") and "not read" in p.reason


# --- the corpora ----------------------------------------------------------------------------------

@needs_shared
def test_saudinewsnet_zip_streams_in_little_memory():
    path = SAUDI / "2015-07-21.zip"
    with zipfile.ZipFile(path) as zf:
        [info] = zf.infolist()
    assert info.file_size > 12_000_000
    count = problems = 0
    first: Article | None = None
    tracemalloc.start()
    try:
        for r in read_paths([path]):
            if isinstance(r, ReadProblem):
                problems += 1
                assert r.member == info.filename and r.line and r.reason == "no title and no body"
                continue
            count += 1
            if first is None:
                first = r
            assert r.provenance.member == info.filename and r.provenance.line == count + problems
            assert r.source and r.url.startswith("http")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < info.file_size / 2, f"peak {peak:,} bytes for a {info.file_size:,}-byte member"
    assert count > 2500 and problems < count / 50
    assert first is not None and first.title and first.body and first.source == "aawsat"
    assert first.provenance.file == str(path) and first.provenance.reader == "json"
    assert isinstance(first.extracted, datetime) and first.published == first.extracted.date()
    assert first.published == date(2015, 7, 21)


@needs_shared
def test_bbc_jsonl_with_defaults():
    raw = [json.loads(line) for line in itertools.islice(BBC.open(encoding="utf-8"), 50)]
    results = list(itertools.islice(read_paths([BBC], defaults={"source": "BBC"}), 50))
    assert all(isinstance(r, Article) for r in results)
    for rec, a in zip(raw, results):
        assert a.source == "BBC"
        assert a.tags == [rec["category"]]
        assert a.title == rec["title"].strip()
        assert a.body == rec["content"].strip()
        assert a.id == rec["id"]  # the record's own id ("bbc-business-001") is the archive's id
    assert [a.provenance.line for a in results] == list(range(1, 51))
    assert estimate_records([BBC]) == 2225


# --- other JSON shapes ----------------------------------------------------------------------------

def test_custom_shape_with_field_map_and_aliases(tmp_path):
    records = [
        {
            "headline_ar": "عنوان\u0020الخبر",
            "story": "الفقرة الأولى\r\nالفقرة الثانية",
            "meta": {"writer": "سارة"},
            "publisher": "Example Daily",
            "link": "https://example.com/a",
            "pubDate": "Tue, 11 Aug 2015 13:44:43 GMT",
            "categories": ["politics", "gulf"],
            "lang": "Arabic",
            "related": [{"title": "خبر آخر"}],
            "translations": {"en": {"title": "The headline", "body": "Body in English", "provider": "desk"}},
            "unknown": "ignored",
        },
        {"headline_ar": "Cafe\u0301 news", "authors": ["A. One", "B. Two"], "date": "2019-03-24T10:00:00+03:00",
         "category": "world"},
    ]
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    fmap = {"headline_ar": "title", "story": "body", "meta.writer": "author", "category": ""}
    [a, b], problems = read(path, field_map=fmap, defaults={"site": "Desk", "source": "Fallback"})
    assert problems == []
    assert a.title == "عنوان الخبر" and a.body == "الفقرة الأولى\nالفقرة الثانية"
    assert (a.author, a.source, a.url, a.site) == ("سارة", "Example Daily", "https://example.com/a", "Desk")
    assert a.published == date(2015, 8, 11) and a.tags == ["politics", "gulf"] and a.language == "ar"
    assert a.related_titles == ["خبر آخر"]
    tr = a.translations["en"]
    assert (tr.language, tr.title, tr.body, tr.kind, tr.status, tr.provider) == (
        "en", "The headline", "Body in English", "provided", "done", "desk")
    assert b.title == unicodedata.normalize("NFC", "Cafe\u0301 news") == "Café news"
    assert b.author == "A. One, B. Two" and b.source == "Fallback" and b.published == date(2019, 3, 24)
    assert b.tags == []


def test_bad_field_map_fails_before_reading():
    with pytest.raises(ValueError, match="not an article field"):
        read_paths(["whatever"], field_map={"x": "headline"})
    with pytest.raises(ValueError, match="not an article field"):
        read_paths(["whatever"], defaults={"publisher": "x"})


def test_problem_string_format():
    assert str(ReadProblem("a.zip", 3, "m.json", "bad")) == "a.zip:m.json:3: bad"
    assert str(ReadProblem("a.txt", None, None, "empty file")) == "a.txt: empty file"


def test_read_paths_accepts_a_single_path_and_streams(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_bytes(b'{"title": "x"}\n')
    assert [a.title for a in read_paths(str(path))] == ["x"]
