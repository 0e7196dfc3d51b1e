"""Text analysis: the Elasticsearch/OpenSearch analyzers of ``mappings/articles.json``, rebuilt in Python.

The embedded engine must index and search with exactly the terms the server
engines produce, so nothing here is configured in code: :func:`build_analyzer`
reads an analyzer definition (``char_filter`` → ``tokenizer`` → ``filter``) from
``settings.analysis`` and assembles the Python twins of the Lucene components
it names. A name this module cannot reproduce raises
:class:`AnalysisConfigError` instead of silently analysing differently.

Speed: the tokenizer is one compiled ``regex`` pattern; everything after it
(char filter, lowercasing, normalisation, stopwords, stemming) depends only on
the token's surface form, so it runs once per distinct word and is cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from .charfilter import MappingCharFilter, correct_offset, parse_mapping_rules
from .errors import AnalysisConfigError
from .filters import FilterFn, arabic_normalize, build_filter
from .tokenizer import build_plain_run_pattern, build_token_pattern

__all__ = [
    "AnalysisConfigError",
    "Analyzer",
    "Token",
    "build_analyzer",
    "get_analyzer",
    "load_analysis_settings",
    "normalize_arabic",
]

DEFAULT_MAX_TOKEN_LENGTH = 255
CACHE_SIZE = 200_000


@dataclass(frozen=True, slots=True)
class Token:
    term: str  # the analysed term
    start: int  # char offset into the original text
    end: int  # char offset (exclusive)
    position: int  # token position (gaps where stopwords were removed)


_MISS = object()  # not in the cache yet
_GONE = object()  # the char filter deleted the whole token: it never existed (no position)
_LONG = object()  # longer than max_token_length: Lucene cuts it into pieces
#: An over-long token of more pieces than this is cut by length alone (see Analyzer._spans).
RECUT_PIECES = 64

# Word_Break classes a char filter may map within (or delete, see _DELETABLE) while we keep
# applying it per token: such a mapping cannot move a token boundary.
_SAFE_CLASSES = ("ALetter", "Hebrew_Letter", "Numeric", "Katakana", "Extend", "Format",
                 "MidLetter", "MidNum", "MidNumLet", "Single_Quote", "ExtendNumLet")
_DELETABLE = ("ALetter", "Hebrew_Letter", "Extend", "Format")
_WB_RES = {c: regex.compile(rf"\p{{WB={c}}}") for c in _SAFE_CLASSES}
_EMOJI_RE = regex.compile(r"[\p{Emoji}\p{Extended_Pictographic}\p{Emoji_Component}]")


def _wb_class(ch: str) -> str | None:
    if _EMOJI_RE.match(ch):
        return None
    for name, pat in _WB_RES.items():
        if pat.match(ch):
            return name
    return None


def _per_token_safe(mapping: dict[str, str]) -> bool:
    """Can this mapping be applied to each token instead of to the whole text, without changing tokens?"""
    for key, value in mapping.items():
        if len(key) != 1:
            return False
        cls = _wb_class(key)
        if cls is None:
            return False
        if value == "":
            if cls not in _DELETABLE:
                return False
        elif any(_wb_class(c) != cls for c in value):
            return False
    return True


class Analyzer:
    """A custom analyzer: char filters, the standard tokenizer, then token filters."""

    def __init__(
        self,
        name: str,
        char_filters: Iterable[MappingCharFilter] = (),
        filters: Iterable[FilterFn] = (),
        *,
        filter_names: Iterable[str] = (),
        max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH,
        cache_size: int = CACHE_SIZE,
        whole_text: bool = False,
    ) -> None:
        if not 1 <= max_token_length <= 1024 * 1024:
            raise AnalysisConfigError(f"analyzer [{name}]: max_token_length must be in 1..1048576")
        self.name = name
        self.char_filters = tuple(char_filters)
        self.filters = tuple(filters)
        self.filter_names = tuple(filter_names)
        self.max_token_length = max_token_length
        self._cache: dict[str, Any] = {}  # per-token mode: original surface -> term
        self._wcache: dict[str, Any] = {}  # whole-text mode: char-filtered surface -> term
        self._pairs: dict[tuple, tuple[dict[str, str], dict[str, str], set[str]]] = {}  # see joined_pairs
        self._cache_size = cache_size
        # Per-token mode (fast, cacheable): char filters that cannot move token boundaries are applied
        # to each token. Otherwise, or with whole_text=True (the reference mode, used by the tests to
        # check the fast path), they run over the whole text first, exactly as in Lucene.
        fast_possible = not whole_text and all(cf.single_char_keys for cf in self.char_filters)
        unsafe = sorted({k for cf in self.char_filters for k, v in cf.mapping.items() if not _per_token_safe({k: v})})
        self._per_token = fast_possible and not unsafe
        # Mappings that could move a boundary (e.g. deleting U+200D ZWJ, which joins emoji) only matter in a
        # text that contains them: any other text takes the per-token path, with identical tokens.
        self._guard = regex.compile("[" + "".join(regex.escape(k) for k in unsafe) + "]") \
            if fast_possible and unsafe else None
        # (one or two such characters, as shipped: str's own search is ~25x faster than the pattern's)
        self._guard_chars = tuple(unsafe) if self._guard is not None and len(unsafe) <= 2 else None
        no_start = ""
        if fast_possible:
            no_start = "".join(
                sorted(k for cf in self.char_filters for k, v in cf.mapping.items() if v == "" and _wb_class(k)
                       in ("ALetter", "Hebrew_Letter"))
            )
        self._pattern = build_token_pattern("")  # over char-filtered text (whole-text mode)
        self._plain_run = build_plain_run_pattern()
        self._finditer = self._pattern.finditer
        self._tpattern = build_token_pattern(no_start)  # over original text (per-token mode)
        self._tfinditer = self._tpattern.finditer
        self._tfindall = self._tpattern.findall

    def __repr__(self) -> str:
        return f"Analyzer({self.name!r}, filters={list(self.filter_names)!r})"

    # -- the per-word chain (cached) --------------------------------------------------------------
    def char_filter(self, text: str) -> str:
        """Apply the char filters to a string (no offset tracking)."""
        for cf in self.char_filters:
            text = cf.translate(text)
        return text

    def _filter_term(self, term: str) -> str | None:
        for f in self.filters:
            term = f(term)
            if term is None:
                return None
        if term.__class__ is not str:  # a KeywordTerm (stemmer_override): a plain term from here on
            term = "".join((term,))
        return term

    def _fast(self, text: str) -> bool:
        """Can ``text`` take the per-token path (same tokens as the whole-text reference)?"""
        if self._per_token:
            return True
        if self._guard_chars is not None:
            return not any(c in text for c in self._guard_chars)
        return self._guard is not None and self._guard.search(text) is None

    def _compute(self, surface: str, per_token: bool = True) -> Any:
        """surface (per-token mode: original text; whole-text mode: filtered text) -> term | None | marker."""
        cache = self._cache if per_token else self._wcache
        if len(cache) >= self._cache_size:
            cache.clear()
        if per_token:
            mapped = self.char_filter(surface)
            if not mapped:
                result: Any = _GONE
            elif len(mapped) > self.max_token_length:
                result = _LONG
            else:
                result = self._filter_term(mapped)
        elif len(surface) > self.max_token_length:
            result = _LONG
        else:
            result = self._filter_term(surface)
        cache[surface] = result
        return result

    # -- rare paths --------------------------------------------------------------------------------
    def _spans(self, text: str, base: int = 0) -> list[tuple[int, int]]:
        """Token spans of already char-filtered text, cutting over-long tokens like Lucene: a piece of
        ``max_token_length``, and what is left of the token tokenized again.

        Without recursion (it went one call deeper per piece: a 300,000-character token, such as an image
        pasted into a body as base64, could not be ingested), and a run of letters and digits is cut in one go
        (matching what was left after each cut again made such a token cost its length squared: 300,000
        characters of ``a.b.a.b…`` took 99 s). A token of more than :data:`RECUT_PIECES` pieces that is not
        such a run is cut into pieces of that length too, where Lucene would tokenize each rest again: no text
        of a language is one word that long, and the cost stays linear."""
        spans: list[tuple[int, int]] = []
        limit = self.max_token_length
        pending = [(text, base, self._finditer(text))]  # the text, and what is left of over-long tokens in it
        while pending:
            part, offset, matches = pending[-1]
            m = next(matches, None)
            if m is None:
                pending.pop()
                continue
            a, b = m.span()
            if b - a <= limit:
                spans.append((offset + a, offset + b))
            elif b - a > limit * RECUT_PIECES or self._plain_run.fullmatch(part, a, b):
                spans += [(offset + s, offset + min(s + limit, b)) for s in range(a, b, limit)]
            else:
                spans.append((offset + a, offset + a + limit))
                rest = part[a + limit : b]
                pending.append((rest, offset + a + limit, self._finditer(rest)))
        return spans

    def _long_pieces(self, surface: str) -> list[tuple[str | None, int, int]]:
        """An over-long token (per-token mode): (term, start, end) pieces, offsets relative to surface."""
        filtered, chain = self._filter_with_offsets(surface)
        pieces = []
        for a, b in self._spans(filtered):
            pieces.append((self._filter_term(filtered[a:b]), self._correct(a, chain), self._correct(b, chain)))
        return pieces

    def _filter_with_offsets(self, text: str) -> tuple[str, list[tuple[list[int], list[int]]]]:
        chain = []
        for cf in self.char_filters:
            text, offs, diffs = cf.apply(text)
            chain.append((offs, diffs))
        return text, chain

    @staticmethod
    def _correct(off: int, chain: list[tuple[list[int], list[int]]]) -> int:
        for offs, diffs in reversed(chain):
            off = correct_offset(off, offs, diffs)
        return off

    def _analyze_whole_text(self, text: str) -> list[tuple[str, int, int, int]]:
        """General path for char filters that can change token boundaries: filter the whole text first."""
        filtered, chain = self._filter_with_offsets(text)
        out = []
        pos = -1
        get = self._wcache.get
        for a, b in self._spans(filtered):
            surface = filtered[a:b]
            t = get(surface, _MISS)
            if t is _MISS:
                t = self._compute(surface, False)  # spans are already cut to max_token_length
            pos += 1
            if t is not None:
                out.append((t, self._correct(a, chain), self._correct(b, chain), pos))
        return out

    # -- public API --------------------------------------------------------------------------------
    def analyze(self, text: str) -> list[tuple[str, int, int, int]]:
        """Fast path: ``(term, start, end, position)`` tuples, same content as :meth:`tokens`."""
        if not self._fast(text):
            return self._analyze_whole_text(text)
        out: list[tuple[str, int, int, int]] = []
        append = out.append
        get = self._cache.get
        compute = self._compute
        pos = -1
        for m in self._tfinditer(text):
            t = get(m.group(), _MISS)
            if t is _MISS:
                t = compute(m.group())
            if t.__class__ is str:
                pos += 1
                append((t, m.start(), m.end(), pos))
            elif t is None:  # stopword: the position stays taken
                pos += 1
            elif t is _LONG:
                s = m.start()
                for term, a, b in self._long_pieces(m.group()):
                    pos += 1
                    if term is not None:
                        append((term, s + a, s + b, pos))
            # _GONE: nothing left after the char filter, no token and no position
        return out

    def spans_of(self, text: str, limit: int, pos: int = 0,
                 terms: list[str] | None = None) -> list[tuple[int, int]]:
        """Character offsets of the first ``limit`` tokens this analyzer keeps (:meth:`analyze`'s, in order):
        a highlighter that found its matches in a long text without offsets asks only for the tokens it shows.
        The text is read no further than they go, except a text the per-token path cannot take (a rare
        boundary-moving character), which is analysed whole.

        ``pos``: read from there, the tokens that start at or after it (the same tokens as the whole text's
        when ``text[pos - 1]`` is whitespace, which no token holds; only on the per-token path, see
        :meth:`per_token_path`). ``terms``: each token's term is appended to it."""
        if limit <= 0:
            return []
        if not self._fast(text):
            if pos:
                raise ValueError("spans_of from a position needs the per-token path")
            whole = self._analyze_whole_text(text)[:limit]
            if terms is not None:
                terms += [t for t, _, _, _ in whole]
            return [(a, b) for _, a, b, _ in whole]
        out: list[tuple[int, int]] = []
        base = len(terms) if terms is not None else 0
        get, compute = self._cache.get, self._compute
        for m in self._tfinditer(text, pos):
            surface = m.group()
            t = get(surface, _MISS)
            if t is _MISS:
                t = compute(surface)
            if t.__class__ is str:
                out.append(m.span())
                if terms is not None:
                    terms.append(t)
            elif t is _LONG:
                start = m.start()
                for term, a, b in self._long_pieces(surface):
                    if term is not None:
                        out.append((start + a, start + b))
                        if terms is not None:
                            terms.append(term)
            else:  # a stopword or a char-filtered blank: no token of its own
                continue
            if len(out) >= limit:
                break
        if terms is not None:
            del terms[base + limit:]
        return out[:limit]

    def per_token_path(self, text: str) -> bool:
        """Is ``text`` read token by token (no character in it can move a token boundary)? Only then can it be
        read from the middle (:meth:`spans_of`'s ``pos``)."""
        return self._fast(text)

    def tokens(self, text: str) -> list[Token]:
        """Analysed tokens with offsets into ``text`` and positions (gaps where stopwords were removed)."""
        return [Token(*t) for t in self.analyze(text)]

    def terms(self, text: str) -> list[str]:
        """Just the terms, in order."""
        if not self._fast(text):
            return [t[0] for t in self._analyze_whole_text(text)]
        out: list[str] = []
        append = out.append
        get = self._cache.get
        compute = self._compute
        for surface in self._tfindall(text):
            t = get(surface, _MISS)
            if t is _MISS:
                t = compute(surface)
            if t.__class__ is str:
                append(t)
            elif t is _LONG:
                out.extend(term for term, _, _ in self._long_pieces(surface) if term is not None)
        return out

    def analyze_with(self, other: Analyzer, text: str) -> list[tuple[int, int, int, str | None, str | None]]:
        """Tokenize once, filter twice: ``(start, end, position, self_term, other_term)`` per token.

        Both analyzers must share char filters and tokenizer (true of ``arshif_exact`` and
        ``arshif_text``), so their tokens and positions coincide; a term is None where that
        analyzer's filters removed the token (a stopword). Tokens removed by both are left out.
        """
        return list(self.iter_analyze_with(other, text))

    def iter_analyze_with(self, other: Analyzer, text: str) -> Iterator[tuple[int, int, int, str | None, str | None]]:
        """:meth:`analyze_with`, one token at a time: a caller that needs only the start of a long text
        (a highlighter) stops early and pays only for what it read."""
        if not self._same_front(other):
            raise ValueError(f"analyzers [{self.name}] and [{other.name}] do not share char filters and tokenizer")
        if not (self._fast(text) and other._fast(text)):
            mine = {p: (a, b, t) for t, a, b, p in self._analyze_whole_text(text)}
            theirs = {p: (a, b, t) for t, a, b, p in other._analyze_whole_text(text)}
            for p in sorted(mine.keys() | theirs.keys()):
                a, b, _ = mine.get(p) or theirs[p]
                yield (a, b, p, mine.get(p, (0, 0, None))[2], theirs.get(p, (0, 0, None))[2])
            return
        get1, get2 = self._cache.get, other._cache.get
        compute1, compute2 = self._compute, other._compute
        pos = -1
        for m in self._tfinditer(text):
            s = m.group()
            t1 = get1(s, _MISS)
            if t1 is _MISS:
                t1 = compute1(s)
            t2 = get2(s, _MISS)
            if t2 is _MISS:
                t2 = compute2(s)
            if t1.__class__ is str or t2.__class__ is str:
                pos += 1
                yield (m.start(), m.end(), pos, t1, t2)
            elif t1 is None and t2 is None:
                pos += 1
            elif t1 is _LONG:
                st = m.start()
                for (x1, a, b), (x2, _, _) in zip(self._long_pieces(s), other._long_pieces(s), strict=True):
                    pos += 1
                    if x1 is not None or x2 is not None:
                        yield (st + a, st + b, pos, x1, x2)

    def paired_terms(self, other: Analyzer, text: str,
                     spans: list[tuple[int, int]] | None = None) -> tuple[list[str], list[str | None]]:
        """This analyzer's term of every token it keeps, and ``other``'s term of the same token (None where
        its filters removed it): what a highlighter needs to find matches by position, and (into ``spans``,
        if given) each token's character offsets in ``text``. The list index is the position
        :meth:`iter_analyze_with` callers count (tokens this one keeps)."""
        mine: list[str] = []
        theirs: list[str | None] = []
        if not (self._fast(text) and other._fast(text)):
            for a, b, _p, t1, t2 in self.iter_analyze_with(other, text):
                if t1 is not None:
                    mine.append(t1)
                    theirs.append(t2)
                    if spans is not None:
                        spans.append((a, b))
            return mine, theirs
        if not self._same_front(other):
            raise ValueError(f"analyzers [{self.name}] and [{other.name}] do not share char filters and tokenizer")
        get1, get2 = self._cache.get, other._cache.get
        compute1, compute2 = self._compute, other._compute
        matches = self._tfindall(text) if spans is None else self._tfinditer(text)
        for m in matches:
            s = m if spans is None else m.group()
            t1 = get1(s, _MISS)
            if t1 is _MISS:
                t1 = compute1(s)
            if t1.__class__ is str:
                t2 = get2(s, _MISS)
                if t2 is _MISS:
                    t2 = compute2(s)
                mine.append(t1)
                theirs.append(t2 if t2.__class__ is str else None)
                if spans is not None:
                    spans.append(m.span())
            elif t1 is _LONG:
                st = 0 if spans is None else m.start()
                for (x1, a, b), (x2, _, _) in zip(self._long_pieces(s), other._long_pieces(s), strict=True):
                    if x1 is not None:
                        mine.append(x1)
                        theirs.append(x2)
                        if spans is not None:
                            spans.append((st + a, st + b))
        return mine, theirs

    def joined_pairs(self, other: Analyzer, text: str, prefix: str, gap: str) -> tuple[str, str]:
        """:meth:`paired_terms` as two space-joined strings: this analyzer's terms, each after ``prefix``,
        and ``other``'s term of each, ``gap`` where its filters remove the word. What a text index built
        from pre-analysed terms takes.

        Why not join :meth:`paired_terms`: its loop runs in Python for every word (~2.6 µs each, a third
        of an ingest's CPU). Here each distinct word is looked at once, into a cache of its two finished
        pieces, and a text is joined from it by C loops (set difference, ``map``, ``join``). A text holding
        a word that keeps no single term (removed whole by a char filter, or over-long) takes the
        word-by-word path, so the strings are always the same."""
        if not (self._fast(text) and other._fast(text)):
            return self._joined_slowly(other, text, prefix, gap)
        key = (other, prefix, gap)
        pieces = self._pairs.get(key)
        if pieces is None:
            if not self._same_front(other):
                raise ValueError(f"analyzers [{self.name}] and [{other.name}] do not share char filters and tokenizer")
            pieces = self._pairs[key] = ({}, {}, set())
        mine, theirs, odd = pieces
        words = self._tfindall(text)
        new = set(words).difference(mine)
        if new:
            new.difference_update(odd)
            if len(mine) + len(new) > self._cache_size:
                # New dicts, not cleared ones: another thread joining a text from the old ones keeps them whole.
                mine, theirs, odd = self._pairs[key] = ({}, {}, set())
                new = set(words)
            for word in new:
                t1 = self.filter_token_surface(word)
                if t1.__class__ is str:
                    t2 = other.filter_token_surface(word)
                    mine[word] = prefix + t1
                    theirs[word] = t2 if t2.__class__ is str else gap
                else:
                    odd.add(word)
        if odd and not odd.isdisjoint(words):
            return self._joined_slowly(other, text, prefix, gap)
        return " ".join(map(mine.__getitem__, words)), " ".join(map(theirs.__getitem__, words))

    def _joined_slowly(self, other: Analyzer, text: str, prefix: str, gap: str) -> tuple[str, str]:
        ours, others = self.paired_terms(other, text)
        return " ".join(prefix + t for t in ours), " ".join(gap if t is None else t for t in others)

    def filter_token_surface(self, surface: str) -> Any:
        """A word as :meth:`_tfindall` cuts it (per-token mode) → its term, or a marker (None, gone,
        over-long); cached."""
        t = self._cache.get(surface, _MISS)
        return self._compute(surface) if t is _MISS else t

    def _same_front(self, other: Analyzer) -> bool:
        return (
            [cf.mapping for cf in self.char_filters] == [cf.mapping for cf in other.char_filters]
            and self.max_token_length == other.max_token_length
        )

    def filter_token(self, token: str) -> str | None:
        """The term of one token as the tokenizer cut it (char filters applied already), or None when
        a filter removes it; cached like every word. Cheaper than :meth:`terms` on a one-word text."""
        t = self._cache.get(token, _MISS)
        if t is _MISS:
            t = self._compute(token)
        return t if t.__class__ is str else None


# -- building from the JSON definition -------------------------------------------------------------
def _as_list(value: Any, what: str, analyzer: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise AnalysisConfigError(f"analyzer [{analyzer}]: `{what}` must be a name or a list of names")


def _build_char_filter(name: str, custom: dict[str, Any], analyzer: str) -> MappingCharFilter:
    definition = custom.get(name)
    if definition is None:
        raise AnalysisConfigError(
            f"analyzer [{analyzer}]: unknown char filter [{name}] (only `mapping` char filters "
            "defined in settings.analysis.char_filter are supported)"
        )
    if not isinstance(definition, dict) or definition.get("type") != "mapping":
        raise AnalysisConfigError(
            f"char filter [{name}]: type {definition.get('type') if isinstance(definition, dict) else None!r} "
            "is not supported (only `mapping`)"
        )
    if "mappings_path" in definition:
        raise AnalysisConfigError(f"char filter [{name}]: mappings_path is not supported; list the rules inline")
    return MappingCharFilter(name, parse_mapping_rules(definition.get("mappings")))


def _tokenizer_max_length(name: Any, custom: dict[str, Any], analyzer: str) -> int:
    if not isinstance(name, str):
        raise AnalysisConfigError(f"analyzer [{analyzer}]: `tokenizer` must be a name")
    if name in custom:
        definition = custom[name]
        if not isinstance(definition, dict) or definition.get("type") != "standard":
            raise AnalysisConfigError(f"tokenizer [{name}]: only type `standard` is supported")
        extra = set(definition) - {"type", "max_token_length"}
        if extra:
            raise AnalysisConfigError(f"tokenizer [{name}]: options {sorted(extra)} are not supported")
        length = definition.get("max_token_length", DEFAULT_MAX_TOKEN_LENGTH)
        if not isinstance(length, int) or isinstance(length, bool):
            raise AnalysisConfigError(f"tokenizer [{name}]: max_token_length must be an integer")
        return length
    if name == "standard":
        return DEFAULT_MAX_TOKEN_LENGTH
    raise AnalysisConfigError(f"analyzer [{analyzer}]: unknown tokenizer [{name}] (only `standard` is supported)")


def build_analyzer(name: str, analysis_settings: dict[str, Any], *, whole_text: bool = False) -> Analyzer:
    """Build analyzer ``name`` from an Elasticsearch ``settings.analysis`` object.

    ``whole_text=True`` forces the slower reference mode (char filters over the whole text).
    """
    if not isinstance(analysis_settings, dict):
        raise AnalysisConfigError("analysis settings must be an object (the `settings.analysis` part)")
    analyzers = analysis_settings.get("analyzer") or {}
    definition = analyzers.get(name)
    if definition is None:
        raise AnalysisConfigError(
            f"unknown analyzer [{name}] (defined: {', '.join(sorted(analyzers)) or 'none'})"
        )
    if not isinstance(definition, dict):
        raise AnalysisConfigError(f"analyzer [{name}] must be an object")
    atype = definition.get("type", "custom")
    if atype != "custom":
        raise AnalysisConfigError(f"analyzer [{name}]: type {atype!r} is not supported (only `custom`)")
    extra = set(definition) - {"type", "char_filter", "tokenizer", "filter", "position_increment_gap"}
    if extra:
        raise AnalysisConfigError(f"analyzer [{name}]: options {sorted(extra)} are not supported")
    if "tokenizer" not in definition:
        raise AnalysisConfigError(f"analyzer [{name}]: a custom analyzer needs a `tokenizer`")

    char_filters = [
        _build_char_filter(cf, analysis_settings.get("char_filter") or {}, name)
        for cf in _as_list(definition.get("char_filter"), "char_filter", name)
    ]
    max_len = _tokenizer_max_length(definition["tokenizer"], analysis_settings.get("tokenizer") or {}, name)
    filter_names = _as_list(definition.get("filter"), "filter", name)
    custom_filters = analysis_settings.get("filter") or {}
    filters = []
    for fname in filter_names:
        try:
            filters.append(build_filter(fname, custom_filters))
        except AnalysisConfigError as exc:
            raise AnalysisConfigError(f"analyzer [{name}]: {exc}") from None
    return Analyzer(name, char_filters, filters, filter_names=filter_names, max_token_length=max_len,
                    whole_text=whole_text)


def load_analysis_settings(path: str | Path | None = None) -> dict[str, Any]:
    """The ``settings.analysis`` object of an index definition file (default: ``mappings/articles.json``)."""
    from arshif.mappings import definition_path, read_definition

    path = str(Path(path).resolve()) if path else str(definition_path())
    try:
        return read_definition(path)["settings"]["analysis"]
    except (KeyError, TypeError):
        raise AnalysisConfigError(f"{path}: no settings.analysis object") from None


@lru_cache(maxsize=32)
def _cached_analyzer(name: str, path: str) -> Analyzer:
    return build_analyzer(name, load_analysis_settings(path))


def get_analyzer(name: str = "arshif_text") -> Analyzer:
    """The named analyzer from ``<settings.mappings_dir>/articles.json`` (built once, then cached)."""
    from arshif.mappings import definition_path
    from arshif.settings import get_settings

    mappings_dir = get_settings().mappings_dir
    analyzer = _BY_DIR.get((name, mappings_dir))
    if analyzer is None:  # resolving the path costs more than analysing a word: do it once per directory
        analyzer = _BY_DIR[(name, mappings_dir)] = _cached_analyzer(name, str(definition_path()))
    return analyzer


_BY_DIR: dict[tuple[str, object], Analyzer] = {}


def normalize_arabic(text: str) -> str:
    """The ``arshif_text`` char filters plus ``arabic_normalization``, on a whole string.

    For display-free comparisons such as facet prefix matching; no tokenizing,
    lowercasing or stemming.
    """
    return arabic_normalize(get_analyzer("arshif_text").char_filter(text))
