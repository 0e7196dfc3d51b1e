"""The embedded engine's text index: tantivy, fed with the project's own analysed tokens.

Why tantivy (measured first with a probe, see the engine issue and the README's figures): SQLite FTS5 scores every
match with ``bm25()`` before it can pick a page, so a question of many OR-ed words cost as much as the
archive is large; tantivy is Lucene's design in Rust (BM25 with block-max WAND for the top hits, columnar
"fast fields" for facets and histograms, multi-threaded indexing). On the full SaudiNewsNet archive it
answered the OR-ed questions 12.7x faster at p95 than FTS5, with the same match counts.

The analysis stays Arshif's own, the one definition in ``mappings/``: every text reaches tantivy as two
whitespace-joined strings, its stems (``arshif_text``) and its exact forms (``=`` + ``arshif_exact``), which
tantivy's ``whitespace`` tokenizer splits back into the same terms, positions and all. The SQLite archive
keeps the articles, the story tables and the transactions; this index is derived from it and can always be
rebuilt from it (the engine's ``_catch_up`` and ``reindex``).

Writes: the engine takes this index's writer, then SQLite's write lock; it commits a batch to SQLite first,
then here, then records in ``state.json`` which archive the index was built from and the archive's write
sequence it holds. A crash in between leaves the index behind, never ahead: the next writer indexes every
article whose ``seq`` is newer (deleting each rowid it writes first, so replaying is safe), then removes what
the archive no longer holds (a delete the crash lost). An index built from another archive is rebuilt whole.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import logging
import os
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path
from typing import Callable

import tantivy

from arshif.engines.base import analyse_phrase, compile_tree
from arshif.engines.fts_highlight import LOCATE_CHARS
from arshif.entities import ENTITY_KINDS
from arshif.fields import FACET_BY_NAME, FIELD_BOOSTS, FILTER_FIELDS, RECORD_ID, TEXT_FIELD_NAMES
from arshif.search.contract import Filters
from arshif.search.syntax import Node

log = logging.getLogger("arshif.engines.text_index")

EXACT_PREFIX = "="
#: The two searched fields: every text of an article, weighted, as stems and as exact forms (see IndexDoc).
TEXT, TEXT_EXACT = "text", "text_exact"
#: How many times each text field is written into them: its weight in fields.py (whole numbers, so that
#: this engine and the remote ones weigh every field alike).
REPEATS = dict(FIELD_BOOSTS)
assert all(isinstance(n, int) and n >= 1 for n in REPEATS.values()), "field weights must be whole numbers"
#: Single-valued exact fields (filters, facets, story collapse).
KEYWORDS = ("id", "source_id", "language", "source", "author", "site", "story")
#: Multi-valued exact fields: tags and the entity kinds.
MULTI = ("tag", *ENTITY_KINDS)
#: Between the texts of one article in the searched fields: never a term (see fts_tokens.NO_STEM).
SEPARATOR = " ¦ "
#: The story id as a number (see story_key).
STORY_KEY = "story_key"
#: Stored with each article, never searched: its texts' terms by position (see :func:`stored_terms`).
HIGHLIGHT_TERMS = "hl_terms"
#: The terms of a text's first this many characters are stored: as far as a highlighter looks for matches
#: (beyond, a match makes a hit but not its snippet).
STORED_TERMS_CHARS = LOCATE_CHARS
#: Bumped when the schema below changes: an index of another layout is rebuilt from the archive.
LAYOUT = "8"  # 3 had the story key before the keyword fields (one day on main), 4 has it last, 5 stored terms,
# 6 the facet fields' number columns (one hour on main), 7 their ids per field (minutes), 8 for ID_FIELDS only
EPOCH = date(1970, 1, 1)
#: The index's own record of what it holds (see TextIndex.state).
STATE = "state.json"
#: Segments (each write adds one per indexing thread) at which a write waits for its merges to finish.
MERGE_AT = 12


#: The facet fields of many values, each also held as a number column of its values' ids and counted by it
#: (see :func:`value_id`). A field of few values (source, language, site, tag here) is counted faster by its
#: text column: tantivy counts its dictionary numbers in an array, where ids need a hash map (alone, over the
#: default request's queries: source 0.48 against 0.56 ms, author 2.85 against 1.94, person 6.35 against 3.70).
ID_FIELDS = ("author", *ENTITY_KINDS)
assert all(name in FACET_BY_NAME and name in (*KEYWORDS, *MULTI) for name in ID_FIELDS)


def id_column(name: str) -> str:
    """The number column of a facet field's value ids."""
    return f"{name}_ids"


#: The schema's fields in order (tantivy's Schema cannot be asked): an index on disk with other fields is
#: rebuilt (see TextIndex.exists).
FIELD_NAMES = ("rowid", "first_seq", "day", TEXT, TEXT_EXACT, *KEYWORDS, *MULTI, STORY_KEY, HIGHLIGHT_TERMS,
               *(id_column(name) for name in ID_FIELDS))


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("rowid", indexed=True, fast=True)
    sb.add_unsigned_field("first_seq", indexed=True, fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)  # days since 1970-01-01; absent when undated
    sb.add_text_field(TEXT, tokenizer_name="whitespace", index_option="position")
    sb.add_text_field(TEXT_EXACT, tokenizer_name="whitespace", index_option="position")
    for name in (*KEYWORDS, *MULTI):
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    # Fields added since the first layout go last: the fields before keep their numbers, so a server still
    # running the older version reads a rebuilt index as before instead of finding nothing.
    sb.add_unsigned_field(STORY_KEY, fast=True)  # see story_key()
    sb.add_bytes_field(HIGHLIGHT_TERMS, stored=True)
    for name in ID_FIELDS:
        sb.add_unsigned_field(id_column(name), fast=True)  # see value_id()
    return sb.build()


