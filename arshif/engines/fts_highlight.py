"""Highlights for the embedded engine, in time bounded by the snippet whatever the article's length.

Why not re-mark the whole text: a long article took seconds that way (FTS5's own ``highlight()`` and
``snippet()``: 0.25 MB 0.9 s, 1 MB 11 s) and a query could not be stopped while it ran.

:func:`phrase_locations` finds, for each hit on the page only, the token positions where the query's
phrases match, with the analysis the text index was built with (:func:`arshif.engines.fts_tokens.position_terms`),
reading no further than :data:`LOCATE_CHARS` characters. Python then picks the snippet window from those
positions and marks the window with the tokens' offsets: read in the same pass for a text of news length, and
for a longer one afterwards, only as far as the window's end (:meth:`Located.spans`; nothing when no match is
in reach). A match deeper into a very long article still makes it a hit and keeps its
place, but its snippet is the opening of the text. A phrase is marked only where it matches as a phrase.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from arshif.engines.fts_tokens import EXACT_PREFIX, position_terms, readable_from_middle, token_spans
from arshif.search.highlight import END, START

#: Tokens a snippet shows (as FTS5's snippet(…, 40) did).
SNIPPET_TOKENS = 40
#: Tokens of context before the first match of the window.
LEAD_TOKENS = 6
#: Furthest token position a snippet is cut from (about 60,000 words: ~0.4 MB of Arabic text).
MAX_SCAN_TOKENS = 60_000
#: Title-like fields are highlighted whole up to this many tokens.
MAX_TITLE_TOKENS = 400
#: Characters of a text searched for matches (about 15,000 words): bounds the time a long article costs.
LOCATE_CHARS = 100_000
#: Match positions kept per field.
MAX_LOCATIONS = 512
#: Texts up to this many characters are read once, offsets and all: a snippet re-reads about half of a news
#: body and a title all of it, so a second pass for offsets would cost more than it saves (+14 % on 719 real
#: bodies, +40 % on their titles). Longer ones are searched without offsets and read again only as far as
#: the tokens shown (a 100,000-character text whose match is out of reach: 24 -> 17 ms).
ONE_PASS_CHARS = 20_000
ELLIPSIS = "…"
#: A snippet window starting at least this many tokens in is read from near its start (:func:`window_spans`)
#: rather than from the text's start.
READ_FROM_MIDDLE_AFTER = 96
#: Tokens read where a mid-text reading starts, to learn their position (more when they occur twice).
ANCHOR_TOKENS = (6, 12, 24)
#: Tokens before the window where a mid-text reading aims to start (the estimate of where they are is rough).
ANCHOR_LEAD = 24


@dataclass
class Located:
    """Where a query's phrases match one text: ``locations`` as ``(start, length, phrase)`` by position in
    ``text`` (the part of the original text that was read); :meth:`spans` gives its tokens' offsets."""

    text: str
    locations: list[tuple[int, int, int]]
    cut: bool = False  # the original text goes on past ``text``
    _spans: list[tuple[int, int]] = field(default_factory=list, compare=False, repr=False)
    _all_spans: bool = field(default=False, compare=False, repr=False)  # _spans holds every token's
    # The text's exact forms by position, space-joined, and the prefix each carries there: what a reading from
    # the middle of the text learns its position from (see window_spans).
    _exacts: str | list[str] = field(default="", compare=False, repr=False)
    _exact_prefix: str = field(default="", compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.locations)

    def spans(self, n: int) -> list[tuple[int, int]]:
        """``(start, end)`` in ``text`` of the first ``n`` tokens (fewer when the text has fewer), by position.

        A long text's are read when asked, as far as asked (see :data:`ONE_PASS_CHARS`): its matches are found
        without offsets, and a text whose matches lie deep or nowhere in it is not read again for a snippet it
        will not get."""
        if len(self._spans) < n and not self._all_spans:
            self._spans = token_spans(self.text, n)
            self._all_spans = len(self._spans) < n
        return self._spans[:n]

    def window(self, first: int, n: int) -> list[tuple[int, int]]:
        """``(start, end)`` of tokens ``first`` to ``first + n - 1`` (fewer at the text's end): a window deep
        into a long text is read from near its start, not from the text's (:func:`window_spans`)."""
        if first >= READ_FROM_MIDDLE_AFTER and len(self._spans) < first + n and not self._all_spans \
                and self._exacts:
            if isinstance(self._exacts, list):
                self._exacts = " ".join(self._exacts)
            found = window_spans(self.text, first, n, self._exacts, self._exact_prefix)
            if found is not None:
                return found
        return self.spans(first + n)[first:]


