"""Response models of the API: what each endpoint answers, with examples for ``/docs``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arshif.engines.base import article_date
from arshif.model import Article, Translation
from arshif.search.contract import MAX_HITS, DateBucket, FacetValue, Hit, SearchResponse
from web.api.params import ApiSearchParams
from web.errors import ErrorDetail

class SearchResult(SearchResponse):
    """One page of hits, the facets and date histogram of all matches, and the cursor to the next page."""

    params: ApiSearchParams = Field(description="The parameters as understood (defaults filled in).")
    page: int = Field(description="The page number (1 when paging with `cursor`).")
    size: int
    expanded: list[str] = Field(
        default_factory=list, description="`mode=cross`: the other-language words and phrases searched beside "
                                          "`q` (what the query became); empty in other modes.")
    alternatives: list[str] = Field(
        default_factory=list, description="`mode=cross`: the other-language queries actually searched (simple "
                                          "syntax), OR-ed with `q`; pass an edited one back as `alt`.")
    cross_total: int | None = Field(
        default=None, description="When this mode found fewer than 10 articles and `mode=cross` finds more: "
                                  "how many it finds (a hint to search across languages).")

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


class StoryResult(BaseModel):
    story_id: str
    total: int = Field(description="Articles in the story.")
    first: str = Field(description="Id of the article published first.")
    hits: list[Hit] = Field(description="Every article of the story, oldest first.")


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

    @model_validator(mode="before")
    @classmethod
    def _one_value_as_a_list(cls, data: Any) -> Any:
        """``"lang": "en"`` as ``?lang=en`` means: a list parameter given one value (it was refused, "should
        be a valid list", where GET takes it)."""
        if isinstance(data, dict):
            data = {k: [v] if k in _LIST_PARAMETERS and isinstance(v, str) else v for k, v in data.items()}
        return data


#: The search parameters that take several values (read once, not for every query of every batch).
_LIST_PARAMETERS = frozenset(name for name, f in BatchQuery.model_fields.items() if get_origin(f.annotation) is list)


class BatchRequest(BaseModel):
    queries: list[dict[str, Any]] = Field(
        min_length=1,
        description="At most `max_batch_queries` (50 by default). Each is an object with any parameter of "
                    "`GET /api/search` (`q`, `mode`, `source`, `lang`, `date_from`, `sort`, `size`, …); one that "
                    "is invalid gets its own error in the results and does not fail the others.")
    size: int = Field(default=10, ge=0, json_schema_extra={"maximum": MAX_HITS},  # (see SearchParams.size)
                      description="Top hits per query (0: totals only) unless a query sets its own `size`.")

    # (kept, so the endpoint can name a misspelt key: ``sise`` was ignored and the batch answered without it)
    model_config = ConfigDict(extra="allow")


class BatchItem(BaseModel):
    index: int = Field(description="Position of the query in the request.")
    q: str
    total: int | None = Field(default=None, description="Matches; null when the query failed.")
    hits: list[Hit] = Field(default_factory=list)
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    date_histogram: list[DateBucket] = Field(default_factory=list)
    next_cursor: str | None = None
    partial: bool = Field(default=False, description="True when part of the index did not answer (see "
                                                     "`partial` of a search).")
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
    cluster: dict[str, Any] | None = Field(
        default=None, description="For Elasticsearch/OpenSearch: this archive's `status` on the cluster (green; "
                                  "yellow: a replica is missing, nothing lost; red: some shards have no live "
                                  "copy, results are partial), `nodes`, `unassigned_shards`. Null on the "
                                  "embedded engine.")
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


def translation_label(tr: Translation) -> str:
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
    data = article.model_dump(exclude={"translation_status", "translations"})
    translations = {k: TranslationOut(**tr.model_dump(), machine=tr.kind == "machine", label=translation_label(tr))
                    for k, tr in article.translations.items()}
    return ArticleOut(**data, translations=translations, date=article_date(article))

