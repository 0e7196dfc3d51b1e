"""Malformed and hostile input: a 4xx with a JSON message or a correct 200, never a 5xx or a traceback."""

from __future__ import annotations

import base64
import io
import json

import pytest
from fastapi.testclient import TestClient

from web.app import create_app


def b64(payload) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


LONG = "الرياض " * 1500  # ~10,500 characters
ANY = None  # any status below 500 (with a JSON error when it is 4xx)

# (id, method, path, query params or JSON body, expected status or ANY)
CASES = [
    # --- query syntax ---
    ("unclosed-quote", "GET", "/api/search", {"q": '"oil prices'}, 400),
    ("unclosed-guillemet", "GET", "/api/search", {"q": "«النفط"}, 400),
    ("unbalanced-open", "GET", "/api/search", {"q": "(oil OR gas"}, 400),
    ("unbalanced-close", "GET", "/api/search", {"q": "oil) gas"}, 400),
    ("only-paren", "GET", "/api/search", {"q": ")"}, 400),
    ("dangling-or", "GET", "/api/search", {"q": "oil OR"}, 400),
    ("leading-or", "GET", "/api/search", {"q": "OR oil"}, 400),
    ("double-or", "GET", "/api/search", {"q": "oil OR OR gas"}, 400),
    ("lonely-minus", "GET", "/api/search", {"q": "oil - "}, ANY),
    ("only-exclusions", "GET", "/api/search", {"q": "-oil -gas"}, 200),
    ("empty-field", "GET", "/api/search", {"q": "source:"}, 400),
    ("field-in-parens", "GET", "/api/search", {"q": "(source:okaz oil)"}, 400),
    ("field-or-text", "GET", "/api/search", {"q": "source:okaz OR oil"}, 400),
    ("too-many-terms", "GET", "/api/search", {"q": " ".join(f"w{i}" for i in range(100))}, 400),
    ("query-10000-chars", "GET", "/api/search", {"q": LONG}, 422),
    ("query-1999-chars", "GET", "/api/search", {"q": "a" * 1999}, 200),
    ("lucene-match-all", "GET", "/api/search", {"q": "*:*"}, 200),
    ("lucene-field", "GET", "/api/search", {"q": "title:oil^5 AND body:gas~2"}, 200),
    ("script-tag", "GET", "/api/search", {"q": "<script>alert(1)</script>"}, 200),
    ("sql-injection", "GET", "/api/search", {"q": "'; DROP TABLE articles; --"}, 200),
    ("sql-in-filter", "GET", "/api/search", {"source": "x' OR '1'='1"}, 200),
    ("fts5-near", "GET", "/api/search", {"q": "NEAR(a b, 5)"}, 200),
    ("fts5-prefix", "GET", "/api/search", {"q": "a*"}, 200),
    ("fts5-caret", "GET", "/api/search", {"q": "^"}, 200),
    ("fts5-column", "GET", "/api/search", {"q": "body:oil"}, 200),
    ("fts5-operators", "GET", "/api/search", {"q": "oil AND NOT gas"}, 200),
    ("fts5-quotes-inside", "GET", "/api/search", {"q": '"a ""b"" c"'}, 200),
    ("only-punctuation", "GET", "/api/search", {"q": "!!! ??? ..."}, 200),
    ("control-chars", "GET", "/api/search", {"q": "oil\x01\x02\x03\x1f gas"}, 200),
    ("null-byte-query", "GET", "/api/search", {"q": "oil\x00gas"}, 200),
    ("null-byte-filter", "GET", "/api/search", {"source": "ok\x00az"}, 200),
    ("rtl-override", "GET", "/api/search", {"q": "\u202eالرياض\u202c"}, 200),
    ("zero-width", "GET", "/api/search", {"q": "الر\u200bياض\u200d"}, 200),
    ("emoji", "GET", "/api/search", {"q": "🔥💥 oil 🛢️"}, 200),
    ("combining-marks", "GET", "/api/search", {"q": "e\u0301\u0301\u0301\u0301"}, 200),
    ("lone-surrogate-escape", "GET", "/api/search?q=%ED%A0%80oil", None, ANY),
    ("invalid-percent", "GET", "/api/search?q=%zz%", None, ANY),
    # --- numbers and enums ---
    ("size-huge", "GET", "/api/search", {"size": 10**12}, 422),
    ("size-over-max", "GET", "/api/search", {"size": 5000}, 422),
    ("size-zero", "GET", "/api/search", {"size": 0}, 200),  # counts only, as in a batch
    ("size-negative", "GET", "/api/search", {"size": -1}, 422),
    ("size-text", "GET", "/api/search", {"size": "ten"}, 422),
    ("page-negative", "GET", "/api/search", {"page": -1}, 422),
    ("page-zero", "GET", "/api/search", {"page": 0}, 422),
    ("page-too-deep", "GET", "/api/search", {"page": 1000, "size": 100}, 400),
    ("page-float", "GET", "/api/search", {"page": 1.5}, 422),
    ("bad-sort", "GET", "/api/search", {"sort": "random()"}, 422),
    ("bad-mode", "GET", "/api/search", {"mode": "fr"}, 422),
    ("bad-histogram", "GET", "/api/search", {"histogram": "hour"}, 422),
    ("bad-highlight", "GET", "/api/search", {"highlight": "perhaps"}, 422),
    ("facet-size-huge", "GET", "/api/search", {"facet_size": 10**9}, 422),
    # --- dates ---
    ("bad-date", "GET", "/api/search", {"date_from": "yesterday"}, 422),
    ("impossible-date", "GET", "/api/search", {"date_to": "2015-02-30"}, 422),
    ("date-year-0", "GET", "/api/search", {"date_from": "0000-01-01"}, 422),
    ("date-far-future", "GET", "/api/search", {"date_from": "9999-12-31"}, 200),
    ("dates-reversed", "GET", "/api/search", {"date_from": "2015-08-01", "date_to": "2015-07-01"}, 400),
    # --- facets ---
    ("unknown-facet-in-search", "GET", "/api/search", {"facets": "password"}, 400),
    ("empty-facets", "GET", "/api/search", {"facets": ""}, 200),
    ("unknown-facet-field", "GET", "/api/facets/password", {}, 404),
    ("facet-sql-field", "GET", "/api/facets/source;DROP", {}, 404),
    ("facet-prefix-like", "GET", "/api/facets/source", {"prefix": "%_\\"}, 200),
    ("facet-size-zero", "GET", "/api/facets/source", {"size": 0}, 422),
    ("facet-bad-query", "GET", "/api/facets/source", {"q": "(("}, 400),
    # --- cursors ---
    ("garbage-cursor", "GET", "/api/search", {"cursor": "not-a-cursor!!"}, 400),
    ("long-cursor", "GET", "/api/search", {"cursor": "A" * 5000}, 422),
    ("cursor-1999", "GET", "/api/search", {"cursor": "A" * 1999}, 400),
    ("cursor-json-list", "GET", "/api/search", {"cursor": b64([1, 2, 3])}, 400),
    ("cursor-not-json", "GET", "/api/search", {"cursor": b64(b"\xff\xfe\x00binary")}, 400),
    ("cursor-nested", "GET", "/api/search", {"cursor": b64({"sort": "relevance", "after": [{"a": 1}, [2]],
                                                            "snap": 1})}, 400),
    ("cursor-huge-int", "GET", "/api/search", {"cursor": b64({"sort": "relevance", "after": [10**40, "x"],
                                                              "snap": 10**40})}, 400),
    ("cursor-short-after", "GET", "/api/search", {"cursor": b64({"sort": "relevance", "after": [1], "snap": 1})},
     400),
    ("cursor-no-snap", "GET", "/api/search", {"cursor": b64({"sort": "relevance", "after": [0, "x"]})}, 400),
    ("cursor-wrong-types", "GET", "/api/search", {"cursor": b64({"sort": "newest", "after": [True, None],
                                                                 "snap": "x"}), "sort": "newest"}, 400),
    ("cursor-handmade-ok", "GET", "/api/search", {"cursor": b64({"sort": "newest", "after": ["2015-08-01", "z"],
                                                                 "snap": 10**9}), "sort": "newest"}, 200),
    # --- articles ---
    ("article-unknown", "GET", "/api/articles/0000000000000000", None, 404),
    ("article-traversal", "GET", "/api/articles/..%2F..%2Fetc%2Fpasswd", None, 404),
    ("article-sql", "GET", "/api/articles/1' OR '1'='1", None, 404),
    ("article-long-id", "GET", "/api/articles/" + "x" * 5000, None, 422),
    ("related-size-zero", "GET", "/api/articles/x/related", {"size": 0}, 422),
    ("related-unknown", "GET", "/api/articles/nothing/related", {"size": 5}, 404),
    # --- export ---
    ("export-bad-format", "GET", "/api/export", {"format": "xlsx"}, 422),
    ("export-bad-fields", "GET", "/api/export", {"fields": "id,__class__"}, 400),
    ("export-bad-query", "GET", "/api/export", {"q": '"'}, 400),
    ("export-empty-result", "GET", "/api/export", {"q": "zzzzqqqqxxxx"}, 200),
    ("export-bad-dates", "GET", "/api/export", {"date_from": "2015-09-01", "date_to": "2015-01-01"}, 400),
    # --- batch ---
    ("batch-not-json", "POST", "/api/search/batch", "this is not json", 422),
    ("batch-empty-object", "POST", "/api/search/batch", {}, 422),
    ("batch-queries-not-list", "POST", "/api/search/batch", {"queries": "oil"}, 422),
    ("batch-query-not-object", "POST", "/api/search/batch", {"queries": [42]}, 422),
    ("batch-bad-size", "POST", "/api/search/batch", {"queries": [{"q": "x"}], "size": -5}, 422),
    ("batch-size-over-max", "POST", "/api/search/batch", {"queries": [{"q": "x"}], "size": 500}, 422),
    ("batch-query-size-over-max", "POST", "/api/search/batch", {"queries": [{"q": "x", "size": 500}]}, 200),
    ("batch-all-bad", "POST", "/api/search/batch", {"queries": [{"q": "("}, {"q": '"'},
                                                                {"cursor": "garbage"}]}, 200),
    ("batch-huge", "POST", "/api/search/batch", {"queries": [{"q": "x"}] * 10_000}, 413),
    ("batch-nested-junk", "POST", "/api/search/batch", {"queries": [{"q": {"$ne": 1}}]}, 200),  # error per query
    # --- writes without a key, and routing ---
    ("write-disabled", "POST", "/api/articles", {"title": "x"}, 403),
    ("write-garbage", "POST", "/api/articles", "\x00\x01garbage", 403),
    ("write-malformed-json", "POST", "/api/articles", "{not json", 403),
    # --- issue 10: limits and hostile text ---
    ("histogram-none", "GET", "/api/search", {"histogram": "none"}, 200),
    ("tags-51", "GET", "/api/search", [("tag", f"t{i}") for i in range(51)], 422),
    ("sources-2000", "GET", "/api/search", [("source", f"s{i}") for i in range(2000)], 422),
    ("tags-50", "GET", "/api/search", [("tag", f"t{i}") for i in range(50)], 200),
    ("batch-cost", "POST", "/api/search/batch", {"queries": [{"q": " OR ".join(f"w{i}" for i in range(60)),
                                                              "size": 100}] * 5}, 413),
    ("batch-many-tiny", "POST", "/api/search/batch", "{\"queries\":[" + "{}," * 400_000 + "{}]}", 413),
    ("batch-lone-surrogate", "POST", "/api/search/batch", '{"queries":[{"q":"\\ud800"}]}', 422),
    ("far-future-histogram", "GET", "/api/search", {"date_from": "9999-01-01", "histogram": "day"}, 200),
    ("delete-disabled", "DELETE", "/api/articles/x", None, 403),
    ("unknown-path", "GET", "/api/nothing-here", None, 404),
    ("wrong-method", "PUT", "/api/search", None, 405),
]


