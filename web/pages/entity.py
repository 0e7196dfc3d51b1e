"""The entity page and its JSON twin: one person, place or organisation across the archive.

"Who appears with whom, where, when": how many articles name the entity in each
language and how they write it, its coverage over time (the search page's
histogram, each bar a link to those articles), the sources that cover it, the
people, places and organisations named with it (each a link to its own page),
and its newest articles. The name in the URL may be any spelling in either
script (``/entities/place/الرياض`` and ``/entities/place/Riyadh`` are one page);
the numbers are :func:`web.api.entities.summarise`'s, as the API answers them.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arshif.entities import ENTITY_KINDS
from arshif.search.params import SearchParams
from arshif.sources import display as display_source
from web import i18n
from web.api.entities import not_named, summarise
from web.i18n import t, tn
from web.pages.article import hit_view_plain
from web.pages.histogram import histogram_view
from web.pages.render import json_error, render_error, text_dir, twin
from web.pages.state import entity_href, href, state_of
from web.service import service_from

router = APIRouter(include_in_schema=False)
#: Newest articles listed on the page (the JSON twin lists the same).
RECENT = 10


@router.get("/entities/{kind}/{name:path}", response_class=HTMLResponse)
def entity_page(request: Request, kind: str, name: str):
    name, as_json, r = twin(request, name)
    ui = r.ui
    if kind not in ENTITY_KINDS:
        message = f"no entity kind '{kind[:40]}' (person, place or org)"
        return json_error(404, message) if as_json else render_error(request, 404, message)
    summary, hits = summarise(service_from(request), kind, name[:200])
    if not summary.total:
        message = not_named(kind, name)
        return json_error(404, message) if as_json else render_error(request, 404, message)
    recent = [hit_view_plain(h, ui) for h in hits[:RECENT]]
    if as_json:
        return r.json({**summary.model_dump(mode="json"), "href": entity_href(kind, summary.key, ui),
                       "articles_href": href("/search", {kind: [summary.key]}),
                       "recent": [{**row["hit"].model_dump(mode="json", include={
                           "id", "title", "source", "date", "language", "url"}), "href": row["href"]}
                           for row in recent]})
    params = SearchParams(**{kind: [summary.key]})
    state = state_of(params, ui)
    chart = histogram_view(SimpleNamespace(date_histogram=summary.histogram, interval=summary.interval),
                           params, state, ui)
    languages = {v.value: v.count for v in summary.languages}
    return r.html(
        "entity.html", kind=kind, key=summary.key, kind_label=t(f"entity_kind_{kind}", ui),
        key_dir="rtl" if any("\u0600" <= ch <= "\u06FF" for ch in summary.key) else "ltr",
        total_text=tn("articles", summary.total, ui), articles_href=href("/search", state),
        languages=[{"code": code, "name": i18n.lang_name(code, ui), "count": languages.get(code, 0),
                    "href": href("/search", state, lang=code), "dir": text_dir(code),
                    "spellings": [v.value for v in summary.spellings.get(code, [])]}
                   for code in ("ar", "en") if languages.get(code) or summary.spellings.get(code)],
        histogram=chart,
        sources=[{"name": display_source(v.value, ui), "count": v.count,
                  "href": href("/search", state, source=v.value)} for v in summary.sources],
        co_occurring=[{"kind": k, "label": t(f"facet_{k}", ui),
                       "items": [{"key": v.value, "count": v.count, "href": entity_href(k, v.value, ui)}
                                 for v in summary.co_occurring.get(k, [])]}
                      for k in ENTITY_KINDS if summary.co_occurring.get(k)],
        recent=recent)
