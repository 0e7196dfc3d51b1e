"""Article endpoints: one article in full, the articles about the same story, and a story's copies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from arshif.model import source_id_key
from web.api.models import ArticleOut, RelatedResult, StoryResult, article_out
from web.errors import E404, E422, E503, api_error
from web.service import Service

router = APIRouter()

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
    if service.engine.get(article_id) is None:
        raise api_error(404, f"no article with id '{article_id[:80]}'")
    hits = service.engine.more_like_this(article_id, size=size)
    return RelatedResult(id=article_id, hits=hits)



@router.get(
    "/lookup", response_model=ArticleOut, summary="One article by the id its input file gave it",
    responses={**E404, **E422, **E503},
    description=(
        "Input records keep their own id (`id`, `docno`, `guid`…) as the article's id when it is letters, digits "
        "and `_ . : -`; any other id (with spaces, slashes, a URL) is kept as `source_id`. This finds an article "
        "by either: `source_id=bbc-business-001`, `source_id=http://example.com/?p=1`. Unknown → 404."
    ),
)
def lookup(service: Service,
           source_id: Annotated[str, Query(min_length=1, max_length=500, description="The record's own id.",
                                           examples=["bbc-business-001"])]) -> ArticleOut:
    for candidate in (source_id, source_id_key(source_id)):
        if len(candidate) <= 200:
            article = service.engine.get(candidate)
            if article is not None:
                return article_out(article)
    raise api_error(404, f"no article whose input id is '{source_id[:80]}'")


@router.get(
    "/stories/{story_id}", response_model=StoryResult, summary="Every article of one story",
    responses={**E404, **E422, **E503},
    description="The articles that share `story_id` (a hit's `story_id`): copies of one report in different "
                "sources and its telling in the other language, oldest first — the first is who published first. "
                "Each hit names its source, date and language. Unknown story → 404.",
)
def story(story_id: Annotated[str, Path(min_length=1, max_length=200, description="A hit's `story_id`.",
                                        examples=["3f2a9c0d1e5b7a64"])],
          service: Service) -> StoryResult:
    resp = service.story(story_id)
    if not resp.hits:
        raise api_error(404, f"no story with id '{story_id[:80]}'")
    return StoryResult(story_id=story_id, total=resp.total, first=resp.hits[0].id, hits=resp.hits)
