"""The HTML pages: faceted bilingual search, facet value lists and the article page.

Every page is server-rendered (Jinja2, autoescaped) and works without
JavaScript; the URL holds the whole state (query, filters, sort, page, ``ui``),
so back/forward and shared links reproduce a page exactly. Every page has a JSON
twin — the same path with ``.json`` or ``Accept: application/json`` — that
returns the data the page shows, built from the same view model.

Only two fields are ever rendered unescaped: ``Hit.title_highlight`` and
``Hit.snippet``, which the engine already escaped (matches wrapped in ``<mark>``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, quote

import jinja2
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from arshif.engines.base import BadRequest
from arshif.model import Article, Translation
from arshif.search.contract import FACET_FIELDS, FacetRequest, Hit, SearchResponse
from arshif.search.syntax import QuerySyntaxError
from web import i18n
from web.i18n import t
from web.service import SearchParams, SearchService, service_from

log = logging.getLogger("arshif.web.pages")

router = APIRouter(include_in_schema=False)

TEMPLATES_DIR = Path(__file__).parent / "templates"
env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template is HTML: everything is escaped unless marked |safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

#: Facet field → the URL parameter that filters on it.
FACET_PARAM = {"source": "source", "author": "author", "language": "lang", "tag": "tag", "site": "site"}
LIST_PARAMS = ("source", "author", "lang", "tag", "site", "facets")
#: The URL parameters that make up a search page's state, in the order links write them.
STATE_KEYS = ("q", "mode", "source", "author", "lang", "tag", "site", "date_from", "date_to", "sort", "size",
              "page", "ui")
FILTER_KEYS = ("source", "author", "lang", "tag", "site")
MODES = ("both", "ar", "en", "cross")
SORTS = ("relevance", "newest", "oldest")
FACET_PAGE_SIZE = 200
MAX_OFFSET = 10_000
HIST_W, HIST_H = 300, 72

SECURITY_HEADERS = {
    # Defence in depth: even if some markup slipped through escaping, no inline script could run
    # and nothing could be loaded from another host.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# --- request helpers ------------------------------------------------------------------------


def wants_json(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.endswith(".json") or ("application/json" in accept and "text/html" not in accept)


def ui_of(request: Request) -> tuple[str, bool]:
    """The interface language and whether it was chosen explicitly in this URL (then it is remembered)."""
    explicit = i18n.normalise_ui(request.query_params.get("ui"))
    if explicit:
        return explicit, explicit != i18n.normalise_ui(request.cookies.get(i18n.COOKIE))
    remembered = i18n.normalise_ui(request.cookies.get(i18n.COOKIE))
    if remembered:
        return remembered, False
    return i18n.from_accept_language(request.headers.get("accept-language")) or i18n.DEFAULT_UI, False


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
        errors = [{**e, "loc": ("query", *e["loc"][:1])} for e in exc.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors) from None


def state_of(params: SearchParams, ui: str) -> dict[str, list[str]]:
    """The URL state of a search page: only what differs from the defaults."""
    s: dict[str, list[str]] = {}
    if params.q:
        s["q"] = [params.q]
    if params.mode != "both":
        s["mode"] = [params.mode]
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
    if params.size != 10:
        s["size"] = [str(params.size)]
    if params.page != 1:
        s["page"] = [str(params.page)]
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


def text_dir(lang: str) -> str:
    return {"ar": "rtl", "en": "ltr"}.get(lang, "auto")


def safe_url(url: str) -> str | None:
    """The URL if it is a plain http(s) link (never ``javascript:`` and the like)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def _twin(request: Request, segment: str) -> tuple[str, bool, "_Render"]:
    """A path segment that may end in ``.json`` (the page's JSON twin): (segment, wants JSON, renderer)."""
    ui, remember = ui_of(request)
    as_json = segment.endswith(".json") or wants_json(request)
    return segment.removesuffix(".json"), as_json, _Render(request, ui, remember)


