"""The one table of searchable fields: which texts are searched (and how much each counts),
and which fields can be faceted and filtered, under which names.

Engines, the API, the pages and the CLI all read this table, so adding a facet or
changing a boost is one edit here (plus the index definition in ``mappings/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class TextField:
    """A full-text field: the original's title/body or the stored translation's."""

    name: str
    boost: int
    translation: bool = False


@dataclass(frozen=True)
class FacetField:
    """A field with exact values that can be filtered on and, unless ``countable`` is False, counted (facets).

    ``param`` is its name in URLs and in the query syntax (``lang:ar``); ``aliases`` are
    other names people use for it; ``multi`` fields hold several values per article
    (tags), stored in their own table on the embedded engine and as an array elsewhere.
    A field that is not ``countable`` is a filter only: it has a value per article (an id), so a
    count of its values would list every article once.
    """

    name: str
    param: str
    stored_as: str
    aliases: tuple[str, ...] = ()
    multi: bool = False
    kind: Literal["keyword", "language"] = "keyword"
    value_aliases: dict[str, str] = field(default_factory=dict)
    countable: bool = True


#: Text fields in the order engines keep them, with the weight of a match in each: a title counts
#: more than a body, and an original title more than its machine translation. The weights are whole
#: numbers, the same on every engine: the embedded engine scores all of an article's text as one
#: BM25F field in which each text is written as many times as its weight, and Elasticsearch/OpenSearch
#: weigh the fields alike in ``combined_fields``. (Fractional weights, 1.5 and 0.5 for the translation,
#: were rounded up by the embedded engine only; the remote engines, weighing a translated body half an
#: original one, ranked XQuAD's typed questions lower: R@10 0.902 vs 0.912 with these weights.)
TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("title", 3),
    TextField("body", 1),
    TextField("tr_title", 2, translation=True),
    TextField("tr_body", 1, translation=True),
)
TEXT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in TEXT_FIELDS)
FIELD_BOOSTS: dict[str, int] = {f.name: f.boost for f in TEXT_FIELDS}

#: What people type for a language, mapped to the stored codes.
LANGUAGE_ALIASES = {"arabic": "ar", "عربي": "ar", "العربية": "ar", "ar-sa": "ar", "english": "en", "en-us": "en",
                    "en-gb": "en", "إنجليزي": "en", "الإنجليزية": "en"}

FACETS: tuple[FacetField, ...] = (
    FacetField("source", "source", "source"),
    FacetField("author", "author", "author"),
    FacetField("language", "lang", "language", aliases=("lang",), kind="language", value_aliases=LANGUAGE_ALIASES),
    FacetField("tag", "tag", "tags", multi=True),
    FacetField("site", "site", "site"),
    # People, places and organisations tagged at ingest (arshif/entities.py): values are linked keys.
    FacetField("person", "person", "person", aliases=("per", "شخص"), multi=True),
    FacetField("place", "place", "place", aliases=("loc", "مكان"), multi=True),
    FacetField("org", "org", "org", aliases=("organisation", "organization", "منظمة"), multi=True),
)
FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in FACETS)
FACET_BY_NAME: dict[str, FacetField] = {f.name: f for f in FACETS}
#: Every name a facet goes by (its own, its URL parameter, its aliases) → the facet.
FACET_NAMES: dict[str, FacetField] = {n: f for f in FACETS for n in (f.name, f.param, *f.aliases)}

#: The record's own id, as its input file gave it: the archive id when it could be one, else the article's
#: ``source_id`` (``ex 2/3``, a URL guid). ``id:bbc-business-001`` and ``source_id:"ex 2/3"`` find the article
#: either way; it is kept as a keyword field (``source_id`` in ``mappings/articles.json``), never counted.
RECORD_ID = FacetField("id", "id", "source_id", aliases=("source_id",), countable=False)

#: Every field a search can filter on: the facets, then the filter-only fields.
FILTERS: tuple[FacetField, ...] = (*FACETS, RECORD_ID)
FILTER_FIELDS: tuple[str, ...] = tuple(f.name for f in FILTERS)
FILTER_BY_NAME: dict[str, FacetField] = {f.name: f for f in FILTERS}
#: Every name a filter goes by in ``field:value`` and in URLs → the field.
FILTER_NAMES: dict[str, FacetField] = {n: f for f in FILTERS for n in (f.name, f.param, *f.aliases)}


def facet_named(name: str) -> FacetField | None:
    """The facet a name (``lang``, ``language``, ``tags`` …) refers to, or None."""
    return FACET_NAMES.get(name.strip().lower())


def normalise_value(facet: FacetField, value: str) -> str:
    """A filter value as stored (``English`` → ``en`` for the language facet)."""
    value = value.strip()
    if facet.value_aliases:
        return facet.value_aliases.get(value.lower(), value.lower())
    return value
