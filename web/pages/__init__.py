"""The HTML pages: faceted bilingual search, facet value lists, the article page, the story page, the entity page and saved searches.

Every page is server-rendered (Jinja2, autoescaped) and works without JavaScript;
the URL holds the whole state (:mod:`web.pages.state`), and every page has a JSON
twin — the same path with ``.json`` or ``Accept: application/json`` — built from
the same view model.
"""

from fastapi import APIRouter

from web.pages import article, entity, facets, saved, search, story

router = APIRouter(include_in_schema=False)
for _module in (search, facets, article, saved, story, entity):
    router.include_router(_module.router)
