"""Saved searches through the API and the pages, as a script or a browser uses them.

An article written through the API must show in the saved search's feed and in its "new" count at once;
writes need the API key; the page's forms save, rename and delete; opening a search clears its "new".
"""

from __future__ import annotations

import html
import re
import uuid

import feedparser
from markupsafe import escape
import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from tests.conftest import DEMO
from web.app import create_app

KEY = "saved-searches-key"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("saved-web") / "data", translator="none", api_key=KEY)
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], eng)
    eng.close()
    return settings


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings), follow_redirects=False) as c:
        yield c


def word() -> str:
    return "zq" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghjkmnprst"))


def post_article(client, title: str, body: str = "text", **extra) -> str:
    r = client.post("/api/articles", headers={"X-API-Key": KEY},
                    json={"title": title, "body": body, "language": "en", "source": "wire-a",
                          "url": f"https://news.example/{uuid.uuid4().hex}", **extra})
    assert r.status_code == 200, r.text
    return r.json()["ids"][0]


def listed(client, search_id: int) -> dict:
    return {s["id"]: s for s in client.get("/api/saved-searches").json()["searches"]}[search_id]


def test_api_writes_need_the_key(client):
    body = {"name": "No key", "search": {"q": "oil"}}
    assert client.post("/api/saved-searches", json=body).status_code == 401
    assert client.post("/api/saved-searches", json=body, headers={"X-API-Key": "wrong"}).status_code == 403
    assert all(s["name"] != "No key" for s in client.get("/api/saved-searches").json()["searches"])


def test_api_save_then_an_arrival_is_in_the_feed_and_the_new_count_at_once(client):
    w = word()
    r = client.post("/api/saved-searches", headers={"X-API-Key": KEY},
                    json={"name": f"Follow {w}", "search": {"q": w, "source": ["wire-a"]}})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert (saved["total"], saved["new"]) == (0, 0) and saved["search"] == {"q": w, "source": ["wire-a"]}
    feed = feedparser.parse(client.get(f"/saved/{saved['id']}/feed.atom").content)
    assert not feed.bozo and feed.entries == []

    match = post_article(client, f"{w} found in the desert")
    post_article(client, "Nothing to do with it")
    post_article(client, f"{w} elsewhere", source="wire-b")
    assert (listed(client, saved["id"])["total"], listed(client, saved["id"])["new"]) == (1, 1)
    r = client.get(f"/saved/{saved['id']}/feed.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo
    assert [(e.title, e.link) for e in feed.entries] == [(f"{w} found in the desert",
                                                          f"http://testserver/articles/{match}")]
    assert feed.feed.title.startswith(f"Follow {w}")

    new = client.get(f"/api/saved-searches/{saved['id']}/new").json()
    assert new["new"] == 1 and [h["id"] for h in new["hits"]] == [match]
    assert client.post(f"/api/saved-searches/{saved['id']}/seen").status_code == 401
    assert client.post(f"/api/saved-searches/{saved['id']}/seen", headers={"X-API-Key": KEY}).json()["new"] == 0
    assert listed(client, saved["id"])["new"] == 0


def test_api_rename_delete_and_refusals(client):
    h = {"X-API-Key": KEY}
    a = client.post("/api/saved-searches", headers=h, json={"name": "Alpha " + word(), "search": {"q": "x"}}).json()
    b = client.post("/api/saved-searches", headers=h, json={"name": "Beta " + word(), "search": {}}).json()
    assert client.post("/api/saved-searches", headers=h, json={"name": a["name"].upper()}).status_code == 409
    assert client.post("/api/saved-searches", headers=h,
                       json={"name": "Broken", "search": {"q": '"unclosed'}}).status_code == 400
    assert client.post("/api/saved-searches", headers=h,
                       json={"name": "Odd", "search": {"page": 3}}).status_code == 422  # not a search field
    assert client.patch(f"/api/saved-searches/{b['id']}", headers=h, json={"name": a["name"]}).status_code == 409
    r = client.patch(f"/api/saved-searches/{b['id']}", headers=h, json={"name": "Gamma"})
    assert r.status_code == 200 and r.json()["name"] == "Gamma"
    assert client.delete(f"/api/saved-searches/{a['id']}").status_code == 401
    assert client.delete(f"/api/saved-searches/{a['id']}", headers=h).json() == {"id": a["id"], "deleted": True}
    assert client.get(f"/api/saved-searches/{a['id']}").status_code == 404
    assert client.get(f"/saved/{a['id']}/feed.atom").status_code == 404
    assert client.delete(f"/api/saved-searches/{a['id']}", headers=h).status_code == 404


def page_row(page: str, name: str) -> str:
    for m in re.finditer(r'<li class="saved" (.*?)</li>', page, re.S):
        if f"<bdi>{html.escape(name)}</bdi>" in m.group(1):
            return m.group(1)
    raise AssertionError(f"{name!r} is not listed")


def test_page_save_list_new_open_rename_delete(client):
    w = word()
    page = client.get("/search", params={"q": w, "source": "wire-a", "ui": "en"}).text
    form = re.search(r'<details class="save-search">.*?</details>', page, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"q": w, "source": "wire-a", "ui": "en"}

    # A wrong key saves nothing; the right one saves and goes to the list.
    r = client.post("/saved", data={**hidden, "name": f"Page {w}", "api_key": "nope"})
    assert r.status_code == 403 and "API key is missing or wrong" in r.text and f"Page {w}" not in \
        client.get("/saved?ui=en").text.split("</h1>", 1)[1].split('class="hint"')[0]
    r = client.post("/saved", data={**hidden, "name": f"Page {w}", "api_key": KEY})
    assert r.status_code == 303 and r.headers["location"].startswith("/saved?ui=en")
    listing = client.get(r.headers["location"]).text
    assert "Search saved." in listing
    row = page_row(listing, f"Page {w}")
    assert 'data-new="0"' in row and 'data-total="0"' in row

    post_article(client, f"The {w} story")
    row = page_row(client.get("/saved?ui=en").text, f"Page {w}")
    assert 'data-new="1"' in row and '<span class="saved-new"' in row and "1 new" in row
    search_id = int(re.search(r'action="/saved/(\d+)/seen"', row).group(1))

    # Opening it shows the search and changes nothing: a prefetch, a crawler or a second tab sends the same GET.
    opened = html.unescape(re.search(r'<h2 class="saved-name"><a href="([^"]+)"', row).group(1))
    assert opened.startswith("/search?")
    shown = client.get(opened).text
    assert f"<mark>{w}</mark> story" in shown and "1 result" in shown
    assert client.get(f"/saved/{search_id}/open?ui=en").status_code == 303  # an older link still leads there
    row = page_row(client.get("/saved?ui=en").text, f"Page {w}")
    assert 'data-new="1"' in row
    # Only the explicit "Mark as seen", with the key, clears it.
    assert client.post(f"/saved/{search_id}/seen", data={"api_key": "nope", "ui": "en"}).status_code == 403
    assert 'data-new="1"' in page_row(client.get("/saved?ui=en").text, f"Page {w}")
    r = client.post(f"/saved/{search_id}/seen", data={"api_key": KEY, "ui": "en"})
    assert r.status_code == 303 and "Marked as seen." in client.get(r.headers["location"]).text
    row = page_row(client.get("/saved?ui=en").text, f"Page {w}")
    assert 'data-new="0"' in row and '<span class="saved-new"' not in row and "/seen" not in row

    r = client.post(f"/saved/{search_id}/rename", data={"name": f"Renamed {w}", "api_key": KEY, "ui": "en"})
    assert r.status_code == 303
    page_row(client.get("/saved?ui=en").text, f"Renamed {w}")
    assert client.post(f"/saved/{search_id}/delete", data={"api_key": "nope"}).status_code == 403
    assert client.post(f"/saved/{search_id}/delete", data={"api_key": KEY, "ui": "en"}).status_code == 303
    assert f"Renamed {w}" not in client.get("/saved?ui=en").text
    twin = client.get("/saved.json").json()
    assert all(s["id"] != search_id for s in twin["searches"])
    # (a script that asks for JSON gets the twin, as on every other page)
    assert client.get("/saved", headers={"Accept": "application/json"}).json() == twin


def test_page_escapes_names_and_queries(client):
    evil = '<script>alert(1)</script>"><b>x</b>'
    # Unbalanced quote: not saved, and the page that says so escapes what it echoes.
    r = client.post("/saved", data={"q": evil, "name": evil, "api_key": KEY})
    assert r.status_code == 400 and "<script>alert(1)</script>" not in r.text and "<b>x</b>" not in r.text
    query = "<script>alert(1)</script> <b>x</b>"
    r = client.post("/saved", data={"q": query, "name": evil, "api_key": KEY})
    assert r.status_code == 303
    page = client.get("/saved?ui=ar").text
    assert "<script>alert(1)</script>" not in page and "<b>x</b>" not in page
    assert str(escape(evil)) in page and str(escape(query)) in page
    twin = {s["name"]: s for s in client.get("/saved.json").json()["searches"]}
    assert twin[evil]["params"] == {"q": query}


def test_without_a_key_the_page_says_saving_is_off(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", translator="none")
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], eng)
    eng.close()
    with TestClient(create_app(settings), follow_redirects=False) as c:
        page = c.get("/search", params={"q": "Riyadh", "ui": "en"}).text
        assert "Saving searches is switched off" in page and 'action="/saved"' not in page
        r = c.post("/saved", data={"q": "Riyadh", "name": "x", "api_key": "anything"})
        assert r.status_code == 403 and c.get("/saved.json").json()["searches"] == []
        assert c.post("/api/saved-searches", json={"name": "x"}, headers={"X-API-Key": "k"}).status_code == 403