def phrase_locations(text: str, phrases: list[list[str]], stored: tuple[str, str] | None = None) -> Located:
    """Where each of ``phrases`` matches ``text`` (positions as the text index counts them: one per word the
    exact analyzer keeps). A phrase's terms are stems, or ``=`` and an exact form (see
    :mod:`arshif.engines.text_index`), matched at consecutive positions.

    ``stored``: the (stems, exact forms) strings of the text's first :data:`LOCATE_CHARS` characters, as the
    index stored them (``text_index.stored_terms``), read instead of analysing the text again; the offsets of
    the tokens shown are read afterwards (see :meth:`Located.spans`). Without them, offsets come with the tokens for a text up to
    :data:`ONE_PASS_CHARS`, else afterwards as well."""
    if not text or not phrases:
        return Located(text or "", [])
    read = text[:LOCATE_CHARS]
    if stored is not None:
        # The stored strings (of ``read``): stems with NO_STEM where the stemmer drops a word, exact forms with
        # their "=".
        return Located(read, _locate_stored(phrases, stored[0], stored[1]), cut=len(text) > len(read),
                       _exacts=stored[1], _exact_prefix=EXACT_PREFIX)
    offsets: list[tuple[int, int]] | None = [] if len(read) <= ONE_PASS_CHARS else None
    analysed_exacts, analysed_stems = position_terms(read, offsets)
    locations = _locate(phrases, analysed_exacts, analysed_stems, "")
    if offsets is None:
        return Located(read, locations, cut=len(text) > len(read), _exacts=analysed_exacts)
    return Located(read, locations, cut=len(text) > len(read), _spans=offsets, _all_spans=True)


def window_spans(text: str, first: int, n: int, exacts: str, prefix: str) -> list[tuple[int, int]] | None:
    """Offsets of tokens ``first`` to ``first + n - 1`` of ``text``, read from a little before them; None
    when that cannot be done here (the caller reads from the start).

    Reading every token up to a window 1,000 words in cost a default search more than its facets did
    (a snippet's tokens are found by the tokenizer's Unicode word-boundary pattern, ~1 µs a word). The
    reading starts just after a whitespace character near the window's estimated place (no token holds
    whitespace, so the tokens from there are the whole text's), and learns its position from ``exacts``:
    the text's exact forms by position, each with ``prefix``, space-joined (the index's stored terms).
    The first few tokens read, as exact forms, must occur once only in them (else more are compared, up to
    :data:`ANCHOR_TOKENS`): that occurrence is where they stand, so the offsets are the same as a reading
    from the start, never a guess."""
    if not readable_from_middle(text):
        return None
    joined = f" {exacts} "
    per_token = len(text) / (exacts.count(" ") + 1)  # characters a token and its gap take, on average
    lead = ANCHOR_LEAD
    for _attempt in range(3):
        guess = int((first - lead) * per_token)
        start = max(text.rfind(" ", 0, guess), text.rfind("\n", 0, guess)) + 1 if guess > 0 else 0
        if start <= 0:
            return None
        terms: list[str] = []
        token_spans(text, ANCHOR_TOKENS[-1], start, terms)
        at = _position_of(joined, [prefix + t for t in terms])
        if at is None:
            return None
        if at <= first:
            return token_spans(text, first - at + n, start)[first - at:]
        lead += at - first + ANCHOR_LEAD  # started past the window: further back
    return None


