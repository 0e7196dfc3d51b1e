"""The FastAPI application: JSON API under /api, HTML pages elsewhere, one search service.

``create_app(settings)`` is what ``arshif serve`` runs and what tests mount.
Errors never leak a stack trace: bad queries are 400 with a message that says
what and where, an unreachable engine is 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from arshif import __version__
from arshif.crosslingual import default_query_translator
from arshif.engines import Engine, EngineUnavailable, open_engine
from arshif.settings import Settings, get_settings
from web.errors import install_error_handlers
from web.pages.render import render_error
from web.middleware import GuardMiddleware
from web.service import QueryTranslator, SearchService

log = logging.getLogger("arshif.web")
STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               query_translator: QueryTranslator | None = None, article_translator=None) -> FastAPI:
    """The app over ``engine`` (opened from ``settings`` when not given). ``query_translator`` serves
    ``mode=cross``; without one, cross-lingual search uses the offline lexicon and transliteration.
    ``article_translator`` (anything with ``translate_batch(articles)``, as the ingest translator) lets
    readers ask for a translation from the article page; without one the page says none is configured."""
    settings = settings or get_settings()
    app = FastAPI(
        docs_url=None,  # served below from local files: the docs must work on a machine with no internet
        redoc_url=None,
        title="Arshif API",
        version=__version__,
        description=(
            "Search a bilingual (Arabic/English) news archive. Every HTML page has a JSON twin "
            "(same URL with `.json`, or `Accept: application/json`).\n\n"
            "**Query syntax**: `word word` (all must match, stemmed, diacritics ignored), "
            "`\"exact phrase\"`, `-exclude`, `a OR b`, `( … )`, and `field:value` for "
            "`source`, `author`, `lang`, `tag`, `site`, and `id` (the id an input record gave the article)."
        ),
    )
    if engine is None:
        try:
            engine = open_engine(settings, readonly=settings.engine.startswith("embedded")
                                 and settings.embedded_path.exists(), lazy=True)
        except EngineUnavailable as exc:
            log.error("engine unavailable at start-up: %s", exc)
            engine = None
    if query_translator is None:
        query_translator = default_query_translator(settings, engine)
    app.state.settings = settings
    app.state.article_translator = article_translator
    app.state.service = SearchService(settings, engine, query_translator) if engine is not None else None

    install_error_handlers(app, html_page=render_error)
    app.add_middleware(GuardMiddleware)  # limits and the write key before any body is read; see its docstring

    from web import api, pages
    app.include_router(api.router)
    app.include_router(pages.router)
    _mount_api_docs(app)
    _build_openapi_once(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _build_openapi_once(app: FastAPI) -> None:
    """FastAPI builds its OpenAPI document on first use and without a lock; the API reads it to know each
    operation's parameters. Two threads building it at once (the first requests of concurrent clients of a
    threaded server or test client) made FastAPI raise KeyError, a 500: the build is serialised here."""
    build, lock = app.openapi, threading.Lock()

    def openapi() -> dict:
        with lock:
            return build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it


def _mount_api_docs(app: FastAPI) -> None:
    """Swagger UI 5 at /docs from the files the `swagger-ui-py` package ships, not from a CDN.

    Swagger UI 4 (what `swagger-ui-bundle` ships) cannot read OpenAPI 3.1, which FastAPI writes;
    `swagger-ui-py` vendors a current Swagger UI 5 build (Apache-2.0), so the page renders offline.
    """
    import swagger_ui
    from fastapi.openapi.docs import get_swagger_ui_html

    static = Path(swagger_ui.__file__).parent / "static"
    app.mount("/static/swagger", StaticFiles(directory=static), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def _docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} — docs",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")
