"""Readers for the NER corpora in ``../shared/ner`` (one ``token TAG`` a line, blank line between sentences).

The corpora are read at run time from ``../shared`` and never copied into the
project. Tags are mapped onto one scheme, ``B-``/``I-`` with the types
``PER``, ``LOC``, ``ORG`` and ``MISC``: ANERcorp writes ``PERS``; AQMAR writes
``MIS0``…``MIS3`` for its article-specific categories, which the AQMAR papers
leave out of PER/LOC/ORG scoring, so they become ``O`` there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

Sentence = tuple[list[str], list[str]]  # tokens, BIO tags

_ANER_TYPES = {"PERS": "PER", "PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}
_AQMAR_TYPES = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}  # MIS0-3 and stray labels -> O


def _map_tag(tag: str, types: dict[str, str]) -> str:
    tag = tag.strip().strip("`")
    if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
        return "O"
    kind = types.get(tag[2:].strip("-"))
    return f"{tag[0]}-{kind}" if kind else "O"


def read_conll(path: str | Path, types: dict[str, str] = _ANER_TYPES) -> Iterator[Sentence]:
    """Sentences of a two-column BIO file; an ``I-`` that starts an entity is kept (CoNLL reads it as ``B-``)."""
    tokens: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                if tokens:
                    yield tokens, tags
                tokens, tags = [], []
                continue
            if len(parts) == 1:  # a token without a tag: treat as outside
                parts.append("O")
            tokens.append(parts[0])
            tags.append(_map_tag(parts[-1], types))
    if tokens:
        yield tokens, tags


def anercorp(shared: str | Path, split: str) -> list[Sentence]:
    """The CAMeL Lab split of ANERcorp: ``split`` is ``train`` or ``test``."""
    return list(read_conll(Path(shared) / "ner" / "anercorp" / f"ANERCorp_CamelLab_{split}.txt"))


def aqmar(shared: str | Path) -> list[Sentence]:
    """All 28 AQMAR Wikipedia articles, PER/LOC/ORG only."""
    out: list[Sentence] = []
    for path in sorted((Path(shared) / "ner" / "aqmar").glob("*.txt")):
        out.extend(read_conll(path, _AQMAR_TYPES))
    return out
