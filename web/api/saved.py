"""Saved searches over the API: save, list (with counts new to a reader), rename, delete, and what is new.

Writes (save, rename, delete, marking a reader's look) need the ``X-API-Key`` header, as every write of the
API does. Reading a list or a feed does not. A *reader* names whoever follows the searches (``api`` by
default; the web page is ``page``, the cron command ``cli``): each has its own "last looked" mark.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from arshif.saved_searches import MAX_NAME, InvalidName, NameTaken, SavedSearch
from arshif.search.contract import Hit
from web.api.params import ApiSearchParams
from web.api.writes import _require_key
from web.errors import E400, E404, E422, E503, E_WRITE, api_error, error_doc
from web.saved import PRESENTATION, SavedSearches, Status, saved_from, search_query_string

router = APIRouter()

Saved = Annotated[SavedSearches, Depends(saved_from)]
SearchId = Annotated[int, Path(ge=1, le=2 ** 62, description="The saved search's id (from the list).")]
Reader = Annotated[str, Query(pattern=r"^[A-Za-z0-9_.-]{1,40}$", description=(
    "Who is following: each reader has its own 'last looked' mark (default `api`; the web page is `page`, "
    "`arshif saved new` is `cli`)."))]
ApiKey = Annotated[str | None, Header(description="The server's ARSHIF_API_KEY.")]

E404_SAVED = {404: error_doc("No saved search with this id.", "no saved search with id 7", 404)}
E409 = {409: error_doc("Another saved search already has this name.", "a saved search is already called 'Oil'",
                       409)}
_W = {k: v for k, v in E_WRITE.items() if k != 413}

#: What a saved search keeps: the search page's parameters that say what is searched (not how it is shown).
SavedQuery = create_model(
    "SavedQuery", __config__=ConfigDict(extra="forbid"),
    __doc__="The search to keep: query, mode, filters (and grouping): the search page's parameters.",
    **{f: (ApiSearchParams.model_fields[f].annotation, ApiSearchParams.model_fields[f])
       for f in ApiSearchParams.model_fields if f not in PRESENTATION})


class SavedSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME, description="A name to list it by (unique, any case).",
                      examples=["Riyadh metro"])
    search: SavedQuery = Field(default_factory=SavedQuery, examples=[{"q": "قطار الرياض", "mode": "cross"}])  # type: ignore[valid-type]


class RenameIn(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Riyadh metro (all lines)"])


class SavedSearchOut(BaseModel):
    """A saved search, how many articles it matches, and how many of them are new to the reader."""

    id: int
    name: str
    search: dict[str, Any] = Field(description="The saved parameters (defaults left out).")
    created_at: dt.datetime
    updated_at: dt.datetime
    total: int = Field(description="Articles the search matches now.")
    new: int | None = Field(description="Of those, how many arrived since the reader last looked (null: the "
                                        "search was saved on another archive and this reader has not looked yet).")
    feed_url: str = Field(description="Atom feed of its newest matches (no key needed).")
    search_url: str = Field(description="The search page showing it.")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 3, "name": "Riyadh metro", "search": {"q": "قطار الرياض", "mode": "cross"},
        "created_at": "2026-11-30T15:00:00Z", "updated_at": "2026-11-30T15:00:00Z", "total": 12, "new": 2,
        "feed_url": "http://127.0.0.1:8000/saved/3/feed.atom",
        "search_url": "http://127.0.0.1:8000/search?q=%D9%82%D8%B7%D8%A7%D8%B1&mode=cross"}]})


class SavedListOut(BaseModel):
    searches: list[SavedSearchOut]

    model_config = ConfigDict(json_schema_extra={"examples": [{"searches": SavedSearchOut.model_config[
        "json_schema_extra"]["examples"]}]})


class NewMatchesOut(BaseModel):
    id: int
    name: str
    reader: str
    new: int | None = Field(description="How many matches arrived since the reader last looked.")
    hits: list[Hit] = Field(description="The newest of them, most recently stored first.")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 3, "name": "Riyadh metro", "reader": "api", "new": 1,
        "hits": [{"id": "c0eb6250cf06e5d3", "title": "افتتاح خط جديد لقطار الرياض", "language": "ar",
                  "translated_title": "Riyadh metro opens a new line", "translation_language": "en",
                  "source": "wire", "indexed_at": "2026-11-30T15:10:00Z", "sort": [412, "c0eb6250cf06e5d3"]}]}]})


class DeletedOut(BaseModel):
    id: int
    deleted: bool

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 3, "deleted": True}]})


def _out(request: Request, status: Status) -> SavedSearchOut:
    s = status.search
    base = str(request.base_url)
    return SavedSearchOut(id=s.id, name=s.name, search=s.params, created_at=s.created_at, updated_at=s.updated_at,
                          total=status.total, new=status.new, feed_url=f"{base}saved/{s.id}/feed.atom",
                          search_url=f"{base}search?{search_query_string(s.params)}".rstrip("?"))


def _get(saved: SavedSearches, search_id: int) -> SavedSearch:
    search = saved.store.get(search_id)
    if search is None:
        raise api_error(404, f"no saved search with id {search_id}")
    return search


def _name_errors(exc: Exception):
    if isinstance(exc, NameTaken):
        return api_error(409, str(exc))
    return api_error(422, f"invalid request: name: {exc}")


@router.get("/saved-searches", response_model=SavedListOut, summary="List saved searches with their new counts",
            responses={**E422, **E503},
            description="Every saved search, by name, with how many articles it matches now and how many of "
                        "them arrived since `reader` last marked it seen, its feed and its search page.")
def list_saved(request: Request, saved: Saved, reader: Reader = "api") -> SavedListOut:
    return SavedListOut(searches=[_out(request, st) for st in saved.overview(reader)])


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201,
             summary="Save a search (needs X-API-Key)", responses={**E400, **E409, **E422, **E503, **_W},
             description="Keeps the search under a name. Everything the archive holds now counts as seen; "
                         "articles ingested afterwards that match are 'new' and lead its feed. A query the "
                         "engine cannot run is refused (400) and nothing is saved.")
def create_saved(request: Request, saved: Saved, body: SavedSearchIn, response: Response,
                 x_api_key: ApiKey = None) -> SavedSearchOut:
    _require_key(request, x_api_key)
    try:
        search = saved.save(body.name, body.search.model_dump(exclude_defaults=True))
    except (NameTaken, InvalidName) as exc:
        raise _name_errors(exc) from None
    response.headers["Location"] = f"/api/saved-searches/{search.id}"
    return _out(request, saved.status(search, "api"))


@router.get("/saved-searches/{search_id}", response_model=SavedSearchOut, summary="One saved search",
            responses={**E404_SAVED, **E422, **E503},
            description="The saved search with its counts for `reader` (matches now, new since it last looked); "
                        "unknown id → 404.")
def get_saved(request: Request, saved: Saved, search_id: SearchId, reader: Reader = "api") -> SavedSearchOut:
    return _out(request, saved.status(_get(saved, search_id), reader))


@router.patch("/saved-searches/{search_id}", response_model=SavedSearchOut,
              summary="Rename a saved search (needs X-API-Key)",
              responses={**E404_SAVED, **E409, **E422, **E503, **_W},
              description="Gives it another name (unique whatever the case: 409 when taken). Its search, feed "
                          "URL and every reader's 'last looked' stay as they were.")
def rename_saved(request: Request, saved: Saved, search_id: SearchId, body: RenameIn,
                 x_api_key: ApiKey = None) -> SavedSearchOut:
    _require_key(request, x_api_key)
    try:
        search = saved.store.rename(search_id, body.name)
    except (NameTaken, InvalidName) as exc:
        raise _name_errors(exc) from None
    if search is None:
        raise api_error(404, f"no saved search with id {search_id}")
    return _out(request, saved.status(search, "api"))


@router.delete("/saved-searches/{search_id}", response_model=DeletedOut,
               summary="Delete a saved search (needs X-API-Key)", responses={**E404_SAVED, **E422, **_W},
               description="Removes it with its readers' marks; its id (and feed URL) is never given to another "
                           "search. Unknown id → 404.")
def delete_saved(request: Request, saved: Saved, search_id: SearchId, x_api_key: ApiKey = None) -> DeletedOut:
    _require_key(request, x_api_key)
    if not saved.store.delete(search_id):
        raise api_error(404, f"no saved search with id {search_id}")
    return DeletedOut(id=search_id, deleted=True)


@router.get("/saved-searches/{search_id}/new", response_model=NewMatchesOut,
            summary="What arrived since the reader last looked", responses={**E404_SAVED, **E422, **E503},
            description="Does not move the reader's mark: `POST …/seen` does, once the reader has dealt with them.")
def new_matches(saved: Saved, search_id: SearchId, reader: Reader = "api",
                size: Annotated[int, Query(ge=0, le=100, description="How many of the new hits to list.")] = 20
                ) -> NewMatchesOut:
    search = _get(saved, search_id)
    new, hits = saved.new_since(search, reader, size)
    return NewMatchesOut(id=search.id, name=search.name, reader=reader, new=new, hits=hits)


@router.post("/saved-searches/{search_id}/seen", response_model=SavedSearchOut,
             summary="Mark everything it matches as seen by the reader (needs X-API-Key)",
             responses={**E404_SAVED, **E422, **E503, **_W},
             description="Moves `reader`'s mark to what the archive holds now: its `new` count starts again "
                         "from zero. Other readers (the web page, cron jobs) keep theirs.")
def mark_seen(request: Request, saved: Saved, search_id: SearchId, reader: Reader = "api",
              x_api_key: ApiKey = None) -> SavedSearchOut:
    _require_key(request, x_api_key)
    search = _get(saved, search_id)
    saved.looked(search, reader)
    return _out(request, saved.status(search, reader))
