"""The one search service behind both the HTML pages and the JSON API.

Pages and API take the same parameters (:class:`~arshif.search.params.SearchParams`),
so every HTML page has a JSON twin that answers exactly the same search.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from arshif.crosslingual import Expansion, edited_expansion
from arshif.engines import Engine, EngineUnavailable
from arshif.model import Article
from arshif.search.contract import Filters, Hit, SearchRequest, SearchResponse
from arshif.search.params import SearchParams
from arshif.settings import Settings


class QueryTranslator(Protocol):
    """Turns a query into its phrasings in the other language (cross-lingual search)."""

    def alternatives(self, q: str) -> list[str]: ...


#: Fewer hits than this in the chosen mode, and the page offers cross-language search when it finds more.
FEW_HITS = 10


class SearchService:
    def __init__(self, settings: Settings, engine: Engine, query_translator: QueryTranslator | None = None):
        self.settings = settings
        self.engine = engine
        self.query_translator = query_translator

    def request_for(self, params: SearchParams, size: int | None = None, *, capped: bool = True) -> SearchRequest:
        """The engine request: every request rule, the server's page-size limit (unless not ``capped``:
        export's internal batches), and in cross mode the query's phrasings in the other language.
        ``size`` overrides the page size."""
        expansion = self.expansion(params)
        alternatives = [a for a in expansion.alternatives if a and a != params.q] if expansion else []
        return params.to_request(alternatives=alternatives, max_size=self.settings.max_page_size if capped else None,
                                 size=size)

    def expansion(self, params: SearchParams) -> Expansion | None:
        """In cross mode, what the query became in the other language (the reader's edit, ``alt``, when given)."""
        if params.mode != "cross" or not params.q:
            return None
        if params.alt is not None:
            return edited_expansion(params.alt)
        if self.query_translator is None:
            return None
        expand = getattr(self.query_translator, "expand", None)
        if expand is not None:
            return expand(params.q)
        return edited_expansion(" OR ".join(self.query_translator.alternatives(params.q)))

    def cross_offer(self, params: SearchParams, resp: SearchResponse) -> int | None:
        """How many articles cross-language search finds, when the chosen mode found fewer than
        :data:`FEW_HITS` and cross mode finds more; else None (one count-only search, only then).

        A relaxed answer (no article had every word: best match shows those with some) counts as what had
        every word: an English name that no English article carries whole (``Mohammed bin Salman``) found 16
        English articles with one of its words, and the 646 Arabic articles about him went unoffered."""
        found_here = resp.all_words_total if resp.relaxed and resp.all_words_total is not None else resp.total
        if params.mode == "cross" or not params.q or found_here >= FEW_HITS or self.query_translator is None \
                or params.cursor or not getattr(self.query_translator, "ready", True):
            return None  # (a translator still loading its lexicon is not waited for: the offer is optional)
        cross = params.model_copy(update={"mode": "cross", "page": 1, "alt": None, "facets": [], "histogram": "none",
                                          "highlight": False})
        try:
            found = self.engine.search(self.request_for(cross, size=0)).total
        except Exception:  # noqa: BLE001 - an offer is optional; the page stands without it
            return None
        return found if found > found_here else None

    def search(self, params: SearchParams) -> SearchResponse:
        return self.engine.search(self.request_for(params))

    def article(self, article_id: str) -> Article | None:
        return self.engine.get(article_id)

    def story(self, story_id: str, size: int = 200) -> SearchResponse:
        """Every article of a story, oldest first (the first is who published first)."""
        return self.engine.search(SearchRequest(filters=Filters(story=[story_id]), sort="oldest", size=size,
                                                highlight=False, group="none"))

    def related(self, article_id: str, size: int = 8) -> list[Hit]:
        return self.engine.more_like_this(article_id, size=size)


def service_from(request: Request) -> SearchService:
    """FastAPI dependency: the app's search service, or 503 when the engine could not be opened."""
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise EngineUnavailable("no engine could be opened at start-up (see the server log)")
    return service


Service = Annotated[SearchService, Depends(service_from)]
