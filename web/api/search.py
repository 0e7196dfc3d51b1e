"""Search endpoints: one search, a batch of searches, and the values of one facet."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query
from pydantic import ValidationError

from arshif.errors import BadRequest, InvalidParameter
from arshif.analysis import get_analyzer
from arshif.fields import FACET_FIELDS, FILTERS, facet_named
from arshif.search.contract import FacetRequest, SearchRequest, SearchResponse
from arshif.search.syntax import QuerySyntaxError
from web.api.models import BatchItem, BatchQuery, BatchRequest, BatchResult, FacetResult, SearchResult
from web.api.params import SYNTAX_HELP, ApiSearchParams, FacetParams, as_search_params
from web.api.strict import unknown_name_message
from web.errors import E404, READ_ERRORS, ErrorDetail, api_error, cursor_errors, error_doc
from web.service import Service, SearchService

router = APIRouter()


def run(service: SearchService, request: SearchRequest) -> SearchResponse:
    """Run a request; a cursor the engine cannot use is the client's mistake (400)."""
    with cursor_errors(request.cursor):
        return service.engine.search(request)


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
        "Repeat list parameters (`source=a&source=b`); values of one field are OR-ed, fields are AND-ed.\n\n"
        "**Across languages.** `mode=cross` also searches the query translated into the other language — by the "
        "configured provider, or offline from the bundled lexicon — and answers what it searched: `expanded` (the "
        "words) and `alternatives` (the queries). Send an edited query back as `alt` to search that instead. In "
        "other modes, when few articles match, `cross_total` says how many `mode=cross` would find."
    ),
)
def search(params: Annotated[ApiSearchParams, Query()], service: Service) -> SearchResult:
    resp = run(service, service.request_for(params))
    expansion = service.expansion(params)
    return SearchResult(**resp.model_dump(), params=params, page=1 if params.cursor else params.page,
                        size=params.size, expanded=list(expansion.words) if expansion else [],
                        alternatives=list(expansion.alternatives) if expansion else [],
                        cross_total=service.cross_offer(params, resp))


BATCH_EXAMPLES = {
    "two queries": {"summary": "Two queries, top 3 hits each",
                    "value": {"queries": [{"q": "النفط"}, {"q": "oil prices", "lang": ["en"], "sort": "newest"}],
                              "size": 3}},
    "totals only": {"summary": "Only totals, with a facet", "value": {
        "queries": [{"q": "الرياض"}, {"q": "جدة", "facets": ["source"]}], "size": 0}},
}


#: The query syntax's OR operator (upper case, standing alone): an operator, not a term to look up.
_OR = re.compile(r"(?<!\S)OR(?!\S)")
#: The keys a batch query may carry: the parameters of GET /api/search.
BATCH_KEYS = frozenset(BatchQuery.model_fields)
#: Filter parameters a batch query may carry (from the field table).
_FILTER_PARAMS = tuple(dict.fromkeys(f.param for f in FILTERS))


def query_terms(q: str) -> int:
    """How many terms the engine will look up for ``q``: the tokens of the index's own analyzer (the
    standard tokenizer splits at punctuation too, so ``a,b,c`` or ``a/b/c`` is three terms, as the engine
    sees it), not its space-separated words."""
    return len(get_analyzer("arshif_exact").terms(_OR.sub(" ", q)))


