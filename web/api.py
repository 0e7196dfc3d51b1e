"""The JSON API for scripts: typed, documented, deep paging, batch and export.

Every endpoint lives under ``/api`` and answers JSON (export streams CSV or
JSON Lines). The search parameters are those of the HTML pages
(:class:`web.service.SearchParams`), so a page URL and its API twin answer the
same search. Errors are always ``{"error": {"status", "message", ...}}``: a
malformed query is 400 saying what and where, an unknown article 404, an
unreachable engine 503 with ``Retry-After``; never a stack trace.

Limits (see ``docs/api.md``): ``size`` ≤ ``ARSHIF_MAX_PAGE_SIZE`` (100),
``page × size`` ≤ 10,000 (use ``cursor`` beyond), a batch ≤
``ARSHIF_MAX_BATCH_QUERIES`` (50) queries, a write ≤ 1,000 articles, at most
four exports streaming at once per server process.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import queue
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Annotated, Any, AsyncIterator, Iterator, Literal

import anyio

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from arshif import __version__
from arshif.engines import BadRequest, Engine, EngineUnavailable
from arshif.engines.base import decode_cursor
from arshif.model import Article, Translation
from arshif.search.contract import (FACET_FIELDS, DateBucket, FacetRequest, FacetValue, Hit, SearchRequest,
                                    SearchResponse)
from arshif.search.syntax import QuerySyntaxError
from web.service import SearchParams, SearchService, service_from

log = logging.getLogger("arshif.api")

router = APIRouter(prefix="/api", tags=["api"])

#: Deepest offset ``page`` can reach (engines refuse more); ``cursor`` pages without limit.
MAX_OFFSET = 10_000
#: Articles one ``POST /api/articles`` may carry.
MAX_WRITE_ARTICLES = 1000
#: Exports streaming at the same time in one server process; more get 429 + Retry-After.
MAX_CONCURRENT_EXPORTS = 4
#: Hits fetched per engine round-trip while exporting (bodies are fetched per batch too).
EXPORT_BATCH = 1000
FACET_ALIASES = {"lang": "language"}

SYNTAX_HELP = (
    "**Query syntax** (`q`): `word word` — every word must match (stemmed, diacritics ignored); "
    "`\"exact phrase\"`; `-word` / `-\"phrase\"` — leave out; `a OR b`; `( … )` grouping; "
    "`field:value` filters on `source`, `author`, `lang`, `tag`, `site` (value may be \"quoted\"). "
    "An empty `q` matches every article. Malformed queries answer 400 with the problem and its position."
)


# --- errors ---------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: int = Field(description="The HTTP status, repeated.")
    message: str = Field(description="What is wrong, in words a person can act on.")


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API has this shape (plus optional details such as `position`)."""

    error: ErrorDetail

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"status": 400, "message": "query syntax: unclosed quote: add the closing \" or remove the "
                                              "opening one (at character 1)", "position": 0}}]})


def _err(description: str, example: str, status: int) -> dict:
    return {"model": ErrorResponse, "description": description,
            "content": {"application/json": {"example": {"error": {"status": status, "message": example}}}}}


E400 = {400: _err("Malformed query, cursor or parameter combination.", "query syntax: unbalanced '(': add the "
                  "closing ')' (at character 1)", 400)}
E404 = {404: _err("No such article or facet field.", "no article with id 'abc'", 404)}
E422 = {422: _err("A parameter has the wrong type or is out of range.",
                  "invalid request: size: Input should be less than or equal to 100", 422)}
E503 = {503: _err("The search engine cannot be reached; retry after the `Retry-After` seconds.",
                  "the search engine is unavailable: connection refused", 503)}
E_WRITE = {
    401: _err("`X-API-Key` header missing.", "missing X-API-Key header", 401),
    403: _err("Write API disabled (no ARSHIF_API_KEY) or wrong key.",
              "write API is disabled: set ARSHIF_API_KEY", 403),
    413: _err("Too many articles in one request.", "at most 1000 articles per request", 413),
}
READ_ERRORS = {**E400, **E422, **E503}


def api_error(status: int, message: str, headers: dict | None = None, **extra) -> HTTPException:
    """An HTTPException the app's handler renders as ``{"error": {"status", "message", ...}}``."""
    return HTTPException(status_code=status, detail={"message": message, **extra}, headers=headers)


# --- parameters -----------------------------------------------------------------------------


