"""Deep paging with `cursor` while another process keeps writing: every match exactly once.

The archive holds ~1,500 articles; a background thread adds new ones through a
second, writable EmbeddedEngine on the same file (real concurrent writes, WAL),
with dates spread over the same range so that, without the pinned snapshot,
they would land in the middle of pages still to come.
"""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from fastapi.testclient import TestClient

from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article
from arshif.search.contract import SearchRequest
from arshif.settings import Settings
from web.app import create_app

N = 1500
WORDS = ("market", "water", "city", "school", "road", "harvest", "council", "port", "festival", "budget")
START = dt.date(2015, 7, 1)


def make_article(key: str, rng: random.Random) -> Article:
    words = rng.sample(WORDS, 4)
    return Article(
        id=key, title=f"{words[0].title()} news {key}", language="en", source=rng.choice(("a", "b", "c")),
        body=f"Report {key} on the {words[1]} and the {words[2]}, with notes about the {words[3]}.",
        published=START + dt.timedelta(days=rng.randrange(60)))


@pytest.fixture
def archive(tmp_path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", translator="none")
    rng = random.Random(7)
    eng = EmbeddedEngine(settings.embedded_path)
    for start in range(0, N, 500):
        eng.upsert([make_article(f"old-{i:05d}", rng) for i in range(start, start + 500)])
    assert eng.count() == N
    eng.close()
    return settings


class Writer(threading.Thread):
    """Adds new articles, a few at a time, until stopped."""

    def __init__(self, settings: Settings):
        super().__init__(daemon=True)
        self.settings = settings
        self.stop = threading.Event()
        self.written = 0
        self.error: Exception | None = None
        self.first_batch = threading.Event()

    def run(self) -> None:
        rng = random.Random(11)
        eng = EmbeddedEngine(self.settings.embedded_path)  # a second engine on the same file
        try:
            while not self.stop.is_set():
                batch = [make_article(f"new-{self.written + i:05d}", rng) for i in range(5)]
                # Counted before the write: 'written' is then never less than what readers may see (the
                # walk's check is an upper bound; counting after the commit raced with the first page).
                self.written += 5
                eng.upsert(batch)
                self.first_batch.set()
                self.stop.wait(0.002)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            eng.close()


def walk(client: TestClient, params: dict, writer: Writer) -> tuple[int, list[str], list[int]]:
    """Page through with cursor; returns the first page's total, the ids seen, and writes seen per page."""
    params = {**params, "facets": "", "histogram": "none", "highlight": "false"}
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    total, ids, progress = page["total"], [], []
    while True:
        ids += [h["id"] for h in page["hits"]]
        progress.append(writer.written)
        if not page["next_cursor"]:
            return total, ids, progress
        r = client.get("/api/search", params={**params, "cursor": page["next_cursor"]})
        assert r.status_code == 200, r.text
        page = r.json()


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("q", ["", "market OR water OR city OR school OR road"])
def test_cursor_walk_sees_every_match_once_under_concurrent_writes(archive, sort, q):
    with TestClient(create_app(archive), raise_server_exceptions=False) as client:
        writer = Writer(archive)
        writer.start()
        try:
            assert writer.first_batch.wait(10)
            total, ids, progress = walk(client, {"q": q, "sort": sort, "size": 50}, writer)
        finally:
            writer.stop.set()
            writer.join(10)
        assert writer.error is None
        assert progress[-1] > progress[0], "the writer must have written while the walk went on"
        assert len(ids) == len(set(ids)), "an article came twice"
        assert len(ids) == total, "the walk must visit exactly the matches counted on its first page"
        old = {i for i in ids if i.startswith("old-")}
        with EmbeddedEngine(archive.embedded_path, readonly=True) as eng:
            expected_old = {h.id for h in eng.scan(SearchRequest(q=q)) if h.id.startswith("old-")}
        assert old == expected_old and len(old) > 1000
        # The new articles the walk includes are those that existed when the first page was read.
        assert len(ids) - len(old) <= progress[0]
        # Order holds across pages.
        with EmbeddedEngine(archive.embedded_path, readonly=True) as eng:
            seen_dates = [eng.get(i).published for i in ids]
        assert seen_dates == sorted(seen_dates, reverse=sort == "newest")


def test_relevance_cursor_walk_without_writes(archive):
    with TestClient(create_app(archive), raise_server_exceptions=False) as client:
        params = {"q": "harvest", "size": 40, "facets": "", "histogram": "none"}
        page = client.get("/api/search", params=params).json()
        total, ids, scores = page["total"], [], []
        while True:
            ids += [h["id"] for h in page["hits"]]
            scores += [h["score"] for h in page["hits"]]
            if not page["next_cursor"]:
                break
            page = client.get("/api/search", params={**params, "cursor": page["next_cursor"]}).json()
        assert len(ids) == len(set(ids)) == total > 200
        assert scores == sorted(scores, reverse=True)
