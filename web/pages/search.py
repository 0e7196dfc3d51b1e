"""The search page and its JSON twin: hits, facets, active filters, suggestions, paging."""

from __future__ import annotations

import math
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arshif.engines import BadRequest
from arshif.engines.base import plan_query
from arshif.search.contract import MAX_OFFSET, Hit, SearchRequest, SearchResponse
from arshif.search.params import SearchParams
from arshif.search.syntax import QuerySyntaxError
from web import i18n
from web.i18n import t
from arshif.sources import canonical as canonical_source
from arshif.sources import display as display_source
from web.pages.histogram import context_search, histogram_view
from web.pages.render import Render, text_dir, ui_of
from web.pages.state import FACET_PARAM, FILTER_KEYS, FILTER_PARAM, href, parse_params, state_of, toggled
from web.errors import wants_json
from web.service import SearchService, service_from

router = APIRouter(include_in_schema=False)

MODES = ("both", "ar", "en", "cross")
SORTS = ("relevance", "newest", "oldest")

@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
@router.get("/search.json")
def search_page(request: Request):
    ui, remember = ui_of(request)
    r = Render(request, ui, remember)
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
    if error is None:
        resp = service.search(params)
    else:
        resp = SearchResponse(total=0, hits=[])
    size = params.size
    listed = resp.stories if resp.stories is not None else resp.total  # grouped pages count stories
    pages = min(math.ceil(listed / size), 1000, MAX_OFFSET // size) if listed else 0
    first = (params.page - 1) * size + 1
    hits = [hit_view(h, ui, state) for h in resp.hits]
    facets = [facet_view(f, resp.facets.get(f, []), params, state, ui) for f in params.facets if f in resp.facets]
    chips = active_chips(params, state, ui)
    expansion = service.expansion(params) if error is None else None
    offer = service.cross_offer(params, resp) if error is None else None
    # Export takes the search itself (query, filters, dates, sort), never paging or display state.
    export_state = {k: v for k, v in state.items() if k not in ("page", "size", "ui", "histogram", "alt", "group")}
    # The CSV link is what a spreadsheet opens: with a byte-order mark, or Excel shows Arabic as mojibake.
    exports = [{"format": f, "label": f.upper(),
                "href": href("/api/export", export_state, format=f, bom="true" if f == "csv" else None)}
               for f in ("csv", "jsonl")] if resp.total and error is None else []
    histogram = None
    if error is None:
        hist_resp, undated = context_search(service, params, resp)
        histogram = histogram_view(hist_resp, params, state, ui, undated=undated)
    return {
        "kind": "search",
        "saving": bool(service.settings.api_key),  # the "save this search" form needs the API key
        "params": params,
        "state": state,
        "filter_keys": FILTER_KEYS,
        "q": params.q,
        "mode": params.mode,
        "sort": params.sort,
        "total": resp.total,
        "stories": resp.stories,
        "listed": listed,
        "group": params.group,
        "group_links": [{"group": g, "label": t(f"group_{g}", ui), "current": g == params.group,
                         "href": href("/search", state, group=None if g == "story" else g, page=None)}
                        for g in ("story", "none")],
        "took_ms": resp.took_ms,
        "partial": resp.partial,
        "page": params.page,
        "size": size,
        "pages": pages,
        "first": first,
        "last": first + len(resp.hits) - 1,
        "hits": hits,
        "facets": facets,
        "histogram": histogram,
        "exports": exports,
        "chips": chips,
        "clear_all_href": href("/search", state, **{k: None for k in (*FILTER_KEYS, "date_from", "date_to", "page")}),
        "sort_links": [{"sort": s, "label": t(f"sort_{s}", ui), "current": s == params.sort,
                        "href": href("/search", state, sort=None if s == "relevance" else s, page=None)}
                       for s in SORTS],
        "modes": [{"mode": m, "label": t(f"mode_{m}", ui), "current": m == params.mode} for m in MODES],
        "pagination": {**pagination(params.page, pages, state),
                       # (pages stop at the 10,000th result: the last one says so, instead of a grey "next")
                       "capped": bool(pages) and params.page >= pages and pages < math.ceil(listed / size)},
        "past_end": past_end(params.page, pages, state, ui) if resp.total and not resp.hits else None,
        "relaxed": relaxed_view(resp, ui),
        "suggestions": suggestions(params, state, chips, ui, offer) if resp.total == 0 and error is None else [],
        "expanded": None if expansion is None else {
            "words": list(expansion.words), "alternatives": list(expansion.alternatives),
            "query": " OR ".join(expansion.alternatives), "language": expansion.language,
            "dir": text_dir(expansion.language or ""), "edited": params.alt is not None,
            "reset_href": href("/search", state, alt=None, page=None)},
        "cross_offer": None if offer is None else {
            "total": offer, "text": t("cross_offer", ui, n=i18n.fmt_number(offer, ui)),
            "href": href("/search", state, mode="cross", page=None)},
        "error": None if error is None else _error_view(error, ui),
    }


def relaxed_view(resp: SearchResponse, ui: str) -> dict | None:
    """What the page says when the engine answered by best match (few or no all-word matches)."""
    if not resp.relaxed:
        return None
    n, k = resp.query_words or 0, resp.all_words_total or 0
    key = "relaxed_none" if k == 0 else {1: "relaxed_few_one", 2: "relaxed_few_two"}.get(k, "relaxed_few")
    return {"words": n, "all_words_total": k, "message": t(key, ui, n=n, k=k)}


def hit_view(hit: Hit, ui: str, state: dict[str, list[str]] | None = None) -> dict:
    """A result row; its link carries the search's state so the article page can lead back to it."""
    from_translation = bool(hit.snippet_language) and hit.snippet_language != hit.language
    label_key = "snippet_original"
    if from_translation:
        label_key = f"snippet_{hit.translation_kind}" if hit.translation_kind in ("human", "provided") \
            else "snippet_machine"
    snippet_lang = hit.snippet_language or hit.language
    return {
        "hit": hit,
        "id": hit.id,
        "href": href(f"/articles/{quote(hit.id, safe='')}", state or {"ui": [ui]}),
        "source_name": display_source(hit.source, ui),
        "translation_badge": _translation_badge(hit, ui),
        "dir": text_dir(hit.language),
        "snippet_lang": snippet_lang,
        "snippet_dir": text_dir(snippet_lang),
        "snippet_from": "translation" if from_translation else "original",
        "snippet_label": t(label_key, ui),
        "translated_title_dir": text_dir(hit.translation_language),
        "date_text": i18n.fmt_date(hit.date, ui) if hit.date else "",
        "story": story_more(hit, ui),
    }


def _translation_badge(hit: Hit, ui: str) -> str:
    """For a reader of the other language: this result has no (finished) translation."""
    if hit.language not in ("ar", "en") or hit.language == ui:
        return ""
    if hit.translated_title:
        return ""
    return t({"pending": "pending_translation_badge", "failed": "failed_translation_badge"}.get(
        hit.translation_status, "no_translation_badge"), ui)


def story_more(hit: Hit, ui: str) -> dict | None:
    """'+4 more from okaz, alriyadh…' under a grouped hit, linking to the story page (None when alone)."""
    more = hit.story_size - 1
    if more < 1 or not hit.story_id:
        return None
    if hit.story_sources:
        shown = [display_source(s, ui) for s in hit.story_sources[:3]]
        sources = "، ".join(shown) if ui == "ar" else ", ".join(shown)
        if len(hit.story_sources) > 3 or more > len(hit.story_sources):
            sources += "…"
        text = t("story_more", ui, n=i18n.fmt_number(more, ui), sources=sources)
    else:
        text = t("story_more_nosource", ui, n=i18n.fmt_number(more, ui))
    return {"text": text, "more": more, "href": f"/stories/{quote(hit.story_id, safe='')}?ui={ui}"}


def facet_view(field: str, values, params: SearchParams, state: dict, ui: str, limit: int | None = None) -> dict:
    key = FACET_PARAM[field]
    selected = list(getattr(params, key)) if key != "lang" else list(params.filters().language)
    if field == "source":  # 'OKAZ' or 'عكاظ' in the URL selects the stored 'okaz'
        selected = [canonical_source(v) for v in selected]
    shown = {v.value for v in values}
    items = [{"value": v.value, "count": v.count, "selected": v.value in selected} for v in values]
    # A selected value outside the top list still shows, so it can be unticked.
    items += [{"value": v, "count": None, "selected": True} for v in selected if v not in shown]
    for item in items:
        item["label"] = (i18n.lang_name(item["value"], ui) if field == "language"
                         else display_source(item["value"], ui) if field == "source" else item["value"])
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
    facet_of = {v: k for k, v in FILTER_PARAM.items()}
    for key in FILTER_KEYS:
        for value in getattr(params, key):
            field = facet_of[key]
            chips.append({
                "field": key, "value": value, "label": t(f"facet_{field}", ui),
                "text": i18n.lang_name(value, ui) if key == "lang" else (
                    display_source(canonical_source(value), ui) if key == "source" else value),
                "href": href("/search", state, **toggled(state, key, value))})
    if params.date_from or params.date_to:
        a = i18n.fmt_date(params.date_from, ui) if params.date_from else "…"
        b = i18n.fmt_date(params.date_to, ui) if params.date_to else "…"
        chips.append({"field": "date", "value": f"{params.date_from or ''}/{params.date_to or ''}",
                      "label": t("facet_date", ui), "text": t("date_range", ui, a=a, b=b),
                      "href": href("/search", state, date_from=None, date_to=None, page=None)})
    return chips


def suggestions(params: SearchParams, state: dict, chips: list[dict], ui: str, offer: int | None = None) -> list[dict]:
    """What to try when nothing matched: drop a filter, drop them all, search across languages."""
    out = [{"text": t("remove_filter", ui, f=f"{c['label']}: {c['text']}"), "href": c["href"]} for c in chips]
    if len(chips) > 1:
        out.append({"text": t("remove_all_filters", ui),
                    "href": href("/search", state, **{k: None for k in (*FILTER_KEYS, "date_from", "date_to",
                                                                        "page")})})
    if params.q and params.sort != "relevance" and _best_match_would_answer(params.q):
        # Date orders keep every word required (any article with any word, newest first, says nothing):
        # the reader who sorted a best-match answer by date lands here, and relevance takes them back.
        out.insert(0, {"text": t("try_relevance", ui), "href": href("/search", state, sort=None, page=None)})
    if params.mode in ("ar", "en"):
        out.append({"text": t("try_both", ui), "href": href("/search", state, mode=None, page=None)})
    if params.q and params.mode != "cross" and offer is None:
        out.append({"text": t("try_cross", ui), "href": href("/search", state, mode="cross", page=None)})
    return out


def _best_match_would_answer(q: str) -> bool:
    """Whether a search by relevance answers ``q`` by best match when no article has every word."""
    try:
        return plan_query(SearchRequest(q=q)).relaxable
    except (QuerySyntaxError, BadRequest):
        return False


def past_end(page: int, pages: int, state: dict, ui: str) -> dict | None:
    """A page after the last one (an old link, a hand-edited URL): say so and lead to the last page,
    instead of "11–11 of 9" over "No articles match"."""
    if page <= pages:
        return None
    last = href("/search", state, page=None if pages <= 1 else pages)
    return {"page": page, "pages": pages, "text": t("past_end", ui, page=page, pages=pages),
            "link_text": t("past_end_link", ui, pages=pages), "href": last}


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


def view_json(view: dict) -> dict:
    """The JSON twin of the search page: the same data, without the template's helpers."""
    return {
        "q": view["q"], "mode": view["mode"], "sort": view["sort"],
        "total": view["total"], "stories": view["stories"], "group": view["group"], "took_ms": view["took_ms"], "partial": view.get("partial", False),
        "page": view["page"], "size": view["size"], "pages": view["pages"],
        "hits": [{**hv["hit"].model_dump(mode="json", exclude={"sort"}), "href": hv["href"],
                  "snippet_from": hv["snippet_from"], "snippet_label": hv["snippet_label"],
                  "story_href": hv["story"]["href"] if hv["story"] else None} for hv in view["hits"]],
        "facets": {f["field"]: [{k: v[k] for k in ("value", "count", "selected", "href")} for v in f["values"]]
                   for f in view["facets"]},
        "date_histogram": None if view["histogram"] is None else {
            "interval": view["histogram"]["interval"], "undated": view["histogram"]["undated"],
            "buckets": [{k: b[k] for k in ("start", "end", "count", "href")} for b in view["histogram"]["bars"]]},
        "active_filters": [{k: c[k] for k in ("field", "value", "href")} for c in view["chips"]],
        "relaxed": view["relaxed"],
        "suggestions": view["suggestions"],
        "expanded": view["expanded"]["words"] if view["expanded"] else [],
        "alternatives": view["expanded"]["alternatives"] if view["expanded"] else [],
        "cross_offer": view["cross_offer"],
        "pagination": view["pagination"],
        "past_end": view["past_end"],
        "error": view["error"],
    }


def _error_view(error: Exception, ui: str) -> dict:
    """What is wrong with the query, in the UI's language (English when no translation is known)."""
    message = getattr(error, "message", None) or str(error)
    position = getattr(error, "position", None)
    return {"message": message, "position": position, "label": i18n.error_label(message),
            "text": i18n.query_error_text(message, position, ui),
            "lang": ui if i18n.query_error_translated(message, ui) else "en"}
