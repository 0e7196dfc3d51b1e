"""Elasticsearch/OpenSearch query and aggregation bodies, built as data once for both.

The query tree from :mod:`arshif.search.syntax` becomes a ``bool`` query whose
leaves are ``multi_match`` clauses: the user's words go into the ``query``
field of a match clause (analysed by the engine, exactly like indexed text),
never into ``query_string``. Filters go into ``post_filter`` and each facet's
aggregation applies every filter but its own, so facets stay disjunctive like
the embedded engine's.
"""

from __future__ import annotations

from arshif.engines.base import QueryPlan, analyse_phrase, compile_tree
from arshif.fields import FACET_BY_NAME, FIELD_BOOSTS, FILTER_FIELDS, FILTERS, RECORD_ID, TEXT_FIELD_NAMES
from arshif.search.facet_prefix import facet_include, values_to_ask
from arshif.search.contract import Filters, SearchRequest
from arshif.search.syntax import Node

#: Filterable field → its name in the index (from the field table).
FIELD_NAMES = {f.name: f.stored_as for f in FILTERS}
# The field weights of every engine (combined_fields takes weights of at least 1).
STEMMED = [f"{f}^{b}" for f, b in FIELD_BOOSTS.items()]
EXACT = [f"{f}.exact^{b}" for f, b in FIELD_BOOSTS.items()]
#: Phrases of several words, scored field by field (combined_fields cannot take a phrase): unboosted,
#: since a boost multiplies a field's whole score (see :func:`_phrase`).
STEMMED_PHRASE = list(FIELD_BOOSTS)
EXACT_PHRASE = [f"{f}.exact" for f in FIELD_BOOSTS]
#: How much the other fields' phrase scores add to the best field's (a name in title and body
#: outranks the same name in the body only).
PHRASE_TIE_BREAKER = 0.3
HIGHLIGHT_FIELDS = TEXT_FIELD_NAMES


def text_query(node: Node | None) -> dict | None:
    """The query tree as an engine query (None when nothing is left after analysis)."""
    return compile_tree(node, word=_typed_word, phrase=_quoted,
                        all_of=lambda parts: parts[0] if len(parts) == 1 else {"bool": {"must": parts}},
                        # BestMatch: any word may match; the words' BM25 scores add up, so articles with more
                        # (and rarer) words rank first, as on the embedded engine.
                        any_of=lambda parts: parts[0] if len(parts) == 1 else
                        {"bool": {"should": parts, "minimum_should_match": 1}})


def _typed_word(text: str, wt) -> dict:
    exact = _word(text, EXACT, len(analyse_phrase(text)) > 1)
    if wt.exact:
        return exact
    stemmed = _word(text, STEMMED, len(wt.terms) > 1)
    # The form as typed adds to the score without widening the match (see the embedded compiler).
    return {"bool": {"must": [stemmed], "should": [exact]}}


def _quoted(text: str, terms: tuple[str, ...]) -> dict:
    return _word(text, EXACT, len(terms) > 1)


def _word(text: str, fields: list[str], several_terms: bool) -> dict:
    """One typed word over every text field, scored as one document (BM25F), like FTS5's bm25().

    ``combined_fields`` counts the word's occurrences in all fields together, weighted per field,
    against the whole article's length, with one document frequency: the model of the embedded
    engine's bm25() with column weights. A per-field ``multi_match`` (best_fields) instead scores each
    field on its own, so a common word in a short title outranked the article that answers the
    question (the title's tiny length norm times its boost), and ranked worse than the node's stock
    analyzer. A word that analyses to several terms (rare) must keep them in order: a phrase.
    """
    if several_terms:
        return _phrase(text, EXACT_PHRASE if fields is EXACT else STEMMED_PHRASE)
    return {"combined_fields": {"query": text, "fields": fields, "operator": "and"}}


def _phrase(text: str, fields: list[str]) -> dict:
    """Words in this order, in any field, scored by the field where they score best.

    The field weights are left out: a boost multiplies the field's whole score, so with the title's
    weight as a boost a quoted name in a title counted six times a word (whose weight only adds to
    its term frequency inside BM25F, as in FTS5's bm25()). Cross-language queries are full of quoted
    names: they ranked news articles naming one in their title above the article answering the
    question. A one-word phrase is scored as a word (combined_fields over the exact fields).
    """
    return {"multi_match": {"query": text, "fields": fields, "type": "phrase",
                            "tie_breaker": PHRASE_TIE_BREAKER}}


def filter_clauses(filters: Filters, skip: str | None = None) -> tuple[list[dict], list[dict]]:
    """(filter, must_not) clauses for ``filters``, leaving out the facet ``skip``."""
    must: list[dict] = []
    must_not: list[dict] = []
    for fname in FILTER_FIELDS:
        values = filters.values(fname)
        if values and fname != skip:
            must.append(_terms(fname, values))
    for fname, values in filters.exclude.items():
        if values:
            must_not.append(_terms(fname, values))
    if filters.story:
        must.append({"terms": {"story_id": filters.story}})
    rng = {}
    if filters.date_from:
        rng["gte"] = filters.date_from.isoformat()
    if filters.date_to:
        rng["lte"] = filters.date_to.isoformat()
    if rng:
        must.append({"range": {"date": rng}})
    if filters.seen_after is not None:
        must.append({"range": {"first_seq": {"gt": filters.seen_after}}})
    return must, must_not