class ApiSearchParams(SearchParams):
    """SearchParams with API documentation; `size` is checked against the server's max_page_size."""

    source: list[str] = Field(default_factory=list, description="Only these sources (repeat for several; OR-ed).",
                              examples=[["okaz"]])
    author: list[str] = Field(default_factory=list, description="Only these authors (repeatable).")
    lang: list[str] = Field(default_factory=list, description="Only these languages: `ar`, `en`, `other`.",
                            examples=[["ar"]])
    tag: list[str] = Field(default_factory=list, description="Only articles with one of these tags (repeatable).")
    site: list[str] = Field(default_factory=list, description="Only these sites (repeatable).")
    date_from: dt.date | None = Field(default=None, description="Earliest date, inclusive (YYYY-MM-DD).",
                                      examples=["2015-07-21"])
    date_to: dt.date | None = Field(default=None, description="Latest date, inclusive (YYYY-MM-DD).",
                                    examples=["2015-08-31"])
    sort: Literal["relevance", "newest", "oldest"] = Field(
        default="relevance", description="Order of hits. Use `newest`/`oldest` for exactly-once cursor walks "
                                         "while the archive is being written to.")
    size: int = Field(default=10, ge=1, le=1000,
                      description="Hits per page, at most the server's `max_page_size` (100 by default).")
    page: int = Field(default=1, ge=1, le=1000, description="1-based page; `page × size` ≤ 10,000 (use `cursor`).")
    cursor: str | None = Field(default=None, max_length=2000,
                               description="`next_cursor` of the previous page: deep paging through every match.")
    highlight: bool = Field(default=True, description="Fill `snippet`/`title_highlight` with `<mark>` highlights.")
    facets: list[str] = Field(default_factory=lambda: ["source", "author", "language", "tag"],
                              description="Facet fields to count (source, author, language, tag, site); "
                                          "pass `facets=` (empty) for none.")
    facet_size: int = Field(default=10, ge=1, le=200, description="Values per facet.")
    histogram: Literal["auto", "day", "week", "month", "year", "none"] | None = Field(
        default="auto", description="Date histogram interval; `none` for no histogram.")

    @model_validator(mode="after")
    def _api_normalise(self):
        if self.histogram == "none":
            self.histogram = None
        return self


_FILTER_FIELDS = ("q", "mode", "source", "author", "lang", "tag", "site", "date_from", "date_to")


def _subset(model_name: str, names: tuple[str, ...], doc: str, /, **extra: Any) -> type[BaseModel]:
    """A query model made of some of ApiSearchParams' fields (same names, types, limits), plus ``extra``."""
    defs: dict[str, Any] = {f: (ApiSearchParams.model_fields[f].annotation, ApiSearchParams.model_fields[f])
                            for f in names}
    return create_model(model_name, __doc__=doc, **defs, **extra)


FacetParams = _subset(
    "FacetParams", _FILTER_FIELDS, "The search filters plus the facet's own prefix and size.",
    prefix=(str, Field(default="", max_length=200, description="Only values starting with this text.",
                       examples=["ok"])),
    size=(int, Field(default=10, ge=1, le=1000, description="How many values, most frequent first.")),
)

ExportParams = _subset(
    "ExportParams", (*_FILTER_FIELDS, "sort"), "The search filters plus the export format and columns.",
    format=(Literal["csv", "jsonl"], Field(default="csv", description="`csv` (header row, RFC 4180 quoting) or "
                                                                       "`jsonl` (one JSON object a line).")),
    fields=(str | None, Field(default=None, max_length=500,
                              description="Comma-separated columns; default `id,date,source,author,language,"
                                          "title,url,body`.", examples=["id,date,title,url"])),
)


def _params(model: BaseModel, **overrides) -> ApiSearchParams:
    data = model.model_dump(include={*_FILTER_FIELDS, "sort"})
    data.update(overrides)
    return ApiSearchParams(**data)


# --- response models ------------------------------------------------------------------------


class SearchResult(SearchResponse):
    """One page of hits, the facets and date histogram of all matches, and the cursor to the next page."""

    params: ApiSearchParams = Field(description="The parameters as understood (defaults filled in).")
    page: int = Field(description="The page number (1 when paging with `cursor`).")
    size: int

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "total": 2, "took_ms": 3.1, "page": 1, "size": 10, "next_cursor": None, "interval": "day",
        "hits": [{"id": "3f2a9c0d1e5b7a64", "score": 7.2, "title": "مصادر تكشف خفايا الأيام الأخيرة في الباغوز",
                  "title_highlight": "مصادر تكشف خفايا الأيام الأخيرة في <mark>الباغوز</mark>",
                  "snippet": "… آخر شبر كان يسيطر عليه في <mark>الباغوز</mark> …", "source": "بلدي نيوز",
                  "language": "ar", "date": "2019-03-23", "url": "https://example.org/a", "tags": ["austin_tice"],
                  "matched_in": "original", "sort": [-7.2, "3f2a9c0d1e5b7a64"]}],
        "facets": {"source": [{"value": "بلدي نيوز", "count": 2}]},
        "date_histogram": [{"start": "2019-03-23", "count": 2}],
        "params": {"q": "الباغوز", "mode": "both", "sort": "relevance", "size": 10, "page": 1}}]})


class TranslationOut(Translation):
    machine: bool = Field(description="True when a machine produced this translation.")
    label: str = Field(description="How to label the translation to readers, e.g. 'Machine translation (google)'.")


