"""The JSON API as a script sees it: typed search, articles, facets, batch, export, writes, health."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article, Translation
from arshif.settings import PROJECT_ROOT, Settings
from indexer.entities import EntityTagger
from indexer.pipeline import ingest, prepare
from tests.conftest import DEMO
from web.app import create_app

ONLY_MARK = re.compile(r"<(?!/?mark>)")

TRICKY_BODY = ('First line, with a comma, and "double quotes".\n'
               'Second line: a semicolon; a \'single\' quote, a tab\tand a backslash \\ too.\n\n'
               'Third paragraph ends with a quote"')


def tricky_article() -> Article:
    return Article(
        title='Quotes, commas and <b>tags</b>: "the archive" test', body=TRICKY_BODY, language="en",
        source="Tricky, Source", author='Ann "Quote" Writer', tags=["alpha", "beta"],
        url="https://example.org/tricky", published="2024-01-02",
        translations={"ar": Translation(language="ar", title="مقال تجريبي", body="نص مترجم آلياً",
                                        kind="machine", provider="google")})


@pytest.fixture(scope="module")
def api(archive_settings) -> TestClient:
    with TestClient(create_app(archive_settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def small(settings) -> Settings:
    """A fresh archive: the demo articles plus one with quotes, commas and newlines in its body."""
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], eng, tagger=EntityTagger())
    eng.upsert([prepare(tricky_article())])
    eng.close()
    return settings


@pytest.fixture
def small_api(small) -> TestClient:
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        yield client


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == resp.status_code and body["error"]["message"]
    return body["error"]


# --- search ---------------------------------------------------------------------------------


def test_search_answers_typed_json_with_facets_histogram_and_safe_highlights(api):
    r = api.get("/api/search", params={"q": "الرياض"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["total"] >= 1 and data["hits"]
    hit = data["hits"][0]
    assert {"id", "title", "source", "language", "date", "url", "snippet", "title_highlight"} <= set(hit)
    assert "<mark>" in hit["snippet"] + hit["title_highlight"]
    for h in data["hits"]:
        assert not ONLY_MARK.search(h["snippet"]) and not ONLY_MARK.search(h["title_highlight"])
    assert set(data["facets"]) == {"source", "author", "language", "tag", "person", "place", "org"}
    assert sum(v["count"] for v in data["facets"]["language"]) == data["total"]
    assert data["date_histogram"] and data["interval"]
    assert sum(b["count"] for b in data["date_histogram"]) == data["total"]
    assert data["params"]["q"] == "الرياض" and data["page"] == 1


def test_markup_in_articles_is_escaped_in_highlights(small_api):
    data = small_api.get("/api/search", params={"q": "tags archive"}).json()
    (hit,) = [h for h in data["hits"] if h["url"] == "https://example.org/tricky"]
    assert "&lt;b&gt;" in hit["title_highlight"] and "<b>" not in hit["title_highlight"]
    assert not ONLY_MARK.search(hit["title_highlight"] + hit["snippet"])


def test_filters_narrow_the_hits(api):
    all_ = api.get("/api/search", params={"size": 1}).json()
    top_source = all_["facets"]["source"][0]
    by_param = api.get("/api/search", params={"source": top_source["value"], "size": 100}).json()
    assert by_param["total"] == top_source["count"] < all_["total"]
    assert {h["source"] for h in by_param["hits"]} == {top_source["value"]}
    by_syntax = api.get("/api/search", params={"q": f'source:"{top_source["value"]}"', "size": 1}).json()
    assert by_syntax["total"] == by_param["total"]

    en = api.get("/api/search", params={"lang": "en", "size": 100}).json()
    assert en["total"] >= 6 and {h["language"] for h in en["hits"]} == {"en"}
    assert api.get("/api/search", params={"mode": "en"}).json()["total"] == en["total"]

    dated = api.get("/api/search", params={"date_from": "2015-07-25", "date_to": "2015-07-31",
                                           "size": 100, "sort": "oldest"}).json()
    assert 0 < dated["total"] < all_["total"]
    assert all("2015-07-25" <= h["date"] <= "2015-07-31" for h in dated["hits"])
    assert [h["date"] for h in dated["hits"]] == sorted(h["date"] for h in dated["hits"])

    two = api.get("/api/search", params=[("source", f["value"]) for f in all_["facets"]["source"][:2]]).json()
    assert two["total"] == sum(f["count"] for f in all_["facets"]["source"][:2])


def test_pages_do_not_overlap_and_the_cursor_reaches_every_match(api):
    p1 = api.get("/api/search", params={"q": "الرياض", "size": 20}).json()
    p2 = api.get("/api/search", params={"q": "الرياض", "size": 20, "page": 2}).json()
    assert p1["total"] > 40
    assert not {h["id"] for h in p1["hits"]} & {h["id"] for h in p2["hits"]}
    seen, page = [], p1
    while True:
        seen += [h["id"] for h in page["hits"]]
        if not page["next_cursor"]:
            break
        page = api.get("/api/search", params={"q": "الرياض", "size": 20, "facets": "", "histogram": "none",
                                              "cursor": page["next_cursor"]}).json()
        assert not page["facets"] and not page["date_histogram"]
    assert len(seen) == len(set(seen)) == p1["total"]


def test_size_and_depth_limits_are_explained(api):
    r = api.get("/api/search", params={"size": 101})
    assert r.status_code == 422 and "at most 100" in error_of(r)["message"]
    r = api.get("/api/search", params={"size": 100, "page": 200})
    assert r.status_code == 400 and "cursor" in error_of(r)["message"]


# --- articles, related, facets --------------------------------------------------------------


def test_article_in_full_with_labelled_machine_translation(small_api):
    hit = small_api.get("/api/search", params={"q": '"the archive"'}).json()["hits"][0]
    art = small_api.get(f"/api/articles/{hit['id']}").json()
    assert art["body"] == prepare(tricky_article()).body
    assert art["source"] == "Tricky, Source" and art["tags"] == ["alpha", "beta"] and art["date"] == "2024-01-02"
    tr = art["translations"]["ar"]
    assert tr["machine"] is True and tr["kind"] == "machine" and tr["label"] == "Machine translation (google)"
    assert art["translation_status"] == "done"

    demo = small_api.get("/api/search", params={"source": "Desert Herald", "size": 1}).json()["hits"][0]
    human = small_api.get(f"/api/articles/{demo['id']}").json()
    assert all(t["machine"] is False for t in human["translations"].values())
    assert human["provenance"]["file"].endswith("articles.jsonl")

    r = small_api.get("/api/articles/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in error_of(r)["message"]


def test_related_finds_the_same_story_in_the_other_language(api):
    ar = api.get("/api/search", params={"q": "قطار الرياض المسار البرتقالي", "lang": "ar", "size": 1}).json()
    article_id = ar["hits"][0]["id"]
    related = api.get(f"/api/articles/{article_id}/related", params={"size": 5}).json()
    assert related["id"] == article_id and article_id not in [h["id"] for h in related["hits"]]
    assert "https://demo.arshif.example/riyadh-metro-orange-line-en" in [h["url"] for h in related["hits"]]
    assert api.get("/api/articles/nope/related").status_code == 404


def test_facet_endpoint_with_prefix_query_and_unknown_field(api):
    src = api.get("/api/facets/source", params={"size": 5}).json()
    assert src["field"] == "source" and len(src["values"]) == 5
    counts = [v["count"] for v in src["values"]]
    assert counts == sorted(counts, reverse=True)
    first = src["values"][0]["value"]
    pre = api.get("/api/facets/source", params={"prefix": first[:2]}).json()
    assert pre["values"] and all(v["value"].startswith(first[:2]) for v in pre["values"])
    narrowed = api.get("/api/facets/source", params={"q": "الباغوز"}).json()
    assert narrowed["total"] < src["total"]
    assert api.get("/api/facets/lang").json()["field"] == "language"
    r = api.get("/api/facets/colour")
    assert r.status_code == 404
    err = error_of(r)
    assert "source, author, language, tag, site" in err["message"] and err["valid_fields"]


# --- batch ----------------------------------------------------------------------------------


def test_batch_answers_each_query_and_isolates_a_bad_one(api):
    body = {"queries": [{"q": "الرياض"}, {"q": "(النفط"}, {"q": "oil", "lang": ["en"], "size": 2,
                                                        "facets": ["source"]}], "size": 3}
    r = api.post("/api/search/batch", json=body)
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["index"] for x in res] == [0, 1, 2]
    assert res[0]["total"] == api.get("/api/search", params={"q": "الرياض"}).json()["total"]
    assert len(res[0]["hits"]) == 3 and not res[0]["facets"] and res[0]["error"] is None
    assert res[1]["total"] is None and res[1]["error"]["status"] == 400
    assert "unbalanced '('" in res[1]["error"]["message"] and res[1]["error"]["position"] == 0
    assert len(res[2]["hits"]) <= 2 and "source" in res[2]["facets"]
    assert all(h["language"] == "en" for h in res[2]["hits"])


def test_batch_limit(api, archive_settings):
    n = archive_settings.max_batch_queries
    r = api.post("/api/search/batch", json={"queries": [{"q": "x"}] * (n + 1)})
    assert r.status_code == 413 and f"at most {n} queries" in error_of(r)["message"]
    r = api.post("/api/search/batch", json={"queries": []})
    assert r.status_code == 422 and error_of(r)["problems"]


# --- export ---------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_export_parses_back_into_every_match_with_bodies_intact(small_api, small):
    total = small_api.get("/api/search").json()["total"]
    r = small_api.get("/api/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.search(r'attachment; filename="arshif-export-\d{8}-\d{6}\.csv"', r.headers["content-disposition"])
    assert int(r.headers["x-total-count"]) == total
    assert r.text.splitlines()[0] == "id,date,source,author,language,title,url,story_id,body"
    rows = read_csv(r.text)
    assert len(rows) == total == 17
    (row,) = [x for x in rows if x["url"] == "https://example.org/tricky"]
    stored = EmbeddedEngine(small.embedded_path, readonly=True).get(row["id"])
    assert row["body"] == stored.body and "\n\n" in row["body"] and '"double quotes"' in row["body"]
    assert row["title"] == stored.title and row["author"] == 'Ann "Quote" Writer' and row["date"] == "2024-01-02"

    tags = read_csv(small_api.get("/api/export", params={"fields": "id,tags", "q": "tags archive"}).text)
    assert tags == [{"id": row["id"], "tags": "alpha|beta"}]


def test_csv_export_of_a_query_over_several_batches(api):
    total = api.get("/api/search", params={"q": "-الرياض"}).json()["total"]
    assert total > 500  # more than one export batch
    rows = read_csv(api.get("/api/export", params={"q": "-الرياض", "sort": "newest"}).text)
    assert len(rows) == total == len({r["id"] for r in rows})
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)
    assert sum(1 for r in rows if "\n" in r["body"]) > total / 2


def test_jsonl_export(small_api):
    r = small_api.get("/api/export", params={"format": "jsonl", "lang": "en",
                                             "fields": "id,title,tags,body,translation_kind"})
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.jsonl"')
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == small_api.get("/api/search", params={"lang": "en"}).json()["total"] == 7
    tricky = next(x for x in lines if x["title"].startswith("Quotes"))
    assert tricky["tags"] == ["alpha", "beta"] and tricky["body"].endswith('quote"')
    assert tricky["translation_kind"] == "machine"


def test_export_rejects_unknown_fields_and_bad_queries(small_api):
    r = small_api.get("/api/export", params={"fields": "id,password"})
    assert r.status_code == 400 and "password" in error_of(r)["message"]
    r = small_api.get("/api/export", params={"q": 'a "b'})
    assert r.status_code == 400 and "quote" in error_of(r)["message"]


# --- writes ---------------------------------------------------------------------------------


def test_write_api_is_off_without_a_key(small_api):
    r = small_api.post("/api/articles", json={"title": "t", "body": "b"})
    assert r.status_code == 403 and error_of(r)["message"] == "write API is disabled: set ARSHIF_API_KEY"
    assert small_api.delete("/api/articles/x").status_code == 403


def test_write_api_with_key(small):
    app = create_app(small.model_copy(update={"api_key": "s3cret"}))
    with TestClient(app, raise_server_exceptions=False) as client:
        new = {"title": "Zanzibar cloves festival", "body": "Growers in Zanzibar celebrated a record clove "
               "harvest this week.", "source": "api-test", "url": "https://example.org/cloves"}
        assert client.post("/api/articles", json=new).status_code == 401
        r = client.post("/api/articles", json=new, headers={"X-API-Key": "wrong"})
        assert r.status_code == 403 and error_of(r)["message"] == "wrong API key"
        assert client.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 0

        r = client.post("/api/articles", json=new, headers={"X-API-Key": "s3cret"})
        assert r.status_code == 200, r.text
        out = r.json()
        (article_id,) = out["ids"]
        assert out["created"] == [article_id] and not out["failed"]
        hits = client.get("/api/search", params={"q": "zanzibar"}).json()["hits"]
        assert [h["id"] for h in hits] == [article_id] and hits[0]["language"] == "en"
        again = client.post("/api/articles", json=new, headers={"X-API-Key": "s3cret"}).json()
        assert again["unchanged"] == [article_id]

        batch = [{**new, "url": f"https://example.org/cloves/{i}", "title": f"Zanzibar cloves {i}"} for i in range(3)]
        out = client.post("/api/articles", json=batch, headers={"X-API-Key": "s3cret"}).json()
        assert len(out["created"]) == 3
        assert client.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 4

        r = client.delete(f"/api/articles/{article_id}", headers={"X-API-Key": "s3cret"})
        assert r.status_code == 200 and r.json() == {"id": article_id, "deleted": True}
        assert client.get(f"/api/articles/{article_id}").status_code == 404
        assert client.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 3
        r = client.delete(f"/api/articles/{article_id}", headers={"X-API-Key": "s3cret"})
        assert r.status_code == 404
        r = client.post("/api/articles", json=[new] * 1001, headers={"X-API-Key": "s3cret"})
        assert r.status_code == 413


# --- health, stats, engine down -------------------------------------------------------------


def test_health_and_stats(api, archive_settings):
    h = api.get("/api/health").json()
    assert h["status"] == "ok" and h["engine"] == "embedded" and h["documents"] > 1000
    assert h["location"] == str(archive_settings.embedded_path) and h["write_api"] is False
    s = api.get("/api/stats").json()
    assert s["documents"] == h["documents"] and s["by_language"]["ar"] > 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assert_down(client: TestClient) -> None:
    for path in ("/api/search?q=x", "/api/health", "/api/stats", "/api/articles/x", "/api/facets/source",
                 "/api/export"):
        r = client.get(path)
        assert r.status_code == 503, (path, r.status_code, r.text)
        assert int(r.headers["retry-after"]) > 0 and "unavailable" in error_of(r)["message"]
        assert "Traceback" not in r.text


def test_engine_down_is_503_with_retry_after(tmp_path):
    broken = tmp_path / "data" / "index" / "arshif.db"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a database, whatever the name says\n" * 200)
    with TestClient(create_app(Settings(data_dir=tmp_path / "data")), raise_server_exceptions=False) as client:
        _assert_down(client)
    with TestClient(create_app(Settings(data_dir=tmp_path, engine="nowhere")),
                    raise_server_exceptions=False) as client:
        _assert_down(client)


def test_remote_engine_on_a_closed_port_is_503(tmp_path):
    pytest.importorskip("arshif.engines.remote")
    settings = Settings(data_dir=tmp_path, engine=f"opensearch+http://127.0.0.1:{_free_port()}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        _assert_down(client)


# --- the documented example -----------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server(archive_settings):
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(archive_settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("doc_file", ["docs/api.md", "README.md"])
def test_the_python_example_in_the_api_docs_runs(live_server, tmp_path, monkeypatch, capsys, doc_file):
    doc = (PROJECT_ROOT / doc_file).read_text(encoding="utf-8")
    code = doc.split("# Python example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 12
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("http://127.0.0.1:8000", live_server), "docs/api.md", "exec"), {})
    total = httpx.get(f"{live_server}/api/search", params={"q": "الرياض"}).json()["total"]
    assert capsys.readouterr().out.strip() == f"{total} matches"
    with open(tmp_path / "riyadh.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len({r["id"] for r in rows}) == total > 100
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)


def test_csv_export_has_a_byte_order_mark_only_when_asked(small_api):
    # A spreadsheet program reads a CSV without one as Latin-1: the page's link asks for it; a script's
    # plain request gets the bytes it always got.
    plain = small_api.get("/api/export", params={"format": "csv", "fields": "id,title"})
    marked = small_api.get("/api/export", params={"format": "csv", "fields": "id,title", "bom": "true"})
    assert plain.content.startswith(b"id,title") and marked.content.startswith(b"\xef\xbb\xbfid,title")
    assert list(csv.DictReader(io.StringIO(marked.content.decode("utf-8-sig"), newline=""))) == read_csv(plain.text)
    jsonl = small_api.get("/api/export", params={"format": "jsonl", "bom": "true"})
    assert jsonl.content.startswith(b"{")


def test_export_streams_through_a_real_server(live_server):
    with httpx.stream("GET", f"{live_server}/api/export", params={"q": "الرياض", "format": "csv"},
                      timeout=60) as r:
        assert r.status_code == 200 and r.headers.get("transfer-encoding") == "chunked"
        text = "".join(r.iter_text())
    assert len(read_csv(text)) == int(r.headers["x-total-count"])


def test_export_concurrency_limit_answers_429_with_retry_after(small_api):
    from web.api import export as api_module

    held = 0
    try:
        while api_module._exports.acquire(blocking=False):  # as if every export slot were streaming
            held += 1
        assert held == api_module.MAX_CONCURRENT_EXPORTS
        r = small_api.get("/api/export")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and "retry" in error_of(r)["message"]
    finally:
        for _ in range(held):
            api_module._exports.release()
    assert small_api.get("/api/export").status_code == 200


def test_head_of_an_export_answers_its_headers_without_running_it(small_api):
    """A link checker's HEAD gets what a GET would say (type, file name, count) and no export runs: even with
    every export slot taken, where a GET must wait (429), HEAD answers at once."""
    from web.api import export as api_module

    get = small_api.get("/api/export", params={"format": "jsonl", "lang": "en"})
    held = 0
    try:
        while api_module._exports.acquire(blocking=False):
            held += 1
        assert small_api.get("/api/export", params={"format": "jsonl", "lang": "en"}).status_code == 429
        head = small_api.head("/api/export", params={"format": "jsonl", "lang": "en"})
    finally:
        for _ in range(held):
            api_module._exports.release()
    assert head.status_code == 200 and head.content == b""
    assert "content-length" not in head.headers and "content-length" not in get.headers  # (streamed: unknown)
    assert head.headers["content-type"] == get.headers["content-type"] == "application/x-ndjson"
    assert head.headers["x-total-count"] == get.headers["x-total-count"] == str(len(get.text.splitlines()))
    assert re.fullmatch(r'attachment; filename="arshif-export-\d{8}-\d{6}\.jsonl"', head.headers["content-disposition"])
    assert small_api.head("/api/export", params={"q": 'a "b'}).status_code == 400  # still checks what it is asked


def test_abandoned_exports_free_their_slot(live_server):
    from web.api import export as api_module

    for _ in range(api_module.MAX_CONCURRENT_EXPORTS + 2):
        with httpx.stream("GET", f"{live_server}/api/export", params={"format": "jsonl"}, timeout=30) as r:
            assert r.status_code == 200
            next(r.iter_bytes())  # read a little, then hang up
    deadline = time.time() + 10
    while True:
        r = httpx.get(f"{live_server}/api/export", params={"q": "الباغوز"}, timeout=30)
        if r.status_code != 429 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200 and len(read_csv(r.text)) == int(r.headers["x-total-count"]) >= 1


def test_every_api_operation_is_documented_with_examples(api):
    spec = api.get("/openapi.json").json()

    def resolve(node):
        while isinstance(node, dict) and "$ref" in node:
            node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        return node

    ops = [(path, method, op) for path, item in spec["paths"].items() if path.startswith("/api/")
           for method, op in item.items()]
    assert len(ops) == 20  # with GET /api/lookup, GET /api/stories/{id} and GET /api/entities/{kind}/{name}
    for path, method, op in ops:
        assert op["summary"] and len(op["description"]) > 60, (method, path)
        ok = (op["responses"].get("200") or op["responses"]["201"])["content"]
        documented = json.dumps(ok) + json.dumps([resolve(c.get("schema", {})) for c in ok.values()])
        documented += json.dumps(op.get("requestBody", {})) + json.dumps(op.get("parameters", []))
        assert '"example' in documented, (method, path)
        for status in ("400", "422", "404", "503"):
            if status in op["responses"]:
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert resolve(schema)["properties"].keys() == {"error"}, (method, path, status)


def test_api_docs_page_loads_its_assets_locally(api):
    client = api
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_batch_reports_an_invalid_query_in_its_own_place(api):
    resp = api.post("/api/search/batch", json={"queries": [{"q": "النفط"}, {"q": "b", "sort": "bogus"},
                                                           {"q": "x", "date_from": "not-a-date"}]})
    assert resp.status_code == 200
    first, bad_sort, bad_date = resp.json()["results"]
    assert first["total"] > 0 and first["error"] is None
    assert bad_sort["error"]["status"] == 422 and "sort" in bad_sort["error"]["message"]
    assert bad_date["error"]["status"] == 422 and "date_from" in bad_date["error"]["message"]


def test_a_page_must_end_within_the_first_10000_results(api):
    """page × size ≤ 10,000, as documented: page 101 of 100 reached results 10,001–10,100, which Elasticsearch
    and OpenSearch refuse ('Result window is too large'), and the app answered 500 over them."""
    assert api.get("/api/search", params={"page": 100, "size": 100}).status_code == 200
    deep = api.get("/api/search", params={"page": 101, "size": 100})
    assert deep.status_code == 400 and "reaches past result 10,000" in deep.json()["error"]["message"]
    assert api.get("/api/search", params={"page": 1000, "size": 10}).status_code == 200
    assert api.get("/api/search", params={"page": 1001, "size": 10}).status_code == 400


def test_dates_are_read_as_people_type_them(api):
    """An Arabic keyboard's digits (٢٠١٥-٠٨-٠١), slashes, or no separator (20150801: read as seconds since
    1970 and refused with 'Datetimes provided to dates should have zero time') give the ISO date's answer."""
    iso = api.get("/api/search", params={"date_from": "2015-08-01", "date_to": "2015-08-10", "size": 0}).json()
    assert 0 < iso["total"]
    for typed in (("٢٠١٥-٠٨-٠١", "٢٠١٥-٠٨-١٠"), ("20150801", "20150810"), ("2015/8/1", "۲۰۱۵.۰۸.۱۰")):
        got = api.get("/api/search", params={"date_from": typed[0], "date_to": typed[1], "size": 0})
        assert got.status_code == 200 and got.json()["total"] == iso["total"], (typed, got.text[:200])
    assert api.get("/api/search", params={"date_from": "2015-13-01"}).status_code == 422


