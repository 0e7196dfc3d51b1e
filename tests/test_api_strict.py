"""The API says what is wrong with a request instead of quietly answering another one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.app import create_app


@pytest.fixture(scope="module")
def client(archive_settings):
    with TestClient(create_app(archive_settings)) as c:
        yield c


@pytest.mark.parametrize("url, name, hint", [
    ("/api/search?query=oil", "query", "did you mean 'q'"),
    ("/api/search?q=oil&souce=okaz", "souce", "did you mean 'source'"),
    ("/api/search?q=oil&limit=5", "limit", "did you mean 'size'"),
    ("/api/facets/source?q=oil&sise=3", "sise", "did you mean 'size'"),
    ("/api/export?q=oil&fromat=csv", "fromat", "did you mean 'format'"),
    ("/api/articles/nothing-here?full=1", "full", ""),
    ("/api/stats?verbose=1", "verbose", ""),
])
def test_unknown_query_parameter_is_422_naming_it(client, url, name, hint):
    r = client.get(url)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["parameter"] == name
    assert f"unknown query parameter '{name}'" in err["message"] and hint in err["message"]


def test_known_parameters_still_work(client):
    r = client.get("/api/search", params={"q": "", "source": "aawsat", "size": 3, "facets": "source",
                                         "histogram": "none"})
    assert r.status_code == 200 and len(r.json()["hits"]) == 3


def test_size_zero_counts_only_on_search_and_batch(client):
    everything = client.get("/api/search", params={"q": "", "size": 0})
    assert everything.status_code == 200
    body = everything.json()
    assert body["hits"] == [] and body["total"] > 1000 and body["facets"]["source"]
    batch = client.post("/api/search/batch", json={"queries": [{"q": ""}, {"q": "", "size": 0}], "size": 0})
    assert [r["total"] for r in batch.json()["results"]] == [body["total"]] * 2
    assert all(r["hits"] == [] for r in batch.json()["results"])


def test_cursor_with_a_page_says_what_is_wrong(client):
    first = client.get("/api/search", params={"q": "", "size": 5, "sort": "newest"}).json()
    r = client.get("/api/search", params={"q": "", "size": 5, "sort": "newest", "cursor": first["next_cursor"],
                                         "page": 3})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["parameter"] == "page"
    assert "page=3 cannot go with cursor" in err["message"] and "sort order" not in err["message"]
    ok = client.get("/api/search", params={"q": "", "size": 5, "sort": "newest", "cursor": first["next_cursor"]})
    assert ok.status_code == 200 and ok.json()["hits"][0]["id"] not in {h["id"] for h in first["hits"]}


@pytest.mark.parametrize("size", [101, 5000])
def test_a_page_too_large_names_the_servers_own_limit(client, size):
    """The server allows 100 hits a page: asking for 5,000 was answered 'less than or equal to 1000'."""
    for url in ("/api/search", "/search.json", "/facets/source.json"):
        r = client.get(url, params={"q": "oil", "size": size})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["parameter"] == "size" and f"at most 100 hits per page (got {size})" in err["message"], err
    r = client.post("/api/search/batch", json={"queries": [{"q": "oil"}], "size": size})
    assert r.status_code == 422 and "at most 100 hits per query" in r.json()["error"]["message"]
    r = client.post("/api/search/batch", json={"queries": [{"q": "oil", "size": size}]})
    assert "at most 100 hits per page" in r.json()["results"][0]["error"]["message"]


def test_a_batch_names_a_misspelt_key_and_takes_one_value_where_a_list_is_expected(client):
    """{"queries": [...], "sise": 1} answered every query at the default size, and "lang": "en" in a query was
    refused as 'should be a valid list' where GET /api/search?lang=en takes it."""
    r = client.post("/api/search/batch", json={"queries": [{"q": "oil"}], "sise": 1})
    assert r.status_code == 422
    assert r.json()["error"]["parameter"] == "sise" and "did you mean 'size'" in r.json()["error"]["message"]
    one = client.post("/api/search/batch", json={"queries": [{"q": "", "lang": "en"}], "size": 0}).json()
    listed = client.post("/api/search/batch", json={"queries": [{"q": "", "lang": ["en"]}], "size": 0}).json()
    assert one["results"][0]["error"] is None and one["results"][0]["total"] == listed["results"][0]["total"]
    assert one["results"][0]["total"] == client.get("/api/search", params={"lang": "en", "size": 0}).json()["total"]