SCHEMA = schema()


def story_key(story: str) -> int:
    """A story id as a 64-bit number, for counting a query's stories.

    tantivy's cardinality (HyperLogLog) over the ``story`` text column costs ~3 ms over 31k matches, most
    of it turning each segment's term ordinals back into strings to hash them; over a number column it
    costs ~0.8 ms. A collision (odds ~1e-9 among 300k stories) would undercount an estimate by one."""
    return int.from_bytes(hashlib.blake2b(story.encode("utf-8"), digest_size=8).digest(), "big")


def value_id(name: str, value: str) -> int:
    """A value of facet field ``name`` as a 63-bit number (SQLite's integers are signed), for counting the
    field's values.

    tantivy counts a text column's values by their number in each segment's dictionary and turns each
    segment's top numbers back into strings to merge the segments: on 32,744 articles that lookup was most of
    the facets' time (the person, place and organisation columns' first pass: 20.6 ms over every article,
    4.7 ms over 1 % of them, against 13.9 and 0.8 ms over these numbers). The archive keeps each id's value
    (the engine's ``facet_values`` table). A collision (odds ~1e-8 among a million values of one field) would
    count two values as one."""
    return int.from_bytes(hashlib.blake2b(f"{name}\x1f{value}".encode("utf-8"), digest_size=8).digest(), "big") >> 1


def day_number(d: date) -> int:
    return (d - EPOCH).days


def day_from_number(n: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(n))


@dataclass
class IndexDoc:
    """One article as the text index holds it."""

    rowid: int
    first_seq: int
    day: date | None
    keywords: dict[str, str]
    multi: dict[str, list[str]]
    texts: list[tuple[str, str]]  # (stems, exact forms) per text field, in TEXT_FIELD_NAMES order
    checks: list[int] = field(default_factory=list)  # text_check() of each text (-1: store none)
    stored: list[tuple[str, str]] | None = None  # the terms to store, when not ``texts`` (a text cut short)

    def as_dict(self) -> dict:
        doc: dict = {"rowid": self.rowid, "first_seq": self.first_seq}
        if self.day is not None:
            doc["day"] = day_number(self.day)
        for name, value in self.keywords.items():
            if value:
                doc[name] = value
        if self.keywords.get("story"):
            doc[STORY_KEY] = story_key(self.keywords["story"])
        for name, values in self.multi.items():
            if values:
                doc[name] = list(dict.fromkeys(values))
        for name, value, vid in self.facet_values:
            doc.setdefault(id_column(name), []).append(vid)
        stems, exact = [], []
        for name, (s, e) in zip(TEXT_FIELD_NAMES, self.texts):
            if e:
                stems += [s] * REPEATS[name]
                exact += [e] * REPEATS[name]
        if exact:
            # A separator token between the parts: a phrase cannot run from one text into the next.
            doc[TEXT] = SEPARATOR.join(stems)
            doc[TEXT_EXACT] = SEPARATOR.join(exact)
        stored = encode_terms(self.texts if self.stored is None else self.stored, self.checks)
        if stored:
            doc[HIGHLIGHT_TERMS] = base64.b64encode(stored).decode("ascii")  # (tantivy's JSON form of bytes)
        return doc

    @cached_property
    def facet_values(self) -> list[tuple[str, str, int]]:
        """``(field, value, value_id)`` of every value this article has in a field counted by ids
        (:data:`ID_FIELDS`; a multi-valued field's once each): hashed once for the index and the archive."""
        out = [(name, value) for name, value in self.keywords.items() if value and name in ID_FIELDS]
        out += [(name, value) for name, values in self.multi.items() if name in ID_FIELDS
                for value in dict.fromkeys(values) if value]
        return [(name, value, value_id(name, value)) for name, value in out]


# --- terms stored for highlights -------------------------------------------------------------------
#
# Highlighting the ten hits of a page used to analyse their texts again: a third of an API search's time
# (tokenizing alone is ~0.75 us a word). The terms the index was fed are at hand when an article is written,
# so they are stored with it and read back for the page's hits only. They are stored as they are: tantivy
# compresses its document store itself (lz4, in its own threads). Compressing them here (zlib, level 1) made
# the index 30 % smaller than that but its rebuild a fifth slower, all of it on the writer's core.
# Each is stored with a checksum of its text: a highlighter that reads a text other than the one analysed
# (the archive's copy changed since the index's) analyses it again instead.

#: Between the stored texts of one article, and between a text's checksum, stems and exact forms: control
#: characters, which the tokenizer never puts in a term.
_TEXT_SEP, _PART_SEP = "\x1e", "\x1f"


_SEEDS: dict[Path, int] = {}


