"""One shape for every error the web app answers, and the one place that decides it.

API clients get ``{"error": {"status", "message", ...}}``; page requests get the
HTML error page. A malformed query is 400 saying what and where, an unknown
article 404, an unreachable engine 503 with ``Retry-After``; never a stack trace.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Iterator

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from arshif.errors import BadRequest, EngineUnavailable, InvalidParameter, SearchTimeout
from arshif.search.syntax import QuerySyntaxError

log = logging.getLogger("arshif.web")

#: Seconds a client is asked to wait before retrying when the engine is down.
RETRY_AFTER = "30"


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: int = Field(description="The HTTP status, repeated.")
    message: str = Field(description="What is wrong, in words a person can act on.")


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API has this shape (plus optional details such as `position`)."""

    error: ErrorDetail

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"status": 400, "message": "query syntax: unclosed quote: add the closing \" or remove the "
                                              "opening one (at character 1)", "position": 0}}]})


def error_doc(description: str, example: str, status: int) -> dict:
    """An OpenAPI ``responses`` entry for an error status, with an example body."""
    return {"model": ErrorResponse, "description": description,
            "content": {"application/json": {"example": {"error": {"status": status, "message": example}}}}}


E400 = {400: error_doc("Malformed query, cursor or parameter combination.", "query syntax: unbalanced '(': add "
                       "the closing ')' (at character 1)", 400)}
E404 = {404: error_doc("No such article or facet field.", "no article with id 'abc'", 404)}
E422 = {422: error_doc("A parameter has the wrong type or is out of range.",
                       "invalid request: size: Input should be less than or equal to 100", 422)}
E503 = {503: error_doc("The search engine cannot be reached; retry after the `Retry-After` seconds.",
                       "the search engine is unavailable: connection refused", 503)}
E_WRITE = {
    401: error_doc("`X-API-Key` header missing.", "missing X-API-Key header", 401),
    403: error_doc("Write API disabled (no ARSHIF_API_KEY) or wrong key.",
                   "write API is disabled: set ARSHIF_API_KEY", 403),
    413: error_doc("Too many articles in one request.", "at most 1000 articles per request", 413),
}
READ_ERRORS = {**E400, **E422, **E503}


def api_error(status: int, message: str, headers: dict | None = None, **extra) -> HTTPException:
    """An HTTPException the app's handler renders as ``{"error": {"status", "message", ...}}``."""
    return HTTPException(status_code=status, detail={"message": message, **extra}, headers=headers)


def wants_json(request: Request) -> bool:
    """True for API paths, ``.json`` twins and clients that ask for JSON rather than HTML."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith("/api/") or path.endswith(".json") or (
        "application/json" in accept and "text/html" not in accept)


@contextmanager
def cursor_errors(cursor: str | None) -> Iterator[None]:
    """A cursor the engine chokes on is the client's mistake (400), never a 500."""
    try:
        yield
    except (EngineUnavailable, BadRequest, QuerySyntaxError, HTTPException):
        raise
    except (TypeError, ValueError, OverflowError, KeyError, IndexError) as exc:
        if cursor is not None:
            raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it") \
                from exc
        raise


#: Renders the HTML error page: (request, status, message, headers, *, problems=None) -> response.
HtmlErrorPage = Callable[..., Response]


def install_error_handlers(app: FastAPI, html_page: HtmlErrorPage) -> None:
    """Map every exception a request can raise onto one answer: JSON for API and twin requests,
    ``html_page`` (the pages' error template) for everyone else."""

    def error_response(request: Request, status: int, message: str, headers: dict | None = None,
                       page_problems: list[dict] | None = None, **extra):
        if not wants_json(request):
            if page_problems:
                return html_page(request, status, message, headers, problems=page_problems)
            return html_page(request, status, message, headers)
        body = {"error": {"status": status, "message": message,
                          **{k: v for k, v in extra.items() if v is not None}}}
        return JSONResponse(body, status_code=status, headers=headers)

    app.state.error_response = error_response  # GuardMiddleware answers in the same shapes

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(request: Request, exc: QuerySyntaxError):
        return error_response(request, 400, f"query syntax: {exc}", position=exc.position)

    @app.exception_handler(InvalidParameter)
    async def _parameter(request: Request, exc: InvalidParameter):
        return error_response(request, 422, f"invalid request: {exc}", parameter=exc.parameter)

    @app.exception_handler(BadRequest)
    async def _bad(request: Request, exc: BadRequest):
        return error_response(request, 400, str(exc))

    @app.exception_handler(SearchTimeout)
    async def _too_long(request: Request, exc: SearchTimeout):
        return error_response(request, 503, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(EngineUnavailable)
    async def _down(request: Request, exc: EngineUnavailable):
        # The detail (a node's URL, a file path) is for the operator's log, not for anonymous clients.
        log.warning("503 on %s: %s", request.url.path, exc)
        retry = str(getattr(exc, "retry_after", None) or RETRY_AFTER)
        return error_response(request, 503, f"the search engine is unavailable; try again in {retry} s",
                              headers={"Retry-After": retry})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        # 404/405 from routing and the API's own HTTPExceptions get the same {"error": …} body.
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        extra = {k: v for k, v in detail.items() if k not in ("message", "status", "headers")}
        return error_response(request, exc.status_code, str(detail.get("message", "")),
                              headers=getattr(exc, "headers", None), **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        problems = [{"parameter": ".".join(str(p) for p in e["loc"] if p not in ("query", "body")),
                     "message": e["msg"]} for e in errors]
        text = "; ".join(f"{p['parameter']}: {p['message']}" for p in problems)
        # (the page says each in its reader's language: it needs the rule's kind and bounds as well)
        on_page = [{**p, "type": e.get("type"), "ctx": e.get("ctx")} for p, e in zip(problems, errors)]
        return error_response(request, 422, f"invalid request: {text}", problems=problems, page_problems=on_page)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return unexpected_error_response(request, exc)  # normally GuardMiddleware answers first


def unexpected_error_response(request: Request, exc: BaseException):
    """The answer to an exception no handler took: logged in full, a short 500 for the client."""
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return request.app.state.error_response(request, 500, "internal error (logged); please report what you did")
