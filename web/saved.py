"""Running saved searches: their newest matches, and what is new since a reader last looked.

The store (:mod:`arshif.saved_searches`) keeps a saved search as the URL parameters of the search page; this
module turns them back into a search through the same :class:`~web.service.SearchService` the page and the
API use, so a saved search finds exactly what the search it was saved from found (mode, cross-lingual
phrasings and grouping included). It lives in the read path because that is where search parameters are
understood; the API, the pages and the CLI's cron command all call it.

A saved search keeps its grouping too: grouped by story (the default), its feed lists one entry per story
(the copy that arrived last, with how many other copies match) and its counts count stories, so ten copies
of one wire report are one new item, not ten; saved with ``group=none``, every copy is its own entry and
counts once.

"New" is told by arrival, not by the articles' own dates: each article carries the archive's ingest mark
from when it was first stored (``Filters.seen_after``), so an old article ingested today is new, and
re-ingesting or reindexing never makes anything new again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from arshif.saved_searches import SavedSearch, SavedSearchStore
from arshif.search.contract import Hit, SearchRequest, SearchResponse
from arshif.search.params import SearchParams
from web.service import SearchService, service_from

#: Search-page parameters that only say how results are shown, not what is searched: not saved.
PRESENTATION = frozenset({"size", "page", "cursor", "highlight", "facets", "facet_size", "histogram"})
PAGE = "page"   # the reader behind the web page's "new since you last looked"
CLI = "cli"     # the default reader of `arshif saved new` (a cron job)


def saved_params(given: dict) -> dict:
    """What is kept of a search's parameters: validated, without presentation, without defaults."""
    params = SearchParams(**{k: v for k, v in given.items() if k not in PRESENTATION})
    return params.model_dump(mode="json", exclude=set(PRESENTATION), exclude_defaults=True)


def search_query_string(params: dict) -> str:
    """The saved parameters as the search page's query string (lists repeat: ``source=a&source=b``)."""
    return urlencode([(k, v) for k, values in params.items()
                      for v in (values if isinstance(values, list) else [values])])


_lock = threading.Lock()


def saved_from(request: Request) -> "SavedSearches":
    """FastAPI dependency: the app's saved searches (opened on first use, then kept on the app)."""
    service = service_from(request)
    saved = getattr(request.app.state, "saved_searches", None)
    if saved is None or saved.service is not service:
        with _lock:
            saved = SavedSearches.for_service(service)
            request.app.state.saved_searches = saved
    return saved


def count(response: SearchResponse) -> int:
    """What a saved search counts: stories when it is grouped by story, else articles."""
    return response.stories if response.stories is not None else response.total


@dataclass
class Status:
    """A saved search with its count of matches and of those new to a reader (None: not known yet); both count
    stories when the search is grouped by story."""

    search: SavedSearch
    total: int
    new: int | None


@dataclass
class NewMatches:
    """What arrived for one saved search since a reader last looked (``first``: no mark on this archive)."""

    search: SavedSearch
    total: int
    hits: list[Hit]
    first: bool = False


class SavedSearches:
    """The saved searches of one archive, run through the app's search service."""

    def __init__(self, service: SearchService, store: SavedSearchStore, archive: str):
        self.service = service
        self.store = store
        self.archive = archive

    @classmethod
    def for_service(cls, service: SearchService) -> "SavedSearches":
        settings = service.settings
        return cls(service, SavedSearchStore(settings.saved_searches_path), settings.archive_key)

    @property
    def engine(self):
        return self.service.engine

    # --- saving ---------------------------------------------------------------------------

    def save(self, name: str, params: dict) -> SavedSearch:
        """Save a search; a query the engine refuses is refused here too (nothing is saved)."""
        kept = saved_params(params)
        mark = self.engine.ingest_mark()
        self.engine.search(self.request(kept, size=0))  # raises QuerySyntaxError / BadRequest
        return self.store.create(name, kept, archive=self.archive, mark=mark)

    # --- running --------------------------------------------------------------------------

    def request(self, params: dict, *, size: int, seen_after: int | None = None) -> SearchRequest:
        """The saved search as a request for its most recently added matches."""
        request = self.service.request_for(SearchParams(**params), size=size, capped=False)
        filters = request.filters.model_copy(update={"seen_after": seen_after})
        return request.model_copy(update={"sort": "added", "size": size, "offset": 0, "cursor": None,
                                          "facets": [], "date_histogram": None, "highlight": False,
                                          "filters": filters})

    def newest(self, search: SavedSearch, size: int = 50) -> SearchResponse:
        """The matches the archive stored most recently (what the feed lists), not counted: a feed lists
        them, and counting every match of a common word was a good part of a feed's time."""
        request = self.request(search.params, size=size).model_copy(update={"count_total": False})
        return self.engine.search(request)

    def new_since(self, search: SavedSearch, reader: str, size: int = 0) -> tuple[int | None, list[Hit]]:
        """(how many matches — stories when grouped — arrived since ``reader`` last looked, the newest
        ``size`` of them)."""
        mark = self.store.last_seen(search.id, reader, self.archive)
        if mark is None:
            return None, []
        resp = self.engine.search(self.request(search.params, size=size, seen_after=mark))
        return count(resp), resp.hits

    def status(self, search: SavedSearch, reader: str = PAGE) -> Status:
        total = count(self.engine.search(self.request(search.params, size=0)))
        new, _ = self.new_since(search, reader)
        return Status(search, total, new)

    def overview(self, reader: str = PAGE) -> list[Status]:
        """Every saved search with its match count and its count new to ``reader``."""
        return [self.status(s, reader) for s in self.store.list()]

    def looked(self, search: SavedSearch, reader: str = PAGE) -> None:
        """``reader`` has now seen everything this search matches."""
        self.store.mark_seen(search.id, reader, self.archive, self.engine.ingest_mark())

    def whats_new(self, reader: str = CLI, size: int = 20) -> list[NewMatches]:
        """For each saved search, what arrived since ``reader``'s last run; then move its mark on.

        The mark is read before searching: an article stored while this runs is listed now and
        perhaps again next time, never missed.
        """
        out: list[NewMatches] = []
        for search in self.store.list():
            mark = self.engine.ingest_mark()
            total, hits = self.new_since(search, reader, size)
            if total is None:  # first run on this archive: start following from here
                out.append(NewMatches(search, 0, [], first=True))
            else:
                out.append(NewMatches(search, total, hits))
            self.store.mark_seen(search.id, reader, self.archive, mark)
        return out