@pytest.fixture(scope="module")
def api(archive_settings) -> TestClient:
    with TestClient(create_app(archive_settings), raise_server_exceptions=False) as client:
        yield client


def send(api: TestClient, method: str, path: str, data):
    if method == "GET":
        return api.get(path, params=data)
    if method == "DELETE":
        return api.delete(path)
    if isinstance(data, str):
        return api.request(method, path, content=data.encode("utf-8", "surrogatepass"),
                           headers={"content-type": "application/json"})
    return api.request(method, path, json=data)


def assert_sane(resp, expected) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.text[:500])
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    if expected is not None:
        assert resp.status_code == expected, (resp.status_code, resp.text[:500])
    if resp.status_code >= 400:
        err = resp.json()["error"]
        assert err["status"] == resp.status_code and isinstance(err["message"], str) and err["message"]
    elif resp.headers["content-type"].startswith("application/json"):
        resp.json()


@pytest.mark.parametrize("method,path,data,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_clear_answer(api, method, path, data, expected):
    assert_sane(send(api, method, path, data), expected)


def test_there_are_at_least_fifty_cases():
    assert len(CASES) >= 50


def test_hostile_queries_match_nothing_rather_than_everything(api):
    everything = api.get("/api/search", params={"size": 1}).json()["total"]
    for q in ("*:*", "'; DROP TABLE articles; --", "NEAR(a b, 5)", "^", "!!! ??? ..."):
        assert api.get("/api/search", params={"q": q}).json()["total"] < everything, q
    # and the archive is still whole
    assert api.get("/api/search", params={"size": 1}).json()["total"] == everything


def test_script_in_the_query_never_reaches_highlights(api):
    r = api.get("/api/search", params={"q": "الرياض OR \"<script>alert</script>\""})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    hits = r.json()["hits"]
    assert hits and all("<script" not in h["snippet"] + h["title_highlight"] for h in hits)


def test_cursor_from_another_sort_is_refused(api):
    first = api.get("/api/search", params={"q": "الرياض", "sort": "newest", "size": 5}).json()
    r = api.get("/api/search", params={"q": "الرياض", "sort": "relevance", "cursor": first["next_cursor"]})
    assert r.status_code == 400 and "another sort" in r.json()["error"]["message"]
    r = api.post("/api/search/batch", json={"queries": [{"q": "الرياض", "cursor": first["next_cursor"]}]})
    assert r.status_code == 200 and "another sort" in r.json()["results"][0]["error"]["message"]


def test_error_position_points_at_the_problem(api):
    err = api.get("/api/search", params={"q": 'oil "gas'}).json()["error"]
    assert err["position"] == 4 and "(at character 5)" in err["message"]


# --- issue 10: hostile input, limits checked before work, and what a real server sends ---------------------

import http.client  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from arshif.engines.embedded import EmbeddedEngine  # noqa: E402
from arshif.settings import PROJECT_ROOT, Settings  # noqa: E402
from indexer.pipeline import ingest  # noqa: E402
from tests.conftest import DEMO, SEED, saudi_sample_file  # noqa: E402

KEY = "hostile-test-key"


@pytest.fixture(scope="module")
def writable_settings(tmp_path_factory) -> Settings:
    """A small archive of our own that the write API may change (the session archive is shared)."""
    root = tmp_path_factory.mktemp("hostile-writes")
    settings = Settings(data_dir=root / "data", translator="none", api_key=KEY)
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO, SEED], eng)
    eng.close()
    return settings