def _check_seed() -> int:
    """What the terms of a text depend on besides the text: the analysis definition in ``mappings/`` (changed,
    the index keeps its old terms until ``arshif reindex``, while highlights read offsets with the new one)
    and the Unicode tables that cut words."""
    from arshif.settings import get_settings

    mappings_dir = get_settings().mappings_dir
    seed = _SEEDS.get(mappings_dir)
    if seed is None:
        import unicodedata

        import regex

        from arshif.mappings import definition_fingerprint

        seed = _SEEDS[mappings_dir] = zlib.crc32(
            f"{definition_fingerprint()}|{unicodedata.unidata_version}|{regex.__version__}".encode())
    return seed


def stored_part(text: str) -> str:
    """The part of a text whose terms are stored (all of a text of news length)."""
    return text[:STORED_TERMS_CHARS]


def text_check(text: str) -> int:
    """The check stored with the terms of a text's :func:`stored_part`: that part's length and a CRC of it and
    of :func:`_check_seed`; -1 for an empty text (nothing stored)."""
    if not text:
        return -1
    part = stored_part(text)
    return len(part) << 32 | zlib.crc32(part.encode("utf-8"), _check_seed())


def encode_terms(texts: list[tuple[str, str]], checks: list[int]) -> bytes:
    """The stored form of an article's texts' (stems, exact forms) strings: empty when none is stored."""
    parts = [f"{check}{_PART_SEP}{stems}{_PART_SEP}{exact}" if check >= 0 else ""
             for (stems, exact), check in zip(texts, checks)]
    return _TEXT_SEP.join(parts).encode("utf-8") if any(parts) else b""


def decode_terms(blob: bytes | None) -> list[tuple[int, str, str] | None]:
    """``(checksum, stems, exact forms)`` per text field (None where not stored), from :func:`encode_terms`."""
    if not blob:
        return []
    out: list[tuple[int, str, str] | None] = []
    try:
        for part in blob.decode("utf-8").split(_TEXT_SEP):
            if part:
                check, stems, exact = part.split(_PART_SEP)
                out.append((int(check), stems, exact))
            else:
                out.append(None)
    except ValueError:  # (UnicodeDecodeError is one) not what encode_terms wrote: the texts are analysed instead
        log.warning("stored terms that cannot be read (%d bytes): highlighting from the text", len(blob))
        return []
    return out


def stored_terms(searcher: tantivy.Searcher, rowids: list[int]) -> dict[int, list[tuple[int, str, str] | None]]:
    """The stored terms of the articles ``rowids`` (the page's hits) in this searcher's view of the index;
    an article missing from it, or written without them, is left out."""
    if not rowids:
        return {}
    found = searcher.search(tantivy.Query.term_set_query(SCHEMA, "rowid", rowids), len(rowids), count=False).hits
    addresses = [address for _score, address in found]
    out: dict[int, list[tuple[int, str, str] | None]] = {}
    for rowid, address in zip(searcher.fast_field_values("rowid", addresses), addresses):
        blob = searcher.doc(address).get_first(HIGHLIGHT_TERMS)
        if blob:
            out[rowid] = decode_terms(blob)
    return out


# --- queries -------------------------------------------------------------------------------------


@dataclass
class TextQuery:
    """A compiled text query: tantivy's query, and the phrases it matches (for highlights).

    Each phrase is a list of terms, a stem or an ``=``exact form, matched at consecutive positions."""

    query: tantivy.Query
    phrases: list[list[str]] = field(default_factory=list)
    #: What bounds the number of matches (see :func:`match_bound`): ``("df", field, term)``, or ``("min", parts)``
    #: for parts that must all match, ``("sum", parts)`` for parts any of which may; None: no bound known.
    bound: tuple | None = None


def match_bound(searcher: tantivy.Searcher, text: TextQuery | None) -> int:
    """At most how many articles ``text`` matches, from its terms' document frequencies alone (no walk of
    any posting list): an AND matches no more than its rarest part, an OR no more than its parts together.
    Filters, exclusions and deletions only lower the count. Lets the facets choose how to count before the
    search has counted (see :func:`top_values_with`)."""
    every = searcher.num_docs
    if text is None or text.bound is None:
        return every

    def bound(spec: tuple) -> int:
        kind = spec[0]
        if kind == "df":
            return searcher.doc_freq(spec[1], spec[2])
        parts = [bound(part) for part in spec[1]]
        return min(parts) if kind == "min" else sum(parts)

    return min(bound(text.bound), every)


def _occurs(parts, occur) -> tantivy.Query:
    return parts[0] if len(parts) == 1 else tantivy.Query.boolean_query([(occur, p) for p in parts])


def across_fields(terms: list[str], exact: bool) -> tantivy.Query:
    """``terms`` (one term, or a phrase) anywhere in the article's texts.

    One field holds every text, each written as many times as its weight (:data:`REPEATS`), so tantivy's
    BM25 scores a word as BM25F does: its occurrences in all texts added up, weighted, against the whole
    article's length, with one document frequency. That is how FTS5's bm25() with column weights scored,
    and what Elasticsearch/OpenSearch's ``combined_fields`` does (arshif/engines/dsl.py). Scoring each
    text on its own and adding the scores (per-field BM25) let a common word in a short title outrank the
    article that answers a question: XQuAD's R@10 fell from 0.91 to 0.48."""
    fname = TEXT_EXACT if exact else TEXT
    return (tantivy.Query.term_query(SCHEMA, fname, terms[0]) if len(terms) == 1
            else tantivy.Query.phrase_query(SCHEMA, fname, terms))


