"""Unknown query parameters are an error, not a silent no-op.

A script that writes ``query=oil`` (for ``q``) or ``souce=okaz`` used to get every article back and no
sign of its mistake. Every API operation now answers 422 naming the parameter it does not know and
listing the ones it does. The known names are read from the operation's own OpenAPI description, so
a parameter added to an endpoint is accepted without touching this module.
"""

from __future__ import annotations

from difflib import get_close_matches

from fastapi import Request

from arshif.errors import InvalidParameter

#: Parameters any operation may carry (cache busters and the like are not among them on purpose).
ALWAYS_ALLOWED: frozenset[str] = frozenset()
API_PREFIX = "/api"
#: What other search APIs call our parameters, for the "did you mean" hint.
USUAL_NAMES = {"query": "q", "search": "q", "text": "q", "limit": "size", "per_page": "size", "rows": "size",
               "offset": "page", "start": "page", "from": "date_from", "to": "date_to", "since": "date_from",
               "until": "date_to", "language": "lang", "sources": "source", "authors": "author", "tags": "tag",
               "order": "sort", "sort_by": "sort"}


def _known(request: Request) -> frozenset[str] | None:
    """Query parameter names of the matched operation, from the app's OpenAPI document (cached)."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None:
        return None
    state = request.app.state
    table = getattr(state, "known_query_parameters", None)
    if table is None:
        table = {}
        for op_path, item in request.app.openapi().get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict):
                    table[(method.upper(), op_path)] = frozenset(
                        p["name"] for p in op.get("parameters", []) if p.get("in") == "query") | ALWAYS_ALLOWED
        state.known_query_parameters = table
    # The route in scope is the router's own (its path without the /api prefix it is mounted under).
    return table.get((request.method, path)) or table.get((request.method, API_PREFIX + path))


async def reject_unknown_query_parameters(request: Request) -> None:
    """Dependency of every /api route: 422 for a query parameter the operation does not take."""
    known = _known(request)
    if known is None:
        return
    for name in request.query_params.keys():
        if name not in known:
            raise InvalidParameter(name[:100], unknown_name_message(name, known, "query parameter", "operation"))


def unknown_name_message(name: str, known: frozenset[str] | set[str], what: str, where: str) -> str:
    """``unknown <what> 'name' (did you mean '…'?); this <where> takes: …`` — the hint from the usual names
    of other search APIs, else the closest known name."""
    close = [n for n in (USUAL_NAMES.get(name.lower()),) if n in known] or get_close_matches(name, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{name[:100]}'{hint}; this {where} takes: {', '.join(sorted(known)) or 'none'}"
