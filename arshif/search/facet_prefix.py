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
from arshif.entities import ENTITY_KINDS, entity_key
from arshif.sources import sources

#: Characters the prefix's characters may stand for: Latin, Greek, Cyrillic, Arabic and its supplements and
#: presentation forms, and the general punctuation block (direction marks, joiners).
_SCRIPTS = ((0x20, 0x250), (0x370, 0x530), (0x600, 0x780), (0x8A0, 0x900), (0x2000, 0x2070), (0xFB50, 0xFF00))
#: Escaped inside a class by either syntax.
_CLASS_SPECIAL = set("\\]-^[&~\"")


def fold_for_prefix(value: str | None) -> str:
    """Letter variants and case folded away, for facet prefix matching."""
    return normalize_arabic(value or "").casefold()


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[str, frozenset[str]], str]:
    """(folded character → every character that folds to it, the characters that fold to nothing)."""
    by_fold: dict[str, set[str]] = {}
    ignorable: list[str] = []
    for start, end in _SCRIPTS:
        for code in range(start, end):
            ch = chr(code)
            if not ch.isprintable() and code not in range(0x200B, 0x2070):
                continue
            folded = fold_for_prefix(ch)
            if folded == "":
                ignorable.append(ch)
            elif len(folded) == 1:
                by_fold.setdefault(folded, set()).add(ch)
    return {k: frozenset(v) for k, v in by_fold.items()}, _klass(ignorable)


def _klass(chars) -> str:
    return "[" + "".join("\\" + c if c in _CLASS_SPECIAL else c for c in sorted(set(chars))) + "]"


def prefix_pattern(prefix: str) -> str | None:
    """A pattern matching every value whose folded form starts with ``prefix``'s; None for no prefix."""
    folded = fold_for_prefix(prefix)
    if not folded:
        return None
    by_fold, ignorable = _variants()
    return "".join(f"{ignorable}*{_klass(by_fold.get(c, frozenset()) | {c})}" for c in folded) + ".*"


def exact_pattern(value: str) -> str:
    """A pattern matching ``value`` alone."""
    return "".join(_klass(c) for c in value)


def linked_values(field: str, prefix: str) -> list[str]:
    """Values the prefix itself would not find but means: the entity key a person, place or organisation
    typed in full is counted under (``الرياض`` → ``Riyadh``); the sources one of whose names it begins
    (``عكاظ`` → ``okaz``: sources are stored by key and shown by name)."""
    if not prefix.strip():
        return []
    if field in ENTITY_KINDS:
        found = [entity_key(field, prefix)]
    elif field == "source":
        found = sources().values_named(prefix)
    else:
        return []
    start = fold_for_prefix(prefix)
    return [v for v in dict.fromkeys(found) if v and not fold_for_prefix(v).startswith(start)]


def facet_include(field: str, prefix: str) -> str | None:
    """The ``include`` pattern of a facet's terms aggregation for what was typed in its prefix box."""
    pattern = prefix_pattern(prefix)
    if pattern is None:
        return None
    return "|".join([f"({pattern})", *(f"({exact_pattern(v)})" for v in linked_values(field, prefix))])
