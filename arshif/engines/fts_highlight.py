"""Highlights for the embedded engine from the positions FTS5 already knows, in time bounded by the snippet.

Why not FTS5's own ``highlight()``/``snippet()``: they re-tokenize the whole
text through the Python tokenizer and ``snippet()`` scores every candidate
window against every match, so a long article took seconds (0.25 MB: 0.9 s,
1 MB: 11 s, 10 MB: minutes) and a query could not be stopped while it ran.

Here an FTS5 auxiliary function (:func:`match_locations`) reads, for each hit
on the page only, the token positions of the query's matches straight from the
index's position lists: no text is tokenized for that. Python then picks the
snippet window from those positions and tokenizes the text only up to the end
of that window, and never beyond :data:`MAX_SCAN_TOKENS` tokens: a match deeper
into a very long article is still reported by ``matched_in`` and the hit keeps
its place, but its snippet is the opening of the text. The marks are exactly
FTS5's (a phrase is marked only where it matched as a phrase).
"""

from __future__ import annotations

import json
from bisect import bisect_left

from arshif.analysis import get_analyzer
from arshif.search.highlight import END, START

#: Tokens a snippet shows (as FTS5's snippet(…, 40) did).
SNIPPET_TOKENS = 40
#: Tokens of context before the first match of the window.
LEAD_TOKENS = 6
#: Furthest token position a snippet is cut from (about 60,000 words: ~0.4 MB of Arabic text).
MAX_SCAN_TOKENS = 60_000
#: Title-like fields are highlighted whole up to this many tokens.
MAX_TITLE_TOKENS = 400
#: Match positions kept per column.
MAX_LOCATIONS = 512
ELLIPSIS = "…"


def match_locations(api, *args) -> str:
    """FTS5 auxiliary function: ``[[start, length, phrase], …]`` per column, for the current row's matches.

    Reads the position lists only (no tokenizing): each phrase instance gives its first token's
    position, and the phrase's number of tokens says how many tokens to mark.
    """
    lengths = [len(p) for p in api.phrases]
    out: list[list[tuple[int, int]]] = [[] for _ in range(api.column_count)]
    for phrase, length in enumerate(lengths):
        for column, offsets in enumerate(api.phrase_locations(phrase)):
            col = out[column]
            if len(col) < MAX_LOCATIONS:
                col.extend((o, length, phrase) for o in offsets[:MAX_LOCATIONS])
    return json.dumps([sorted(set(c))[:MAX_LOCATIONS] for c in out], separators=(",", ":"))


def _token_spans(text: str, limit: int) -> list[tuple[int, int, int]]:
    """``(position, start, end)`` of the tokens the FTS5 tokenizer gives ``text``, up to position ``limit``.

    Positions count exactly as the indexing tokenizer counts them (one per token whose unstemmed form it
    emits), so they line up with the positions FTS5 reports. Only a prefix of the text is analysed: about
    enough characters for ``limit`` tokens, doubled until there are enough (or the text ends).
    """
    exact_an = get_analyzer("arshif_exact")
    cut = (limit + 2) * 12 + 64
    while True:
        whole = cut >= len(text)
        tokens = exact_an.analyze(text if whole else text[:cut])
        if whole or len(tokens) > limit + 1:  # one token more: the last one wanted is not cut short
            return [(i, a, b) for i, (_t, a, b, _p) in enumerate(tokens[:limit + 1])]
        cut *= 2


def _marked(text: str, spans: list[tuple[int, int, int]], marks: set[int], first: int, last: int) -> str:
    """``text`` between tokens ``first`` and ``last`` (inclusive), matched tokens wrapped in START/END."""
    out: list[str] = []
    cut = spans[first][1] if first > 0 else 0
    end_char = spans[last][2] if last < len(spans) - 1 else len(text)
    i = first
    while i <= last:
        pos, a, b = spans[i]
        if pos in marks:
            j = i
            while j + 1 <= last and spans[j + 1][0] in marks:
                j += 1
            out.append(text[cut:a])
            out.append(START + text[a:spans[j][2]] + END)
            cut = spans[j][2]
            i = j + 1
        else:
            i += 1
    out.append(text[cut:end_char])
    return "".join(out)


def _expand(locations: list[list[int]]) -> set[int]:
    return {start + k for start, length, _phrase in locations for k in range(length)}


def highlight_field(text: str, locations: list[list[int]]) -> str:
    """A short field (title) with its matches marked; very long titles are cut like a snippet."""
    if not text or not locations:
        return text
    spans = _token_spans(text, MAX_TITLE_TOKENS)
    if not spans:
        return text
    cut = spans[-1][0] >= MAX_TITLE_TOKENS
    last = len(spans) - 2 if cut else len(spans) - 1
    marked = _marked(text, spans, _expand(locations), 0, last)
    return marked + " " + ELLIPSIS if cut else marked


def snippet_field(text: str, locations: list[list[int]]) -> str | None:
    """About :data:`SNIPPET_TOKENS` tokens of ``text`` around its best run of matches, marked; None when no
    match lies within the first :data:`MAX_SCAN_TOKENS` tokens."""
    found = sorted((s, p) for s, _, p in locations if s <= MAX_SCAN_TOKENS)
    if not text or not found:
        return None
    starts = [s for s, _ in found]
    # As FTS5's snippet(): the window matching the most distinct phrases wins, then the one with most
    # matches, then the first. (A word's typed form is a phrase of its own, so its window ranks first.)
    best, best_score = starts[0], -1
    for i, s in enumerate(starts):
        j = bisect_left(starts, s + SNIPPET_TOKENS - LEAD_TOKENS, i)
        score = 1000 * len({p for _, p in found[i:j]}) + (j - i)
        if score > best_score:
            best, best_score = s, score
    first = max(0, best - LEAD_TOKENS)
    last_wanted = first + SNIPPET_TOKENS - 1
    spans = _token_spans(text, last_wanted + 1)  # one token more: is there text after the window?
    if not spans or first >= len(spans):
        return None
    last = min(last_wanted, len(spans) - 1)
    more_after = len(spans) > last + 1
    body = _marked(text, spans[: last + 2], _expand(locations), first, last).strip()
    return (ELLIPSIS if first > 0 else "") + body + (ELLIPSIS if more_after else "")
