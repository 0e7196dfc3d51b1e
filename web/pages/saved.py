"""The saved-searches page: save from the search page, list with "new since you last looked", rename,
delete, open, and each search's Atom feed.

Forms are plain HTML (no JavaScript). Saving, renaming, deleting and marking as seen are writes, so, like the
write API, they need the server's API key: each form has a field for it, and a forged cross-site post fails
without it.

Opening a saved search (a GET) only shows its results: it never clears the "new since you last looked" count,
because a GET is sent by link prefetchers, crawlers, a preview or a second tab as readily as by the reader, and
would clear the count before anyone looked. The count is cleared by the explicit "Mark as seen" (a POST here,
``POST /api/saved-searches/{id}/seen`` in the API).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from arshif.errors import BadRequest
from arshif.saved_searches import InvalidName, NameTaken, SavedSearch
from arshif.search.params import SearchParams
from arshif.search.syntax import QuerySyntaxError
from web.errors import api_error, wants_json
from web.feed import render_feed
from web.i18n import t
from web.pages.render import Render, ui_of
from web.pages.state import LIST_PARAMS
from web.saved import PAGE, PRESENTATION, SavedSearches, Status, saved_from, search_query_string

router = APIRouter(include_in_schema=False)

Saved = Annotated[SavedSearches, Depends(saved_from)]
SearchId = Annotated[int, Path(ge=1, le=2 ** 62)]
FEED_ENTRIES = 50
MAX_FORM_BYTES = 64 * 1024


async def form_of(request: Request) -> dict[str, list[str]]:
    """The posted form (``application/x-www-form-urlencoded``), values as lists."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise api_error(413, "the form is too large")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=200)


Form = Annotated[dict, Depends(form_of)]


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _check_key(request: Request, form: dict) -> None:
    expected = request.app.state.settings.api_key
    if not expected:
        raise _Refused(403, t("saved_disabled", ui_of(request)[0]))
    given = (form.get("api_key") or [""])[0]
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise _Refused(403, t("saved_wrong_key", ui_of(request)[0]))


def _ui(request: Request, form: dict | None = None) -> str:
    chosen = ((form or {}).get("ui") or [""])[0]
    return chosen if chosen in ("ar", "en") else ui_of(request)[0]


def _search_fields(form: dict) -> dict[str, Any]:
    """The search parameters a save form carries (hidden fields copied from the search page's URL)."""
    data: dict[str, Any] = {}
    for name in SearchParams.model_fields:
        if name in PRESENTATION:
            continue
        values = [v for v in form.get(name, []) if v.strip()]
        if name in LIST_PARAMS:
            if values:
                data[name] = values
        elif values:
            data[name] = values[0]
    return data


def _describe(search: SavedSearch, ui: str) -> list[dict]:
    """The saved parameters as label/value pairs for the list."""
    out = []
    for key, value in search.params.items():
        values = value if isinstance(value, list) else [value]
        shown = [t(f"group_{v}", ui) for v in values] if key == "group" else values
        out.append({"key": key, "label": t(f"saved_param_{key}", ui) if f"saved_param_{key}" in _KNOWN else key,
                    "value": ", ".join(str(v) for v in shown)})
    return out


_KNOWN = {f"saved_param_{k}" for k in ("q", "mode", "source", "author", "lang", "tag", "site", "id",
                                       "date_from", "date_to", "sort", "group")}


def _row(status: Status, ui: str) -> dict:
    s = status.search
    query = search_query_string(s.params)
    return {"id": s.id, "name": s.name, "total": status.total, "new": status.new, "params": s.params,
            "describe": _describe(s, ui), "open_href": f"/search?{query}&ui={ui}" if query else f"/search?ui={ui}",
            "seen_action": f"/saved/{s.id}/seen", "feed_href": f"/saved/{s.id}/feed.atom"}


def _list(request: Request, saved: SavedSearches, ui: str, *, status: int = 200, message: str = "",
          error: str = "", as_json: bool = False, name: str = "") -> Response:
    rows = [_row(st, ui) for st in saved.overview(PAGE)]
    r = Render(request, ui, False)
    if as_json:
        return r.json({"kind": "saved", "searches": rows, "saving": bool(saved.service.settings.api_key)},
                      status=status)
    return r.html("saved.html", status=status, searches=rows, message=message, error=error,
                  saving=bool(saved.service.settings.api_key), name=name)


