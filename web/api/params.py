"""Query parameters of the API: the shared search parameters, documented for OpenAPI.

The fields, types and limits are :class:`~arshif.search.params.SearchParams`' own; this
module only adds the descriptions and examples scripts read in ``/docs``, and the
subsets that the facet and export endpoints take.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from arshif.search.contract import MAX_FILTER_VALUES, MAX_HITS
from arshif.search.params import DEFAULT_FACETS, SearchParams

SYNTAX_HELP = (
    "**Query syntax** (`q`): `word word` — every word must match (stemmed, diacritics ignored); "
    "`\"exact phrase\"`; `-word` / `-\"phrase\"` — leave out; `a OR b`; `( … )` grouping; "
    "`field:value` filters on `source`, `author`, `lang`, `tag`, `site`, and on the people, places and "
    "organisations named in articles: `person:`, `place:`, `org:` (any spelling, either script: `place:الرياض` "
    "and `place:Riyadh` select the same articles; value may be \"quoted\"); "
    "`id:value` (or `source_id:value`) finds the article an input record gave that id, whether the archive kept "
    "it as the article's id or, when it could not be one (spaces, slashes, a URL), as its `source_id`. "
    "An empty `q` matches every article. Malformed queries answer 400 with the problem and its position."
)

class ApiSearchParams(SearchParams):
    """SearchParams with API documentation; `size` is checked against the server's max_page_size."""

    source: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES, description="Only these sources (repeat for several; OR-ed).",
                              examples=[["okaz"]])
    author: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES, description="Only these authors (repeatable).")
    lang: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES, description="Only these languages: `ar`, `en`, `other`.",
                            examples=[["ar"]])
    tag: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES, description="Only articles with one of these tags (repeatable).")
    site: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES, description="Only these sites (repeatable).")
    id: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                          description="Only the articles whose input record had one of these ids (repeatable): the "
                                      "archive id, or the `source_id` kept when the record's id could not be one.",
                          examples=[["bbc-business-001"]])
    person: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                              description="Only articles naming one of these people (repeatable; any spelling, "
                                          "Arabic or English, is matched to the person's key).",
                              examples=[["محمد بن سلمان"]])
    place: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                             description="Only articles naming one of these places (`الرياض` and `Riyadh` are one "
                                         "place).", examples=[["Riyadh"]])
    org: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                           description="Only articles naming one of these organisations.")
    date_from: dt.date | None = Field(default=None, description="Earliest date, inclusive (YYYY-MM-DD).",
                                      examples=["2015-07-21"])
    date_to: dt.date | None = Field(default=None, description="Latest date, inclusive (YYYY-MM-DD).",
                                    examples=["2015-08-31"])
    sort: Literal["relevance", "newest", "oldest"] = Field(
        default="relevance", description="Order of hits. Use `newest`/`oldest` for exactly-once cursor walks "
                                         "while the archive is being written to.")
    size: int = Field(default=10, ge=0, json_schema_extra={"maximum": MAX_HITS},  # (see SearchParams.size)
                      description="Hits per page, at most the server's `max_page_size` (100 by default); "
                                  "`0` answers counts, facets and the histogram only.")
    page: int = Field(default=1, ge=1, le=10_000, description="1-based page; `page × size` ≤ 10,000 (use `cursor`).")
    cursor: str | None = Field(default=None, max_length=2000,
                               description="`next_cursor` of the previous page: deep paging through every match.")
    highlight: bool = Field(default=True, description="Fill `snippet`/`title_highlight` with `<mark>` highlights.")
    facets: list[str] = Field(default_factory=lambda: list(DEFAULT_FACETS),
                              description="Facet fields to count (source, author, language, tag, site, person, "
                                          "place, org); "
                                          "pass `facets=` (empty) for none.")
    facet_size: int = Field(default=10, ge=1, le=200, description="Values per facet.")
    histogram: Literal["auto", "day", "week", "month", "year", "none"] | None = Field(
        default="auto", description="Date histogram interval; `none` for no histogram.")
    alt: str | None = Field(default=None, max_length=2000,
                            description="`mode=cross`: the other-language query to search beside `q` instead of "
                                        "the automatic translation (e.g. an edited `alternatives` entry).",
                            examples=['"محمد بن سلمان"'])
    group: Literal["story", "none"] = Field(
        default="story", description="`story` (default): one hit per story — copies of one report and its telling "
                                     "in the other language — with `story_size` and `story_sources` of the other "
                                     "matching copies, and `stories` (distinct stories) in the answer; pages then "
                                     "count stories. `none`: every article on its own.")


FILTER_FIELDS = ("q", "mode", "source", "author", "lang", "tag", "site", "person", "place", "org", "id",
                 "date_from", "date_to", "alt")


def _subset(model_name: str, names: tuple[str, ...], doc: str, /, **extra: Any) -> type[BaseModel]:
    """A query model made of some of ApiSearchParams' fields (same names, types, limits), plus ``extra``."""
    defs: dict[str, Any] = {f: (ApiSearchParams.model_fields[f].annotation, ApiSearchParams.model_fields[f])
                            for f in names}
    return create_model(model_name, __doc__=doc, **defs, **extra)


FacetParams = _subset(
    "FacetParams", FILTER_FIELDS, "The search filters plus the facet's own prefix and size.",
    prefix=(str, Field(default="", max_length=200, description="Only values starting with this text (case and Arabic letter variants "
                                                    "ignored; a name typed in full also lists its key).",
                       examples=["ok"])),
    size=(int, Field(default=10, ge=1, le=1000, description="How many values, most frequent first.")),
)

ExportParams = _subset(
    "ExportParams", (*FILTER_FIELDS, "sort"), "The search filters plus the export format and columns.",
    format=(Literal["csv", "jsonl"], Field(default="csv", description="`csv` (header row, RFC 4180 quoting) or "
                                                                       "`jsonl` (one JSON object a line).")),
    fields=(str | None, Field(default=None, max_length=500,
                              description="Comma-separated columns; default `id,date,source,author,language,"
                                          "title,url,body`.", examples=["id,date,title,url"])),
    bom=(bool, Field(default=False, description="CSV only: start the file with a UTF-8 byte-order mark, so a "
                                                "spreadsheet program (Excel) reads Arabic as Arabic instead of "
                                                "as Latin-1 letters. The search page's CSV link sets it; a "
                                                "script reads such a file with `encoding='utf-8-sig'`.")),
)


def as_search_params(model: BaseModel, **overrides) -> ApiSearchParams:
    """Search parameters from a subset model; every copy is its own hit (export and facets count articles)."""
    data = model.model_dump(include={*FILTER_FIELDS, "sort"})
    data["group"] = "none"
    data.update(overrides)
    return ApiSearchParams(**data)

