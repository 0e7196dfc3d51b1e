"""The one search service behind both the HTML pages and the JSON API.

Pages and API take the same parameters (:class:`SearchParams`), so every HTML
page has a JSON twin that answers exactly the same search.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from pydantic import BaseModel, Field, field_validator

from arshif.engines import Engine
from arshif.model import Article
from arshif.search.contract import FACET_FIELDS, FacetRequest, Filters, Hit, SearchRequest, SearchResponse
from arshif.settings import Settings


#: What people type for a language filter, mapped to the stored codes.
LANGUAGE_ALIASES = {"arabic": "ar", "عربي": "ar", "العربية": "ar", "ar-sa": "ar", "english": "en", "en-us": "en",
                    "en-gb": "en", "إنجليزي": "en", "الإنجليزية": "en"}


class QueryTranslator(Protocol):
    """Turns a query into its phrasings in the other language (cross-lingual search)."""

    def alternatives(self, q: str) -> list[str]: ...


class SearchParams(BaseModel):
    """Search parameters as they appear in a URL (``?q=…&source=…&sort=newest``)."""

    q: str = Field(default="", max_length=2000, description="Query in the simple syntax.",
                   examples=["الباغوز", '"oil prices" -opec', "Riyadh source:okaz"])
    mode: Literal["ar", "en", "both", "cross"] = Field(
        default="both", description="ar/en: only articles in that language; both: all; "
                                    "cross: all, and the query is also run translated into the other language.")
    source: list[str] = Field(default_factory=list)
    author: list[str] = Field(default_factory=list)
    lang: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Literal["relevance", "newest", "oldest"] = "relevance"
    size: int = Field(default=10, ge=1, le=100)
    page: int = Field(default=1, ge=1, le=10_000, description="Pages reach the first 10,000 results; use cursor beyond.")
    cursor: str | None = Field(default=None, max_length=2000)
    highlight: bool = True
    facets: list[str] = Field(default_factory=lambda: ["source", "author", "language", "tag"])
    facet_size: int = Field(default=10, ge=1, le=200)
    histogram: Literal["auto", "day", "week", "month", "year"] | None = "auto"

    @field_validator("facets", mode="before")
    @classmethod
    def _comma_lists(cls, v):
        """Accept ``facets=source,author`` as well as repeated ``facets=source&facets=author``."""
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and any(isinstance(x, str) and "," in x for x in v):
            return [part.strip() for x in v for part in str(x).split(",") if part.strip()]
        return v

    @field_validator("lang", mode="after")
    @classmethod
    def _language_codes(cls, v: list[str]) -> list[str]:
        return [LANGUAGE_ALIASES.get(x.strip().lower(), x.strip().lower()) for x in v]

    def filters(self) -> Filters:
        lang = list(self.lang)
        if self.mode in ("ar", "en") and self.mode not in lang:
            lang = [self.mode]
        return Filters(source=self.source, author=self.author, language=lang, tag=self.tag, site=self.site,
                       date_from=self.date_from, date_to=self.date_to)


class SearchService:
    def __init__(self, settings: Settings, engine: Engine, query_translator: QueryTranslator | None = None):
        self.settings = settings
        self.engine = engine
        self.query_translator = query_translator

    def request_for(self, params: SearchParams) -> SearchRequest:
        alternatives: list[str] = []
        if params.mode == "cross" and params.q and self.query_translator is not None:
            alternatives = [a for a in self.query_translator.alternatives(params.q) if a and a != params.q]
        facets = [FacetRequest(field=f, size=params.facet_size) for f in params.facets if f in FACET_FIELDS]
        if params.date_from and params.date_to and params.date_from > params.date_to:
            from arshif.engines import BadRequest

            raise BadRequest(f"date_from ({params.date_from}) is after date_to ({params.date_to}): swap them")
        offset = 0 if params.cursor else (params.page - 1) * params.size
        if offset > 10_000:
            from arshif.engines import BadRequest

            raise BadRequest(f"page {params.page} of {params.size} goes past the first 10,000 results: "
                             "narrow the search, or page with 'cursor' (the API's deep paging)")
        return SearchRequest(
            q=params.q, alternatives=alternatives, filters=params.filters(), facets=facets,
            date_histogram=params.histogram, sort=params.sort, size=params.size,
            offset=offset, cursor=params.cursor,
            highlight=params.highlight)

    def search(self, params: SearchParams) -> SearchResponse:
        return self.engine.search(self.request_for(params))

    def article(self, article_id: str) -> Article | None:
        return self.engine.get(article_id)

    def related(self, article_id: str, size: int = 8) -> list[Hit]:
        return self.engine.more_like_this(article_id, size=size)


def service_from(request) -> SearchService:
    """FastAPI dependency: the app's search service, or 503 when the engine could not be opened."""
    from arshif.engines import EngineUnavailable

    service = getattr(request.app.state, "service", None)
    if service is None:
        raise EngineUnavailable("no engine could be opened at start-up (see the server log)")
    return service