@pytest.fixture(scope="module")
def writer(writable_settings) -> TestClient:
    with TestClient(create_app(writable_settings), raise_server_exceptions=False) as client:
        yield client


class _Server:
    """A real uvicorn server on a free loopback port, in a thread (keep-alive and raw sockets need one)."""

    def __init__(self, app):
        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    timeout_keep_alive=30))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        assert self.server.started
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)

    def raw(self, head: str, body: bytes = b"", wait: float = 5.0) -> tuple[int, bytes, float]:
        """Send raw request bytes; returns (status, response bytes, seconds until the status line)."""
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", self.port), timeout=wait) as s:
            s.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            took = time.perf_counter() - t0
            s.settimeout(1)
            try:
                while chunk := s.recv(65536):
                    data += chunk
            except (socket.timeout, ConnectionResetError):
                pass
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, data, took


def _post_raw(client: TestClient, path: str, text: str, **headers):
    """POST JSON text as written (escapes such as \\ud800 reach the server's JSON parser untouched)."""
    return client.post(path, content=text.encode(), headers={"content-type": "application/json", **headers})


@pytest.mark.parametrize("path,text,field", [
    ("/api/search/batch", '{"queries":[{"q":"\\ud800"}]}', "queries.0.q"),
    ("/api/search/batch", '{"queries":[{"q":"a","source":["\\udfff"]}]}', "queries.0.source.0"),
    ("/api/articles", '{"title":"\\ud800x","body":"y"}', "title"),
    ("/api/articles", '[{"title":"t","body":"b","tags":["ok","\\udc00"]}]', "0.tags.1"),
], ids=["batch-q", "batch-source", "article-title", "article-tag"])
def test_lone_surrogates_are_refused_naming_the_field(writer, path, text, field):
    r = _post_raw(writer, path, text, **{"x-api-key": KEY})
    assert r.status_code in (400, 422), (r.status_code, r.text[:300])
    assert field in r.json()["error"]["message"], r.json()
    assert "Traceback" not in r.text


