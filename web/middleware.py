"""HTTP guards that run before any route, so hostile requests are refused before they cost anything.

Why a middleware and not route code: FastAPI reads and parses a request body *before* the route function
runs, so a check in the route comes too late — a 2-million-article list to a disabled write API was parsed
(38 s, 3.4 GB) before its 403. Here, in order:

1. ``X-Content-Type-Options: nosniff`` on every response (JSON, pages, docs, static files, errors).
2. ``HEAD`` is answered as ``GET`` without the body (load balancers and link checkers send it); the route
   can tell (:func:`is_head`) and skip work whose only product is the body (an export).
3. The write API's key is checked from the headers alone: 403/401 before one byte of the body is read.
4. A body larger than its limit (``max_request_bytes``; ``max_write_bytes`` for the write API) is refused
   with 413 from its ``Content-Length``, or as soon as a chunked body passes the limit.
5. JSON text carrying a lone UTF-16 surrogate (``"\\ud800"``, not a character; it cannot be stored or
   encoded) is refused with 422 naming the field, instead of failing deep inside an engine.
6. An exception no handler took becomes a 500 *without* being
   re-raised: Starlette's last-resort handler re-raises, and the server then resets the keep-alive
   connection, so a client's next request on it failed.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from starlette.requests import Request

log = logging.getLogger("arshif.web")

#: Escapes of UTF-16 surrogates in JSON text; only bodies containing one are parsed here.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")
_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def is_write(method: str, path: str) -> bool:
    """The write API: ``POST /api/articles`` and ``DELETE /api/articles/{id}``."""
    return (method == "POST" and path.rstrip("/") == "/api/articles") or \
        (method == "DELETE" and path.startswith("/api/articles/"))


def write_key_problem(settings, given: str | None) -> tuple[int, str, dict | None] | None:
    """Why a write must be refused (status, message, headers), or None when the key is right."""
    expected = settings.api_key
    if not expected:
        return 403, "write API is disabled: set ARSHIF_API_KEY", None
    if not given:
        return 401, "missing X-API-Key header", {"WWW-Authenticate": "X-API-Key"}
    if not secrets.compare_digest(given.encode(), expected.encode()):
        return 403, "wrong API key", None
    return None


def lone_surrogate_path(value: Any, path: tuple = ()) -> str | None:
    """Dotted path (``queries.0.q``) of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ".".join(str(p) for p in path) or "body"
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            found = lone_surrogate_path(k, (*path, "<key>")) or lone_surrogate_path(v, (*path, k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = lone_surrogate_path(v, (*path, i))
            if found:
                return found
    return None


HEAD_KEY = "arshif.head"


def is_head(request: Request) -> bool:
    """Whether the client sent ``HEAD`` (routes see ``GET``): only the status and headers will be sent."""
    return bool(request.scope.get(HEAD_KEY))


class _TooLarge(Exception):
    pass


class GuardMiddleware:
    """Pure ASGI middleware (no per-request task, streaming responses pass straight through)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_guarded(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET", HEAD_KEY: True}
        try:
            refusal, receive = await self._check(scope, receive)
            if refusal is not None:
                return await refusal(scope, receive, send_guarded)
            await self.app(scope, receive, send_guarded)
        except Exception as exc:  # noqa: BLE001 - the last line of defence; see the module docstring
            if started:
                raise  # a streamed response is under way: nothing else can be sent
            from web.errors import unexpected_error_response

            response = unexpected_error_response(Request(scope), exc)
            await response(scope, receive, send_guarded)

    async def _check(self, scope, receive):
        """(refusal response or None, the receive callable the app should use)."""
        method, path = scope["method"], scope["path"]
        if method not in _BODY_METHODS:
            return None, receive
        settings = scope["app"].state.settings
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        writing = is_write(method, path)
        if writing:
            problem = write_key_problem(settings, headers.get("x-api-key"))
            if problem:
                return _refusal(scope, *problem), receive
        limit = settings.max_write_bytes if writing else settings.max_request_bytes
        too_big = (f"request body over the limit of {limit:,} bytes"
                   f"{' for the write API' if writing else ''}: split it into smaller requests")
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return _refusal(scope, 413, too_big), receive
        try:
            body = await _read_body(receive, limit)
        except _TooLarge:
            return _refusal(scope, 413, too_big), receive
        if _SURROGATE_ESCAPE.search(body):  # whatever the content-type says: FastAPI parses JSON without one
            try:
                field = lone_surrogate_path(json.loads(body))
            except ValueError:
                field = None  # malformed JSON: the app's own validation says where
            if field:
                message = (f"{field}: text holds a lone UTF-16 surrogate escape (such as \\ud800), which is not "
                           "a character; send the text as UTF-8 or as a valid surrogate pair")
                return _refusal(scope, 422, f"invalid request: {message}",
                                problems=[{"parameter": field, "message": message}]), receive
        return None, _replay(body, receive)


async def _read_body(receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _refusal(scope, status: int, message: str, headers: dict | None = None, **extra):
    response = scope["app"].state.error_response(Request(scope), status, message, headers=headers, **extra)
    if status == 413:
        response.headers["connection"] = "close"  # the rest of the body is not read: end the connection
    return response
