"""The page listing every value of one facet (the sidebar's "show more"), with a prefix filter."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arshif.fields import FACET_FIELDS, facet_named
from arshif.search.contract import FacetRequest
from web.pages.render import json_error, render_error, twin
from web.pages.search import facet_view
from web.pages.state import STATE_KEYS, href, parse_params, state_of
from web.service import service_from

router = APIRouter(include_in_schema=False)

FACET_PAGE_SIZE = 200

@router.get("/facets/{field}", response_class=HTMLResponse)
def facet_page(request: Request, field: str):
    field, as_json, r = twin(request, field)
    ui = r.ui
    facet = facet_named(field)
    if facet is None:
        message = f"unknown facet '{field}': use one of {', '.join(FACET_FIELDS)}"
        return json_error(404, message) if as_json else render_error(request, 404, message)
    field = facet.name
    params = parse_params(request)
    prefix = (request.query_params.get("prefix") or "").strip()[:100]
    service = service_from(request)
    req = service.request_for(params.model_copy(update={"cursor": None, "page": 1, "group": "none"}),
                              size=0).model_copy(update={
        "facets": [FacetRequest(field=field, size=FACET_PAGE_SIZE, prefix=prefix)], "date_histogram": None,
        "highlight": False})
    resp = service.engine.search(req)
    state = state_of(params, ui)
    view = facet_view(field, resp.facets.get(field, []), params, state, ui, limit=FACET_PAGE_SIZE)
    if as_json:
        return r.json({"field": field, "prefix": prefix, "total": resp.total,
                       "values": [{k: v[k] for k in ("value", "count", "selected", "href")} for v in view["values"]]})
    hidden = [(k, v) for k in STATE_KEYS if k in state and k != "page" for v in state[k]]
    return r.html("facet.html", facet=view, prefix=prefix, hidden=hidden, total=resp.total, q=params.q,
                  back_href=href("/search", state), truncated=len(view["values"]) >= FACET_PAGE_SIZE)