class ArticleOut(Article):
    """The full stored article: original text, translations (labelled with their provenance) and metadata."""

    translations: dict[str, TranslationOut] = Field(default_factory=dict)
    date: dt.date | None = Field(default=None, description="The date the article is filed under.")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "3f2a9c0d1e5b7a64", "title": "Riyadh metro orange line opens", "body": "The orange line …",
        "source": "demo", "language": "en", "url": "https://demo.arshif.example/x", "published": "2024-12-01",
        "date": "2024-12-01", "tags": ["transport"], "translation_status": "done",
        "translations": {"ar": {"language": "ar", "title": "افتتاح المسار البرتقالي", "body": "…",
                                "status": "done", "kind": "machine", "provider": "google", "machine": True,
                                "label": "Machine translation (google)"}},
        "provenance": {"file": "demo/articles.jsonl", "line": 3, "reader": "jsonl"}}]})


class RelatedResult(BaseModel):
    id: str = Field(description="The article the hits are related to.")
    hits: list[Hit] = Field(description="Articles about the same story, in either language, best first.")

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "36c7ab9a3cd1a8c3", "hits": [{
        "id": "aa07a6e861b742e1", "score": 12.4, "title": "Riyadh Metro's Orange Line opens",
        "language": "en", "source": "Desert Herald", "date": "2025-01-06",
        "url": "https://demo.arshif.example/riyadh-metro-orange-line-en"}]}]})


class FacetResult(BaseModel):
    field: str
    prefix: str
    total: int = Field(description="Articles matching the query and filters.")
    values: list[FacetValue]

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "field": "source", "prefix": "", "total": 1032, "values": [{"value": "okaz", "count": 210}]}]})


class BatchQuery(ApiSearchParams):
    """One query of a batch: any search parameter. `facets`/`histogram` are computed only when given."""


class BatchRequest(BaseModel):
    queries: list[dict[str, Any]] = Field(
        min_length=1,
        description="At most `max_batch_queries` (50 by default). Each is an object with any parameter of "
                    "`GET /api/search` (`q`, `mode`, `source`, `lang`, `date_from`, `sort`, `size`, …); one that "
                    "is invalid gets its own error in the results and does not fail the others.")
    size: int = Field(default=10, ge=0, le=1000,
                      description="Top hits per query (0: totals only) unless a query sets its own `size`.")


class BatchItem(BaseModel):
    index: int = Field(description="Position of the query in the request.")
    q: str
    total: int | None = Field(default=None, description="Matches; null when the query failed.")
    hits: list[Hit] = Field(default_factory=list)
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    date_histogram: list[DateBucket] = Field(default_factory=list)
    next_cursor: str | None = None
    error: ErrorDetail | None = Field(default=None, description="Why this query failed (the others still ran).")


class BatchResult(BaseModel):
    results: list[BatchItem]
    took_ms: float

    model_config = ConfigDict(json_schema_extra={"examples": [{"took_ms": 9.5, "results": [
        {"index": 0, "q": "oil", "total": 12, "hits": []},
        {"index": 1, "q": "\"oil", "total": None, "hits": [], "error": {
            "status": 400, "message": "query syntax: unclosed quote: add the closing \" or remove the opening one "
                                      "(at character 1)", "position": 0}}]}]})


class WriteOut(BaseModel):
    ids: list[str] = Field(description="Ids of the articles sent, in order (computed when not given).")
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    failed: dict[str, str] = Field(description="id → reason, for articles that were not written.")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ids": ["5be0f3a1c2d4e6f7", "0a1b2c3d4e5f6a7b"], "created": ["5be0f3a1c2d4e6f7"],
        "updated": [], "unchanged": ["0a1b2c3d4e5f6a7b"], "failed": {}}]})


class DeleteOut(BaseModel):
    id: str
    deleted: bool

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "5be0f3a1c2d4e6f7", "deleted": True}]})


class HealthOut(BaseModel):
    status: Literal["ok"]
    engine: str
    location: str = Field(description="Embedded database file, or the index name on a remote engine.")
    documents: int
    version: str
    write_api: bool = Field(description="Whether the write endpoints are enabled (ARSHIF_API_KEY set).")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "ok", "engine": "embedded", "location": "data/index/arshif.db", "documents": 31030,
        "version": "0.1.0", "write_api": False}]})


class StatsOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "engine": "embedded", "documents": 31030, "by_language": {"ar": 31030}, "sources": 14,
        "first_date": "2015-07-21", "last_date": "2015-08-31", "size_bytes": 412000000}]})

    engine: str
    documents: int


# --- helpers --------------------------------------------------------------------------------


def _service(request: Request) -> SearchService:
    return service_from(request)


Service = Annotated[SearchService, Depends(_service)]