def compile_text(node: Node | None) -> TextQuery | None:
    """The query tree as a tantivy query built only from analysed terms (user text never reaches a parser),
    and the phrases it matches (for highlights)."""
    phrases: list[list[str]] = []

    # Each part is (tantivy query, the bound of its matches: see TextQuery.bound).
    def word(text: str, wt) -> tuple:
        if wt.exact:
            return quoted(text, wt.terms)
        stems = list(wt.terms)  # several terms from one word: adjacent, as a phrase
        phrases.append(stems)
        stemmed = across_fields(stems, exact=False)
        bound = ("min", [("df", TEXT, t) for t in stems])
        typed = [EXACT_PREFIX + t for t in analyse_phrase(text)]
        if not typed:
            return stemmed, bound
        # The form as typed, OR-ed in: it matches nothing the stem does not, but adds to the score, so
        # الرياض (Riyadh) ranks articles about Riyadh above those about الرياضة (sport), same stem.
        phrases.append(typed)
        return (_occurs([stemmed, across_fields(typed, exact=True)], tantivy.Occur.Should),
                ("sum", [bound, ("min", [("df", TEXT_EXACT, t) for t in typed])]))

    def quoted(text: str, terms) -> tuple:
        exact = [EXACT_PREFIX + t for t in terms]
        phrases.append(exact)
        return across_fields(exact, exact=True), ("min", [("df", TEXT_EXACT, t) for t in exact])

    def joined(parts: list[tuple], occur, kind: str) -> tuple:
        return _occurs([q for q, _ in parts], occur), (kind, [b for _, b in parts])

    compiled = compile_tree(node, word=word, phrase=quoted,
                            all_of=lambda parts: joined(parts, tantivy.Occur.Must, "min"),
                            any_of=lambda parts: joined(parts, tantivy.Occur.Should, "sum"))
    return TextQuery(compiled[0], phrases, compiled[1]) if compiled is not None else None


def any_stem(terms: list[str]) -> TextQuery | None:
    """Any of these stems (more like this), OR-ed."""
    parts = [across_fields([t], exact=False) for t in terms]
    return TextQuery(_occurs(parts, tantivy.Occur.Should), [[t] for t in terms]) if parts else None


def any_of(queries: list[tantivy.Query]) -> tantivy.Query:
    return _occurs(queries, tantivy.Occur.Should)


def all_of(queries: list[tantivy.Query]) -> tantivy.Query:
    return _occurs(queries, tantivy.Occur.Must)


def keyword_in(name: str, values: list[str]) -> tantivy.Query:
    """Articles whose exact field ``name`` holds any of ``values``."""
    return _terms(name, values)


def _terms(name: str, values: list[str]) -> tantivy.Query:
    values = list(dict.fromkeys(values))
    return (tantivy.Query.term_query(SCHEMA, name, values[0]) if len(values) == 1
            else tantivy.Query.term_set_query(SCHEMA, name, values))


def _filter_on(fname: str, values: list[str]) -> tantivy.Query:
    if fname == RECORD_ID.name:
        # The record's own id: the archive id when it could be one, else its kept source_id.
        return _occurs([_terms("id", values), _terms("source_id", values)], tantivy.Occur.Should)
    return _terms(fname, values)


def _range(name: str, lower=None, upper=None, include_lower=True) -> tantivy.Query:
    ftype = tantivy.FieldType.Integer if name == "day" else tantivy.FieldType.Unsigned
    return tantivy.Query.range_query(SCHEMA, name, ftype, lower_bound=lower, upper_bound=upper,
                                     include_lower=include_lower)


def filter_clauses(filters: Filters, skip: str | None = None, negatives: list[TextQuery] = (),
                   pinned_at: int | None = None) -> list[tuple]:
    """The filters as boolean clauses that add nothing to the score (``skip``: leave that field's out,
    for a disjunctive facet)."""
    must: list[tantivy.Query] = []
    must_not: list[tantivy.Query] = []
    for fname in FILTER_FIELDS:
        values = filters.values(fname)
        if fname != skip and values:
            must.append(_filter_on(fname, values))
    for fname, values in filters.exclude.items():
        if values and (fname in FACET_BY_NAME or fname == RECORD_ID.name):
            must_not.append(_filter_on(fname, values))
    if filters.story:
        must.append(_terms("story", filters.story))
    if filters.date_from or filters.date_to:
        must.append(_range("day", day_number(filters.date_from) if filters.date_from else None,
                           day_number(filters.date_to) if filters.date_to else None))
    if filters.seen_after is not None:
        must.append(_range("first_seq", filters.seen_after, None, include_lower=False))
    if pinned_at is not None:
        must.append(_range("first_seq", None, pinned_at))
    must_not += [n.query for n in negatives]
    return ([(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in must]
            + [(tantivy.Occur.MustNot, q) for q in must_not])


def combined(text: TextQuery | None, clauses: list[tuple]) -> tantivy.Query:
    """Text AND filters; with no text, every article the filters let through."""
    if text is None and not any(o == tantivy.Occur.Must for o, _ in clauses):
        clauses = [(tantivy.Occur.Must, tantivy.Query.const_score_query(tantivy.Query.all_query(), 0.0)),
                   *clauses]
    if text is None:
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else clauses[0][1]
    if not clauses:
        return text.query
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, text.query), *clauses])


