"""The article page and its JSON twin: the original beside its translation, and related coverage."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from arshif.entities import ENTITY_KINDS
from arshif.model import Article, Translation
from arshif.search.contract import Hit
from arshif.search.marks import mark_text, query_terms
from arshif.sources import display as display_source
from web import i18n
from web.i18n import t
from web.middleware import write_key_problem
from web.pages.render import Render, ui_of, json_error, paragraphs, render_error, safe_url, text_dir, twin
from web.pages.saved import Form
from web.pages.state import entity_href, href, parse_params, state_of
from web.service import service_from

log = logging.getLogger("arshif.web.pages")

router = APIRouter(include_in_schema=False)

def came_from(request: Request, ui: str) -> dict[str, list[str]]:
    """The search the reader opened this article from: result links carry its state (q, filters,
    page…) in the article's URL. Anything unreadable there is dropped, never an error."""
    try:
        params = parse_params(request)
    except Exception:  # noqa: BLE001 - a mangled link still shows the article
        return {"ui": [ui]}
    return state_of(params, ui)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str):
    article_id, as_json, r = twin(request, article_id)
    return _show(request, r, article_id, as_json)


def _show(request: Request, r: Render, article_id: str, as_json: bool = False, status: int = 200,
          translate_error: str = ""):
    ui = r.ui
    service = service_from(request)
    article = service.article(article_id)
    if article is None:
        message = f"no article with id '{article_id}'"
        return json_error(404, message) if as_json else render_error(request, 404, message)
    try:
        related = service.related(article_id)
    except Exception:  # noqa: BLE001 - related coverage is a bonus: the article still shows
        log.exception("related articles failed for %s", article_id)
        related = []
    view = article_view(article, related, ui, came_from(request, ui), can_translate=_translating(request))
    view["translate_error"] = translate_error
    if as_json:
        return r.json({
            "article": article.model_dump(mode="json"),
            "translation": view["translation"]["data"],
            "translation_state": {k: view["translation"][k] for k in ("status", "why", "can_translate")},
            "back": view["back_href"],
            "related": [{**h["hit"].model_dump(mode="json", exclude={"sort", "snippet", "title_highlight"}),
                         "href": h["href"]} for h in view["related"]],
        })
    return r.html("article.html", status=status, **view)


def _translating(request: Request) -> str:
    """Whether readers may ask for a translation here: 'yes'; 'no-provider'; or 'no-key' when a provider is
    configured but the server takes no writes (a stored translation is a write: it needs ARSHIF_API_KEY)."""
    if getattr(request.app.state, "article_translator", None) is None:
        return "no-provider"
    return "yes" if request.app.state.settings.api_key else "no-key"


def translation_why(tr: Translation | None, article: Article, can_translate: bool | str, ui: str) -> str:
    """Why an article shows no translation (or a pending/failed one), in the reader's words."""
    if tr is not None:
        if tr.status == "done":
            return ""
        return tr.reason or t("translation_why_unknown", ui)
    if article.language not in ("ar", "en"):
        return t("translation_why_language", ui)
    if can_translate == "no-key":
        return t("translation_why_no_key", ui)
    return t("translation_why_can" if can_translate in (True, "yes") else "translation_why_no_provider", ui)