@contextmanager
def _engine_errors(cursor: str | None = None) -> Iterator[None]:
    """Turn storage failures into 503 and a cursor the engine chokes on into 400 — never a 500."""
    try:
        yield
    except (EngineUnavailable, BadRequest, QuerySyntaxError, HTTPException):
        raise
    except (TypeError, ValueError, OverflowError, KeyError, IndexError) as exc:
        if cursor is not None:
            raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it") \
                from exc
        raise
    except Exception as exc:
        if _is_storage_error(exc):
            log.error("engine error: %s", exc)
            raise EngineUnavailable(f"the archive cannot be read: {type(exc).__name__}") from exc
        raise


def _is_storage_error(exc: Exception) -> bool:
    try:
        import apsw
    except ImportError:  # pragma: no cover - apsw is a hard dependency
        return False
    return isinstance(exc, apsw.Error) and not isinstance(exc, (apsw.SQLError, apsw.BindingsError))


def _check_cursor(cursor: str | None, sort: str) -> None:
    """Reject cursors that cannot have come from this API before they reach the engine."""
    if cursor is None:
        return
    payload = decode_cursor(cursor)

    def scalar_tree(v, depth=0) -> bool:
        if isinstance(v, (str, bool, float)) or v is None:
            return True
        if isinstance(v, int):
            return -(2 ** 63) <= v < 2 ** 63
        if isinstance(v, list) and depth < 2:
            return all(scalar_tree(x, depth + 1) for x in v)
        if isinstance(v, dict) and depth < 1:
            return all(scalar_tree(x, depth + 1) for x in v.values())
        return False

    if not scalar_tree(payload):
        raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")
    if "sort" in payload and payload["sort"] != sort:
        raise BadRequest("cursor was made for another sort order: repeat the same request with it")


def _check_facets(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        name = FACET_ALIASES.get(name.strip(), name.strip())
        if not name:
            continue
        if name not in FACET_FIELDS:
            raise BadRequest(f"unknown facet field '{name[:50]}': use one of {', '.join(FACET_FIELDS)}")
        if name not in out:
            out.append(name)
    return out


def _build_request(service: SearchService, params: ApiSearchParams, *, size: int | None = None,
                   check_size: bool = True) -> SearchRequest:
    """The engine request for ``params``, after the API's own checks (limits, dates, facets, cursor)."""
    settings = service.settings
    page_size = params.size if size is None else size
    if check_size and page_size > settings.max_page_size:
        raise api_error(422, f"size: at most {settings.max_page_size} hits per page (got {page_size}); "
                             "page with cursor to read more", parameter="size")
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise BadRequest(f"date_from ({params.date_from}) is after date_to ({params.date_to})")
    if params.cursor is None and (params.page - 1) * params.size > MAX_OFFSET:
        raise BadRequest(f"page × size reaches past result {MAX_OFFSET:,}: use cursor (next_cursor) for deep paging")
    params.facets = _check_facets(params.facets)
    _check_cursor(params.cursor, params.sort)
    try:
        request = service.request_for(params)
    except ValidationError as exc:
        raise BadRequest("; ".join(e["msg"] for e in exc.errors())) from None
    if size is not None:
        request = request.model_copy(update={"size": size, "offset": 0 if params.cursor else (params.page - 1) * size})
    return request


def _run(service: SearchService, request: SearchRequest) -> SearchResponse:
    with _engine_errors(request.cursor):
        return service.engine.search(request)


def _machine_label(tr: Translation) -> str:
    who = ", ".join(x for x in (tr.provider, tr.model) if x)
    if tr.kind == "machine":
        base = "Machine translation"
    elif tr.kind == "human":
        base = "Human translation"
    else:
        base = "Translation provided with the article"
    if tr.status != "done":
        base += f" ({tr.status}{': ' + tr.reason if tr.reason else ''})"
    return f"{base} ({who})" if who and tr.kind == "machine" else base


def article_out(article: Article) -> ArticleOut:
    from arshif.engines.base import article_date

    data = article.model_dump(exclude={"translation_status", "translations"})
    translations = {k: TranslationOut(**tr.model_dump(), machine=tr.kind == "machine", label=_machine_label(tr))
                    for k, tr in article.translations.items()}
    return ArticleOut(**data, translations=translations, date=article_date(article))


# --- search ---------------------------------------------------------------------------------


@router.get(
    "/search", response_model=SearchResult, summary="Search the archive",
    responses=READ_ERRORS,
    description=(
        "Search with the simple query syntax, filters, facets and a date histogram. "
        "Hits carry HTML-safe highlights (`<mark>` is the only markup; all text is escaped).\n\n"
        + SYNTAX_HELP + "\n\n"
        "**Paging.** `page`/`size` for the first pages (`page × size` ≤ 10,000; `size` ≤ the server's "
        "`max_page_size`, 100 by default). For deep paging pass back `next_cursor` as `cursor` with otherwise the "
        "same parameters: a cursor walk visits every match exactly once and is not limited in depth. The set of "
        "articles is pinned on the first page, so articles added during a walk do not enter it. For guaranteed "
        "exactly-once under concurrent writes sort by `newest` or `oldest` — with `relevance` the scores of "
        "articles can shift as index statistics change. `next_cursor` is null on the last page.\n\n"
        "Repeat list parameters (`source=a&source=b`); values of one field are OR-ed, fields are AND-ed."
    ),
)
def search(params: Annotated[ApiSearchParams, Query()], service: Service) -> SearchResult:
    request = _build_request(service, params)
    resp = _run(service, request)
    return SearchResult(**resp.model_dump(), params=params, page=1 if params.cursor else params.page,
                        size=params.size)


BATCH_EXAMPLES = {
    "two queries": {"summary": "Two queries, top 3 hits each",
                    "value": {"queries": [{"q": "النفط"}, {"q": "oil prices", "lang": ["en"], "sort": "newest"}],
                              "size": 3}},
    "totals only": {"summary": "Only totals, with a facet", "value": {
        "queries": [{"q": "الرياض"}, {"q": "جدة", "facets": ["source"]}], "size": 0}},
}


@router.post(
    "/search/batch", response_model=BatchResult, summary="Run many searches in one request",
    responses={**READ_ERRORS, 413: _err("More queries than max_batch_queries.",
                                        "at most 50 queries per batch (got 51)", 413)},
    description=(
        "Each query takes any search parameter (`q`, `mode`, filters, `sort`, `cursor`, …). The answer lists, per "
        "query and in order, its `total` and top hits; facets and histogram only when the query asks for them. "
        "A query that cannot run (bad syntax, bad cursor, unknown facet) gets an `error` of its own while the others "
        "still run. At most `max_batch_queries` queries (50 by default; more → 413); `size` ≤ `max_page_size`.\n\n"
        + SYNTAX_HELP
    ),
)
def search_batch(
    service: Service,
    body: Annotated[BatchRequest, Body(openapi_examples=BATCH_EXAMPLES)],
) -> BatchResult:
    started = time.perf_counter()
    limit = service.settings.max_batch_queries
    if len(body.queries) > limit:
        raise api_error(413, f"at most {limit} queries per batch (got {len(body.queries)}): split the batch")
    if body.size > service.settings.max_page_size:
        raise api_error(422, f"size: at most {service.settings.max_page_size} hits per query (got {body.size})",
                        parameter="size")
    results: list[BatchItem] = []
    for i, raw in enumerate(body.queries):
        try:
            query = BatchQuery.model_validate(raw)
        except ValidationError as exc:
            text = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            results.append(BatchItem(index=i, q=str(raw.get("q", ""))[:200],
                                     error=ErrorDetail(status=422, message=f"invalid query: {text}")))
            continue
        if "facets" not in query.model_fields_set:
            query.facets = []
        if "histogram" not in query.model_fields_set:
            query.histogram = None
        size = query.size if "size" in query.model_fields_set else body.size
        try:
            resp = _run(service, _build_request(service, query, size=size))
            results.append(BatchItem(index=i, q=query.q, total=resp.total, hits=resp.hits, facets=resp.facets,
                                     date_histogram=resp.date_histogram, next_cursor=resp.next_cursor))
        except QuerySyntaxError as exc:
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(
                status=400, message=f"query syntax: {exc}", position=exc.position)))
        except BadRequest as exc:
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(status=400, message=str(exc))))
        except HTTPException as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(status=exc.status_code, **detail)))
    return BatchResult(results=results, took_ms=round((time.perf_counter() - started) * 1000, 2))