def test_a_valid_surrogate_pair_is_an_ordinary_character(writer):
    r = _post_raw(writer, "/api/search/batch", '{"queries":[{"q":"\\ud83d\\udd25 oil"}]}')
    assert r.status_code == 200 and r.json()["results"][0]["q"] == "🔥 oil"


def _broken_app(settings: Settings):
    """The app over a real archive whose engine fails in ways no handler names (fault injection)."""

    class Broken(EmbeddedEngine):
        def health(self):
            raise RuntimeError("boom")

        def stats(self):
            from arshif.errors import EngineUnavailable

            raise EngineUnavailable("the archive cannot be read (injected)")

    return create_app(settings, engine=Broken(settings.embedded_path, readonly=True))


def test_keep_alive_connection_survives_a_500_and_a_503(archive_settings):
    with _Server(_broken_app(archive_settings)) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        statuses = []
        sockets = set()
        for path in ("/api/health", "/api/stats", "/api/search?q=oil", "/api/health", "/api/search?q=oil"):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            statuses.append(resp.status)
            sockets.add(id(conn.sock))
            assert b"Traceback" not in body and resp.getheader("connection", "") != "close", path
        conn.close()
    assert statuses == [500, 503, 200, 500, 200]
    assert len(sockets) == 1, "the server dropped the keep-alive connection after an error"