def test_batch_refuses_a_misspelt_key_as_the_get_api_does(api):
    """``souce`` for ``source`` filtered nothing and the script saw every article, with no sign of its typo."""
    resp = api.post("/api/search/batch", json={"queries": [{"q": "النفط", "souce": "okaz"}, {"q": "النفط", "languge": "ar"},
                                                           {"q": "النفط", "lang": ["ar"]}]})
    typo, other, right = resp.json()["results"]
    assert typo["total"] is None and typo["error"]["status"] == 422
    assert "unknown key 'souce'" in typo["error"]["message"] and "did you mean 'source'" in typo["error"]["message"]
    assert "unknown key 'languge'" in other["error"]["message"] and "'lang'" in other["error"]["message"]
    assert right["error"] is None and right["total"] > 0


def test_ids_that_cannot_stand_in_a_url_are_refused(small, monkeypatch):
    monkeypatch.setattr(small, "api_key", "k")
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        resp = client.post("/api/articles", headers={"X-API-Key": "k"},
                           json={"id": "my id/with slash?", "title": "slash", "body": "b"})
        assert resp.status_code == 422 and "id" in resp.json()["error"]["message"]


def test_reversed_date_range_is_a_clear_error_on_page_and_api(api):
    params = {"q": "النفط", "date_from": "2015-08-05", "date_to": "2015-08-01"}
    for path in ("/api/search", "/search", "/search.json"):
        resp = api.get(path, params=params)
        assert resp.status_code == 400, path
        assert "date_from" in resp.text and "after" in resp.text


