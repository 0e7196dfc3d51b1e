"""Elasticsearch and OpenSearch behind the search contract.

Both speak the same REST API family; the official clients differ only in how
they are built and called, so :class:`RemoteEngine` takes a thin
:class:`Flavour` and shares everything else: the index definition from
``mappings/articles.json``, the bodies from :mod:`arshif.engines.dsl`, bulk
writing, the index lifecycle (versioned indices behind an alias, atomic swap on
``reindex``) and the capability check made on connect.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator

from arshif.engines.base import (
    BadRequest,
    Engine,
    EngineUnavailable,
    QueryPlan,
    SearchTimeout,
    WriteResult,
    apply_highlights,
    best_match_search,
    cursor_bound_search,
    article_date,
    hit_from_article,
    choose_interval,
    decode_cursor,
    encode_cursor,
    failures_as_unavailable,
    like_text,
    plan_query,
)
from arshif.engines import dsl
from arshif.entities import ENTITY_KINDS
from arshif.mappings import fingerprint, index_definition
from arshif.engines.breaker import CircuitBreaker
from arshif.model import Article
from arshif.search.facet_prefix import keeps
from arshif.search.contract import DateBucket, FacetValue, Filters, Hit, SearchRequest, SearchResponse
from arshif.settings import Settings

log = logging.getLogger("arshif.engines.remote")
# The clients log every 404/400 as a warning, including the ones Arshif expects and handles
# (a missing alias, the capability probe); Arshif says what matters itself.
for _noisy in ("opensearch", "elastic_transport.transport", "elasticsearch"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

ARABIC_COMPONENTS = ("arabic_normalization", "arabic_stem", "decimal_digit")
CHUNK = 500


def degraded_definition(definition: dict) -> dict:
    """The index definition for a node without Arabic analysis: standard analyzers, same fields."""
    d = copy.deepcopy(definition)
    d["settings"]["analysis"] = {"analyzer": {
        "arshif_text": {"type": "standard"},
        "arshif_exact": {"type": "standard"},
    }}
    return d


@dataclass
class Flavour:
    """What differs between the two client libraries: one client per kind of operation (each with its
    own timeout), the errors that mean "the node did not answer", and the not-found error."""

    name: str
    clients: dict[str, Any]
    transport_errors: tuple
    api_errors: tuple
    not_found: type

    @property
    def client(self):
        return self.clients["read"]


def split_hosts(url: str) -> list[str]:
    """``http://a:9200,http://b:9200`` → both: the client spreads requests over the nodes of a cluster and
    retries a request on another node when one does not answer."""
    return [u.strip() for u in url.split(",") if u.strip()]


def _make_client(kind: str, url: str, timeouts: dict[str, float]) -> Flavour:
    hosts = split_hosts(url)
    # Retrying the same single node after a timeout only doubles the wait; with several nodes a retry goes
    # to another one, which is what a cluster is for.
    retries = max(1, len(hosts) - 1)
    on_timeout = len(hosts) > 1
    if kind == "elasticsearch":
        import elasticsearch

        base = elasticsearch.Elasticsearch(hosts, request_timeout=timeouts["read"], max_retries=retries,
                                           retry_on_timeout=on_timeout)
        clients = {k: base.options(request_timeout=t) for k, t in timeouts.items()}
        return Flavour("elasticsearch", clients,
                       (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout),
                       (elasticsearch.ApiError,), elasticsearch.NotFoundError)
    import opensearchpy

    clients = {k: opensearchpy.OpenSearch(hosts, timeout=t, max_retries=retries, retry_on_timeout=on_timeout)
               for k, t in timeouts.items()}
    return Flavour("opensearch", clients,
                   (opensearchpy.ConnectionError, opensearchpy.ConnectionTimeout),
                   (opensearchpy.TransportError,), opensearchpy.NotFoundError)


def _body(resp) -> dict:
    """Responses of the ES 8 client are objects; OpenSearch's are dicts."""
    return resp.body if hasattr(resp, "body") else resp


def _status(exc) -> Any:
    return getattr(exc, "status_code", None) or getattr(exc, "status", None) or \
        getattr(getattr(exc, "meta", None), "status", None)


#: Shard-level errors that mean "a node went away mid-request", not "this query is wrong". A search whose
#: query phase ran on a node that then died cannot fetch its hits from it (the fetch and expand phases go
#: back to the same copy), and the cluster answers 500 with one of these somewhere among its causes; the
#: same search sent again runs on the live copies.
NODE_LOST_ERRORS = frozenset({
    "node_not_connected_exception", "node_disconnected_exception", "node_closed_exception",
    "connect_transport_exception", "send_request_transport_exception", "receive_timeout_transport_exception",
    "transport_exception", "no_shard_available_action_exception", "search_context_missing_exception",
})


