"""Marking the words of a query in a whole text (the article page), the way the search matched them.

Snippets come marked by the engine; an article's full text does not. Here the query's positive
words are analysed with the search analyzer (stemmed, diacritics and letter variants ignored) and
its phrases with the exact analyzer, and every token of the text whose term is one of them is
wrapped in ``<mark>``. The text is escaped by :func:`arshif.search.highlight.marked_to_html`.
"""

from __future__ import annotations

from arshif.analysis import get_analyzer
from arshif.search.highlight import END, START, marked_to_html
from arshif.search.syntax import And, Node, Not, Or, Phrase, QuerySyntaxError, Words, parse_query


def query_terms(q: str) -> tuple[frozenset[str], frozenset[str]]:
    """(stemmed terms, exact terms) of the words a query looks for; excluded words are left out."""
    try:
        parsed = parse_query(q or "")
    except QuerySyntaxError:
        return frozenset(), frozenset()
    stems: set[str] = set()
    exact: set[str] = set()

    def walk(node: Node | None) -> None:
        if node is None or isinstance(node, Not):
            return
        if isinstance(node, Words):
            stems.update(get_analyzer("arshif_text").terms(node.text))
        elif isinstance(node, Phrase):
            exact.update(get_analyzer("arshif_exact").terms(node.text))
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child)

    walk(parsed.text)
    return frozenset(stems), frozenset(exact)


def mark_text(text: str, terms: tuple[frozenset[str], frozenset[str]]) -> str:
    """``text`` as HTML with the tokens matching ``terms`` in ``<mark>`` (everything escaped)."""
    stems, exact = terms
    if not text or not (stems or exact):
        return marked_to_html(text)
    spans: set[tuple[int, int]] = set()
    if stems:
        spans.update((s, e) for term, s, e, _ in get_analyzer("arshif_text").analyze(text) if term in stems)
    if exact:
        spans.update((s, e) for term, s, e, _ in get_analyzer("arshif_exact").analyze(text) if term in exact)
    out: list[str] = []
    last = 0
    for s, e in sorted(spans):
        if s < last:
            continue
        out += [text[last:s], START, text[s:e], END]
        last = e
    out.append(text[last:])
    return marked_to_html("".join(out))
