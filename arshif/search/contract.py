"""Typed request and response of a search, shared by every engine, the API and the pages.

Engines receive a :class:`SearchRequest` and must answer a :class:`SearchResponse`;
the contract test-suite (``tests/test_engine_contract.py``) holds each engine to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from arshif.fields import FACET_FIELDS, FILTER_FIELDS  # noqa: F401 - re-exported: the contract's field names
from arshif.model import Article

FacetField = Literal["source", "author", "language", "tag", "site", "person", "place", "org"]
#: ``added``: the articles the archive stored most recently first (what a feed of a saved search lists).
Sort = Literal["relevance", "newest", "oldest", "added"]
Mode = Literal["ar", "en", "both", "cross"]
Interval = Literal["auto", "day", "week", "month", "year"]
Group = Literal["story", "none"]

# Limits every engine, the API, the pages and the CLI apply: declared here once.
#: Deepest offset a page can start at; ``cursor`` pages beyond without limit.
MAX_OFFSET = 10_000
#: Most hits one request can ask for (the server's ``max_page_size`` may be lower).
MAX_HITS = 1000
#: Longest query text.
MAX_QUERY_LENGTH = 2000
#: Most values one facet can list.
MAX_FACET_VALUES = 1000
#: Values one filter field may list (``tag=a&tag=b…``). Every value becomes a clause of the engine query and
#: a chip and link on the page (which repeats all the others), so the page grows with the square of this.
MAX_FILTER_VALUES = 50

#: A filter field of a request's parameters (the engine's own Filters are not capped: a query's
#: ``field:value`` terms are merged into them).
FilterValues = Annotated[list[str], Field(default_factory=list, max_length=MAX_FILTER_VALUES)]


class Filters(BaseModel):
    """Exact-value filters. Values of one field are OR-ed; different fields are AND-ed."""

    source: list[str] = Field(default_factory=list)
    author: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)
    person: list[str] = Field(default_factory=list, description="Entity keys or any spelling of them (linked).")
    place: list[str] = Field(default_factory=list)
    org: list[str] = Field(default_factory=list)
    id: list[str] = Field(default_factory=list, description="The record's own id: the archive id, or the "
                                                            "source_id an input record kept (filter only).")
    story: list[str] = Field(default_factory=list, description="Only articles of these stories (story ids).")
    exclude: dict[str, list[str]] = Field(default_factory=dict, description="field → values to leave out")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    seen_after: int | None = Field(
        default=None, ge=0,
        description="Only articles the archive first stored after this ingest mark (from Engine.ingest_mark()). "
                    "'New since you last looked' is told by when an article arrived, never by its own date: an "
                    "old article ingested today is new, an updated one is not.")

    def values(self, field: str) -> list[str]:
        return list(getattr(self, field))

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from ({self.date_from}) is after date_to ({self.date_to}): swap them")
        return self


class FacetRequest(BaseModel):
    field: FacetField
    size: int = Field(default=10, ge=1, le=MAX_FACET_VALUES)
    prefix: str = ""


class SearchRequest(BaseModel):
    """What to search for. ``q`` uses the simple syntax of :mod:`arshif.search.syntax`."""

    q: str = Field(default="", max_length=MAX_QUERY_LENGTH)
    alternatives: list[str] = Field(
        default_factory=list,
        description="Other phrasings of q (e.g. its translation) OR-ed with it; filled by cross-lingual search.",
    )
    filters: Filters = Field(default_factory=Filters)
    facets: list[FacetRequest] = Field(default_factory=list)
    date_histogram: Interval | None = None
    sort: Sort = "relevance"
    size: int = Field(default=10, ge=0, le=MAX_HITS)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    cursor: str | None = None
    highlight: bool = True
    group: Group = Field(default="none", description="story: one hit per story (its best match), with the number "
                                                      "and sources of the other matching copies; none: every article.")
    with_articles: bool = Field(default=False, description="Attach each hit's stored article (for export), so "
                                                           "nothing is fetched twice.")
    count_total: bool = Field(
        default=True, description="False: the caller needs the hits, not how many match (a feed). An engine may "
                                  "then skip counting; the response says so with total_counted=False and its "
                                  "total is only the number of hits returned.")

    @field_validator("q")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()


class FacetValue(BaseModel):
    value: str
    count: int


class DateBucket(BaseModel):
    start: dt.date
    count: int


class Hit(BaseModel):
    """One result: enough to render a result row without fetching the article."""

    id: str
    score: float | None = None
    title: str
    source: str = ""
    author: str = ""
    site: str = ""
    language: str = ""
    date: dt.date | None = None
    url: str = ""
    tags: list[str] = Field(default_factory=list)
    source_id: str = Field(default="", description="The input record's own id when it could not be the id.")
    translated_title: str = ""
    translation_language: str = ""
    translation_status: str = "none"
    translation_kind: str = Field(default="", description="machine, human or provided: how the translation "
                                                           "was made ('' when there is none).")
    indexed_at: dt.datetime | None = Field(default=None, description="When the archive first stored the article (UTC).")
    story_id: str = Field(default="", description="The story the article belongs to (copies and translations "
                                                  "of one report share it).")
    story_size: int = Field(default=1, description="Grouped searches: how many matching articles this story has "
                                                   "(this one included).")
    story_sources: list[str] = Field(default_factory=list, description="Grouped searches: the sources of the "
                                     "story's other matching copies, earliest first (at most 5).")
    snippet: str = Field(default="", description="HTML-safe: text is escaped, matches wrapped in <mark>.")
    title_highlight: str = Field(default="", description="HTML-safe title with matches in <mark>.")
    matched_in: Literal["original", "translation", "none"] = "none"
    snippet_language: str = ""
    sort: list = Field(default_factory=list, description="Sort key, used to build cursors.")
    article: SkipJsonSchema[Article | None] = Field(default=None, exclude=True,
                                    description="The stored article, when the request asked for it (never serialised).")


class SearchResponse(BaseModel):
    total: int
    stories: int | None = Field(default=None, description="Distinct stories among the matches (grouped searches); "
                                                          "pages then count stories, not articles. Counted exactly "
                                                          "as far as pages reach (11,000 stories on the embedded "
                                                          "engine, ~40,000 on OpenSearch/Elasticsearch), estimated "
                                                          "beyond (within a few percent).")
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    date_histogram: list[DateBucket] = Field(default_factory=list)
    interval: str | None = None
    took_ms: float = 0.0
    next_cursor: str | None = None
    total_counted: bool = Field(default=True, exclude=True,
                                description="False when the request did not ask for the total and the engine "
                                            "skipped counting: total is then the number of hits returned.")
    partial: bool = Field(
        default=False,
        description="True when part of the index did not answer (a cluster node is down and some shards have "
                    "no live copy): the hits, total and facets may be incomplete. Repeat the search later.")
    relaxed: bool = Field(
        default=False,
        description="True when too few articles contained every word of a plain multi-word query, so the "
                    "hits are those with most of the words, the rarer words counting more (best match).")
    all_words_total: int | None = Field(
        default=None, description="With relaxed: how many articles contain every word (fewer than a page).")
    query_words: int | None = Field(
        default=None, description="With relaxed: how many words were searched for (stopwords left out).")