# --- facet counts ----------------------------------------------------------------------------------

#: The first pass of :func:`top_values` keeps this many times the values asked for as candidates...
SPARE = 3
#: ...from this many times the values asked for, from each segment. Deeper lists cost the first pass little and
#: leave fewer candidates in doubt: on 32,744 SaudiNewsNet and BBC articles in 5 segments, the default request's
#: five facets took 11–15 ms with 6 against 9.3–10.1 ms with 15 to 35, and 40 values each 19–21 against 13–14 ms.
SEGMENT_SPARE = 20
#: Longer lists (the facet page asks for 200 values) are counted in full at once: their recount would cost more.
RECOUNT_UP_TO = 50
#: At most this many candidates per search are counted again, each by a filter aggregation over the matches.
RECOUNT_BUDGET = 200
#: Every value of every segment: exact, and the slow way (an entity column holds ~100k names on 31k articles).
EVERY_VALUE = 1_000_000
#: Up to this many matches, an id column's every value is counted at once, without a first pass. Its cost
#: grows with the values it lists: the entity columns (~48,000 person names on 32,744 articles) gain below
#: ~10,000 matches (the default request's searches with fewer, 64 of 92: 0.5–4.8 ms against 1.6–7.0 for the
#: first pass and recount; above, 38–43 ms against 19–31); the author column (a few thousand names) gains at
#: any count (100 OR-ed questions matching nearly every article, source and author facets: 3.6 against 5.3 ms
#: over 30,520 articles, 17.2 against 24.2 ms over 298,184).
EVERY_AT_ONCE_UP_TO = {"author": float("inf"), **{kind: 8_000 for kind in ENTITY_KINDS}}
#: tantivy indexes a keyword of at most this many bytes (its column keeps longer ones, cut): a longer value
#: cannot be counted by a filter, and its field is counted in full.
MAX_TERM_BYTES = 65_530


def top_values(searcher: tantivy.Searcher, query: tantivy.Query, wanted: dict[str, int],
               names: Callable[[set[int]], dict[int, str]] | None = None,
               matches: int | None = None) -> dict[str, list[dict]]:
    """:func:`top_values_with`, no other aggregation riding along."""
    return top_values_with(searcher, query, wanted, names, matches)[0]