def test_entity_summary_links_spellings_and_scripts(small_api):
    """/api/entities/place/الرياض and /api/entities/place/Riyadh describe one place, in both languages."""
    ar = small_api.get("/api/entities/place/الرياض").json()
    en = small_api.get("/api/entities/place/Riyadh").json()
    assert ar["key"] == en["key"] == "Riyadh" and ar["total"] == en["total"] >= 2
    assert {v["value"] for v in ar["languages"]} >= {"ar", "en"}
    assert ar["histogram"] and ar["sources"]
    assert set(ar["co_occurring"]) == {"person", "place", "org"}
    assert "Riyadh" not in {v["value"] for v in ar["co_occurring"]["place"]}
    search = small_api.get("/api/search", params={"place": "الرياض", "size": 50}).json()
    assert search["total"] == ar["total"] and {h["language"] for h in search["hits"]} >= {"ar", "en"}
    assert small_api.get("/api/entities/planet/Mars").status_code in (400, 404, 422)


def test_an_entity_no_article_names_is_404_in_the_api_as_on_its_page(small_api):
    """The page answered 404 and its API twin 200 with a summary of nothing."""
    for path in ("/api/entities/person/Nobody%20Atall", "/entities/person/Nobody%20Atall.json"):
        r = small_api.get(path)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["message"] == "no article names the person 'Nobody Atall'"