def test_repeated_filter_values_are_capped_before_any_work(api, archive_settings):
    from arshif.search.contract import MAX_FILTER_VALUES as cap
    too_many = [("tag", f"t{i}") for i in range(cap + 1)]
    for path in ("/search", "/api/search", "/search.json", "/api/export"):
        t0 = time.perf_counter()
        r = api.get(path, params=too_many)
        assert r.status_code == 422, (path, r.status_code)
        assert "tag" in r.text and str(cap) in r.text and len(r.content) < 50_000, path
        assert time.perf_counter() - t0 < 2
    at_cap = api.get("/search", params=[("tag", f"t{i}") for i in range(cap)] + [("source", "s")])
    assert at_cap.status_code == 200 and len(at_cap.content) < 1_000_000


def test_an_article_dated_9999_12_31_breaks_no_page(writer):
    r = writer.post("/api/articles", json={"title": "far future zqxfuture", "body": "y", "published": "9999-12-31",
                                           "source": "future"}, headers={"x-api-key": KEY})
    assert r.status_code == 200, r.text
    aid = r.json()["ids"][0]
    for path in ("/", "/search?q=zqxfuture", "/search?q=zqxfuture&histogram=day", "/search?sort=newest",
                 "/search?source=future&histogram=year", f"/articles/{aid}", f"/articles/{aid}.json",
                 "/api/search?q=zqxfuture&histogram=day", "/api/search?sort=newest&histogram=week",
                 "/api/export?q=zqxfuture", "/api/stats", "/facets/source"):
        resp = writer.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])


def test_write_key_is_checked_before_the_body_is_parsed(api, writer):
    # write API disabled: any body, even malformed, gets 403
    assert _post_raw(api, "/api/articles", "{not json").status_code == 403
    assert _post_raw(api, "/api/articles", "[" * 100_000).status_code == 403
    # enabled: no key → 401, wrong key → 403, whatever the body
    assert _post_raw(writer, "/api/articles", "{not json").status_code == 401
    assert _post_raw(writer, "/api/articles", "{not json", **{"x-api-key": "wrong"}).status_code == 403
    assert _post_raw(writer, "/api/articles", "{not json", **{"x-api-key": KEY}).status_code == 422