def article_view(article: Article, related: list[Hit], ui: str, search_state: dict[str, list[str]] | None = None,
                 can_translate: bool | str = False) -> dict:
    tr: Translation | None = article.translation()
    search_state = search_state or {"ui": [ui]}
    came_from_search = any(k != "ui" for k in search_state)
    q = search_state.get("q", [""])[0]
    terms = query_terms(q) if q else (frozenset(), frozenset())
    status = "none" if tr is None else tr.status
    translation = {"data": None, "status": status}
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
    translation["why"] = translation_why(tr, article, can_translate, ui)
    translation["can_translate"] = can_translate in (True, "yes") and article.language in ("ar", "en") \
        and status != "done"
    # A reader of the article's own language needs no note that it is untranslated.
    translation["show_none"] = status == "none" and article.language != ui
    plain_state = {"ui": [ui]}
    return {
        "kind": "article",
        "article": article,
        "lang": article.language if article.language in ("ar", "en") else "",
        "dir": text_dir(article.language),
        "paragraphs": paragraphs(article.body),
        "marked_title": Markup(mark_text(article.title, terms)),
        "marked_paragraphs": [Markup(mark_text(p, terms)) for p in paragraphs(article.body)],
        "q": q,
        "back_href": href("/search", search_state) if came_from_search else None,
        "search_hidden": [(k, v) for k, vs in search_state.items() if k not in ("q", "page", "ui") for v in vs],
        "translate_href": f"/articles/{quote(article.id, safe='')}/translate?" + href("", search_state).lstrip("?"),
        "date_text": i18n.fmt_date(article.published, ui) if article.published else (
            i18n.fmt_date(article.extracted, ui) if article.extracted else ""),
        "url": safe_url(article.url),
        "translation": translation,
        "source_href": href("/search", plain_state, source=article.source) if article.source else None,
        "source_name": display_source(article.source, ui),
        "author_href": href("/search", plain_state, author=article.author) if article.author else None,
        "site_href": href("/search", plain_state, site=article.site) if article.site else None,
        "tags": [{"tag": tag, "href": href("/search", plain_state, tag=tag)} for tag in article.tags],
        "entities": [{"kind": kind, "label": t(f"facet_{kind}", ui),
                      "items": [{"key": e.key, "name": e.name, "count": e.count,
                                 "href": href("/search", plain_state, **{kind: e.key}),
                                 "page_href": entity_href(kind, e.key, ui),
                                 "page_label": t("entity_page_link", ui, name=e.key)}
                                for e in article.entities if e.kind == kind]}
                     for kind in ENTITY_KINDS if any(e.kind == kind for e in article.entities)],
        "related_titles": [{"title": title, "href": href("/search", plain_state, q=title)}
                           for title in article.related_titles],
        "related": [hit_view_plain(h, ui) for h in related],
        "search_state": search_state,
    }


def hit_view_plain(hit: Hit, ui: str) -> dict:
    return {"hit": hit, "href": f"/articles/{quote(hit.id, safe='')}?ui={ui}", "dir": text_dir(hit.language),
            "translated_title_dir": text_dir(hit.translation_language),
            "date_text": i18n.fmt_date(hit.date, ui) if hit.date else "", "source_name": display_source(hit.source, ui)}



@router.post("/articles/{article_id}/translate")
def translate_now(request: Request, article_id: str, form: Form):
    """'Translate now': the configured provider translates the article, the translation is stored with
    its provenance (provider, model, time, kind 'machine') like one made at ingest, and the reader is
    sent back to the article (with the search they came from).

    It costs a paid provider call and writes to the archive, so it follows the write API's rule: the
    form carries the server's API key (refused without one, and switched off when the server has none).
    A refusal shows the article again with the reason beside the form, not an error page."""
    service = service_from(request)
    translator = getattr(request.app.state, "article_translator", None)
    article = service.article(article_id)
    if article is None:
        return render_error(request, 404, f"no article with id '{article_id}'")
    if translator is None:
        return render_error(request, 409, "no translation provider is configured on this server")
    settings = request.app.state.settings
    if write_key_problem(settings, (form.get("api_key") or [""])[0]) is not None:
        ui, remember = ui_of(request)
        key = "saved_wrong_key" if settings.api_key else "translate_disabled"
        page = Render(request, ui, remember, path=f"/articles/{quote(article_id, safe='')}")
        return _show(request, page, article_id, status=403, translate_error=t(key, ui))
    translator.translate_batch([article])
    from web.api.writes import writable_engine

    writable_engine(request, service).upsert([article])
    back = href(f"/articles/{quote(article.id, safe='')}", came_from(request, ui_of(request)[0]))
    return RedirectResponse(back, status_code=303)