# --- articles -------------------------------------------------------------------------------

ArticleId = Annotated[str, Path(min_length=1, max_length=200, description="Article id (from a hit's `id`).",
                                examples=["3f2a9c0d1e5b7a64"])]


@router.get(
    "/articles/{article_id}", response_model=ArticleOut, summary="One article, in full",
    responses={**E404, **E422, **E503},
    description=(
        "The stored article: original title and body, metadata (source, author, site, tags, dates, URL), where it "
        "was read from (`provenance`), and each translation with its provenance. Machine translations have "
        "`kind: machine`, `machine: true` and a `label` such as 'Machine translation (google)' to show readers. "
        "Unknown id → 404."
    ),
)
def get_article(article_id: ArticleId, service: Service) -> ArticleOut:
    with _engine_errors():
        article = service.engine.get(article_id)
    if article is None:
        raise api_error(404, f"no article with id '{article_id[:80]}'")
    return article_out(article)


@router.get(
    "/articles/{article_id}/related", response_model=RelatedResult, summary="Articles about the same story",
    responses={**E404, **E422, **E503},
    description="More-like-this across languages (an Arabic article finds English coverage through its "
                "translation, and the reverse), best first, never the article itself. Unknown id → 404.",
)
def related(article_id: ArticleId, service: Service,
            size: Annotated[int, Query(ge=1, le=50, description="How many related articles.")] = 8) -> RelatedResult:
    with _engine_errors():
        if service.engine.get(article_id) is None:
            raise api_error(404, f"no article with id '{article_id[:80]}'")
        hits = service.engine.more_like_this(article_id, size=size)
    return RelatedResult(id=article_id, hits=hits)


