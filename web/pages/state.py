"""A search page's state lives in its URL: reading it, writing it back into links.

Back/forward and shared links reproduce a page exactly because nothing else holds state.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from arshif.fields import FACETS, FILTERS
from arshif.search.params import SearchParams

#: Facet field → the URL parameter that filters on it.
FACET_PARAM = {f.name: f.param for f in FACETS}
#: Every filter field (facets and filter-only fields such as the record id) → its URL parameter.
FILTER_PARAM = {f.name: f.param for f in FILTERS}
FILTER_KEYS = tuple(FILTER_PARAM.values())
LIST_PARAMS = (*FILTER_KEYS, "facets")
#: The URL parameters that make up a search page's state, in the order links write them.
STATE_KEYS = ("q", "mode", "alt", *FILTER_KEYS, "date_from", "date_to", "sort", "group", "size", "page", "histogram", "ui")

def parse_params(request: Request) -> SearchParams:
    """SearchParams from the query string (lists repeat: ``source=a&source=b``); blank values are unset."""
    qp = request.query_params
    data: dict[str, Any] = {}
    for name in SearchParams.model_fields:
        if name in LIST_PARAMS:
            values = [v for v in qp.getlist(name) if v.strip()]
            if name == "lang":
                values += [v for v in qp.getlist("language") if v.strip() and v not in values]
            if values:
                data[name] = values
        else:
            value = qp.get(name)
            if value is not None and value.strip() != "":
                data[name] = value
    try:
        return SearchParams.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"][:1])} for e in exc.errors(include_url=False)]  # (ctx: the page says the bound)
        raise RequestValidationError(errors) from None


def state_of(params: SearchParams, ui: str) -> dict[str, list[str]]:
    """The URL state of a search page: only what differs from the defaults."""
    s: dict[str, list[str]] = {}
    if params.q:
        s["q"] = [params.q]
    if params.mode != "both":
        s["mode"] = [params.mode]
    if params.alt is not None and params.mode == "cross":
        s["alt"] = [params.alt]
    for key in FILTER_KEYS:
        values = getattr(params, key)
        if values:
            s[key] = list(values)
    if params.date_from:
        s["date_from"] = [params.date_from.isoformat()]
    if params.date_to:
        s["date_to"] = [params.date_to.isoformat()]
    if params.sort != "relevance":
        s["sort"] = [params.sort]
    if params.group != "story":
        s["group"] = [params.group]
    if params.size != 10:
        s["size"] = [str(params.size)]
    if params.page != 1:
        s["page"] = [str(params.page)]
    if params.histogram not in ("auto", None):
        s["histogram"] = [params.histogram]
    s["ui"] = [ui]
    return s


def href(path: str, state: dict[str, list[str]], **changes) -> str:
    """``path`` with ``state`` as its query string, after ``changes`` (None removes a key)."""
    st = {k: list(v) for k, v in state.items()}
    for key, value in changes.items():
        if value is None or value == [] or value == "":
            st.pop(key, None)
        else:
            st[key] = list(value) if isinstance(value, (list, tuple)) else [str(value)]
    pairs = [(k, v) for k in STATE_KEYS if k in st for v in st[k]]
    pairs += [(k, v) for k in st if k not in STATE_KEYS for v in st[k]]
    return path + ("?" + urlencode(pairs) if pairs else "")


def toggled(state: dict[str, list[str]], key: str, value: str) -> dict[str, Any]:
    """Changes that add ``value`` to (or remove it from) filter ``key``, back on page 1."""
    current = state.get(key, [])
    new = [v for v in current if v != value] if value in current else current + [value]
    return {key: new or None, "page": None}



def entity_href(kind: str, key: str, ui: str) -> str:
    """The page of one person, place or organisation (``key`` may hold ``/``, ``?`` or ``#``: quoted whole)."""
    return f"/entities/{kind}/{quote(key, safe='')}?ui={ui}"