def _position_of(joined: str, forms: list[str]) -> int | None:
    """The position where ``forms`` (the first few, as many as make them occur once) stand in ``joined``
    (space-padded exact forms by position); None when they do not occur, or not once only."""
    for k in ANCHOR_TOKENS:
        gram = f" {' '.join(forms[:k])} "
        at = joined.find(gram)
        if at < 0:
            return None
        if joined.find(gram, at + 1) < 0:
            return joined.count(" ", 0, at)
        if k >= len(forms):
            return None
    return None


def _locate(phrases: list[list[str]], exacts: list[str], stems: list[str | None],
            exact_prefix: str) -> list[tuple[int, int, int]]:
    """``(start, length, phrase)`` of every match of ``phrases`` in a text's terms by position; ``exacts`` carry
    ``exact_prefix`` before each form (stored terms carry the index's ``=``, analysed ones nothing)."""
    strip = len(EXACT_PREFIX)

    def as_listed(term: str) -> str:  # an exact query term as ``exacts`` hold it
        return exact_prefix + term[strip:]

    # Where each phrase's first term stands: one scan per kind of term, only for the terms asked (a 1 MB
    # article's first 100,000 characters are ~16,000 tokens; a map of every term cost a fifth of its time).
    first_exact = {as_listed(t[0]) for t in phrases if t and t[0].startswith(EXACT_PREFIX)}
    first_stem = {t[0] for t in phrases if t and not t[0].startswith(EXACT_PREFIX)}
    exact_at: dict[str, list[int]] = {}
    stem_at: dict[str, list[int]] = {}
    if first_exact:
        for i in [i for i, e in enumerate(exacts) if e in first_exact]:
            exact_at.setdefault(exacts[i], []).append(i)
    if first_stem:
        for i in [i for i, t in enumerate(stems) if t in first_stem]:
            stem_at.setdefault(stems[i], []).append(i)

    def holds(term: str, i: int) -> bool:
        return exacts[i] == as_listed(term) if term.startswith(EXACT_PREFIX) else stems[i] == term

    out: set[tuple[int, int, int]] = set()
    for p, terms in enumerate(phrases):
        if not terms:
            continue
        starts = exact_at.get(as_listed(terms[0]), ()) if terms[0].startswith(EXACT_PREFIX) else \
            stem_at.get(terms[0], ())
        n = len(terms)
        for s in starts:  # every start (a phrase may begin with a word the text repeats hundreds of times)
            if s + n <= len(exacts) and all(holds(terms[k], s + k) for k in range(1, n)):
                out.add((s, n, p))
                if len(out) >= MAX_LOCATIONS:
                    break
    return sorted(out)[:MAX_LOCATIONS]


#: Up to this many distinct first terms, :func:`_locate_stored` finds them by one pattern; beyond, as _locate.
MAX_FIRST_TERMS = 30


def _locate_stored(phrases: list[list[str]], stems: str, exacts: str) -> list[tuple[int, int, int]]:
    """:func:`_locate` over a text's stored terms (space-joined stems and exact forms by position, as the index
    keeps them), without splitting them into lists: one regular-expression pass over each joined string finds
    where each phrase's first term stands (its position: the spaces before it), and a phrase of several terms
    is then compared there. Splitting both strings and scanning the lists was a third of a page's highlighting.
    A phrase that mixes stems and exact forms is matched as :func:`_locate` does."""
    # (a pattern of many alternatives tries each at every term: past ~30 first terms, slower than the lists)
    if any(terms and len({t.startswith(EXACT_PREFIX) for t in terms}) > 1 for terms in phrases) \
            or len({terms[0] for terms in phrases if terms}) > MAX_FIRST_TERMS:
        return _locate(phrases, exacts.split(" "), stems.split(" "), EXACT_PREFIX)
    by_phrase: dict[int, list[int]] = {}
    for exact, joined in ((True, f" {exacts} "), (False, f" {stems} ")):
        by_first: dict[str, list[tuple[int, list[str]]]] = {}
        for p, terms in enumerate(phrases):
            if terms and terms[0].startswith(EXACT_PREFIX) == exact:
                by_first.setdefault(terms[0], []).append((p, terms))
        if not by_first:
            continue
        position, counted_to = 0, 0
        for m in _first_terms(tuple(by_first)).finditer(joined):
            at = m.start()
            position += joined.count(" ", counted_to, at)
            counted_to = at
            for p, terms in by_first[m.group(1)]:
                if len(terms) == 1 or joined.startswith(f" {' '.join(terms)} ", at):
                    by_phrase.setdefault(p, []).append(position)
    # (kept as _locate keeps them: phrase by phrase, each from its first match on, up to MAX_LOCATIONS)
    out: list[tuple[int, int, int]] = []
    for p in sorted(by_phrase):
        for start in by_phrase[p]:
            out.append((start, len(phrases[p]), p))
            if len(out) >= MAX_LOCATIONS:
                break
    return sorted(out)[:MAX_LOCATIONS]