# --- facets ---------------------------------------------------------------------------------


@router.get(
    "/facets/{field}", response_model=FacetResult, summary="Top values of one facet field",
    responses={**READ_ERRORS, **E404},
    description=(
        "The most frequent values of `field` (one of `source`, `author`, `language` (or `lang`), `tag`, `site`) "
        "among the articles matching `q` and the filters, with counts; `prefix` keeps values starting with it "
        "(for autocomplete). A facet ignores its own filter (picking a source still lists the other sources). "
        "Unknown field → 404 listing the valid ones.\n\n" + SYNTAX_HELP
    ),
)
def facet_values(
    field: Annotated[str, Path(max_length=50, description="source, author, language, tag or site",
                               examples=["source"])],
    params: Annotated[FacetParams, Query()],  # type: ignore[valid-type]
    service: Service,
) -> FacetResult:
    name = FACET_ALIASES.get(field, field)
    if name not in FACET_FIELDS:
        raise api_error(404, f"unknown facet field '{field[:50]}': use one of {', '.join(FACET_FIELDS)}",
                        valid_fields=list(FACET_FIELDS))
    sp = _params(params, facets=[], histogram=None, highlight=False)
    request = _build_request(service, sp, size=0)
    request = request.model_copy(update={
        "facets": [FacetRequest(field=name, size=params.size, prefix=params.prefix)]})
    resp = _run(service, request)
    return FacetResult(field=name, prefix=params.prefix, total=resp.total, values=resp.facets.get(name, []))


# --- export ---------------------------------------------------------------------------------

DEFAULT_EXPORT_FIELDS = ("id", "date", "source", "author", "language", "title", "url", "body")
#: Columns an export can have. Those in ARTICLE_FIELDS need the stored article (fetched a batch at a time).
HIT_FIELDS = ("id", "date", "source", "author", "site", "language", "title", "url", "tags", "score",
              "translated_title", "translation_language", "translation_status")
ARTICLE_FIELDS = ("body", "published", "extracted", "related_titles", "translated_body", "translation_kind",
                  "translation_provider")
EXPORT_FIELDS = HIT_FIELDS + ARTICLE_FIELDS

_exports = threading.BoundedSemaphore(MAX_CONCURRENT_EXPORTS)


def _export_fields(spec: str | None) -> list[str]:
    if spec is None or not spec.strip():
        return list(DEFAULT_EXPORT_FIELDS)
    fields = [f.strip() for f in spec.split(",") if f.strip()]
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        raise BadRequest(f"unknown export field(s) {', '.join(repr(f[:40]) for f in unknown[:5])}: "
                         f"use {', '.join(EXPORT_FIELDS)}")
    return list(dict.fromkeys(fields))


def _fetch_articles(engine: Engine, ids: list[str]) -> dict[str, Article]:
    """Stored articles by id, one batch at a time."""
    return engine.get_many(ids)


