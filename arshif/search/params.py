"""Search parameters as people give them (URL, CLI options), and the one place that turns
them into an engine request.

The API, the HTML pages and the CLI all build their searches here, so each rule —
date order, paging limits, cursor shape, facet names — is checked once, with one
message, whichever door the request came through.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from arshif.analysis.filters import decimal_digit
from arshif.errors import BadRequest, InvalidParameter
from arshif.fields import FACET_BY_NAME, FACET_FIELDS, facet_named, normalise_value
from arshif.search.contract import (MAX_HITS, MAX_OFFSET, MAX_QUERY_LENGTH, FacetRequest, Filters, FilterValues, Group,
                                    Interval, Mode, SearchRequest, Sort)
from arshif.search.cursor import decode_cursor

#: Facets counted when a search does not say which.
DEFAULT_FACETS = ("source", "author", "language", "tag", "person", "place", "org")


class SearchParams(BaseModel):
    """Search parameters as they appear in a URL (``?q=…&source=…&sort=newest``)."""

    q: str = Field(default="", max_length=MAX_QUERY_LENGTH, description="Query in the simple syntax.",
                   examples=["الباغوز", '"oil prices" -opec', "Riyadh source:okaz"])
    mode: Mode = Field(
        default="both", description="ar/en: only articles in that language; both: all; "
                                    "cross: all, and the query is also run translated into the other language.")
    source: FilterValues
    author: FilterValues
    lang: FilterValues
    tag: FilterValues
    site: FilterValues
    id: FilterValues
    person: FilterValues = Field(default_factory=list, description="People named in the article: any spelling, "
                                                                   "either script (linked to one key).")
    place: FilterValues = Field(default_factory=list, description="Places named in the article (الرياض and Riyadh "
                                                                  "select the same articles).")
    org: FilterValues = Field(default_factory=list, description="Organisations named in the article.")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Sort = "relevance"
    # (the upper bound is checked by to_request, against the server's page-size limit: a bound here would
    # name MAX_HITS to a user whose server allows fewer)
    size: int = Field(default=10, ge=1, json_schema_extra={"maximum": MAX_HITS})
    page: int = Field(default=1, ge=1, le=MAX_OFFSET, description="Pages reach the first 10,000 results; "
                                                                   "use cursor beyond.")
    cursor: str | None = Field(default=None, max_length=2000)
    highlight: bool = True
    facets: list[str] = Field(default_factory=lambda: list(DEFAULT_FACETS))
    facet_size: int = Field(default=10, ge=1, le=200)
    histogram: Interval | Literal["none"] | None = "auto"
    alt: str | None = Field(
        default=None, max_length=MAX_QUERY_LENGTH,
        description="Cross mode: the other-language query to search beside q, as the reader edited it "
                    "(replaces the automatic translation shown as `expanded`); simple syntax.")
    group: Group = Field(default="story", description="story: copies of one report (and its telling in the other "
                                                       "language) show as one hit with '+N more from …'; none: every "
                                                       "article on its own.")

    @field_validator("facets", mode="before")
    @classmethod
    def _comma_lists(cls, v):
        """Accept ``facets=source,author`` as well as repeated ``facets=source&facets=author``."""
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and any(isinstance(x, str) and "," in x for x in v):
            return [part.strip() for x in v for part in str(x).split(",") if part.strip()]
        return v

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date_as_typed(cls, v):
        """A date as people type it: Arabic-Indic or Persian digits (٢٠١٥-٠٨-٠١), ``/`` or ``.`` between year,
        month and day, or none at all (20150801, which was read as seconds since 1970 and refused with
        'Datetimes provided to dates should have zero time')."""
        if not isinstance(v, str):
            return v
        v = decimal_digit(v.strip())  # (every script's digits, as the analyzers read them in text)
        if re.fullmatch(r"\d{8}", v):
            return f"{v[:4]}-{v[4:6]}-{v[6:]}"
        if m := re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", v):
            return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
        return v

    @field_validator("lang", mode="after")
    @classmethod
    def _language_codes(cls, v: list[str]) -> list[str]:
        return [normalise_value(FACET_BY_NAME["language"], x) for x in v]

    def filters(self) -> Filters:
        lang = list(self.lang)
        if self.mode in ("ar", "en") and self.mode not in lang:
            lang = [self.mode]
        try:
            return Filters(source=self.source, author=self.author, language=lang, tag=self.tag, site=self.site,
                           id=[v.strip() for v in self.id if v.strip()], person=self.person, place=self.place, org=self.org,
                           date_from=self.date_from,
                           date_to=self.date_to)
        except ValidationError as exc:
            raise BadRequest("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None

    def facet_names(self) -> list[str]:
        """The facets asked for, by their canonical names; BadRequest naming an unknown one."""
        out: list[str] = []
        for name in self.facets:
            if not name.strip():
                continue
            facet = facet_named(name)
            if facet is None:
                raise BadRequest(f"unknown facet field '{name.strip()[:50]}': use one of {', '.join(FACET_FIELDS)}")
            if facet.name not in out:
                out.append(facet.name)
        return out

    def to_request(self, *, alternatives: list[str] | None = None, max_size: int | None = None,
                   size: int | None = None) -> SearchRequest:
        """The engine request for these parameters, after every request rule.

        ``max_size`` is the server's page-size limit (the API and pages); the CLI passes none.
        ``size`` overrides the page size (0: counts, facets and histogram only).
        """
        limit = MAX_HITS if max_size is None else min(max_size, MAX_HITS)
        # (the parameters' own size too, when overridden: a page that counts only still links with it)
        for asked in (self.size, size):
            if asked is not None and asked > limit:
                raise InvalidParameter("size", f"at most {limit} hits per page (got {asked}); "
                                               "page with cursor to read more")
        size = self.size if size is None else size
        if self.cursor is not None and self.page != 1:
            raise InvalidParameter("page", f"page={self.page} cannot go with cursor: a cursor already says where the "
                                           "next page starts. Drop page to continue the walk, or drop cursor to "
                                           f"jump to page {self.page}")
        offset = 0 if self.cursor else (self.page - 1) * size
        # The page's last result, not its first, must lie within the first 10,000 (as Elasticsearch and
        # OpenSearch count from + size: page 101 of 100 was a 500 from their 'Result window is too large').
        if offset + size > MAX_OFFSET:
            raise BadRequest(f"page {self.page} of {size} reaches past result {MAX_OFFSET:,}: narrow the "
                             "search, or page with cursor (next_cursor) to read further")
        if self.cursor is not None:
            decode_cursor(self.cursor, self.sort)
        filters = self.filters()
        return SearchRequest(
            q=self.q, alternatives=list(alternatives or []), filters=filters,
            facets=[FacetRequest(field=f, size=self.facet_size) for f in self.facet_names()],
            date_histogram=None if self.histogram == "none" else self.histogram, sort=self.sort, size=size,
            offset=offset, cursor=self.cursor, highlight=self.highlight, group=self.group)