@lru_cache(maxsize=256)
def _first_terms(terms: tuple[str, ...]):
    """A pattern finding any of ``terms`` as a whole space-delimited term, the term in group 1 (the lookahead
    leaves the space for the next term's match)."""
    return re.compile(" (" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")(?= )")


def _marked(text: str, spans: list[tuple[int, int]], marks: set[int], first: int, last: int, base: int = 0) -> str:
    """``text`` between tokens ``first`` and ``last`` (inclusive), matched tokens wrapped in START/END;
    ``spans`` are the offsets of tokens ``base`` onwards (when ``last`` is the last of them, the rest of
    ``text`` after it is kept too: nothing follows that a snippet would cut)."""
    out: list[str] = []
    cut = spans[first - base][0] if first > 0 else 0
    end_char = spans[last - base][1] if last - base < len(spans) - 1 else len(text)
    i = first
    while i <= last:
        a, b = spans[i - base]
        if i in marks:
            j = i
            while j + 1 <= last and j + 1 in marks:
                j += 1
            out.append(text[cut:a])
            out.append(START + text[a:spans[j - base][1]] + END)
            cut = spans[j - base][1]
            i = j + 1
        else:
            i += 1
    out.append(text[cut:end_char])
    return "".join(out)


def _expand(locations: list[list[int]]) -> set[int]:
    return {start + k for start, length, _phrase in locations for k in range(length)}


def highlight_field(text: str, located: Located) -> str:
    """A short field (title) with its matches marked; very long titles are cut like a snippet."""
    if not text or not located.locations:
        return text
    spans = located.spans(MAX_TITLE_TOKENS + 1)
    if not spans:
        return text
    too_long = len(spans) > MAX_TITLE_TOKENS
    last = len(spans) - 2 if too_long else len(spans) - 1
    marked = _marked(located.text, spans, _expand(located.locations), 0, last)
    return marked + " " + ELLIPSIS if too_long or located.cut else marked


def snippet_field(text: str, located: Located) -> str | None:
    """About :data:`SNIPPET_TOKENS` tokens of ``text`` around its best run of matches, marked; None when no
    match lies within the first :data:`MAX_SCAN_TOKENS` tokens."""
    found = sorted((s, p) for s, _, p in located.locations if s <= MAX_SCAN_TOKENS)
    if not text or not found:
        return None
    starts = [s for s, _ in found]
    # As FTS5's snippet() did: the window matching the most distinct phrases wins, then the one with most
    # matches, then the first. (A word's typed form is a phrase of its own, so its window ranks first.)
    best, best_score = starts[0], -1
    for i, s in enumerate(starts):
        j = bisect_left(starts, s + SNIPPET_TOKENS - LEAD_TOKENS, i)
        score = 1000 * len({p for _, p in found[i:j]}) + (j - i)
        if score > best_score:
            best, best_score = s, score
    first = max(0, best - LEAD_TOKENS)
    window = located.window(first, SNIPPET_TOKENS + 1)  # one token more: is there text after the window?
    if not window:
        return None
    last = first + min(SNIPPET_TOKENS, len(window)) - 1
    more_after = len(window) > SNIPPET_TOKENS or located.cut
    body = _marked(located.text, window, _expand(located.locations), first, last, base=first).strip()
    return (ELLIPSIS if first > 0 else "") + body + (ELLIPSIS if more_after else "")