@router.get("/saved", response_class=HTMLResponse)
@router.get("/saved.json")
def saved_page(request: Request, saved: Saved):
    ui, remember = ui_of(request)
    done = request.query_params.get("done", "")
    message = t(f"saved_done_{done}", ui) if done in ("saved", "renamed", "deleted", "seen") else ""
    response = _list(request, saved, ui, message=message, as_json=wants_json(request))
    Render(request, ui, remember)._cookie(response)
    return response


def _after(ui: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/saved?ui={ui}&done={done}", status_code=303)


@router.post("/saved", response_class=HTMLResponse)
def save(request: Request, saved: Saved, form: Form):
    ui = _ui(request, form)
    name = " ".join((form.get("name") or [""])[0].split())
    try:
        _check_key(request, form)
        saved.save(name, _search_fields(form))
    except _Refused as exc:
        return _list(request, saved, ui, status=exc.status, error=exc.message, name=name)
    except NameTaken:
        return _list(request, saved, ui, status=409, error=t("saved_name_taken", ui, name=name), name=name)
    except InvalidName:
        return _list(request, saved, ui, status=422, error=t("saved_name_needed", ui), name=name)
    except (QuerySyntaxError, BadRequest, ValidationError) as exc:
        return _list(request, saved, ui, status=400, error=f"{t('query_error', ui)}: {exc}", name=name)
    return _after(ui, "saved")


@router.post("/saved/{search_id}/rename", response_class=HTMLResponse)
def rename(request: Request, saved: Saved, form: Form, search_id: SearchId):
    ui = _ui(request, form)
    name = (form.get("name") or [""])[0]
    try:
        _check_key(request, form)
        if saved.store.rename(search_id, name) is None:
            raise _Refused(404, t("saved_missing", ui))
    except _Refused as exc:
        return _list(request, saved, ui, status=exc.status, error=exc.message)
    except NameTaken:
        return _list(request, saved, ui, status=409, error=t("saved_name_taken", ui, name=" ".join(name.split())))
    except InvalidName:
        return _list(request, saved, ui, status=422, error=t("saved_name_needed", ui))
    return _after(ui, "renamed")


@router.post("/saved/{search_id}/delete", response_class=HTMLResponse)
def delete(request: Request, saved: Saved, form: Form, search_id: SearchId):
    ui = _ui(request, form)
    try:
        _check_key(request, form)
        if not saved.store.delete(search_id):
            raise _Refused(404, t("saved_missing", ui))
    except _Refused as exc:
        return _list(request, saved, ui, status=exc.status, error=exc.message)
    return _after(ui, "deleted")


@router.post("/saved/{search_id}/seen", response_class=HTMLResponse)
def mark_seen(request: Request, saved: Saved, form: Form, search_id: SearchId):
    """The reader has dealt with what is new: everything the search matches now counts as seen on the page."""
    ui = _ui(request, form)
    try:
        _check_key(request, form)
        search = saved.store.get(search_id)
        if search is None:
            raise _Refused(404, t("saved_missing", ui))
        saved.looked(search, PAGE)
    except _Refused as exc:
        return _list(request, saved, ui, status=exc.status, error=exc.message)
    return _after(ui, "seen")


def _get(saved: SavedSearches, search_id: int, ui: str) -> SavedSearch:
    search = saved.store.get(search_id)
    if search is None:
        raise api_error(404, t("saved_missing", ui))
    return search


@router.get("/saved/{search_id}/open")
def open_saved(request: Request, saved: Saved, search_id: SearchId):
    """Show the saved search (links made before the list linked the search directly). Changes nothing:
    its "new" count stays until the reader marks it seen."""
    ui = ui_of(request)[0]
    search = _get(saved, search_id, ui)
    query = search_query_string(search.params)
    return RedirectResponse(f"/search?{query}&ui={ui}" if query else f"/search?ui={ui}", status_code=303)


@router.get("/saved/{search_id}/feed.atom")
def feed(request: Request, saved: Saved, search_id: SearchId):
    search = _get(saved, search_id, ui_of(request)[0])
    base = str(request.base_url)
    query = search_query_string(search.params)
    body = render_feed(search, saved.newest(search, FEED_ENTRIES), feed_url=f"{base}saved/{search.id}/feed.atom",
                       search_url=f"{base}search" + (f"?{query}" if query else ""),
                       article_url=lambda article_id: f"{base}articles/{article_id}")
    return Response(body, media_type="application/atom+xml; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff"})