def _error_types(exc: BaseException) -> set[str]:
    """Every ``type`` named anywhere in an API error's body (root causes, shard failures, causes)."""
    body = getattr(exc, "info", None) or getattr(exc, "body", None)
    found: set[str] = set()
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("type"), str):
                found.add(item["type"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class NodeLost(EngineUnavailable):
    """A node of the cluster died while it held part of this request; sending it again should succeed."""


def open_remote(settings: Settings, *, lazy: bool = False) -> "RemoteEngine":
    kind, _, url = settings.engine.partition("+")
    return RemoteEngine(kind, url, settings, lazy=lazy)


class _Guard:
    """``with engine._op("read") as client:`` — admits the call through the circuit breaker (connecting
    first when needed), hands out the client with that operation's timeout, and turns a node that did not
    answer into :class:`EngineUnavailable` (and an open breaker)."""

    def __init__(self, engine: "RemoteEngine", kind: str):
        self.engine = engine
        self.kind = kind

    def __enter__(self):
        self.engine._admit()
        return self.engine.flavour.clients[self.kind]

    def __exit__(self, exc_type, exc, tb):
        engine = self.engine
        if exc is None or isinstance(exc, engine.flavour.not_found):
            engine.breaker.success()
            return False
        if isinstance(exc, engine.flavour.transport_errors):
            engine._down(f"{self.kind} request failed: {type(exc).__name__}: {exc}")
            raise EngineUnavailable(f"{engine.kind} at {engine.url} did not answer: {exc}",
                                    retry_after=engine.breaker.retry_after()) from exc
        if isinstance(exc, engine.flavour.api_errors) and _status(exc) in (502, 503, 504):
            # The node answered, so the breaker stays closed, but the cluster cannot serve (no master,
            # no live copy of a shard): the client should come back later, not see a 500.
            engine.breaker.success()
            log.warning("%s at %s cannot serve: %s", engine.kind, engine.url, exc)
            raise EngineUnavailable(f"{engine.kind} at {engine.url} cannot serve: {exc}", retry_after=5) from exc
        if isinstance(exc, engine.flavour.api_errors) and _status(exc) == 500 and \
                _error_types(exc) & NODE_LOST_ERRORS:
            engine.breaker.success()
            raise NodeLost(f"{engine.kind} at {engine.url} lost a node during the request: {exc}",
                           retry_after=2) from exc
        return False


def _connection_failure(engine, exc: BaseException) -> str | None:
    """The node did not answer (refused, reset, timed out): unavailable, without its address."""
    if isinstance(exc, engine.flavour.transport_errors):
        return f"{engine.kind} did not answer ({type(exc).__name__})"
    return None


@failures_as_unavailable(_connection_failure)
class RemoteEngine(Engine):
    def __init__(self, kind: str, url: str, settings: Settings, *, timeout: float | None = None,
                 arabic_components: tuple[str, ...] = ARABIC_COMPONENTS, lazy: bool = False):
        """Connect to ``url`` (one node, or several separated by commas).

        With ``lazy`` (the web app) an unreachable node is not an error: the engine connects on the first
        request that finds it up, so the app and the node may start in either order. Without it (the CLI)
        an unreachable node raises :class:`EngineUnavailable` at once."""
        if kind not in ("elasticsearch", "opensearch"):
            raise EngineUnavailable(f"unknown engine kind '{kind}'")
        self.kind = kind
        self.url = url
        self.settings = settings
        self.alias = settings.index_name
        self.name = kind
        self.timeouts = {"health": settings.engine_health_timeout, "read": timeout or settings.engine_timeout,
                         "write": settings.engine_write_timeout}
        self.flavour = _make_client(kind, url, self.timeouts)
        self.client = self.flavour.client
        self.arabic_components = arabic_components
        self.breaker = CircuitBreaker(settings.engine_retry_after)
        self._connected = False
        self._connect_lock = threading.Lock()
        self.version, self.distribution = "?", kind
        self.capabilities: dict = {"arabic": False}
        self.definition = index_definition(settings)
        self.definition_id = fingerprint(self.definition)
        self.index: str | None = None
        self.mapping_outdated = False
        _LIVE_REMOTES.add(self)  # once whole: a fork from now on finds all that its child replaces
        try:
            self._admit()
        except EngineUnavailable as exc:
            if not lazy:
                raise
            log.warning("%s at %s is not reachable yet (%s): will connect when it answers", kind, url, exc)

    # --- connection, capabilities, lifecycle -------------------------------------------

    def _down(self, reason: str) -> None:
        if not self.breaker.is_open:
            log.error("%s at %s is unavailable: %s; answering 503 for %.0f s before trying again",
                      self.kind, self.url, reason, self.breaker.cooldown)
        self.breaker.failure(reason)

    def _admit(self) -> None:
        """Let one operation through: fail fast while the breaker is open; as the probe, ping the node with
        the short health timeout (and connect if never connected) before the real call."""
        probe = self.breaker.admit()
        if self._connected and not probe:
            return
        try:
            with self._connect_lock:
                if not self._connected:
                    self._connect()
                elif probe:
                    self.flavour.clients["health"].info()
        except self.flavour.transport_errors as exc:
            self._down(f"{type(exc).__name__}: {exc}")
            raise EngineUnavailable(f"cannot reach {self.kind} at {self.url}: {exc}",
                                    retry_after=self.breaker.retry_after()) from exc
        except EngineUnavailable as exc:
            self._down(str(exc))
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a 5xx while the cluster forms: still unavailable
            self._down(f"{type(exc).__name__}: {exc}")
            raise EngineUnavailable(f"{self.kind} at {self.url} is not ready: {exc}",
                                    retry_after=self.breaker.retry_after()) from exc
        if probe:
            log.info("%s at %s answers again", self.kind, self.url)
        self.breaker.success()

    def _connect(self) -> None:
        """Read the node's version and capabilities and make sure the index and alias exist."""
        info = _body(self.flavour.clients["health"].info())
        self.version = info.get("version", {}).get("number", "?")
        self.distribution = info.get("version", {}).get("distribution", self.kind)
        self.capabilities = self._check_capabilities()
        definition = index_definition(self.settings)
        if not self.capabilities["arabic"]:
            log.warning("%s %s at %s has no Arabic analysis (module analysis-common missing): Arabic words are "
                        "matched as written — no stemming, no alef/hamza/yaa normalisation, so 'بالباغوز' will "
                        "not find 'الباغوز'. Install analysis-common to get them.", self.kind, self.version,
                        self.url)
            definition = degraded_definition(definition)
        self.definition = definition
        self.definition_id = fingerprint(definition)
        self._ensure_index()
        self._connected = True

    def _op(self, kind: str = "read") -> _Guard:
        return _Guard(self, kind)

    def _with_retries(self, call, kind: str = "read"):
        """``call(client)`` for the write path (ingest, reindex): a batch job waits for a node that is
        restarting or a cluster that is electing a new manager instead of failing at the first 503."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._op(kind) as client:
                    return call(client)
            except EngineUnavailable as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.warning("%s: retrying in %d s", exc, min(30, 2 ** attempt))
                time.sleep(min(30, 2 ** attempt))

    def _check_capabilities(self) -> dict:
        """Ask the node whether it can run our Arabic analysis chain (a one-off ``_analyze``)."""
        try:
            resp = _body(self.flavour.clients["read"].indices.analyze(body={
                "tokenizer": "standard", "filter": ["lowercase", *self.arabic_components], "text": "والمدرسة ٢٠١٩"}))
            tokens = [t["token"] for t in resp.get("tokens", [])]
            return {"arabic": tokens == ["مدرس", "2019"], "tokens": tokens}
        except self.flavour.transport_errors:
            raise
        except Exception as exc:  # noqa: BLE001 - the node answered: the components are missing
            return {"arabic": False, "error": str(exc)[:200]}

    def health(self) -> dict:
        """Cluster state (green/yellow/red, nodes, unassigned shards) and the document count, each with the
        short health timeout, so a load balancer's check never waits on a frozen node."""
        with self._op("health") as client:
            h = _body(client.cluster.health(index=self.alias))  # this archive's shards, not other indices
            documents = _body(client.count(index=self.alias))["count"]
        return {"documents": documents, "cluster": {
            "status": h.get("status"), "nodes": h.get("number_of_nodes"),
            "data_nodes": h.get("number_of_data_nodes"), "active_shards": h.get("active_shards"),
            "unassigned_shards": h.get("unassigned_shards"),
            "initializing_shards": h.get("initializing_shards")}}

    def describe(self) -> str:
        arabic = "with Arabic analysis" if self.capabilities["arabic"] else "WITHOUT Arabic analysis"
        return f"{self.distribution} {self.version} at {self.url} ({arabic})"

    def _new_index_name(self) -> str:
        return f"{self.alias}-v{self.definition['mappings']['_meta']['arshif_mapping_version']}-" \
               f"{time.strftime('%Y%m%d%H%M%S')}-{self.definition_id[:6]}"

    def _create_index(self, name: str) -> None:
        definition = copy.deepcopy(self.definition)
        definition["mappings"]["_meta"]["arshif_definition"] = self.definition_id
        if self.settings.index_shards is not None:
            definition["settings"]["number_of_shards"] = self.settings.index_shards
        if self.settings.index_replicas is not None:
            definition["settings"]["number_of_replicas"] = self.settings.index_replicas
        self.flavour.clients["write"].indices.create(index=name, body=definition)

    def current_index(self) -> str | None:
        try:
            resp = _body(self.client.indices.get_alias(name=self.alias))
        except self.flavour.not_found:
            return None
        names = sorted(resp)
        return names[-1] if names else None

    def _ensure_index(self) -> None:
        index = self.current_index()
        if index is None:
            if self.client.indices.exists(index=self.alias):
                raise EngineUnavailable(f"'{self.alias}' is an index, not an alias: reindex it into a versioned "
                                        f"index or set ARSHIF_INDEX_NAME to another name")
            index = self._new_index_name()
            self._create_index(index)
            self.client.indices.put_alias(index=index, name=self.alias)
            log.info("created index %s behind alias %s", index, self.alias)
        self.index = index
        mappings = _body(self.client.indices.get_mapping(index=index))[index]["mappings"]
        self._add_new_fields(index, mappings.get("properties", {}))
        meta = mappings.get("_meta", {})
        self.mapping_outdated = meta.get("arshif_definition") != self.definition_id
        # An index built before stories has no story_id to collapse on: it lists every article until reindexed.
        self.has_stories = "story_id" in mappings.get("properties", {})
        if self.mapping_outdated:
            log.warning("index %s was built from another version of mappings/articles.json: run "
                        "'arshif reindex' to rebuild it with the current definition (searches keep working "
                        "meanwhile)", index)

    def _add_new_fields(self, index: str, have: dict) -> None:
        """Fields the definition gained since ``index`` was built (``source_id``) are added to its mapping.

        The index is ``strict``: without them, writing a new article would be refused. Adding a field is
        allowed in place; the documents stored before hold no value for it until ``arshif reindex``
        rebuilds them (the index stays marked outdated meanwhile, and the CLI says so)."""
        missing = {name: spec for name, spec in self.definition["mappings"]["properties"].items()
                   if name not in have}
        if not missing:
            return
        names = ", ".join(sorted(missing))
        try:
            self.flavour.clients["write"].indices.put_mapping(index=index, body={"properties": missing})
        except self.flavour.api_errors as exc:  # e.g. a user allowed to read only: searching still works
            log.warning("index %s has no field(s) %s and they could not be added (%s): run 'arshif reindex'",
                        index, names, exc)
            return
        log.warning("index %s had no field(s) %s: added; run 'arshif reindex' so the articles stored before "
                    "can be found by them", index, names)

    def reindex(self, progress=None) -> tuple[str, str, int]:
        """Build a new index from the stored documents and swap the alias to it atomically."""
        old = self.current_index()
        new = self._new_index_name()
        while new == old:
            time.sleep(1)
            new = self._new_index_name()
        self._create_index(new)
        copied = 0
        target = _Target(self, new)
        batch: list[Article] = []
        kept: dict[str, tuple[str, int]] = {}  # id -> (content hash, first_seq): arrival marks survive reindex
        for article, first_seq in self._iter_stored(old):
            batch.append(article)
            kept[article.id] = (article.content_hash(), first_seq or time.time_ns())
            if len(batch) >= CHUNK:
                copied += len(target.write(batch, hashes=kept))
                batch.clear()
                kept = {}
                if progress:
                    progress(copied)
        if batch:
            copied += len(target.write(batch, hashes=kept))
        self.client.indices.refresh(index=new)
        actions = [{"add": {"index": new, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        self.index = new
        self.mapping_outdated = False
        self.has_stories = True
        if old:
            self.client.indices.delete(index=old)
        return old or "", new, copied

    def iter_articles(self, index: str | None = None) -> Iterator[Article]:
        """Every stored article, in id order, a page at a time (search_after; constant memory)."""
        for article, _ in self._iter_stored(index):
            yield article

    def _iter_stored(self, index: str | None = None) -> Iterator[tuple[Article, int | None]]:
        """(article, first_seq) of every stored document, in id order."""
        index = index or self.alias
        after = None
        while True:
            body = {"size": CHUNK, "sort": [{"id": "asc"}], "_source": ["article", "first_seq"],
                    "query": {"match_all": {}}}
            if after is not None:
                body["search_after"] = after
            with self._op() as client:
                hits = _body(client.search(index=index, body=body))["hits"]["hits"]
            if not hits:
                return
            for h in hits:
                yield Article.model_validate(h["_source"]["article"]), h["_source"].get("first_seq")
            after = hits[-1]["sort"]

    # --- writing -------------------------------------------------------------------------

    def upsert(self, articles: Iterable[Article]) -> WriteResult:
        return _Target(self, self.alias).upsert(list(articles))

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        for article_id in ids:
            try:
                with self._op("write") as client:
                    client.delete(index=self.alias, id=article_id, refresh=True)
                n += 1
            except self.flavour.not_found:
                pass
        return n

    def refresh(self) -> None:
        with self._op("write") as client:
            client.indices.refresh(index=self.alias)

    # --- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        try:
            with self._op() as client:
                doc = _body(client.get(index=self.alias, id=article_id, _source=["article"]))
        except self.flavour.not_found:
            return None
        return Article.model_validate(doc["_source"]["article"])

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        if not ids:
            return {}
        with self._op() as client:
            resp = _body(client.mget(index=self.alias, body={"ids": ids}, _source=["article"]))
        return {d["_id"]: Article.model_validate(d["_source"]["article"]) for d in resp["docs"] if d.get("found")}

    def vocabulary_counts(self, terms, exact: bool = False) -> dict[str, int]:
        """Document counts of analysed terms, in one request (a ``filters`` aggregation of term queries)."""
        terms = list(dict.fromkeys(terms))[:200]
        if not terms:
            return {}
        fields = [f + ".exact" if exact else f for f in dsl.HIGHLIGHT_FIELDS]
        filters = {str(i): {"bool": {"should": [{"term": {f: t}} for f in fields]}} for i, t in enumerate(terms)}
        resp = self._search({"size": 0, "aggs": {"vocab": {"filters": {"filters": filters}}}})
        buckets = resp["aggregations"]["vocab"]["buckets"]
        return {terms[int(k)]: b["doc_count"] for k, b in buckets.items() if b["doc_count"]}

    def pending_ids(self, include_untranslated: bool = False) -> list[str]:
        wanted = ["pending", "none"] if include_untranslated else ["pending"]
        ids: list[str] = []
        after = None
        while True:
            body = {"size": CHUNK, "sort": [{"id": "asc"}], "_source": False,
                    "query": {"terms": {"translation_status": wanted}}}
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            if not hits:
                return ids
            ids += [h["_id"] for h in hits]
            after = hits[-1]["sort"]

    def count(self) -> int:
        with self._op() as client:
            return _body(client.count(index=self.alias))["count"]

    def ingest_mark(self) -> int:
        """The highest arrival mark (``first_seq``, nanoseconds at first write) among stored articles.

        Read from the index rather than the clock: an article written before this call but not yet
        visible to search keeps a mark above the newest visible one, so it still counts as new once it
        shows. Read as a sort value, which is exact (a ``max`` aggregation is a double and rounds
        nanoseconds)."""
        hits = self._search({"size": 1, "_source": False, "sort": [{"first_seq": "desc"}],
                             "query": {"match_all": {}}})["hits"]["hits"]
        return int(hits[0]["sort"][0]) if hits else 0

    def stats(self) -> dict:
        with self._op() as client:
            aggs = _body(client.search(index=self.alias, body={"size": 0, "aggs": {
                "lang": {"terms": {"field": "language"}}, "tr": {"terms": {"field": "translation_status"}},
                "sources": {"cardinality": {"field": "source"}},
                "first": {"min": {"field": "date", "format": "yyyy-MM-dd"}},
                "last": {"max": {"field": "date", "format": "yyyy-MM-dd"}}}}))["aggregations"]
            store = _body(client.indices.stats(index=self.alias, metric="store"))
        size = sum(v["total"]["store"]["size_in_bytes"] for v in store["indices"].values())
        return {
            "engine": self.kind, "version": self.version, "location": f"{self.location} -> {self.index}",  # never the node's URL: /api/stats is public
            "arabic_analysis": self.capabilities["arabic"], "documents": self.count(),
            "by_language": {b["key"]: b["doc_count"] for b in aggs["lang"]["buckets"]},
            "sources": aggs["sources"]["value"],
            "translations": {b["key"]: b["doc_count"] for b in aggs["tr"]["buckets"]},
            "first_date": aggs["first"].get("value_as_string"), "last_date": aggs["last"].get("value_as_string"),
            "size_bytes": size, "mapping_outdated": self.mapping_outdated,
        }

    def search(self, request: SearchRequest) -> SearchResponse:
        return cursor_bound_search(request, lambda request: best_match_search(
            plan_query(request), lambda plan: self._search_plan(request, plan)))

    def _search_plan(self, request: SearchRequest, plan: QueryPlan) -> SearchResponse:
        started = time.perf_counter()
        match = dsl.text_query(plan.text)
        if plan.text is not None and match is None and not plan.negative:
            return SearchResponse(total=0, hits=[], took_ms=_ms(started))
        if request.group == "story" and not getattr(self, "has_stories", True):
            request = request.model_copy(update={"group": "none"})
        cursor = decode_cursor(request.cursor, request.sort) if request.cursor else None
        snapshot, search_after = None, None
        if cursor is not None and request.group == "story":
            # Collapsed results cannot page with search_after unless sorted on the story itself: a grouped
            # cursor holds the offset of the next story instead (so reaches the first 10,000 stories).
            if not isinstance(cursor.get("offset"), int) or not 0 <= cursor["offset"] <= 10_000:
                raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")
            snapshot = cursor.get("snap")
            request = request.model_copy(update={"offset": cursor["offset"]})
        elif cursor is not None:
            if not isinstance(cursor.get("after"), list):
                raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")
            snapshot, search_after = cursor.get("snap"), cursor["after"]
        else:
            snapshot = time.time_ns()
        interval = None
        if request.date_histogram and request.date_histogram != "auto":
            interval = request.date_histogram
        body = dsl.search_body(request, plan, match=match, snapshot=snapshot, search_after=search_after,
                               interval=interval)
        resp = self._search(body)
        if request.date_histogram == "auto":
            span = resp.get("aggregations", {}).get("date_span", {})
            first = span.get("first", {}).get("value_as_string")
            last = span.get("last", {}).get("value_as_string")
            interval = choose_interval(date.fromisoformat(first) if first else None,
                                       date.fromisoformat(last) if last else None)
            only = request.model_copy(update={"facets": [], "size": 0, "offset": 0, "date_histogram": interval,
                                              "highlight": False})
            hbody = dsl.search_body(only, plan, match=match, snapshot=snapshot, search_after=None,
                                    interval=interval)
            hbody.pop("sort", None)
            hist = self._search(hbody)
            resp.setdefault("aggregations", {})["histogram"] = hist["aggregations"]["histogram"]
            if _partial(hist):
                resp["_arshif_partial"] = True
        return self._response(request, resp, snapshot, interval, started)

    def _search(self, body: dict) -> dict:
        budget = self.settings.search_timeout
        if budget:
            # The node stops collecting once the budget is spent and says so (timed_out): answer 503 then,
            # as the embedded engine does, rather than a page that silently lacks matches.
            body = {**body, "timeout": f"{max(1, int(budget * 1000))}ms"}
        for attempt in range(SEARCH_ATTEMPTS):
            try:
                with self._op() as client:
                    resp = _body(client.search(index=self.alias, body=body))
                break
            except NodeLost as exc:
                if attempt + 1 == SEARCH_ATTEMPTS:
                    raise
                # Searches only read: sending one again is safe, and the live copies answer it.
                log.warning("%s; searching again", exc)
                time.sleep(0.25 * (attempt + 1))
        if resp.get("timed_out"):
            raise SearchTimeout(f"the search was stopped after {budget:g} s (its time budget, "
                                "ARSHIF_SEARCH_TIMEOUT): narrow it with fewer words, a filter or a date range")
        return resp

    def _response(self, request: SearchRequest, resp: dict, snapshot, interval, started) -> SearchResponse:
        hits = [self._hit(h, request.with_articles) for h in resp["hits"]["hits"]]
        aggs = resp.get("aggregations", {})
        facets = {}
        for f in request.facets:
            keep = keeps(f.field, f.prefix) if f.prefix else (lambda value: True)
            facets[f.field] = [FacetValue(value=b["key"], count=b["doc_count"])
                               for b in aggs[f"facet_{f.field}"]["values"]["buckets"] if keep(b["key"])][:f.size]
        histogram = [DateBucket(start=date.fromisoformat(b["key_as_string"][:10]), count=b["doc_count"])
                     for b in aggs.get("histogram", {}).get("buckets", {}).get("buckets", [])]
        next_cursor = None
        stories = None
        if request.group == "story":
            stories = aggs.get("stories", {}).get("n", {}).get("value", 0)
            for hit, raw in zip(hits, resp["hits"]["hits"]):
                copies = raw.get("inner_hits", {}).get("copies", {}).get("hits", {})
                hit.story_size = max(1, copies.get("total", {}).get("value", 1))
                hit.story_sources = list(dict.fromkeys(
                    c["_source"].get("source", "") for c in copies.get("hits", [])
                    if c["_id"] != hit.id and c["_source"].get("source")))[:5]
            if request.size and len(hits) == request.size and request.offset + request.size <= 10_000:
                next_cursor = encode_cursor({"sort": request.sort, "offset": request.offset + request.size,
                                             "snap": snapshot})
        elif request.size and len(hits) == request.size:
            next_cursor = encode_cursor({"sort": request.sort, "after": resp["hits"]["hits"][-1]["sort"],
                                         "snap": snapshot})
        partial = _partial(resp) or bool(resp.get("_arshif_partial"))
        if partial:
            log.warning("partial search results: %s", resp.get("_shards"))
        return SearchResponse(total=resp["hits"]["total"]["value"], stories=stories, hits=hits, facets=facets,
                              date_histogram=histogram, interval=interval if request.date_histogram else None,
                              took_ms=_ms(started), next_cursor=next_cursor, partial=partial)

    def _hit(self, h: dict, with_article: bool = False) -> Hit:
        article = Article.model_validate(h["_source"]["article"])
        hl = h.get("highlight", {})
        pick = lambda f: (hl.get(f) or hl.get(f + ".exact") or [None])[0]  # noqa: E731
        title, body, tr_title, tr_body = (pick(f) for f in dsl.HIGHLIGHT_FIELDS)
        hit = hit_from_article(article, h.get("_score"), h.get("sort", []), with_article)
        first_seq = h["_source"].get("first_seq")
        if first_seq:
            hit.indexed_at = datetime.fromtimestamp(first_seq / 1e9, timezone.utc)
        apply_highlights(hit, title, body, tr_title, tr_body, article.body)
        return hit

    def more_like_this(self, article_id: str, size: int = 10, filters: Filters | None = None) -> list[Hit]:
        article = self.get(article_id)
        if article is None:
            return []
        body = dsl.more_like_this_body(like_text(article), article_id, size, filters or Filters(), self.count())
        resp = self._search(body)
        return [self._hit(h) for h in resp["hits"]["hits"]]

    @property
    def location(self) -> str:
        return f"{self.kind} index '{self.alias}'"

    def _forget_inherited(self) -> None:
        """In a forked child: clients of its own. The parent's keep-alive connections are the parent's
        sockets too: a child that sent a request on one while the parent did read the other's answer (on
        a 16-article index, 40 children forked beside three searching threads: thousands of wrong pages in
        the parent, silently, and malformed requests on the node).

        The inherited clients are closed here, in the child: closing a socket the parent also holds does not
        end the parent's connection. First their pools' locks are made anew (see :func:`_unlocked_pools`):
        urllib3 drains a pool under its lock when the pool is closed, collected or left at exit, and a
        parent thread holding that lock at the fork left it held in the child for good (a child that
        dropped the clients unclosed hung at exit or in a garbage collection: 8 of 100 in a review)."""
        inherited = self.flavour
        self.flavour = _make_client(self.kind, self.url, self.timeouts)
        self.client = self.flavour.client
        self._connect_lock = threading.Lock()
        self.breaker.forget_inherited()
        for pool in _unlocked_pools(inherited):
            try:
                pool.close()
            except Exception as exc:  # noqa: BLE001 - the child's own clients are made; this is clean-up only
                log.debug("closing an inherited connection pool: %s", exc)

    def close(self) -> None:
        for client in {id(c): c for c in self.flavour.clients.values()}.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001 - ES option clients share one transport: closed once is enough
                pass


#: Every remote engine of this process, for :func:`_after_fork_in_child`.
_LIVE_REMOTES: "weakref.WeakSet[RemoteEngine]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """Every remote engine of a forked child connects anew (see :meth:`RemoteEngine._forget_inherited`); one
    that cannot does not keep the others on their parent's sockets."""
    for engine in list(_LIVE_REMOTES):
        try:
            engine._forget_inherited()
        except Exception:  # noqa: BLE001 - an at-fork hook must not raise; say so and go on
            log.exception("a forked child could not give %s clients of its own", engine.location)


def _unlocked_pools(flavour: Flavour) -> Iterator[Any]:
    """The urllib3 connection pools under a flavour's clients (one per node, in both client libraries), each
    with its queue's lock made anew: in a forked child, a lock a parent thread held at the fork stays held.
    (What ``threading`` does for its own locks after a fork; ``queue.Queue``'s conditions share its mutex.)"""
    seen: set[int] = set()
    for client in flavour.clients.values():
        transport = getattr(client, "transport", None)
        if hasattr(transport, "node_pool"):  # elastic-transport (Elasticsearch)
            nodes = transport.node_pool.all()
        else:  # opensearch-py: every connection, the ones marked dead too
            pool = getattr(transport, "connection_pool", None)
            nodes = getattr(pool, "orig_connections", None) or getattr(pool, "connections", ())
        for node in nodes:
            http = getattr(node, "pool", None)
            waiting = getattr(http, "pool", None)  # the queue of idle connections
            if waiting is None or id(http) in seen or not hasattr(waiting, "mutex"):
                continue
            seen.add(id(http))
            waiting.mutex = threading.Lock()
            waiting.not_empty = threading.Condition(waiting.mutex)
            waiting.not_full = threading.Condition(waiting.mutex)
            waiting.all_tasks_done = threading.Condition(waiting.mutex)
            yield http


os.register_at_fork(after_in_child=_after_fork_in_child)


class _Target:
    """Writes articles into one index (the alias, or a new index during reindex)."""

    def __init__(self, engine: RemoteEngine, index: str):
        self.engine = engine
        self.index = index

    def _existing(self, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        resp = _body(self.engine._with_retries(lambda c: c.mget(index=self.index, body={"ids": ids},
                                                                _source=["content_hash", "first_seq"])))
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    def upsert(self, articles: list[Article]) -> WriteResult:
        result = WriteResult()
        for a in articles:
            a.with_id()
        unique = list({a.id: a for a in articles}.values())  # the last occurrence of an id wins
        existing = self._existing([a.id for a in unique])
        todo: list[tuple[Article, str, int]] = []
        for a in unique:
            chash = a.content_hash()
            old = existing.get(a.id)
            if old and old.get("content_hash") == chash:
                result.unchanged.append(a.id)
                continue
            todo.append((a, chash, (old or {}).get("first_seq") or time.time_ns()))
        written = self.write([a for a, _, _ in todo], hashes={a.id: (h, s) for a, h, s in todo}, result=result)
        for aid in written:
            (result.updated if aid in existing else result.created).append(aid)
        seen: set[str] = set()
        for a in reversed(articles):  # the same id twice in one batch: the last one is written
            if a.id in seen:
                result.unchanged.append(a.id)
            seen.add(a.id)
        return result

    def write(self, articles: list[Article], hashes: dict | None = None, result: WriteResult | None = None) -> list[str]:
        """Bulk-index; returns the ids the engine confirmed. Failures go into ``result.failed``."""
        from importlib import import_module

        helpers = import_module("elasticsearch.helpers" if self.engine.kind == "elasticsearch"
                                else "opensearchpy.helpers")
        result = result if result is not None else WriteResult()

        def actions():
            for a in articles:
                chash, first_seq = (hashes or {}).get(a.id) or (a.content_hash(), time.time_ns())
                yield {"_op_type": "index", "_index": self.index, "_id": a.id,
                       "_source": document(a, chash, first_seq)}

        confirmed: list[str] = []
        attempt = 0
        while articles:
            transient: dict[str, str] = {}
            try:
                with self.engine._op("write") as client:
                    for ok, item in helpers.streaming_bulk(client, actions(), chunk_size=CHUNK,
                                                           max_retries=6, initial_backoff=1, max_backoff=30,
                                                           raise_on_error=False, raise_on_exception=True):
                        info = item.get("index", {})
                        if ok:
                            confirmed.append(info.get("_id"))
                        elif _transient(info):
                            # e.g. a node died and its primaries are being promoted elsewhere: try again
                            transient[info.get("_id", "?")] = _reason(info.get("error"))
                        else:
                            result.failed[info.get("_id", "?")] = _reason(info.get("error"))
            except EngineUnavailable as exc:
                transient = {a.id: f"engine unreachable: {exc}" for a in articles if a.id not in set(confirmed)}
            if not transient:
                break
            attempt += 1
            if attempt > WRITE_ATTEMPTS:
                result.failed.update(transient)
                break
            log.warning("%d article(s) not written yet (%s); retrying in %d s", len(transient),
                        next(iter(transient.values()))[:120], min(30, 2 ** attempt))
            time.sleep(min(30, 2 ** attempt))
            articles = [a for a in articles if a.id in transient]
        self.engine._with_retries(lambda c: c.indices.refresh(index=self.index), "write")
        return confirmed


#: Tries of a search that lost a node mid-request (waits 0.25 and 0.5 s between them): the cluster notices
#: a killed node within a second or two, and the search's time budget still bounds each try.
SEARCH_ATTEMPTS = 3

#: Tries of a bulk write whose node vanished or whose shards were moving (waits 2, 4, 8, 16, 30, 30 s).
WRITE_ATTEMPTS = 6


def _transient(info: dict) -> bool:
    """A per-document failure worth retrying: the cluster was busy or a shard had no live primary."""
    status = info.get("status") or 0
    return status == 429 or status >= 500


def _reason(error) -> str:
    """An engine's per-document error as one line: its reason and, when given, the underlying cause."""
    if not isinstance(error, dict):
        return str(error)
    reason = error.get("reason", error.get("type", "refused"))
    cause = error.get("caused_by") or {}
    if isinstance(cause, dict) and cause.get("reason"):
        reason += f" (cause: {cause['reason']})"
    return reason[:500]


def document(article: Article, chash: str, first_seq: int) -> dict:
    """The engine document: searchable fields plus the whole article to give back."""
    tr = article.translation()
    d = article_date(article)
    done = tr is not None and tr.status == "done"
    return {
        "id": article.id, "source_id": article.source_id, "seq": time.time_ns(), "first_seq": first_seq, "language": article.language,
        "source": article.source, "author": article.author, "site": article.site, "tags": article.tags,
        **{kind: [e.key for e in article.entities if e.kind == kind] for kind in ENTITY_KINDS},
        "url": article.url, "date": d.isoformat() if d else None, "title": article.title, "body": article.body,
        "tr_language": tr.language if tr else "", "tr_title": tr.title if done else "",
        "tr_body": tr.body if done else "", "translation_status": article.translation_status,
        "story_id": article.story_id or article.id,
        "content_hash": chash, "article": json.loads(article.model_dump_json(exclude={"translation_status"})),
    }


def _partial(resp: dict) -> bool:
    """Whether some shards did not answer (their node is down and no copy was live). A search that ran out of
    time is not partial: it raises SearchTimeout (the time budget) instead."""
    shards = resp.get("_shards") or {}
    return bool(shards.get("failed")) or \
        shards.get("successful", 0) + shards.get("skipped", 0) < shards.get("total", 0)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
