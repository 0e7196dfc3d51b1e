"""The article page and its JSON twin: the original beside its translation, and related coverage."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arshif.model import Article, Translation
from arshif.search.contract import Hit
from web import i18n
from web.i18n import t
from web.pages.render import json_error, paragraphs, render_error, safe_url, text_dir, twin
from web.pages.state import href
from web.service import service_from

log = logging.getLogger("arshif.web.pages")

router = APIRouter(include_in_schema=False)

@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str):
    article_id, as_json, r = twin(request, article_id)
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

