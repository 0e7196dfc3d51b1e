"""What every engine must do, and the pieces of query planning all engines share.

An engine stores :class:`~arshif.model.Article` objects and answers the search
contract (:mod:`arshif.search.contract`). The embedded engine and the
Elasticsearch/OpenSearch engines implement the same methods and are held to the
same behaviour by one contract test-suite.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator

from arshif.analysis import get_analyzer
from arshif.entities import ENTITY_KINDS, entity_key
from arshif.model import Article
from arshif.sources import sources
from arshif.search.contract import Filters, Hit, SearchRequest, SearchResponse
from arshif.search.highlight import has_mark, marked_to_html, plain_snippet
from arshif.search.syntax import And, BestMatch, Node, Not, Or, ParsedQuery, Phrase, QuerySyntaxError, Words, parse_query

from arshif.errors import BadRequest, EngineUnavailable, SearchTimeout  # noqa: F401 - part of the engine interface
from arshif.fields import FIELD_BOOSTS, FILTER_FIELDS  # noqa: F401 - engines weigh fields by FIELD_BOOSTS
from arshif.search.cursor import decode_cursor, encode_cursor  # noqa: F401 - engines make and read cursors

log = logging.getLogger("arshif.engines")


@dataclass
class WriteResult:
    """What a batch write did, per id: nothing is counted as written that was not."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # id -> reason

    def merge(self, other: "WriteResult") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed.update(other.failed)


