"""Write endpoints (create, replace, delete articles): only with the server's API key."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Body, Header, Request

from arshif.engines import Engine
from arshif.model import Article
from web.api.articles import ArticleId
from web.api.models import DeleteOut, WriteOut
from web.errors import E404, E422, E503, E_WRITE, api_error
from web.middleware import write_key_problem
from web.service import SearchService, Service

router = APIRouter()

#: Articles one ``POST /api/articles`` may carry.
MAX_WRITE_ARTICLES = 1000

_write_lock = threading.Lock()


def _require_key(request: Request, x_api_key: str | None) -> None:
    """Also checked by :class:`web.middleware.GuardMiddleware` before the body is read; kept here so a
    write route never depends on how the app was assembled."""
    problem = write_key_problem(request.app.state.settings, x_api_key)
    if problem:
        status, message, headers = problem
        raise api_error(status, message, headers=headers)


def writable_engine(request: Request, service: SearchService) -> Engine:
    """The engine to write through: the app's own, or — when it opened the archive read-only — a writable
    engine on the same archive, opened on the first write and kept (embedded WAL: readers see each commit)."""
    engine = service.engine
    if not engine.readonly:
        return engine
    with _write_lock:
        writer = getattr(request.app.state, "write_engine", None)
        if writer is None:
            writer = engine.writable()
            request.app.state.write_engine = writer
    return writer


def story_assigner(request: Request):
    """The app's story assigner (opened on the first write, its LSH index rebuilt from the sidecar), or None
    when stories are off. Call with the write lock held: one writer places articles at a time."""
    state = request.app.state
    if not hasattr(state, "story_assigner"):
        from indexer.stories import open_assigner

        state.story_assigner = open_assigner(state.settings)
    return state.story_assigner


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
        "placed in a story (copies and translations of one report share `story_id`), and "
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
    with _write_lock:
        stories = story_assigner(request)
        if stories is None:
            result = engine.upsert(ready)
        else:  # placed in stories first; texts analysed once for both when the engine analyses here
            with stories.placing(ready, stories.analyse_ahead(ready, keep_tokens=engine.analyses_here)):
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
    with _write_lock:
        n = engine.delete([article_id])
    if not n:
        raise api_error(404, f"no article with id '{article_id[:80]}'")
    return DeleteOut(id=article_id, deleted=True)

