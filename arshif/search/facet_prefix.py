"""A facet's prefix box as a pattern every engine's ``terms`` aggregation can filter its values with.

Typing ``اسامة`` must list ``أسامة …`` and ``اسامه …``, ``riy`` must list ``Riyadh``, and a place typed in Arabic
(``الرياض``) must list the key its mentions are counted under (``Riyadh``), and a source typed by its name
(``عكاظ``) the key it is stored under (``okaz``). The archive compares folded values
(:func:`fold_for_prefix`: the analyzers' character filter, Arabic normalisation, case); an engine's ``include``
pattern sees values as stored. So each character of the folded prefix becomes the class of every character that
folds to it (``[اأإآٱ]``, ``[rR]``), with the characters that fold to nothing (diacritics, tatweel, direction
marks) allowed between them. The syntax is the part tantivy's (Rust) and Lucene's regular expressions share:
classes, ``*``, ``|`` and plain groups, matched against the whole value.
"""

from __future__ import annotations

from functools import lru_cache

from arshif.analysis import normalize_arabic
from arshif.entities import ENTITY_KINDS, entity_key, lexicon_knows
from arshif.sources import sources

#: Characters a prefix's characters may stand for: the Basic Multilingual Plane (every living script's letters,
#: Arabic's presentation forms, direction marks and joiners); surrogates and private use left out, and CJK and
#: Hangul, which fold to themselves (a third of the time building the table).
_PLANE = ((0x20, 0x3400), (0xA000, 0xAC00), (0xD7B0, 0xD800), (0xF900, 0x10000))
#: Escaped inside a class by either syntax.
_CLASS_SPECIAL = set("\\]-^[&~\"")
#: The pattern is made of this many of the prefix's folded characters at most: each costs a class, and the
#: engines cap a pattern (OpenSearch: 1,000 characters; tantivy: 1,000 automaton states), so a long prefix
#: answered 500. The values a longer prefix keeps are then chosen here (:func:`keeps`).
PATTERN_CHARS = 16
#: At most this many values the prefix means besides those it begins (see :func:`linked_values`), each at most
#: this long, in the pattern; and the whole pattern at most this long (under OpenSearch's 1,000).
LINKED_VALUES, LINKED_CHARS, PATTERN_LENGTH = 8, 60, 900


def fold_for_prefix(value: str | None) -> str:
    """Letter variants and case folded away, for facet prefix matching."""
    return normalize_arabic(value or "").casefold()


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[str, frozenset[str]], str]:
    """(folded character → every character that folds to it, the class of those that fold to nothing).
    Built once (~0.2 s). A character whose fold is longer than one (ß → ss) stands only for itself."""
    by_fold: dict[str, set[str]] = {}
    ignorable: list[str] = []
    for start, end in _PLANE:
        for code in range(start, end):
            ch = chr(code)
            folded = fold_for_prefix(ch)
            if folded == "":
                if not ch.isspace() and (ch.isprintable() or 0x200B <= code < 0x2070 or code == 0x61C):
                    ignorable.append(ch)
            elif len(folded) == 1 and folded != ch:
                by_fold.setdefault(folded, set()).add(ch)
    return {k: frozenset(v) for k, v in by_fold.items()}, _klass(ignorable)


def _escaped(c: str) -> str:
    return "\\" + c if c in _CLASS_SPECIAL else c


def _klass(chars) -> str:
    """A character class of ``chars``, runs of consecutive code points written as ranges."""
    codes = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = _escaped(chr(codes[i])), _escaped(chr(codes[j]))
        parts.append(first if i == j else f"{first}{last}" if j == i + 1 else f"{first}-{last}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def prefix_pattern(prefix: str) -> str | None:
    """A pattern matching every value whose folded form starts with ``prefix``'s (its first
    :data:`PATTERN_CHARS` folded characters); None for no prefix."""
    folded = fold_for_prefix(prefix)[:PATTERN_CHARS]
    if not folded:
        return None
    by_fold, ignorable = _variants()
    return "".join(f"{ignorable}*{_klass(by_fold.get(c, frozenset()) | {c})}" for c in folded) + ".*"


def values_to_ask(prefix: str, size: int) -> int:
    """How many values to ask the engine for, so that ``size`` remain once :func:`keeps` has chosen: more
    when the pattern holds only the prefix's first characters."""
    return size if len(fold_for_prefix(prefix)) <= PATTERN_CHARS else size * 5 + 50


def keeps(field: str, prefix: str):
    """Whether a value the pattern let through belongs in the prefix's list: its folded form starts with the
    whole prefix, or the prefix means it (a pattern holds only the prefix's first characters)."""
    start, linked = fold_for_prefix(prefix), set(linked_values(field, prefix))
    return lambda value: value in linked or fold_for_prefix(value).startswith(start)


def exact_pattern(value: str) -> str:
    """A pattern matching ``value`` alone."""
    return "".join(_klass(c) for c in value)


@lru_cache(maxsize=1024)
def linked_values(field: str, prefix: str) -> tuple[str, ...]:
    """Values the prefix itself would not find but means: the key a place, organisation or person typed in
    full is counted under when the lexicon knows the whole name (``الرياض`` → ``Riyadh``; not a fragment that
    a name table would spell: ``ال`` is no person Al); the sources one of whose names it begins (``عكاظ`` →
    ``okaz``: sources are stored by key and shown by name)."""
    if not prefix.strip():
        return ()
    if field in ENTITY_KINDS:
        found = [entity_key(field, prefix)] if lexicon_knows(field, prefix) else []
    elif field == "source":
        found = sources().values_named(prefix)
    else:
        return ()
    start = fold_for_prefix(prefix)
    # (cached: the pattern, the values kept and the SQL path each ask for them)
    return tuple([v for v in dict.fromkeys(found) if v and len(v) <= LINKED_CHARS
                  and not fold_for_prefix(v).startswith(start)][:LINKED_VALUES])


def facet_include(field: str, prefix: str) -> str | None:
    """The ``include`` pattern of a facet's terms aggregation for what was typed in its prefix box."""
    pattern = prefix_pattern(prefix)
    if pattern is None:
        return None
    parts = [f"({pattern})"]
    for value in linked_values(field, prefix):
        part = f"({exact_pattern(value)})"
        if sum(len(p) + 1 for p in parts) + len(part) <= PATTERN_LENGTH:
            parts.append(part)
    return "|".join(parts)