def _row(hit: Hit, article: Article | None, fields: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    tr = article.translation() if article is not None else None
    for f in fields:
        if f in HIT_FIELDS:
            row[f] = getattr(hit, f)
        elif f == "body":
            row[f] = article.body if article else ""
        elif f in ("published", "extracted", "related_titles"):
            row[f] = getattr(article, f) if article else None
        elif f == "translated_body":
            row[f] = tr.body if tr and tr.status == "done" else ""
        elif f == "translation_kind":
            row[f] = tr.kind if tr else ""
        elif f == "translation_provider":
            row[f] = tr.provider if tr else ""
    return row


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "|".join(str(x) for x in v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def _json_value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def _export_stream(engine: Engine, request: SearchRequest, first: SearchResponse, fields: list[str], fmt: str,
                   release) -> Iterator[str]:
    need_articles = any(f in ARTICLE_FIELDS for f in fields)
    buf = io.StringIO()
    writer = csv.writer(buf) if fmt == "csv" else None
    rows = 0
    try:
        if writer is not None:
            writer.writerow(fields)
        resp = first
        while True:
            articles = _fetch_articles(engine, [h.id for h in resp.hits]) if need_articles and resp.hits else {}
            for hit in resp.hits:
                row = _row(hit, articles.get(hit.id), fields)
                if writer is not None:
                    writer.writerow([_csv_value(row[f]) for f in fields])
                else:
                    buf.write(json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                rows += 1
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if not resp.next_cursor or not resp.hits:
                break
            req = request.model_copy(update={"cursor": resp.next_cursor, "offset": 0})
            with _engine_errors(req.cursor):
                resp = engine.search(req)
    except Exception as exc:  # the status line is long gone: end the stream visibly instead
        log.exception("export failed after %d rows", rows)
        if fmt == "jsonl":
            yield json.dumps({"error": {"status": 503, "message": f"export interrupted after {rows} rows: "
                                                                  f"{type(exc).__name__}"}}) + "\n"
        raise
    finally:
        release()


def _in_one_thread(chunks: Iterator[str], on_exit=lambda: None, ahead: int = 2) -> AsyncIterator[str]:
    """Run a blocking chunk generator in one dedicated thread, at most ``ahead`` chunks in advance.

    Starlette would run each ``next()`` on whichever worker thread is free; the embedded engine keeps one
    SQLite connection (and page cache) per thread, so an export hopping threads would open many cold
    connections. One thread keeps one warm connection; the bounded queue keeps memory flat, and a client
    that hangs up stops the producer (its generator is closed, releasing the export slot)."""
    done = object()
    q: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the response, which ends the stream
            put(exc)
        finally:
            chunks.close()  # type: ignore[attr-defined]
            on_exit()

    def take():
        try:
            return q.get(timeout=0.5)
        except queue.Empty:
            return None

    async def consume() -> AsyncIterator[str]:
        thread = threading.Thread(target=produce, name="arshif-export", daemon=True)
        thread.start()
        try:
            while True:
                item = await anyio.to_thread.run_sync(take)
                if item is None:
                    continue
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    return consume()


@router.get(
    "/export", summary="Export every match as CSV or JSON Lines",
    response_class=StreamingResponse,
    responses={**READ_ERRORS, 429: _err("Too many exports running; retry after `Retry-After` seconds.",
                                        "4 exports are already running: retry shortly", 429),
               200: {"description": "CSV with a header row, or JSON Lines; streamed.",
                     "content": {"text/csv": {"schema": {"type": "string"},
                                              "example": "id,date,source,author,language,title,url,body\r\n"
                                                         "3f2a…,2015-07-21,okaz,,ar,عنوان,https://…,\"نص\n…\"\r\n"},
                                 "application/x-ndjson": {"schema": {"type": "string"},
                                                          "example": '{"id": "3f2a…", "title": "…"}\n'}}}},
    description=(
        "Streams **every** article matching `q` and the filters (not one page) — the server walks the cursor a "
        f"batch of {EXPORT_BATCH} at a time, so memory stays flat whatever the size of the export. "
        "`format=csv` writes a header row of the chosen `fields` then one row per article with standard CSV "
        "quoting (bodies keep their newlines and quotes: read it back with a CSV parser, e.g. Python's `csv` "
        "with `newline=''`); list values (tags, related_titles) are joined with `|`. `format=jsonl` writes one "
        "JSON object per line (lists stay lists). Default fields: "
        f"`{','.join(DEFAULT_EXPORT_FIELDS)}`; available: `{','.join(EXPORT_FIELDS)}`. The file name is in "
        "`Content-Disposition`, the number of rows in `X-Total-Count`. Exports run at roughly 2,000–4,000 "
        "articles a second with bodies on the embedded engine; at most "
        f"{MAX_CONCURRENT_EXPORTS} stream at once per server (more → 429 with `Retry-After`).\n\n" + SYNTAX_HELP
    ),
)
def export(params: Annotated[ExportParams, Query()], service: Service):  # type: ignore[valid-type]
    fields = _export_fields(params.fields)
    sp = _params(params, facets=[], histogram=None, highlight=False)
    request = _build_request(service, sp, size=EXPORT_BATCH, check_size=False)
    if not _exports.acquire(blocking=False):
        raise api_error(429, f"{MAX_CONCURRENT_EXPORTS} exports are already running: retry shortly",
                        headers={"Retry-After": "10"})
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            _exports.release()

    try:
        first = _run(service, request)
    except BaseException:
        release()
        raise
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    ext, media = ("csv", "text/csv; charset=utf-8") if params.format == "csv" else ("jsonl", "application/x-ndjson")
    headers = {"Content-Disposition": f'attachment; filename="arshif-export-{stamp}.{ext}"',
               "X-Total-Count": str(first.total)}
    chunks = _export_stream(service.engine, request, first, fields, params.format, release)

    def finish() -> None:  # runs on the export's own thread, after its last chunk
        release()
        _close_thread_connection(service.engine)

    return StreamingResponse(_in_one_thread(chunks, on_exit=finish), media_type=media, headers=headers)


def _close_thread_connection(engine: Engine) -> None:
    """Close the calling thread's own connection of an embedded engine (it keeps one per thread, with a page
    cache of its own): the export thread ends here and its connection would otherwise linger."""
    from arshif.engines.embedded import EmbeddedEngine

    if isinstance(engine, EmbeddedEngine):
        engine.close()  # closes this thread's connection only


# --- writes ---------------------------------------------------------------------------------

_write_lock = threading.Lock()


def _require_key(request: Request, x_api_key: str | None) -> None:
    expected = request.app.state.settings.api_key
    if not expected:
        raise api_error(403, "write API is disabled: set ARSHIF_API_KEY")
    if not x_api_key:
        raise api_error(401, "missing X-API-Key header", headers={"WWW-Authenticate": "X-API-Key"})
    if not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise api_error(403, "wrong API key")


def writable_engine(request: Request, service: SearchService) -> Engine:
    """The engine to write through: the app's own, or — when it opened the embedded archive read-only — a
    writable EmbeddedEngine on the same file, opened on the first write and kept (WAL: readers see each commit)."""
    engine = service.engine
    if not getattr(engine, "readonly", False):
        return engine
    with _write_lock:
        writer = getattr(request.app.state, "write_engine", None)
        if writer is None:
            from arshif.engines.embedded import EmbeddedEngine

            with _engine_errors():
                writer = EmbeddedEngine(engine.path)
            request.app.state.write_engine = writer
    return writer


ArticleBody = Annotated[Article | list[Article], Body(openapi_examples={
    "one": {"summary": "One article", "value": {
        "title": "Riyadh metro opens its orange line", "body": "The orange line of the Riyadh metro opened …",
        "source": "example-wire", "url": "https://example.org/news/riyadh-metro", "published": "2024-12-01",
        "tags": ["transport"]}},
    "several": {"summary": "Several articles", "value": [
        {"title": "خبر أول", "body": "نص الخبر الأول", "language": "ar", "source": "example"},
        {"title": "Second story", "body": "Text of the second story.", "language": "en", "source": "example"}]},
})]


@router.post(
    "/articles", response_model=WriteOut, summary="Create or replace articles (needs X-API-Key)",
    responses={**E422, **E503, **E_WRITE},
    description=(
        "Body: one Article or a list (at most 1,000). Each goes through the indexer's preparation (clean text, "
        "detect the language when not `ar`/`en`, stable id from the URL or content when `id` is empty) and is "
        "stored by id: an existing id is replaced, an unchanged article is reported `unchanged`. Searchable as soon "
        "as the call returns. Needs the `X-API-Key` header equal to the server's `ARSHIF_API_KEY`; without that "
        "setting the write API answers 403."
    ),
)
def put_articles(request: Request, service: Service, body: ArticleBody,
                 x_api_key: Annotated[str | None, Header(description="The server's ARSHIF_API_KEY.")] = None
                 ) -> WriteOut:
    _require_key(request, x_api_key)
    articles = body if isinstance(body, list) else [body]
    if len(articles) > MAX_WRITE_ARTICLES:
        raise api_error(413, f"at most {MAX_WRITE_ARTICLES} articles per request (got {len(articles)})")
    from indexer.pipeline import prepare

    ids: list[str] = []
    failed: dict[str, str] = {}
    ready: list[Article] = []
    for i, article in enumerate(articles):
        try:
            prepare(article)
        except Exception as exc:  # noqa: BLE001 - one odd article must not sink the others
            key = article.id or f"#{i}"
            failed[key] = f"could not prepare: {exc}"
            ids.append(key)
            continue
        ids.append(article.id)
        ready.append(article)
    engine = writable_engine(request, service)
    with _engine_errors(), _write_lock:
        result = engine.upsert(ready)
    failed.update(result.failed)
    return WriteOut(ids=ids, created=result.created, updated=result.updated, unchanged=result.unchanged,
                    failed=failed)


@router.delete(
    "/articles/{article_id}", response_model=DeleteOut, summary="Delete an article (needs X-API-Key)",
    responses={**E404, **E422, **E503, **E_WRITE},
    description="Removes the article from the archive; unknown id → 404. Needs the `X-API-Key` header.",
)
def delete_article(request: Request, article_id: ArticleId, service: Service,
                   x_api_key: Annotated[str | None, Header(description="The server's ARSHIF_API_KEY.")] = None
                   ) -> DeleteOut:
    _require_key(request, x_api_key)
    engine = writable_engine(request, service)
    with _engine_errors(), _write_lock:
        n = engine.delete([article_id])
    if not n:
        raise api_error(404, f"no article with id '{article_id[:80]}'")
    return DeleteOut(id=article_id, deleted=True)


# --- health and stats -----------------------------------------------------------------------


@router.get(
    "/health", response_model=HealthOut, summary="Is the engine reachable?",
    responses=E503,
    description="200 with the engine's name, location and document count when the archive can be searched; "
                "503 with `Retry-After` when it cannot. Cheap enough for a load balancer's health check.",
)
def health(request: Request) -> HealthOut:
    service = service_from(request)
    engine = service.engine
    with _engine_errors():
        documents = engine.count()
    location = str(getattr(engine, "path", "") or service.settings.index_name)
    return HealthOut(status="ok", engine=engine.name, location=location, documents=documents,
                     version=__version__, write_api=bool(service.settings.api_key))


@router.get(
    "/stats", response_model=StatsOut, summary="Archive statistics",
    responses=E503,
    description="What the engine reports about the archive: documents, languages, sources, translation status, "
                "date range and size (fields beyond `engine` and `documents` depend on the engine).",
)
def stats(service: Service) -> StatsOut:
    with _engine_errors():
        data = service.engine.stats()
    return StatsOut(**data)
