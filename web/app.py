"""The FastAPI application: JSON API under /api, HTML pages elsewhere, one search service.

``create_app(settings)`` is what ``arshif serve`` runs and what tests mount.
Errors never leak a stack trace: bad queries are 400 with a message that says
what and where, an unreachable engine is 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from arshif import __version__
from arshif.engines import BadRequest, Engine, EngineUnavailable, open_engine
from arshif.search.syntax import QuerySyntaxError
from arshif.settings import Settings, get_settings
from web.service import SearchService

log = logging.getLogger("arshif.web")
STATIC_DIR = Path(__file__).parent / "static"


def wants_json(request: Request) -> bool:
    """True for API paths, ``.json`` twins and clients that ask for JSON."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith("/api/") or path.endswith(".json") or (
        "application/json" in accept and "text/html" not in accept)


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               query_translator=None) -> FastAPI:
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
            "`source`, `author`, `lang`, `tag`, `site`."
        ),
    )
    if engine is None:
        try:
            engine = open_engine(settings, readonly=settings.engine.startswith("embedded")
                                 and settings.embedded_path.exists())
        except EngineUnavailable as exc:
            log.error("engine unavailable at start-up: %s", exc)
            engine = None
    if query_translator is None:
        try:
            from arshif.crosslingual import default_query_translator
            query_translator = default_query_translator(settings, engine)
        except ImportError:  # cross-lingual support not installed
            query_translator = None
    app.state.settings = settings
    app.state.service = SearchService(settings, engine, query_translator) if engine is not None else None

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(request: Request, exc: QuerySyntaxError):
        return _error(request, 400, f"query syntax: {exc}", position=exc.position)

    @app.exception_handler(BadRequest)
    async def _bad(request: Request, exc: BadRequest):
        return _error(request, 400, str(exc))

    @app.exception_handler(EngineUnavailable)
    async def _down(request: Request, exc: EngineUnavailable):
        return _error(request, 503, f"the search engine is unavailable: {exc}", headers={"Retry-After": "30"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        # 404/405 from routing and the API's own HTTPExceptions get the same {"error": …} body.
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        extra = {k: v for k, v in detail.items() if k not in ("message", "status", "headers")}
        return _error(request, exc.status_code, str(detail.get("message", "")),
                      headers=getattr(exc, "headers", None), **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = [{"parameter": ".".join(str(p) for p in e["loc"] if p not in ("query", "body")),
                     "message": e["msg"]} for e in exc.errors()]
        text = "; ".join(f"{p['parameter']}: {p['message']}" for p in problems)
        return _error(request, 422, f"invalid request: {text}", problems=problems)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        if _looks_like_engine_down(exc):
            return _error(request, 503, "the search engine is unavailable; try again shortly",
                          headers={"Retry-After": "30"})
        return _error(request, 500, "internal error (logged); please report what you did")

    from web import api, pages
    app.include_router(api.router)
    app.include_router(pages.router)
    _mount_api_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _mount_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the `swagger-ui-bundle` package's files, not from a CDN."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def _docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} — docs",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")


def _looks_like_engine_down(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("ConnectionError", "ConnectionTimeout", "TransportError", "ConnectError") or \
        "Connection refused" in str(exc)


def _error(request: Request, status: int, message: str, headers: dict | None = None, **extra):
    body = {"error": {"status": status, "message": message, **{k: v for k, v in extra.items() if v is not None}}}
    if wants_json(request):
        return JSONResponse(body, status_code=status, headers=headers)
    from web.pages import render_error
    return render_error(request, status, message, headers=headers)