class Engine(ABC):
    """The search contract every engine implements.

    Engines raise :class:`EngineUnavailable` themselves when they cannot be reached or read,
    and :class:`BadRequest` for requests they cannot answer as asked; nothing else escapes
    to the web app or the CLI as an engine failure.
    """

    name: str = "engine"
    #: Opened for reading only (writes go through :meth:`writable`).
    readonly: bool = False
    #: The engine analyses text in this process as it writes (:mod:`arshif.engines.fts_tokens`): a caller that
    #: analysed the texts already can leave their tokens registered there, and they are not analysed twice.
    analyses_here: bool = False

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the archive lives, as shown to people: a file, or an index (never credentials)."""

    def writable(self) -> "Engine":
        """An engine on the same archive that can write (itself unless opened read-only)."""
        return self

    def optimize(self) -> None:
        """Make the index quicker to search after a large write; a no-op where the engine does it itself."""

    def release_thread(self) -> None:
        """Release what the calling thread holds (a connection of its own), e.g. when a worker thread ends."""

    def prefetch(self, articles: list[Article]) -> None:
        """A hint that ``articles`` are the next batch to :meth:`upsert`: an engine may start the work that
        needs no lock (analysis) now, so it overlaps the previous batch's write. A no-op by default; the
        batch is written exactly as if the hint had not been given."""

    def bulk(self) -> AbstractContextManager[None]:
        """Many :meth:`upsert` calls in a row (an ingest): an engine may make them searchable in steps rather
        than after each call; all of them are searchable when the block ends. Nothing special by default."""
        return nullcontext()

    @abstractmethod
    def upsert(self, articles: Iterable[Article]) -> WriteResult:
        """Create or replace articles by id; re-sending an unchanged article changes nothing."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Delete by id; returns how many existed."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResponse: ...

    @abstractmethod
    def more_like_this(self, article_id: str, size: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Articles about the same story, in either language, best first (never the article itself)."""

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        """Several articles by id (missing ids are left out); engines override with one round trip."""
        found = {i: self.get(i) for i in ids}
        return {i: a for i, a in found.items() if a is not None}

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def ingest_mark(self) -> int:
        """The archive's ingest mark now: every article first stored later gets a higher one.

        Pass it back as ``Filters.seen_after`` to find what arrived since (saved searches' "new since you
        last looked"). Updating an article keeps its mark and ``reindex`` keeps every mark, so neither
        makes old articles look new. Marks are comparable only within one archive (engine and index).
        """

    @abstractmethod
    def stats(self) -> dict: ...

    @abstractmethod
    def reindex(self, progress=None) -> tuple[str, str, int]:
        """Rebuild the index from the stored articles with the current mappings; (old, new, count)."""

    def scan(self, request: SearchRequest, batch: int = 500) -> Iterator[Hit]:
        """Every hit of ``request`` in cursor order, a batch at a time (constant memory)."""
        req = request.model_copy(update={"size": batch, "offset": 0, "facets": [], "date_histogram": None})
        while True:
            resp = self.search(req)
            yield from resp.hits
            if not resp.next_cursor or not resp.hits:
                return
            req = req.model_copy(update={"cursor": resp.next_cursor})

    def pending_ids(self, include_untranslated: bool = False) -> list[str]:
        """Ids of articles whose translation is still to do ('pending'; with ``include_untranslated``
        also 'none'), for ``arshif translate``. Engines may answer this faster than by scanning."""
        wanted = {"pending", "none"} if include_untranslated else {"pending"}
        return [h.id for h in self.scan(SearchRequest(q="", highlight=False)) if h.translation_status in wanted]

    def vocabulary_counts(self, terms: Iterable[str], exact: bool = False) -> dict[str, int] | None:
        """For each term of ``terms`` that is in the index, in how many articles it occurs.

        Terms are analysed already: stems (``arshif_text``), or with ``exact`` unstemmed
        forms (``arshif_exact``). None when the engine cannot tell; cross-lingual search
        then skips transliteration candidates and keeps every lexicon form.
        """
        return None

    def health(self) -> dict:
        """What ``/api/health`` reports: ``documents`` and, for a cluster, its ``cluster`` state
        (status green/yellow/red, nodes, unassigned shards). Must answer fast or raise EngineUnavailable."""
        return {"documents": self.count(), "cluster": None}

    def close(self) -> None:
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: The contract methods whose failures :func:`failures_as_unavailable` translates.
CONTRACT_METHODS = ("upsert", "delete", "get", "get_many", "search", "more_like_this", "count", "stats", "reindex",
                    "pending_ids", "vocabulary_counts", "optimize", "ingest_mark")


def failures_as_unavailable(describe: Callable[[Any, BaseException], str | None]):
    """Class decorator: an exception inside a contract method that ``describe(engine, exc)`` names
    (a storage or connection failure) is raised as :class:`EngineUnavailable` with that text, so the
    web app and the CLI need to know no engine's own exception types."""

    def wrap(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (EngineUnavailable, BadRequest, QuerySyntaxError):
                raise
            except Exception as exc:
                reason = describe(self, exc)
                if reason is None:
                    raise
                log.error("%s engine: %s", self.name, exc)
                raise EngineUnavailable(reason) from exc
        return wrapper

    def decorate(cls):
        for name in CONTRACT_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, wrap(cls.__dict__[name]))
        return cls

    return decorate


# --- shared query planning -----------------------------------------------------------------


#: A plain query of three or more words with fewer all-word matches than this (a page) is answered by
#: best match; one or two words need every word, unless typed as a question (see :func:`is_question`).
RELAX_BELOW = 10

#: Words a question starts with (as the exact analyzer writes them: أ/إ → ا, ى → ي, ة → ه).
QUESTION_WORDS = frozenset("""ما ماذا متي اين كيف كم لماذا هل من اي ايه وما ومن ومتي واين وكيف وكم ولماذا وهل
what which who whom whose when where why how""".split())


@dataclass
class QueryPlan:
    """A request reduced to what engines compile: text tree, filters, exclusions.

    ``words`` are the significant free words of a plain multi-word query (no quotes, no OR,
    relevance order): the words :func:`relax` may turn into a best-match query. ``question``: the
    query was typed as a question (:func:`is_question`), so two such words may be relaxed too.
    """

    text: Node | None
    negative: list[Node]
    filters: Filters
    words: tuple[Words, ...] = ()
    question: bool = False
    #: With alternatives (cross-language phrasings), ``text`` ORs them with the query's own text,
    #: kept here apart so :func:`relax` can best-match each of them.
    original: Node | None = None
    alternatives: tuple[Node, ...] = ()

    @property
    def min_words(self) -> int:
        """Words (or translated parts) a query needs before it may be relaxed."""
        return 2 if self.question else 3

    @property
    def relaxable(self) -> bool:
        return len(self.words) >= self.min_words or \
            any(len(_groups(a)) >= self.min_words for a in self.alternatives)


def plan_query(request: SearchRequest) -> QueryPlan:
    """Parse ``q`` (and its alternatives) and merge its field filters into the request's filters."""
    parsed = parse_query(request.q)
    text = parsed.text
    alts = [parse_query(a).text for a in request.alternatives if a.strip()]
    negative: list[Node] = []
    positive = text
    if isinstance(text, Not):
        positive, negative = None, [text.child]
    elif isinstance(text, And):
        pos = [c for c in text.children if not isinstance(c, Not)]
        negative = [c.child for c in text.children if isinstance(c, Not)]
        positive = None if not pos else (pos[0] if len(pos) == 1 else And(tuple(pos)))
    alts = [a for a in alts if a is not None and not isinstance(a, Not)]
    question = is_question(request.q)
    positive = drop_stopwords(positive, question)
    words: tuple[Words, ...] = ()
    # An exclusion (-word) says the user is writing syntax: every word stays required.
    relaxable = not negative and request.sort == "relevance"
    if relaxable:
        words = plain_words(positive)
    original = positive
    if positive is not None and alts:
        positive = Or((positive, *alts))
    else:
        alts = []
    _reject_inner_pure_negation(positive)
    filters = merge_filters(request.filters, parsed)
    return QueryPlan(positive, negative, filters, words, question=question, original=original,
                     alternatives=tuple(alts) if relaxable else ())


def is_question(q: str) -> bool:
    """Whether ``q`` reads as a question: it ends with a question mark or starts with a question word
    ("من هو مؤسس أرامكو؟", "who founded Aramco"). A question names what it asks about in few words,
    and the article that answers it rarely repeats them all, unlike a keyword query ("الذهب أوبك")."""
    text = q.strip()
    if text.endswith(("?", "؟")):
        return True
    first = get_analyzer("arshif_exact").terms(text.split()[0]) if text else []
    return bool(first) and first[0] in QUESTION_WORDS


def drop_stopwords(node: Node | None, question: bool = False) -> Node | None:
    """Leave out the stopwords (question words, particles: the analyzers' stopword lists) among
    the free words of a group that has other words to search for; in a question, its question
    words too (:data:`QUESTION_WORDS`: English has no who or where among its stopwords).

    "ما هي أسباب ارتفاع أسعار النفط" then asks for أسباب ارتفاع أسعار النفط, as Lucene's
    stop filter would, and "Who is Adel al-Jubeir?" for Adel al-Jubeir (best match answered it
    with 1,097 articles saying "who"); a query of stopwords only ("من هو") still looks for them as
    typed, and quoted phrases keep every word ("Doctor Who").
    """
    if isinstance(node, And):
        children = [drop_stopwords(c, question) for c in node.children]
        content = [c for c in children if not _is_stopword(c) and not (question and _is_question_word(c))]
        if content and len(content) < len(children):
            children = content
        return children[0] if len(children) == 1 else And(tuple(children))
    if isinstance(node, Or):
        return Or(tuple(drop_stopwords(c, question) for c in node.children))
    return node


def _is_question_word(node: Node) -> bool:
    if not isinstance(node, Words):
        return False
    exact = get_analyzer("arshif_exact").terms(node.text)
    return len(exact) == 1 and exact[0] in QUESTION_WORDS


def _is_stopword(node: Node) -> bool:
    if not isinstance(node, Words):
        return False
    wt = analyse_word(node.text)
    return wt is None or wt.exact


def plain_words(node: Node | None) -> tuple[Words, ...]:
    """The free words of a query with at least two of them side by side, else ().

    Quoted phrases and OR groups beside them are explicit: they stay required when the free
    words are relaxed (``ما اسم حفيدة "الدكتور هو"`` needs the phrase, and best match ranks
    the rest).
    """
    if isinstance(node, And):
        free = tuple(c for c in node.children if isinstance(c, Words))
        if len(free) >= 2:
            return free
    return ()


def relax(plan: QueryPlan) -> QueryPlan:
    """The best-match form of a plan: any of its free words may match, the more (and the rarer) the
    better; its phrases and OR groups stay required.

    With alternatives (the query in the other language), each alternative of enough parts is
    best-matched too: any translated part (one source word's forms, OR-ed) may match, the more
    the better, as for the words typed; the query's own words relax by the same rule."""
    if not plan.alternatives:
        return QueryPlan(_best_match(plan.text, plan.words), plan.negative, plan.filters)
    original = plan.original
    if len(plan.words) >= plan.min_words:
        original = _best_match(original, plan.words)
    alts = [BestMatch(_groups(a)) if len(_groups(a)) >= plan.min_words else a for a in plan.alternatives]
    return QueryPlan(Or((original, *alts)), plan.negative, plan.filters)


def _quotes_as_words(plan: QueryPlan) -> QueryPlan | None:
    """The plan with the quoted phrases beside its free words turned into free words (best match over
    all of them), or None when it has none; only for a question's own text, never alternatives."""
    if plan.alternatives or not isinstance(plan.text, And):
        return None
    phrases = [c for c in plan.text.children if isinstance(c, Phrase)]
    if not phrases:
        return None
    free = tuple(c for c in plan.text.children if isinstance(c, Words))  # plan.words, or the one word beside it
    words = free + tuple(Words(w) for p in phrases for w in p.text.split() if not _is_stopword(Words(w)))
    rest = tuple(c for c in plan.text.children if not isinstance(c, (Words, Phrase)))
    return QueryPlan(And((*rest, BestMatch(words))) if rest else BestMatch(words), plan.negative, plan.filters)


def _best_match(text: Node, words: tuple[Words, ...]) -> Node:
    required = tuple(c for c in text.children if not isinstance(c, Words)) if isinstance(text, And) else ()
    return And((*required, BestMatch(words))) if required else BestMatch(words)


def _groups(alternative: Node) -> tuple[Node, ...]:
    """The parts of an alternative that best match may leave out: the children of a top-level AND
    made of words, phrases and OR groups of them (what query translation writes); else none."""
    if isinstance(alternative, And) and all(isinstance(c, (Words, Phrase, Or)) for c in alternative.children):
        return alternative.children
    return ()


def cursor_bound_search(request: SearchRequest, run) -> SearchResponse:
    """``run(request)``, its ``next_cursor`` marked with the search it pages (:func:`search_fingerprint`), and
    a cursor marked for another search refused: a script that kept a cursor and changed ``q`` or a filter was
    served pages of the old search under the new one's name. (A cursor made before the mark was added is
    taken as it is.)"""
    fingerprint = search_fingerprint(request)
    if request.cursor and decode_cursor(request.cursor).get("for", fingerprint) != fingerprint:
        raise BadRequest("cursor was made for another search (its q, filters or grouping differ): repeat the "
                         "request that gave it, or drop cursor to start this one")
    response = run(request)
    if response.next_cursor:
        response.next_cursor = encode_cursor({**decode_cursor(response.next_cursor), "for": fingerprint})
    return response


def search_fingerprint(request: SearchRequest) -> str:
    """What makes two requests pages of one search: the query, the filters, the order, the grouping, and
    whether the query is also searched in the other language (cross mode: 1,441 matches where the same
    query in both languages has 111). Not the page size, facets or highlights, which may change from page to
    page, nor the alternatives' wording, which the lexicon and the archive's vocabulary may change mid-walk."""
    what = json.dumps([request.q, _same_filters(request.filters.model_dump(mode="json")), request.sort,
                       request.group, bool(request.alternatives)], sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(what.encode(), digest_size=6).hexdigest()


def _same_filters(value, field: str | None = None):
    """Filters as the sets they select: lists in any order and repeated values alike; an entity's values as the
    keys they select (Medina and Madinah select different stored keys, so are different searches)."""
    if isinstance(value, dict):
        return {k: _same_filters(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return sorted(set(_entity_keys(field, value) if field in ENTITY_KINDS else map(str, value)))
    return value


def best_match_search(plan: QueryPlan, run) -> SearchResponse:
    """Answer ``plan`` with ``run(plan)``; when a plain query of three or more words (two, typed as a
    question) finds fewer than :data:`RELAX_BELOW` articles containing every word, answer its
    best-match form instead and say so. Keyword queries of one or two words keep all-word precision.

    The explicit syntax keeps its strict meaning: quoted phrases and OR groups stay required (a
    query that is only a phrase or an OR is never relaxed), a query with an exclusion (``-word``)
    is never relaxed, and field filters apply to the relaxed query as to any other.
    """
    response = run(plan)
    if not response.total and not plan.relaxable and plan.question and (loose := _quotes_as_words(plan)) is not None:
        # 'ماذا عنت "دا يوان تونغ زهي"؟': one word beside the quote is too few to relax, but a question
        # quotes with its quotation marks; when nothing holds the quote as written, best-match its words.
        relaxed = run(loose)
        relaxed.relaxed = True
        relaxed.all_words_total = 0
        best = loose.text if isinstance(loose.text, BestMatch) else loose.text.children[-1]
        relaxed.query_words = len(best.children)
        relaxed.took_ms = round(relaxed.took_ms + response.took_ms, 2)
        return relaxed
    # One or two words are a keyword query: every word stays required (two words asked as a question relax).
    # (An uncounted total is a lower bound: engines skip counting only for pages of at least RELAX_BELOW
    # hits, so a short page is every match.)
    if not plan.relaxable or response.total >= RELAX_BELOW:
        return response
    relaxed = run(relax(plan))
    if not relaxed.total and plan.question and (loose := _quotes_as_words(plan)) is not None:
        # A question that quotes a title ('ما هو اسم حفيدة "الدكتور هو"؟') uses quotation marks, not
        # syntax: when nothing holds the quoted words as written, its words are best-matched too.
        relaxed = run(loose)
    relaxed.relaxed = True
    relaxed.all_words_total = response.total
    relaxed.query_words = len(plan.words) or max((len(_groups(a)) for a in plan.alternatives), default=0)
    relaxed.took_ms = round(relaxed.took_ms + response.took_ms, 2)
    return relaxed


def _reject_inner_pure_negation(node: Node | None) -> None:
    if node is None:
        return
    if isinstance(node, Or):
        for c in node.children:
            if isinstance(c, Not):
                raise QuerySyntaxError("'-' inside OR has nothing to exclude from; put the exclusion outside the OR")
            _reject_inner_pure_negation(c)
    elif isinstance(node, And):
        if all(isinstance(c, Not) for c in node.children):
            raise QuerySyntaxError("a group of only exclusions matches nothing; add a word to search for")
        for c in node.children:
            _reject_inner_pure_negation(c if not isinstance(c, Not) else c.child)


def merge_filters(filters: Filters, parsed: ParsedQuery) -> Filters:
    merged = filters.model_copy(deep=True)
    for fname, values in parsed.filters.items():
        cur = getattr(merged, fname)
        setattr(merged, fname, cur + [v for v in values if v not in cur])
    for fname, values in parsed.excluded.items():
        merged.exclude.setdefault(fname, [])
        merged.exclude[fname] += [v for v in values if v not in merged.exclude[fname]]
    for fname in merged.exclude:
        if fname not in FILTER_FIELDS:
            raise BadRequest(f"cannot exclude on unknown field '{fname}'")
    # A source may be named as people say it (عكاظ, OKAZ): filter on the value the archive stores.
    table = sources()
    merged.source = list(dict.fromkeys(table.canonical(v) for v in merged.source))
    if "source" in merged.exclude:
        merged.exclude["source"] = list(dict.fromkeys(table.canonical(v) for v in merged.exclude["source"]))
    # Entity filters match keys: any spelling (الرياض, Riyadh, والرياض) becomes the key it was stored under.
    for fname in ENTITY_KINDS:
        setattr(merged, fname, _entity_keys(fname, getattr(merged, fname)))
        if fname in merged.exclude:
            merged.exclude[fname] = _entity_keys(fname, merged.exclude[fname])
    return merged


def _entity_keys(kind: str, values: list[str]) -> list[str]:
    """The keys an entity filter's values select: each value's key (الرياض selects Riyadh), and the value as
    it is, which an archive tagged by an earlier Arshif may hold as a key of its own (its facets list it; a
    click on it must find its articles)."""
    return list(dict.fromkeys(k for v in values for k in (entity_key(kind, v) or v, v)))


@dataclass(frozen=True)
class WordTerms:
    """One typed word after analysis: stemmed terms, or exact terms when stemming left nothing."""

    terms: tuple[str, ...]
    exact: bool


def analyse_word(text: str) -> WordTerms | None:
    """Analyse one typed word with the search analyzer; fall back to exact terms for stopwords."""
    stems = tuple(get_analyzer("arshif_text").terms(text))
    if stems:
        return WordTerms(stems, False)
    exact = tuple(get_analyzer("arshif_exact").terms(text))
    return WordTerms(exact, True) if exact else None


def analyse_phrase(text: str) -> tuple[str, ...]:
    return tuple(get_analyzer("arshif_exact").terms(text))


def compile_tree(node: Node | None, *, word: Callable[[str, WordTerms], Any | None],
                 phrase: Callable[[str, tuple[str, ...]], Any | None], all_of: Callable[[list], Any],
                 any_of: Callable[[list], Any]) -> Any | None:
    """The query tree as one engine's query: the walk every engine shares, its leaves and joins its own.

    ``word(text, analysed)`` builds a typed word, ``phrase(text, exact terms)`` a quoted phrase (never called
    with no terms); ``all_of``/``any_of`` join the parts of an AND, and of an OR or a best match (any word
    may match; BM25 adds up the words an article holds, each by its rarity). None when analysis leaves
    nothing (stopwords, punctuation); user text reaches an engine only as analysed terms."""
    if node is None:
        return None
    if isinstance(node, Words):
        wt = analyse_word(node.text)
        return None if wt is None else word(node.text, wt)
    if isinstance(node, Phrase):
        terms = analyse_phrase(node.text)
        return phrase(node.text, terms) if terms else None
    if isinstance(node, (And, Or, BestMatch)):
        parts = [q for q in (compile_tree(c, word=word, phrase=phrase, all_of=all_of, any_of=any_of)
                             for c in node.children) if q is not None]
        if not parts:
            return None
        return all_of(parts) if isinstance(node, And) else any_of(parts)
    raise BadRequest(f"cannot compile query part {node!r}")


def choose_interval(first: date | None, last: date | None) -> str:
    """An interval giving a readable number of bars for the span of the matches."""
    if not first or not last:
        return "month"
    span = (last - first).days
    if span <= 62:
        return "day"
    if span <= 366:
        return "week"
    if span <= 366 * 8:
        return "month"
    return "year"


def hit_from_article(article: Article, score: float | None, sort: list, with_article: bool = False) -> Hit:
    """A result row for ``article`` (highlights are filled in by :func:`apply_highlights`); with
    ``with_article`` the stored article rides along, so an export needs no second fetch."""
    tr = article.translation()
    return Hit(
        id=article.id, score=score, title=article.title, source=article.source, author=article.author,
        site=article.site, language=article.language, date=article_date(article), url=article.url,
        source_id=article.source_id,
        tags=article.tags, translated_title=tr.title if tr and tr.status == "done" else "",
        translation_language=tr.language if tr else "", translation_status=article.translation_status,
        translation_kind=tr.kind if tr else "", story_id=article.story_id or article.id, sort=sort,
        article=article if with_article else None,
    )


def hit_from_stored(doc: dict, score: float | None, sort: list) -> Hit:
    """:func:`hit_from_article` plus its plain highlights (no match marked), from an article as stored (its
    JSON, parsed with ``json.loads``) instead of a validated :class:`Article`.

    Validating the whole article (every field, the translations' bodies) was most of the cost of a page of
    plain hits, such as a saved search's feed of 50; a row needs a dozen fields. The contract tests hold
    the two to the same hits.

    Every field is passed: ``model_construct`` fills a missing one from its ``default_factory`` after asking
    ``inspect.signature`` about the factory each time (pydantic 2.14), which cost a lean API request more
    than its search."""
    translations = list((doc.get("translations") or {}).values())
    done = [t for t in translations if t.get("status", "done") == "done"]
    tr = done[0] if done else (translations[0] if translations else None)
    status = "none" if not translations else ("done" if len(done) == len(translations) else "pending")
    published, extracted = doc.get("published"), doc.get("extracted")
    when = date.fromisoformat(published) if published else (
        datetime.fromisoformat(extracted).date() if extracted else None)
    title, language = doc.get("title", ""), doc.get("language", "other")
    return Hit.model_construct(
        id=doc["id"], score=score, title=title, source=doc.get("source", ""), author=doc.get("author", ""),
        site=doc.get("site", ""), language=language, date=when, url=doc.get("url", ""),
        tags=list(doc.get("tags") or []), source_id=doc.get("source_id", ""),
        story_id=doc.get("story_id") or doc["id"], story_size=1, story_sources=[],
        translated_title=tr.get("title", "") if tr is not None and tr.get("status", "done") == "done" else "",
        translation_language=tr.get("language", "") if tr else "", translation_status=status,
        translation_kind=tr.get("kind", "machine") if tr else "", indexed_at=None,
        snippet=plain_snippet(doc.get("body") or ""), title_highlight=marked_to_html(title),
        matched_in="none", snippet_language=language, sort=sort, article=None)


def apply_highlights(hit: Hit, title: str | None, body: str | None, tr_title: str | None, tr_body: str | None,
                     plain_body: str) -> None:
    """Fill a hit's highlights from engine-marked fields; say whether the original or the translation matched.

    The snippet comes from the field that matched: the original body, else the translation's body or
    title; a hit matched by its title alone gets the opening of its body, unmarked.
    """
    hit.title_highlight = marked_to_html(title or hit.title)
    if has_mark(title) or has_mark(body):
        hit.matched_in = "original"
    elif has_mark(tr_title) or has_mark(tr_body):
        hit.matched_in = "translation"
    if has_mark(body):
        hit.snippet, hit.snippet_language = marked_to_html(body), hit.language
    elif has_mark(tr_body):
        hit.snippet, hit.snippet_language = marked_to_html(tr_body), hit.translation_language
    elif has_mark(tr_title) and not has_mark(title):
        hit.snippet, hit.snippet_language = marked_to_html(tr_title), hit.translation_language
    else:
        hit.snippet, hit.snippet_language = plain_snippet(plain_body or ""), hit.language


def like_text(article: Article) -> str:
    """What "more like this" looks for: title (twice, it says most), body and the translation."""
    tr = article.translation()
    parts = [article.title, article.title, article.body]
    if tr is not None and tr.status == "done":
        parts += [tr.title, tr.body]
    return "\n".join(parts)


def article_date(article: Article) -> date | None:
    """The date an article is filed under: its publication date, else when it was collected."""
    if article.published:
        return article.published
    if article.extracted:
        return article.extracted.date()
    return None
