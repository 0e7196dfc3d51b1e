"""The JSON API for scripts: typed, documented, deep paging, batch and export.

Every endpoint lives under ``/api`` and answers JSON (export streams CSV or JSON
Lines). The search parameters are those of the HTML pages
(:class:`arshif.search.params.SearchParams`), so a page URL and its API twin
answer the same search. Errors are always ``{"error": {"status", "message", ...}}``
(:mod:`web.errors`). One module per resource: search, articles, export, writes,
saved searches, health.

Limits (see ``docs/api.md``): ``size`` ≤ ``ARSHIF_MAX_PAGE_SIZE`` (100),
``page × size`` ≤ 10,000 (use ``cursor`` beyond), a batch ≤
``ARSHIF_MAX_BATCH_QUERIES`` (50) queries, a write ≤ 1,000 articles, at most
four exports streaming at once per server process.
"""

from fastapi import APIRouter, Depends

from web.api import articles, entities, export, health, saved, search, writes
from web.api.strict import reject_unknown_query_parameters

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(reject_unknown_query_parameters)])
for _module in (search, articles, entities, export, writes, saved, health):
    router.include_router(_module.router)