def _terms(fname: str, values: list[str]) -> dict:
    """Articles whose field ``fname`` holds one of ``values``. The record's own id is the archive id when it
    could be one, else the kept ``source_id``: either matches."""
    if fname == RECORD_ID.name:
        return {"bool": {"should": [{"terms": {"id": values}}, {"terms": {RECORD_ID.stored_as: values}}],
                         "minimum_should_match": 1}}
    return {"terms": {FIELD_NAMES[fname]: values}}


def _bool(filter_: list[dict], must_not: list[dict]) -> dict:
    body: dict = {}
    if filter_:
        body["filter"] = filter_
    if must_not:
        body["must_not"] = must_not
    return {"bool": body} if body else {"match_all": {}}


SORTS = {
    "relevance": [{"_score": "desc"}, {"id": "asc"}],
    "newest": [{"date": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
    "oldest": [{"date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
    "added": [{"first_seq": "desc"}, {"id": "desc"}],
}


def search_body(request: SearchRequest, plan: QueryPlan, *, match: dict | None, snapshot: int | None,
                search_after: list | None, interval: str | None) -> dict:
    """The complete search body for one request."""
    negative = [q for q in (text_query(n) for n in plan.negative) if q]
    query: dict = {"bool": {}}
    if match:
        query["bool"]["must"] = [match]
    if negative:
        query["bool"]["must_not"] = negative
    if snapshot is not None and request.cursor is not None:
        query["bool"]["filter"] = [{"range": {"first_seq": {"lte": snapshot}}}]
    if not query["bool"]:
        query = {"match_all": {}}
    flt, flt_not = filter_clauses(plan.filters)
    body: dict = {
        "query": query,
        "post_filter": _bool(flt, flt_not),
        "size": request.size,
        "sort": SORTS[request.sort],
        "track_total_hits": True,
        "_source": {"excludes": list(TEXT_FIELD_NAMES)},
    }
    if search_after is not None:
        body["search_after"] = search_after
    elif request.offset:
        body["from"] = request.offset
    aggs: dict = {}
    if request.group == "story":
        # One hit per story (its best in the requested order); inner hits count the story's matching
        # copies and name their sources, earliest first. A cardinality count gives the number of stories
        # (exact below its precision threshold, 40,000 stories).
        body["collapse"] = {"field": "story_id", "inner_hits": {
            "name": "copies", "size": 6, "_source": ["source", "id"],
            "sort": [{"date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]}}
        aggs["stories"] = {"filter": _bool(flt, flt_not), "aggs": {"n": {"cardinality": {
            "field": "story_id", "precision_threshold": 40000}}}}
    for facet in request.facets:
        fflt, fnot = filter_clauses(plan.filters, skip=facet.field)
        terms: dict = {"field": FIELD_NAMES[facet.field], "size": facet.size,
                       "order": [{"_count": "desc"}, {"_key": "asc"}]}
        include = facet_include(facet.field, facet.prefix) if facet.prefix else None
        if include is not None:
            terms["include"] = include  # (a pattern of at least one character: never "")
            terms["size"] = values_to_ask(facet.prefix, facet.size)  # (the answer keeps what keeps() keeps)
        elif not FACET_BY_NAME[facet.field].multi:  # single-valued fields store "" for none: not a value
            terms["exclude"] = [""]
        aggs[f"facet_{facet.field}"] = {"filter": _bool(fflt, fnot), "aggs": {"values": {"terms": terms}}}
    if interval:
        aggs["histogram"] = {"filter": _bool(flt, flt_not), "aggs": {"buckets": {"date_histogram": {
            "field": "date", "calendar_interval": interval, "min_doc_count": 1, "format": "yyyy-MM-dd"}}}}
    if request.date_histogram == "auto":
        aggs["date_span"] = {"filter": _bool(flt, flt_not), "aggs": {
            "first": {"min": {"field": "date", "format": "yyyy-MM-dd"}},
            "last": {"max": {"field": "date", "format": "yyyy-MM-dd"}}}}
    if aggs:
        body["aggs"] = aggs
    if request.highlight and match:
        body["highlight"] = highlight_body()
    return body


def highlight_body() -> dict:
    fields: dict = {}
    for f in HIGHLIGHT_FIELDS:
        long = f.endswith("body")
        opts = {"number_of_fragments": 1 if long else 0, "fragment_size": 220}
        fields[f] = dict(opts)
        fields[f + ".exact"] = dict(opts)
    return {"pre_tags": ["\x02"], "post_tags": ["\x03"], "encoder": "default", "require_field_match": True,
            "fields": fields}


def more_like_this_body(like_text: str, article_id: str, size: int, filters: Filters, n_docs: int) -> dict:
    """Same idea as the embedded engine's: the article's most distinctive terms, weighted by tf·idf,
    leaving out terms found in under two articles or in more than 30% of them.

    The article is given as text (original and translation together), not as a document
    reference: with a reference, each term is only looked for in the field it came from, so
    the Arabic translation of an English article would never meet an Arabic original."""
    flt, flt_not = filter_clauses(filters)
    return {
        "query": {"bool": {
            "must": [{"more_like_this": {
                "fields": list(HIGHLIGHT_FIELDS), "like": [like_text],
                "min_term_freq": 1, "min_doc_freq": 2, "max_doc_freq": max(2, int(0.3 * n_docs)),
                "min_word_length": 2, "boost_terms": 1,
                "max_query_terms": 25}}],
            "filter": flt, "must_not": flt_not + [{"ids": {"values": [article_id]}}]}},
        "size": size,
        "_source": {"excludes": list(TEXT_FIELD_NAMES)},
        "highlight": highlight_body(),
    }
