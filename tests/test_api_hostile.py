"""Malformed and hostile input: a 4xx with a JSON message or a correct 200, never a 5xx or a traceback."""

from __future__ import annotations

import base64
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
    ("size-zero", "GET", "/api/search", {"size": 0}, 422),
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
    ("write-garbage", "POST", "/api/articles", "\x00\x01garbage", ANY),
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