def test_the_every_copy_switch_is_saved_with_the_search_and_counts_each_copy(client):
    w = word()
    page = client.get("/search", params={"q": w, "group": "none", "ui": "en"}).text
    form = re.search(r'<details class="save-search">.*?</details>', page, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"q": w, "group": "none", "ui": "en"}
    assert client.post("/saved", data={**hidden, "name": f"Copies {w}", "api_key": KEY}).status_code == 303
    grouped = client.post("/api/saved-searches", headers={"X-API-Key": KEY},
                          json={"name": f"Stories {w}", "search": {"q": w}}).json()

    # A report written through the API, then the same text from another source: one story, two copies.
    report = (f"Engineers closed the {w} bridge over the wadi on Sunday after a lorry struck one of its piers, "
              "the municipality said, and traffic was sent through the industrial area until the inspection "
              "ends. The bridge carries about thirty thousand cars a day between the two halves of the city.")
    post_article(client, f"{w} bridge closed", report)
    post_article(client, f"{w} bridge shut after crash", report, source="wire-b")
    listing = client.get("/saved?ui=en").text
    row = page_row(listing, f"Copies {w}")
    assert 'data-new="2"' in row and 'data-total="2"' in row and "copies: <bdi>Every copy</bdi>" in row
    assert (listed(client, grouped["id"])["total"], listed(client, grouped["id"])["new"]) == (1, 1)
    opened = html.unescape(re.search(r'<h2 class="saved-name"><a href="([^"]+)"', row).group(1))
    shown = client.get(opened).text
    assert "group=none" in opened and len(re.findall(r'<li class="hit" ', shown)) == 2  # every copy, as saved