def batch_cost(queries: list[dict[str, Any]], default_size: int) -> int:
    """What a batch asks the engine to do, counted before running it: each query costs its terms (words and
    phrase words, as the analyzer splits them) and filter values (at least 1) × (1 + size/10), doubled in
    cross-lingual mode. One 64-word OR query at size 100 costs 704 and took ~2 s on the full archive; the
    limit (``max_batch_cost``) keeps a batch to seconds instead of the 112 s that 50 of them took."""
    total = 0
    for raw in queries:
        q = raw.get("q") if isinstance(raw.get("q"), str) else ""
        terms = query_terms(q)
        for f in _FILTER_PARAMS:
            v = raw.get(f)
            terms += len(v) if isinstance(v, list) else int(bool(v))
        size = raw.get("size", default_size)
        size = size if isinstance(size, int) and 0 <= size <= 1000 else default_size
        total += max(1, terms) * (1 + size // 10) * (2 if raw.get("mode") == "cross" else 1)
    return total


@router.post(
    "/search/batch", response_model=BatchResult, summary="Run many searches in one request",
    responses={**READ_ERRORS, 413: error_doc("More queries than max_batch_queries, or a batch cost over "
                                             "max_batch_cost.", "at most 50 queries per batch (got 51)", 413)},
    description=(
        "Each query takes any search parameter (`q`, `mode`, filters, `sort`, `cursor`, …). The answer lists, per "
        "query and in order, its `total` and top hits; facets and histogram only when the query asks for them. "
        "A query that cannot run (bad syntax, bad cursor, unknown facet) gets an `error` of its own while the others "
        "still run. At most `max_batch_queries` queries (50 by default; more → 413); `size` ≤ `max_page_size`. "
        "A batch's cost — per query its terms (as the analyzer splits the text: `a,b,c` is three) and filter "
        "values × (1 + size/10), doubled for "
        "`mode=cross` — may be at most `max_batch_cost` (2,000 by default; more → 413 before any search runs).\n\n"
        + SYNTAX_HELP
    ),
)
def search_batch(
    service: Service,
    body: Annotated[BatchRequest, Body(openapi_examples=BATCH_EXAMPLES)],
) -> BatchResult:
    started = time.perf_counter()
    limit = service.settings.max_batch_queries
    for key in body.model_extra or {}:
        raise InvalidParameter(key, unknown_name_message(key, frozenset(BatchRequest.model_fields), "key", "batch"))
    if len(body.queries) > limit:
        raise api_error(413, f"at most {limit} queries per batch (got {len(body.queries)}): split the batch")
    if body.size > service.settings.max_page_size:
        raise InvalidParameter("size", f"at most {service.settings.max_page_size} hits per query (got {body.size})")
    cost = batch_cost(body.queries, body.size)
    if cost > service.settings.max_batch_cost:
        raise api_error(413, f"batch cost {cost:,} is over the limit of {service.settings.max_batch_cost:,}: "
                             "a query costs its words, phrases and filters × (1 + size/10); use fewer or "
                             "narrower queries, a smaller size, or several batches")
    results: list[BatchItem] = []
    for i, raw in enumerate(body.queries):
        unknown = [k for k in raw if k not in BATCH_KEYS]
        if unknown:  # as GET /api/search answers a misspelt parameter: a filter typed wrong filters nothing
            results.append(BatchItem(index=i, q=str(raw.get("q", ""))[:200], error=ErrorDetail(
                status=422, message=unknown_name_message(str(unknown[0]), BATCH_KEYS, "key", "query"))))
            continue
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
            resp = run(service, service.request_for(query, size=size))
            results.append(BatchItem(index=i, q=query.q, total=resp.total, hits=resp.hits, facets=resp.facets,
                                     date_histogram=resp.date_histogram, next_cursor=resp.next_cursor,
                                     partial=resp.partial))
        except QuerySyntaxError as exc:
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(
                status=400, message=f"query syntax: {exc}", position=exc.position)))
        except InvalidParameter as exc:
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(status=422, message=str(exc),
                                                                           parameter=exc.parameter)))
        except BadRequest as exc:
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(status=400, message=str(exc))))
        except HTTPException as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
            results.append(BatchItem(index=i, q=query.q, error=ErrorDetail(status=exc.status_code, **detail)))
    return BatchResult(results=results, took_ms=round((time.perf_counter() - started) * 1000, 2))



# --- facets ---------------------------------------------------------------------------------


@router.get(
    "/facets/{field}", response_model=FacetResult, summary="Top values of one facet field",
    responses={**READ_ERRORS, **E404},
    description=(
        "The most frequent values of `field` (one of `source`, `author`, `language` (or `lang`), `tag`, `site`) "
        "among the articles matching `q` and the filters, with counts; `prefix` keeps values starting with it "
        "(for autocomplete), whatever the case and the Arabic letter variants (`اسامة` lists `أسامة …` and "
        "`اسامه …`); a person, place or organisation typed in full also lists the key it is counted under "
        "(`الرياض` lists `Riyadh`). A facet ignores its own filter (picking a source still lists the other sources). "
        "Unknown field → 404 listing the valid ones.\n\n" + SYNTAX_HELP
    ),
)
def facet_values(
    field: Annotated[str, Path(max_length=50, description="source, author, language, tag or site",
                               examples=["source"])],
    params: Annotated[FacetParams, Query()],  # type: ignore[valid-type]
    service: Service,
) -> FacetResult:
    facet = facet_named(field)
    if facet is None:
        raise api_error(404, f"unknown facet field '{field[:50]}': use one of {', '.join(FACET_FIELDS)}",
                        valid_fields=list(FACET_FIELDS))
    name = facet.name
    sp = as_search_params(params, facets=[], histogram=None, highlight=False)
    request = service.request_for(sp, size=0).model_copy(update={
        "facets": [FacetRequest(field=name, size=params.size, prefix=params.prefix)]})
    resp = run(service, request)
    return FacetResult(field=name, prefix=params.prefix, total=resp.total, values=resp.facets.get(name, []))