def top_values_with(searcher: tantivy.Searcher, query: tantivy.Query, wanted: dict[str, int],
                    names: Callable[[set[int]], dict[int, str]] | None = None, matches: int | None = None,
                    riders: dict[str, dict] | None = None) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """(facet values, ``riders``' results): ``riders`` are other aggregations over the same matches (named
    with a leading ``~``), run in the first pass, so the matches are walked once for both (the date histogram
    of the page request: p95 61.6 against 67.5 ms over 298,184 articles, whose questions match nearly all).

    The ``wanted[field]`` most frequent values of each facet field among the query's matches, counted
    exactly, as ``[{"key": value, "doc_count": n}]`` (at least as many as asked, in no particular order).

    ``names``: the values of value ids (:func:`value_id`), when the archive can say; the fields of
    :data:`ID_FIELDS` are then counted by their ids' number columns, else (and a field with an id it cannot
    name) by their text columns, with the same answer, slower. ``matches``: at most how many articles the
    query matches (its count, or :func:`match_bound`), when known: up to :data:`EVERY_AT_ONCE_UP_TO` (per
    field), every value of an id column is counted at once. Only the cost depends on it, not the answer.

    tantivy counts values per segment and merges each segment's top values, so with several segments a
    value outside one segment's top loses that segment's count. Asking every segment for every value is
    exact but costly on the entity columns (~11 of a search's ~30 ms on the person column alone). As
    Elasticsearch does across shards, a first pass takes each segment's top values and reports how many
    matches it may have missed (``doc_count_error_upper_bound``: the sum over segments of the largest count
    each left out); when none, its counts are exact (one segment, or few values). Otherwise the candidates
    that may reach the top are counted again exactly, each by a filter aggregation, and they are the answer
    when no value left out can reach the last one asked for; else, or when that cannot succeed or would cost
    too much, every value of every segment is counted."""
    by_id = set(ID_FIELDS) & set(wanted) if names is not None else set()
    column = lambda name: id_column(name) if name in by_id else name  # noqa: E731
    unnamed: list[str] = []  # fields with an id the archive could not name: counted by their text columns

    def settled(agg: dict, f: str) -> bool:
        # A text column's list is cut among equal counts by value, as facets order them; an id column's, by id.
        return f not in by_id or _settled(agg, wanted[f])

    ridden: dict[str, dict] = {}
    pending = dict(riders or {})

    def terms(sizes: dict[str, tuple[int, int]]) -> dict[str, dict]:
        """One terms aggregation per field, ``(size, segment_size)``, in one pass (the riders in the first);
        their keys named."""
        specs = {column(f): {"terms": {"field": column(f), "size": n, "segment_size": seg}} for f, (n, seg) in sizes.items()}
        got = searcher.aggregate(query, {**specs, **pending})
        ridden.update((r, got[r]) for r in pending)
        pending.clear()
        got = {f: got[column(f)] for f in sizes}
        if not by_id & set(got):
            return got
        known = names({b["key"] for f, agg in got.items() if f in by_id for b in agg["buckets"]})
        for f in [f for f in got if f in by_id]:
            buckets = got[f]["buckets"]
            if all(b["key"] in known for b in buckets):
                got[f] = {**got[f], "buckets": [{"key": known[b["key"]], "doc_count": b["doc_count"]} for b in buckets]}
            else:
                unnamed.append(f)
                del got[f]
        return got

    out: dict[str, list[dict]] = {}
    at_once = {f for f in by_id if matches is not None and matches <= EVERY_AT_ONCE_UP_TO.get(f, 0)}
    short = {f: n for f, n in wanted.items() if n <= RECOUNT_UP_TO and f not in at_once}
    # One walk of the matches for every field: the short lists' first pass, and every value of the others
    # (which need no first pass), with the riders.
    first = terms({f: (n * SPARE, n * SEGMENT_SPARE if f in short else EVERY_VALUE) for f, n in wanted.items()}) \
        if wanted or pending else {}
    whole = {f: agg for f, agg in first.items() if f not in short}
    tied = [f for f, agg in whole.items() if not settled(agg, f)]
    out.update((f, agg["buckets"]) for f, agg in whole.items() if f not in tied)
    first = {f: agg for f, agg in first.items() if f in short}
    doubt: dict[str, list[dict]] = {}
    bounds: dict[str, int] = {}
    for f, agg in first.items():
        n = short[f]
        missed = agg.get("doc_count_error_upper_bound") or 0
        if not missed:
            if settled(agg, f):
                out[f] = agg["buckets"]
            continue  # (else counted in full below)
        found = sorted((b["doc_count"] for b in agg["buckets"]), reverse=True)
        # The n-th value has at least the n-th count found; a candidate below that even with every match the
        # segments may have missed cannot be among the first n, and is not counted again.
        floor = found[n - 1] if len(found) >= n else 0
        candidates = [b for b in agg["buckets"] if b["doc_count"] + missed >= floor]
        # A value the first pass left out was below its last bucket (when the list was cut) or in no segment's
        # top at all: either way it has at most ``bound`` matches. If the n-th candidate cannot exceed that even
        # with every missed match, the recount cannot settle the list.
        cut = found[-1] if len(found) >= n * SPARE else 0
        bound = missed + cut
        best = sorted((b["doc_count"] + missed for b in candidates), reverse=True)
        if len(best) >= n and best[n - 1] > bound and all(_filterable(b["key"]) for b in candidates):
            doubt[f], bounds[f] = candidates, bound
    while sum(len(c) for c in doubt.values()) > RECOUNT_BUDGET:
        doubt.pop(max(doubt, key=lambda f: len(doubt[f])))  # the longest list is counted in full instead
    if doubt:
        counted = searcher.aggregate(query, {f"{f}#{i}": {"filter": f'{f}:"{_quoted(b["key"])}"'}
                                             for f, candidates in doubt.items() for i, b in enumerate(candidates)})
        for f, candidates in doubt.items():
            exact = [{"key": b["key"], "doc_count": counted[f"{f}#{i}"]["doc_count"]} for i, b in enumerate(candidates)]
            counts = sorted((b["doc_count"] for b in exact), reverse=True)
            if counts[wanted[f] - 1] > bounds[f]:
                out[f] = exact
    rest = [f for f in wanted if f not in out and f not in unnamed and f not in tied]
    if rest:
        every = terms({f: (wanted[f] * SPARE, EVERY_VALUE) for f in rest})
        out.update((f, agg["buckets"]) for f, agg in every.items() if settled(agg, f))
        tied += [f for f in every if f not in out]
    if tied:
        # Values tied with the last one asked for, cut by their ids' order: the text column's list, which
        # tantivy cuts among equal counts by value (a list of every tied value could pass its 65,000-bucket
        # limit: a flat tail of names each counted once).
        by_text = searcher.aggregate(query, {f: {"terms": {"field": f, "size": wanted[f], "segment_size": EVERY_VALUE}}
                                             for f in tied})
        out.update((f, by_text[f]["buckets"]) for f in tied)
    if unnamed:
        # (an article written or removed between the search's two snapshots: the archive's and the index's)
        log.info("facet values of %s not found in the archive: counted by their text columns", unnamed)
        out.update(top_values(searcher, query, {f: wanted[f] for f in unnamed}))
    return out, ridden


def included_values(searcher: tantivy.Searcher, query: tantivy.Query, field: str, size: int,
                    include: str) -> list[dict]:
    """The ``size`` most frequent values of ``field`` among ``query``'s matches that the pattern ``include``
    matches whole (see arshif.search.facet_prefix), counted exactly over every segment, by its text column
    (tantivy cuts equal counts by value, as facets order them)."""
    return searcher.aggregate(query, {field: {"terms": {"field": field, "size": size, "segment_size": EVERY_VALUE,
                                                        "include": include}}})[field]["buckets"]