def test_oversized_bodies_are_refused_before_they_are_read(archive_settings, writable_settings):
    huge = 2_000_000_000
    with _Server(create_app(archive_settings)) as srv:  # write API disabled
        status, data, took = srv.raw(f"POST /api/articles HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     f"Content-Length: {huge}\n")
        assert status == 403 and took < 2, (status, took, data[:200])
        status, data, took = srv.raw(f"POST /api/search/batch HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     f"Content-Length: {huge}\n")
        assert status == 413 and took < 2, (status, took, data[:200])
        assert b'"status":413' in data.replace(b" ", b"")
    small = writable_settings.model_copy(update={"max_write_bytes": 100_000})
    with _Server(create_app(small)) as srv:
        status, data, took = srv.raw(f"POST /api/articles HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     f"X-API-Key: {KEY}\nContent-Length: {huge}\n")
        assert status == 413 and took < 2, (status, took, data[:200])
        # a chunked body (no Content-Length) is counted as it arrives and cut off at the limit
        limit = small.max_write_bytes
        chunk = b"[" + b"{}," * (limit // 3 + 10)
        status, data, took = srv.raw(f"POST /api/articles HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     f"X-API-Key: {KEY}\nTransfer-Encoding: chunked\n",
                                     f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n", wait=20)
        assert status == 413, (status, data[:200])


def test_batch_cost_is_limited_before_any_search_runs(api, archive_settings):
    wide = " OR ".join(f"w{i}" for i in range(60))
    t0 = time.perf_counter()
    r = api.post("/api/search/batch", json={"queries": [{"q": wide}] * 50, "size": 100})
    assert r.status_code == 413 and "cost" in r.json()["error"]["message"], r.text[:300]
    assert time.perf_counter() - t0 < 2
    ok = api.post("/api/search/batch", json={"queries": [{"q": f"oil {i}"} for i in range(50)], "size": 10})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 50
    # Words joined by punctuation instead of spaces are as many terms to the engine (the analyzer splits
    # them): counted as such, not as one word each.
    for joiner in (",", "/", "،", "."):
        packed = joiner.join(f"w{i}" for i in range(60))
        r = api.post("/api/search/batch", json={"queries": [{"q": packed}] * 50, "size": 100})
        assert r.status_code == 413 and "cost" in r.json()["error"]["message"], (joiner, r.status_code)


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)


def test_error_page_links_stay_on_site(api):
    url = type(api.base_url)  # the test client's own URL type (httpx2's, or httpx's where only that is installed)
    r = api.get(url("http://testserver//evil.example/x"))
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    links = _links(r.text)
    assert links
    bad = [u for u in links if u.startswith("//") or u.startswith("/\\") or "://" in u.split("?")[0]]
    assert bad == [], bad
    r = api.get(url("http://testserver/\\evil.example/x"))
    assert [u for u in _links(r.text) if u.startswith(("//", "/\\"))] == []


def test_head_answers_like_get_without_a_body(api):
    for path in ("/", "/api/health", "/search?q=oil", "/api/search?q=oil"):
        get = api.get(path)
        head = api.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_histogram_none_works_on_the_page_like_on_the_api(api):
    for path in ("/search", "/search.json", "/api/search"):
        assert api.get(path, params={"q": "oil", "histogram": "none"}).status_code == 200, path
    assert api.get("/search.json", params={"q": "oil", "histogram": "none"}).json().get("date_histogram") in ([], None)


def test_csv_export_neutralises_spreadsheet_formulas(writer):
    evil = {"title": '=HYPERLINK("http://evil.example","click") zqxformula', "body": "b", "author": "@SUM(A1)",
            "source": "+cmd", "tags": ["-2+3"]}
    assert writer.post("/api/articles", json=evil, headers={"x-api-key": KEY}).status_code == 200
    import csv as _csv

    text = writer.get("/api/export", params={"q": "zqxformula", "fields": "title,author,source,tags"}).text
    rows = list(_csv.reader(io.StringIO(text)))
    assert rows[1] == ["'" + evil["title"], "'@SUM(A1)", "'+cmd", "'-2+3"], rows
    line = writer.get("/api/export", params={"q": "zqxformula", "format": "jsonl", "fields": "title"}).text
    assert json.loads(line.splitlines()[0])["title"] == evil["title"]  # JSON is data, not a spreadsheet


def test_an_id_ending_in_json_is_refused_consistently(writer):
    r = writer.post("/api/articles", json={"id": "x.json", "title": "t", "body": "b"}, headers={"x-api-key": KEY})
    assert r.status_code == 422 and "id" in r.json()["error"]["message"], r.text[:300]
    ok = writer.post("/api/articles", json={"id": "x.jsonl", "title": "t", "body": "b"}, headers={"x-api-key": KEY})
    assert ok.status_code == 200
    assert writer.get("/articles/x.jsonl").status_code == 200
    assert writer.get("/articles/x.jsonl.json").json()["article"]["id"] == "x.jsonl"


def test_every_response_says_nosniff(api):
    paths = ["/", "/search?q=oil", "/search.json?q=oil", "/api/health", "/api/search?q=oil", "/api/search?size=-1",
             "/docs", "/openapi.json", "/static/style.css", "/nothing-here", "/api/nothing", "/api/export?q=zzzz"]
    missing = [p for p in paths if api.get(p).headers.get("x-content-type-options") != "nosniff"]
    assert missing == []
    assert api.head("/").headers.get("x-content-type-options") == "nosniff"


@contextmanager
def _tiny_disk(mnt: Path):
    """A 1 MB file system mounted at ``mnt`` for the test's duration (skips where mounting needs root)."""
    mnt.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tiny tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_disk_prints_one_line_not_a_traceback(tmp_path):
    with _tiny_disk(tmp_path / "tiny") as mnt:
        sample = saudi_sample_file(tmp_path, per_zip=20)
        done = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(sample), "--data-dir",
                               str(mnt / "data"), "--quiet"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode != 0
    err = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr and len(err) <= 2, done.stderr[-2000:]
    assert "disk" in done.stderr.lower() or "space" in done.stderr.lower(), done.stderr


@pytest.mark.parametrize("full", ["archive", "text index"])
def test_writes_to_a_full_disk_are_a_503_and_reads_still_answer(tmp_path, caplog, full):
    """The API's writes fill a tiny disk under the archive, or under its text index only (tantivy then
    reports its writer as killed): the writer gets a 503 and the log says the disk is full, never a 500;
    searches go on."""
    settings = Settings(data_dir=tmp_path / "data", translator="none", api_key=KEY)
    mnt = settings.embedded_path.parent if full == "archive" else \
        settings.embedded_path.with_name(settings.embedded_path.name + ".text")
    with _tiny_disk(mnt), TestClient(create_app(settings), raise_server_exceptions=False) as client:
        statuses = []
        for i in range(60):
            body = " ".join(f"كلمة{i}{j} عن النفط والأسواق" for j in range(400))
            r = client.post("/api/articles", headers={"x-api-key": KEY},
                            json={"title": f"خبر {i}", "body": body, "source": "t",
                                  "url": f"https://example.org/full/{i}"})
            statuses.append(r.status_code)
            if r.status_code != 200 and r.status_code != 201:
                break
        assert statuses[-1] == 503 and int(r.headers["Retry-After"]) >= 1, statuses
        assert ("disk is full" if full == "archive" else "the archive cannot be written: the disk is full") \
            in caplog.text, caplog.text[-2000:]
        assert 500 not in statuses
        assert client.get("/api/search", params={"q": "النفط"}).status_code == 200


def test_first_requests_of_concurrent_clients_all_answer(archive_settings):
    """A fresh app's first requests arriving together (a threaded server, several scripts at start-up):
    FastAPI built its OpenAPI document, which the API reads to check parameters, once per thread at the
    same time and raised KeyError inside itself, so every one of them got a 500."""
    import threading

    app = TestClient(create_app(archive_settings), raise_server_exceptions=False)
    start = threading.Barrier(6)
    statuses: list[int] = []

    def first_request(q: str) -> None:
        start.wait()
        statuses.append(app.get("/api/search", params={"q": q}).status_code)

    threads = [threading.Thread(target=first_request, args=(q,))
               for q in ("الرياض", "oil", "", "النفط", "Riyadh", "مكة")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [200] * 6, statuses
