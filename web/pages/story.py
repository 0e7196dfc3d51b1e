"""The story page and its JSON twin: every copy of one report, and its telling in the other language.

Oldest first, so the first row is who published first; each row names its source,
date and language and links to the article.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from web import i18n
from web.i18n import tn
from web.pages.article import hit_view_plain
from web.pages.render import json_error, render_error, twin
from web.service import service_from

router = APIRouter(include_in_schema=False)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str):
    story_id, as_json, r = twin(request, story_id)
    ui = r.ui
    resp = service_from(request).story(story_id[:200])
    if not resp.hits:
        message = f"no story with id '{story_id[:80]}'"
        return json_error(404, message) if as_json else render_error(request, 404, message)
    rows = [hit_view_plain(h, ui) for h in resp.hits]
    if as_json:
        return r.json({"story_id": story_id, "articles": resp.total, "first": resp.hits[0].id,
                       "copies": [{**row["hit"].model_dump(mode="json", include={
                           "id", "title", "source", "date", "language", "url", "translated_title"}),
                           "href": row["href"]} for row in rows]})
    languages = sorted({h.language for h in resp.hits})
    return r.html("story.html", story_id=story_id, rows=rows, total=resp.total,
                  heading=tn("story_heading", resp.total, ui),
                  languages=[i18n.lang_name(code, ui) for code in languages])