def _settled(agg: dict, n: int) -> bool:
    """Whether an id column's terms aggregation holds every value counted as often as its ``n``-th: tantivy cuts
    a list among values of equal count by key (for an id column, the order of the ids: a hash), and facets
    order ties by value."""
    if not agg.get("sum_other_doc_count"):
        return True  # every value is there
    counts = sorted((b["doc_count"] for b in agg["buckets"]), reverse=True)
    return len(counts) > n and counts[-1] < counts[n - 1]


def _filterable(value) -> bool:
    """Can a filter aggregation count this value (a term the index holds)?"""
    return isinstance(value, str) and bool(value) and len(value.encode("utf-8")) <= MAX_TERM_BYTES


def _quoted(value: str) -> str:
    """A value as a quoted query-string phrase: its quotes and backslashes escaped, nothing else special there."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


# --- the index on disk ---------------------------------------------------------------------------


class TextIndex:
    """The tantivy index beside an archive (``<archive>.text/``): searchers for readers, a :class:`HeldWriter` for writes."""

    def __init__(self, directory: Path, *, create: bool):
        self.directory = directory
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._loaded: tuple | None = None  # meta.json's file key when the reader last reloaded (see searcher)
        self._state: tuple[tuple | None, tuple[str, int]] = (None, ("", 0))  # (file key, state) last read
        if create:
            directory.mkdir(parents=True, exist_ok=True)
            layout = directory / "layout"
            if (layout.exists() and layout.read_text().strip() != LAYOUT) or \
                    ((directory / "meta.json").exists() and not self._fields_match()):
                log.warning("the text index at %s has another layout: rebuilding it from the archive", directory)
                for p in directory.iterdir():
                    if p.is_file():
                        p.unlink()
            self._index = _manual(tantivy.Index(SCHEMA, path=str(directory), reuse=True))
            if not layout.exists():
                _write_atomically(layout, LAYOUT)
            try:  # created once (two processes creating the index at once must not reset each other's)
                with open(directory / STATE, "x") as f:
                    f.write(json.dumps({"archive": "", "seq": 0}))
            except FileExistsError:
                pass

    @property
    def exists(self) -> bool:
        """Whether an index of this version's layout is there (an older one is rebuilt by a writable open)."""
        try:
            return (self.directory / "meta.json").exists() and \
                (self.directory / "layout").read_text().strip() == LAYOUT and self._fields_match()
        except OSError:
            return False

    def _fields_match(self) -> bool:
        """Whether the index on disk has this version's fields. An older Arshif still running when the index
        was rebuilt writes its own schema back with its next commit (the layout file stays): reading this
        version's fields from such an index made tantivy panic."""
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            return tuple(f.get("name") for f in meta.get("schema", [])) == FIELD_NAMES
        except (OSError, ValueError, AttributeError):
            return False

    def index(self) -> tantivy.Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    if not self.exists:
                        raise FileNotFoundError(f"no text index at {self.directory}")
                    self._index = _manual(tantivy.Index.open(str(self.directory)))
        return self._index

    def forget_inherited(self, keep: list) -> None:
        """In a forked child: open the index again when next used, under a lock of its own. The parent's
        tantivy index goes to ``keep``, never used or dropped here (its reader's threads and locks are the
        parent's: a child forked while another thread reloaded it hung in ``reload()``)."""
        if self._index is not None:
            keep.append(self._index)
        self._index, self._loaded = None, None
        self._lock = threading.Lock()

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the last commit of any process: reloaded when meta.json, which every commit replaces
        (a new file renamed over it), is not the one last loaded. A reload cost ~0.1 ms a search; a look at
        the file, a few µs. The key is read before the reload, so a commit in between only makes the next
        search reload again."""
        index = self.index()
        key = _file_key(self.directory / "meta.json")
        if key is None or key != self._loaded:
            index.reload()
            self._loaded = key
        return index.searcher()

    def state(self) -> tuple[str, int]:
        """(the archive this index was built from, the archive's write sequence it holds everything up to);
        read again only when the state file was replaced (:func:`_write_atomically`), as every search asks."""
        path = self.directory / STATE
        key = _file_key(path)
        seen, state = self._state
        if key is not None and key == seen:
            return state
        try:
            data = json.loads(path.read_text())
            state = (str(data.get("archive", "")), int(data.get("seq", 0)))
        except (OSError, ValueError, AttributeError):
            return "", 0
        self._state = (key, state)
        return state

    @property
    def indexed_seq(self) -> int:
        return self.state()[1]

    def mark_indexed(self, archive: str, seq: int) -> None:
        _write_atomically(self.directory / STATE, json.dumps({"archive": archive, "seq": seq}))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file()) if self.directory.exists() else 0


class WriterBusy(Exception):
    """Another process kept the text index's writer for longer than the write may wait."""


class HeldWriter:
    """tantivy's writer, taken once and kept for one write or, in a bulk write (an ingest), for several.

    One writer at a time across processes (tantivy's lock file); the engine takes it before SQLite's write
    lock. While another process holds it, ``busy(attempts)`` waits a little and says whether to go on
    waiting (the engine's busy handler, which says once that it waits); :class:`WriterBusy` when it gives up.

    A commit writes a segment and may start merges: after every batch of an ingest that was a quarter of the
    ingest's CPU (500-article batches: 23 commits and merges for 11k articles, against 6 commits for
    2,000-article ones). Articles written but not yet committed are in the archive, not yet searchable
    (searches see what both hold), and a crash before the commit leaves them to the next writer's catch-up,
    as a crash between the two commits always did."""

    def __init__(self, text: "TextIndex", busy: Callable[[int], bool]):
        self._text = text
        index = text.index()
        attempts = 0
        while True:
            try:
                self._w = index.writer(heap_size=128_000_000, num_threads=1)
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                if not busy(attempts):
                    raise WriterBusy(str(exc)) from exc
                attempts += 1
        self.tw = TextWriter(self._w, text.directory)
        self.started = time.monotonic()

    def commit(self) -> None:
        """Commit what the writer holds and record the archive's sequence it brings the index to. Release the
        writer after it (a commit may wait for merges, which consumes tantivy's writer)."""
        tw = self.tw
        try:
            self._w.commit()
        except ValueError as exc:
            _raise_if_disk_full(exc, self._text.directory)
            raise
        if tw.seq is not None:  # before the lock goes with the writer: the next writer reads it
            self._text.mark_indexed(tw.archive, tw.seq)
        index = self._text.index()
        index.reload()
        if index.searcher().num_segments >= MERGE_AT:
            self._w.wait_merging_threads()  # the merges this commit started, let finish (they fold every segment)
        # else the writer goes without waiting: merges it started are dropped, and every write until the
        # next merge costs its commit only (waiting for merges after each batch was a third of an ingest).
        tw.added = 0
        self.started = time.monotonic()

    def rollback(self) -> None:
        """Drop every uncommitted change: the archive may hold earlier batches of a bulk write that the index
        now lacks, so the next writer starts from the index's recorded state and catches them up."""
        self._w.rollback()
        self.tw.seq = None
        self.tw.added = 0

    def release(self) -> None:
        # The last references: tantivy drops the writer, and its lock, now (a failed write's traceback
        # kept it, and every later write waited for a lock its own process held).
        self.tw._w = None
        w, self._w = self._w, None
        del w


class TextWriter:
    """What a write does to the text index; ``seq``: the archive's write sequence it brings the index to,
    ``archive``: the archive's identity (both recorded when it commits)."""

    def __init__(self, writer, directory: Path):
        self._w = writer
        self._directory = directory
        self.seq: int | None = None
        self.archive = ""
        self.added = 0  # documents added since the last commit

    def delete(self, rowids: list[int]) -> None:
        # (delete_documents_by_term does not match unsigned fields in tantivy-py 0.27: a term-set query does.)
        for i in range(0, len(rowids), 1000):
            self._w.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "rowid", rowids[i:i + 1000]))

    def add(self, docs: list[IndexDoc]) -> None:
        try:
            for doc in docs:
                self._w.add_json(json.dumps(doc.as_dict(), ensure_ascii=False))
        except ValueError as exc:
            _raise_if_disk_full(exc, self._directory)
            raise
        self.added += len(docs)

    def delete_all(self) -> None:
        # (delete_all_documents() spares documents added earlier by this writer: a query delete does not.)
        self._w.delete_documents_by_query(tantivy.Query.all_query())


