"""The entity endpoint: one person, place or organisation across the archive.

Answers "who appears with whom, where, when" for one entity: how many articles
name it (in each language), its coverage over time, the sources that cover it,
and the people, places and organisations named with it. The name may be any
spelling in either script (``الرياض``, ``Riyadh``): it is turned into the key
the archive counts it under (:func:`arshif.entities.entity_key`).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from arshif.entities import ENTITY_KINDS, entity_key, spelling
from arshif.search.contract import DateBucket, FacetRequest, FacetValue, Filters, Hit, SearchRequest
from web.api.search import run
from web.errors import READ_ERRORS, api_error, error_doc
from web.service import SearchService, Service

router = APIRouter()
#: Articles read to count co-occurring entities of the entity's own kind (facets of its own kind ignore
#: its filter, as every facet ignores its own, so these are counted from the newest articles instead).
SAME_KIND_SAMPLE = 300


class EntitySummary(BaseModel):
    kind: Literal["person", "place", "org"]
    key: str = Field(description="The key the archive counts this entity under.")
    asked: str = Field(description="The name as given in the URL.")
    total: int = Field(description="Articles naming the entity.")
    languages: list[FacetValue]
    sources: list[FacetValue]
    histogram: list[DateBucket] = Field(description="Coverage over time.")
    interval: str | None = None
    co_occurring: dict[str, list[FacetValue]] = Field(
        description="People, places and organisations named in the same articles, most frequent first. "
                    f"Those of the entity's own kind are counted in its {SAME_KIND_SAMPLE} newest articles.")
    spellings: dict[str, list[FacetValue]] = Field(
        default_factory=dict, description="How articles write the name, per language ('ar', 'en'), most frequent "
                                          f"first, counted in its {SAME_KIND_SAMPLE} newest articles.")


E404_ENTITY = {404: error_doc("No article names the entity.", "no article names the person 'Nobody'", 404)}


@router.get(
    "/entities/{kind}/{name:path}", response_model=EntitySummary, responses={**READ_ERRORS, **E404_ENTITY},
    summary="One person, place or organisation across the archive",
    description=(
        "How many articles name the entity (per language), its coverage over time (a date histogram), the "
        "sources that cover it, and the people, places and organisations named with it. `name` may be any "
        "spelling in either script: `/api/entities/place/الرياض` and `/api/entities/place/Riyadh` answer "
        "alike, since both are counted under the key `Riyadh`. An unknown `kind` answers 422; a name no "
        "article mentions, 404 (as the entity's page does)."
    ),
)
def entity_summary(
    kind: Annotated[Literal["person", "place", "org"], Path(description="person, place or org")],
    name: Annotated[str, Path(max_length=200, description="Any spelling, Arabic or English", examples=["الرياض"])],
    service: Service,
    size: Annotated[int, Query(ge=1, le=100, description="Values per list")] = 15,
) -> EntitySummary:
    summary = summarise(service, kind, name, size)[0]
    if not summary.total:
        raise api_error(404, not_named(kind, name))
    return summary


def not_named(kind: str, name: str) -> str:
    """The message of an entity no article names (the API and the page say the same)."""
    return f"no article names the {kind} '{name[:80]}'"


def summarise(service: SearchService, kind: str, name: str, size: int = 15) -> tuple[EntitySummary, list[Hit]]:
    """One entity across the archive, and its newest articles (up to :data:`SAME_KIND_SAMPLE`, with their
    stored articles): the API answers the summary, the entity page also lists the newest few."""
    key = entity_key(kind, name) or name
    filters = Filters(**{kind: [key]})
    others = [k for k in ENTITY_KINDS if k != kind]
    resp = run(service, SearchRequest(filters=filters, size=0, highlight=False, date_histogram="auto", facets=[
        FacetRequest(field="language", size=5), FacetRequest(field="source", size=size),
        *[FacetRequest(field=k, size=size) for k in others]]))
    sample = run(service, SearchRequest(filters=filters, size=min(SAME_KIND_SAMPLE, max(resp.total, 1)),
                                        sort="newest", highlight=False, with_articles=True))
    same: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for hit in sample.hits:
        article = getattr(hit, "article", None)
        for e in getattr(article, "entities", []) or []:
            if e.kind == kind and e.key != key:
                same[e.key] += 1
            elif e.kind == kind and e.name:
                spellings.setdefault(e.lang or hit.language, Counter())[spelling(kind, key, e.name)] += 1
    co = {k: resp.facets.get(k, []) for k in others}
    co[kind] = _ranked(same, size)
    summary = EntitySummary(
        kind=kind, key=key, asked=name, total=resp.total, languages=resp.facets.get("language", []),
        sources=resp.facets.get("source", []), histogram=resp.date_histogram, interval=resp.interval,
        co_occurring={k: co[k] for k in ENTITY_KINDS},
        spellings={lang: _ranked(counts, 5) for lang, counts in sorted(spellings.items())})
    return summary, sample.hits


def _ranked(counts: Counter, size: int) -> list[FacetValue]:
    return [FacetValue(value=v, count=c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]]