class _Render:
    """Per-request rendering context: the UI language and its helpers."""

    def __init__(self, request: Request, ui: str, remember: bool):
        self.request = request
        self.ui = ui
        self.remember = remember

    def base(self, **extra) -> dict[str, Any]:
        ui = self.ui
        other = "en" if ui == "ar" else "ar"
        qp = [(k, v) for k, v in self.request.query_params.multi_items() if k != "ui"]
        path = self.request.url.path
        if path.endswith(".json"):
            path = path[:-5]
        switch = path + "?" + urlencode(qp + [("ui", other)])
        json_qp = urlencode(qp + [("ui", ui)])
        json_path = "/search.json" if path == "/" else path + ".json"
        return {
            "ui": ui, "ui_dir": i18n.DIRECTION[ui], "other_ui": other, "switch_ui_href": switch,
            "json_href": json_path + ("?" + json_qp if json_qp else ""),
            "T": lambda key, **kw: t(key, ui, **kw),
            "fmt_date": lambda d: i18n.fmt_date(d, ui), "fmt_number": lambda n: i18n.fmt_number(n, ui),
            "lang_name": lambda code: i18n.lang_name(code, ui), "text_dir": text_dir,
            "count_text": lambda n: i18n.count_text(n, ui),
            **extra,
        }

    def html(self, template: str, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
        body = env.get_template(template).render(**self.base(**context))
        response = HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
        self._cookie(response)
        response.headers["Vary"] = "Accept, Cookie"
        return response

    def json(self, data: dict, status: int = 200) -> JSONResponse:
        response = JSONResponse(data, status_code=status)
        response.headers["Vary"] = "Accept, Cookie"
        return response

    def _cookie(self, response: Response) -> None:
        if self.remember:
            response.set_cookie(i18n.COOKIE, self.ui, max_age=365 * 24 * 3600, samesite="lax", httponly=True)


def _json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


# --- search page ----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
@router.get("/search.json")
def search_page(request: Request):
    ui, remember = ui_of(request)
    r = _Render(request, ui, remember)
    as_json = wants_json(request)
    params = parse_params(request)
    service = service_from(request)
    try:
        view = search_view(service, params, ui)
    except (QuerySyntaxError, BadRequest) as exc:
        if as_json:
            raise
        # Show the page again with the query in the box and what is wrong with it.
        view = search_view(service, params, ui, error=exc)
        return r.html("search.html", status=400, **view)
    if as_json:
        return r.json(view_json(view))
    return r.html("search.html", **view)


def search_view(service: SearchService, params: SearchParams, ui: str, error: Exception | None = None) -> dict:
    """Everything the search page shows, as plain data (the template and the JSON twin read it)."""
    state = state_of(params, ui)
    resp: SearchResponse
    if error is None and (params.page - 1) * params.size > MAX_OFFSET:
        error = BadRequest(f"pages go up to {MAX_OFFSET:,} results deep: narrow the search with filters, "
                           "or use the API's cursor to read further")
        raise error
    if error is None:
        resp = service.search(params)
    else:
        resp = SearchResponse(total=0, hits=[])
    size = params.size
    pages = min(math.ceil(resp.total / size), 1000, MAX_OFFSET // size + 1) if resp.total else 0
    first = (params.page - 1) * size + 1
    hits = [hit_view(h, service, ui) for h in resp.hits]
    facets = [facet_view(f, resp.facets.get(f, []), params, state, ui) for f in params.facets if f in resp.facets]
    chips = active_chips(params, state, ui)
    return {
        "kind": "search",
        "params": params,
        "state": state,
        "q": params.q,
        "mode": params.mode,
        "sort": params.sort,
        "total": resp.total,
        "took_ms": resp.took_ms,
        "page": params.page,
        "size": size,
        "pages": pages,
        "first": first,
        "last": first + len(resp.hits) - 1,
        "hits": hits,
        "facets": facets,
        "histogram": histogram_view(resp, params, state, ui),
        "chips": chips,
        "clear_all_href": href("/search", state, **{k: None for k in (*FILTER_KEYS, "date_from", "date_to", "page")}),
        "sort_links": [{"sort": s, "label": t(f"sort_{s}", ui), "current": s == params.sort,
                        "href": href("/search", state, sort=None if s == "relevance" else s, page=None)}
                       for s in SORTS],
        "modes": [{"mode": m, "label": t(f"mode_{m}", ui), "current": m == params.mode} for m in MODES],
        "pagination": pagination(params.page, pages, state),
        "suggestions": suggestions(params, state, chips, ui) if resp.total == 0 and error is None else [],
        "error": None if error is None else {
            "message": getattr(error, "message", None) or str(error),
            "position": getattr(error, "position", None)},
    }


def hit_view(hit: Hit, service: SearchService, ui: str) -> dict:
    from_translation = bool(hit.snippet_language) and hit.snippet_language != hit.language
    label_key = "snippet_original"
    if from_translation:
        label_key = "snippet_machine"
        article = service.article(hit.id)
        tr = article.translations.get(hit.snippet_language) if article else None
        if tr is not None and tr.kind in ("human", "provided"):
            label_key = f"snippet_{tr.kind}"
    snippet_lang = hit.snippet_language or hit.language
    return {
        "hit": hit,
        "id": hit.id,
        "href": f"/articles/{quote(hit.id, safe='')}?ui={ui}",
        "dir": text_dir(hit.language),
        "snippet_lang": snippet_lang,
        "snippet_dir": text_dir(snippet_lang),
        "snippet_from": "translation" if from_translation else "original",
        "snippet_label": t(label_key, ui),
        "translated_title_dir": text_dir(hit.translation_language),
        "date_text": i18n.fmt_date(hit.date, ui) if hit.date else "",
    }


def facet_view(field: str, values, params: SearchParams, state: dict, ui: str, limit: int | None = None) -> dict:
    key = FACET_PARAM[field]
    selected = list(getattr(params, key)) if key != "lang" else list(params.filters().language)
    shown = {v.value for v in values}
    items = [{"value": v.value, "count": v.count, "selected": v.value in selected} for v in values]
    # A selected value outside the top list still shows, so it can be unticked.
    items += [{"value": v, "count": None, "selected": True} for v in selected if v not in shown]
    for item in items:
        item["label"] = i18n.lang_name(item["value"], ui) if field == "language" else item["value"]
        item["dir"] = "auto"
        changes = toggled(state, key, item["value"])
        if field == "language" and params.mode in ("ar", "en"):
            changes["mode"] = None  # the language facet takes over from the ar/en mode
        item["href"] = href("/search", state, **changes)
    more = limit is None and len(values) >= params.facet_size
    return {
        "field": field,
        "param": key,
        "label": t(f"facet_{field}", ui),
        "values": items,
        "more": more,
        "more_href": href(f"/facets/{field}", state, page=None),
    }


def active_chips(params: SearchParams, state: dict, ui: str) -> list[dict]:
    chips = []
    facet_of = {v: k for k, v in FACET_PARAM.items()}
    for key in FILTER_KEYS:
        for value in getattr(params, key):
            field = facet_of[key]
            chips.append({
                "field": key, "value": value, "label": t(f"facet_{field}", ui),
                "text": i18n.lang_name(value, ui) if key == "lang" else value,
                "href": href("/search", state, **toggled(state, key, value))})
    if params.date_from or params.date_to:
        a = i18n.fmt_date(params.date_from, ui) if params.date_from else "…"
        b = i18n.fmt_date(params.date_to, ui) if params.date_to else "…"
        chips.append({"field": "date", "value": f"{params.date_from or ''}/{params.date_to or ''}",
                      "label": t("facet_date", ui), "text": t("date_range", ui, a=a, b=b),
                      "href": href("/search", state, date_from=None, date_to=None, page=None)})
    return chips


def suggestions(params: SearchParams, state: dict, chips: list[dict], ui: str) -> list[dict]:
    """What to try when nothing matched: drop a filter, drop them all, search across languages."""
    out = [{"text": t("remove_filter", ui, f=f"{c['label']}: {c['text']}"), "href": c["href"]} for c in chips]
    if len(chips) > 1:
        out.append({"text": t("remove_all_filters", ui),
                    "href": href("/search", state, **{k: None for k in (*FILTER_KEYS, "date_from", "date_to",
                                                                        "page")})})
    if params.mode in ("ar", "en"):
        out.append({"text": t("try_both", ui), "href": href("/search", state, mode=None, page=None)})
    if params.q and params.mode != "cross":
        out.append({"text": t("try_cross", ui), "href": href("/search", state, mode="cross", page=None)})
    return out


def pagination(page: int, pages: int, state: dict) -> dict:
    if pages <= 1:
        return {"pages": [], "prev": None, "next": None}
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items: list[dict] = []
    prev = 0
    for n in wanted:
        if n - prev > 1:
            items.append({"gap": True})
        items.append({"gap": False, "n": n, "current": n == page,
                      "href": href("/search", state, page=None if n == 1 else n)})
        prev = n
    return {
        "pages": items,
        "prev": href("/search", state, page=None if page - 1 <= 1 else page - 1) if page > 1 else None,
        "next": href("/search", state, page=page + 1) if page < pages else None,
    }


def _next_start(d: dt.date, interval: str) -> dt.date:
    if interval == "day":
        return d + dt.timedelta(days=1)
    if interval == "week":
        return d + dt.timedelta(days=7)
    if interval == "month":
        return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return dt.date(d.year + 1, 1, 1)


def histogram_view(resp: SearchResponse, params: SearchParams, state: dict, ui: str) -> dict | None:
    """Bars of the date histogram (gaps filled with empty bars), each a link to its period."""
    buckets = resp.date_histogram
    interval = resp.interval or "month"
    if not buckets:
        return None
    counts = {b.start: b.count for b in buckets}
    starts: list[dt.date] = []
    d = buckets[0].start
    while d <= buckets[-1].start and len(starts) <= 400:
        starts.append(d)
        d = _next_start(d, interval)
    if len(starts) > 400:  # too many gaps to draw: show the buckets there are
        starts = [b.start for b in buckets]
    top = max(counts.values()) or 1
    n = len(starts)
    slot = HIST_W / n
    gap = min(2.0, slot * 0.2) if n > 1 else 0
    bars = []
    for i, start in enumerate(starts):
        count = counts.get(start, 0)
        end = _next_start(start, interval) - dt.timedelta(days=1)
        height = 0 if count == 0 else max(3.0, (HIST_H - 4) * count / top)
        label = i18n.fmt_bucket(start, interval, ui)
        bars.append({
            "start": start.isoformat(), "end": end.isoformat(), "count": count, "label": label,
            "title": f"{label}: {t('articles_n', ui, n=i18n.fmt_number(count, ui))}",
            "x": round(i * slot + gap / 2, 2), "w": round(max(slot - gap, 0.5), 2),
            "slot_x": round(i * slot, 2), "slot_w": round(slot, 2),
            "y": round(HIST_H - height, 2), "h": round(height, 2),
            "href": href("/search", state, date_from=start.isoformat(), date_to=end.isoformat(), page=None)
            if count else None,
        })
    return {
        "interval": interval,
        "interval_label": t(f"interval_{interval}", ui),
        "bars": bars,
        "width": HIST_W, "height": HIST_H,
        "first_label": i18n.fmt_bucket(starts[0], interval, ui),
        "last_label": i18n.fmt_bucket(starts[-1], interval, ui),
        "max": top,
        "date_from": params.date_from.isoformat() if params.date_from else "",
        "date_to": params.date_to.isoformat() if params.date_to else "",
    }


def view_json(view: dict) -> dict:
    """The JSON twin of the search page: the same data, without the template's helpers."""
    return {
        "q": view["q"], "mode": view["mode"], "sort": view["sort"],
        "total": view["total"], "took_ms": view["took_ms"],
        "page": view["page"], "size": view["size"], "pages": view["pages"],
        "hits": [{**hv["hit"].model_dump(mode="json", exclude={"sort"}), "href": hv["href"],
                  "snippet_from": hv["snippet_from"], "snippet_label": hv["snippet_label"]} for hv in view["hits"]],
        "facets": {f["field"]: [{k: v[k] for k in ("value", "count", "selected", "href")} for v in f["values"]]
                   for f in view["facets"]},
        "date_histogram": None if view["histogram"] is None else {
            "interval": view["histogram"]["interval"],
            "buckets": [{k: b[k] for k in ("start", "end", "count", "href")} for b in view["histogram"]["bars"]]},
        "active_filters": [{k: c[k] for k in ("field", "value", "href")} for c in view["chips"]],
        "suggestions": view["suggestions"],
        "pagination": view["pagination"],
        "error": view["error"],
    }


# --- facet value list -----------------------------------------------------------------------


@router.get("/facets/{field}", response_class=HTMLResponse)
def facet_page(request: Request, field: str):
    field, as_json, r = _twin(request, field)
    ui = r.ui
    if field not in FACET_FIELDS:
        message = f"unknown facet '{field}': use one of {', '.join(FACET_FIELDS)}"
        return _json_error(404, message) if as_json else render_error(request, 404, message)
    params = parse_params(request)
    prefix = (request.query_params.get("prefix") or "").strip()[:100]
    service = service_from(request)
    req = service.request_for(params).model_copy(update={
        "facets": [FacetRequest(field=field, size=FACET_PAGE_SIZE, prefix=prefix)], "date_histogram": None,
        "size": 0, "offset": 0, "cursor": None, "highlight": False})
    resp = service.engine.search(req)
    state = state_of(params, ui)
    view = facet_view(field, resp.facets.get(field, []), params, state, ui, limit=FACET_PAGE_SIZE)
    if as_json:
        return r.json({"field": field, "prefix": prefix, "total": resp.total,
                       "values": [{k: v[k] for k in ("value", "count", "selected", "href")} for v in view["values"]]})
    hidden = [(k, v) for k in STATE_KEYS if k in state and k != "page" for v in state[k]]
    return r.html("facet.html", facet=view, prefix=prefix, hidden=hidden, total=resp.total, q=params.q,
                  back_href=href("/search", state), truncated=len(view["values"]) >= FACET_PAGE_SIZE)


# --- article page ---------------------------------------------------------------------------


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str):
    article_id, as_json, r = _twin(request, article_id)
    ui = r.ui
    service = service_from(request)
    article = service.article(article_id)
    if article is None:
        message = f"no article with id '{article_id}'"
        return _json_error(404, message) if as_json else render_error(request, 404, message)
    try:
        related = service.related(article_id)
    except Exception:  # noqa: BLE001 - related coverage is a bonus: the article still shows
        log.exception("related articles failed for %s", article_id)
        related = []
    view = article_view(article, related, ui)
    if as_json:
        return r.json({
            "article": article.model_dump(mode="json"),
            "translation": view["translation"]["data"],
            "related": [{**h["hit"].model_dump(mode="json", exclude={"sort", "snippet", "title_highlight"}),
                         "href": h["href"]} for h in view["related"]],
        })
    return r.html("article.html", **view)


def article_view(article: Article, related: list[Hit], ui: str) -> dict:
    tr: Translation | None = article.translation()
    translation = {"data": None, "status": "none"}
    if tr is not None:
        translation = {
            "data": tr.model_dump(mode="json"),
            "status": tr.status,
            "language": tr.language,
            "dir": text_dir(tr.language),
            "title": tr.title,
            "paragraphs": paragraphs(tr.body),
            "kind": tr.kind,
            "kind_text": t(f"kind_{tr.kind}", ui),
            "machine": tr.kind == "machine",
            "provider": tr.provider,
            "model": tr.model,
            "date_text": i18n.fmt_date(tr.translated_at, ui) if tr.translated_at else "",
            "reason": tr.reason,
        }
    search_state = {"ui": [ui]}
    return {
        "kind": "article",
        "article": article,
        "lang": article.language if article.language in ("ar", "en") else "",
        "dir": text_dir(article.language),
        "paragraphs": paragraphs(article.body),
        "date_text": i18n.fmt_date(article.published, ui) if article.published else (
            i18n.fmt_date(article.extracted, ui) if article.extracted else ""),
        "url": safe_url(article.url),
        "translation": translation,
        "source_href": href("/search", search_state, source=article.source) if article.source else None,
        "author_href": href("/search", search_state, author=article.author) if article.author else None,
        "site_href": href("/search", search_state, site=article.site) if article.site else None,
        "tags": [{"tag": tag, "href": href("/search", search_state, tag=tag)} for tag in article.tags],
        "related_titles": [{"title": title, "href": href("/search", search_state, q=title)}
                           for title in article.related_titles],
        "related": [hit_view_plain(h, ui) for h in related],
        "search_state": search_state,
    }


def hit_view_plain(hit: Hit, ui: str) -> dict:
    return {"hit": hit, "href": f"/articles/{quote(hit.id, safe='')}?ui={ui}", "dir": text_dir(hit.language),
            "translated_title_dir": text_dir(hit.translation_language),
            "date_text": i18n.fmt_date(hit.date, ui) if hit.date else ""}


# --- errors ---------------------------------------------------------------------------------


def render_error(request: Request, status: int, message: str, headers: dict | None = None) -> HTMLResponse:
    """The HTML error page (web.app calls it for every error a page request meets): never a stack trace."""
    try:
        ui, _ = ui_of(request)
    except Exception:  # noqa: BLE001
        ui = i18n.DEFAULT_UI
    title_key = f"error_{status}" if f"error_{status}" in i18n.STRINGS else "error_title"
    try:
        r = _Render(request, ui, False)
        return r.html("error.html", status=status, headers=headers, status_code=status,
                      title=t(title_key, ui), message=message,
                      note=t("error_503_note", ui) if status == 503 else "")
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        log.exception("error page failed")
        import html as _html
        return HTMLResponse(f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Error {status}</title>"
                            f"<h1>Error {status}</h1><p>{_html.escape(message)}</p></html>",
                            status_code=status, headers=headers)