#: Free space under which a writer that died of an I/O error is taken to have filled the disk.
FULL_BELOW = 64 * 1024 * 1024


def _raise_if_disk_full(exc: ValueError, directory: Path) -> None:
    """tantivy reports a full disk in its indexing thread only as "An index writer was killed ... (io::Error
    most likely)": say what happened (ENOSPC, which the CLI turns into one line) when the index's file system
    has next to no space left; otherwise the caller re-raises tantivy's own error."""
    message = str(exc)
    if "writer was killed" not in message and "IoError" not in message and "No space" not in message:
        return
    try:
        fs = os.statvfs(directory)
    except OSError:
        return
    if fs.f_bavail * fs.f_frsize < FULL_BELOW:
        raise OSError(errno.ENOSPC, f"No space left on device for the text index at {directory} ({message})") from exc


def _drop_inherited_writer_lock() -> None:
    """In a forked child: close the text index's lock files it inherited (the writer's and the one tantivy
    holds while it reads or writes meta.json).

    tantivy's locks are flocks on open files; a child forked while this process holds one (the worker pool
    starts on first use, which can be inside a write; another thread may be committing or reloading) shares
    that open file: the writer lock stayed held after the writer was done, for as long as the worker lived
    (the next write waited forever), and a child's own first reload waited on the meta lock it held itself,
    and the parent with it. The child opens its own index (``TextIndex.forget_inherited``)."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").endswith((".tantivy-writer.lock", ".tantivy-meta.lock")):
                os.close(int(fd))
        except (OSError, ValueError):
            pass


os.register_at_fork(after_in_child=_drop_inherited_writer_lock)


def _manual(index: tantivy.Index) -> tantivy.Index:
    """An index whose reader reloads only when told (:meth:`TextIndex.searcher` does, when a commit replaced
    meta.json), not from a thread of tantivy's watching the file: one thread fewer that a fork could catch
    holding the meta lock (see :func:`_drop_inherited_writer_lock`)."""
    index.config_reader("Manual")
    return index


def _file_key(path: Path) -> tuple | None:
    """What tells one version of a file from the next: a file replaced by a rename has another inode, and a
    rewrite another change time or size. None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
