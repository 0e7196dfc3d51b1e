"""News sources by name: what to show for a stored source value, and which stored value a typed name means.

Corpora store sources as slugs (``okaz``, ``3alyoum``) or as the crawler wrote them (``Jawhara FM``).
People read and type names: ``عكاظ``, ``Okaz``, ``OKAZ``. The table (``sources.tsv`` beside this file,
extended by ``Settings.sources_file``, ``ARSHIF_SOURCES_FILE``) gives each stored value its Arabic and English
display names and other spellings; :func:`canonical` maps any of them, in any case and with Arabic
letter variants (أ/ا, ة/ه, ى/ي), to the stored value, so filters and ``source:`` in queries find it.
A value the table does not know is shown and filtered as it is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("sources.tsv")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None,
                       "-": " ", "_": " ", ".": " "})


@dataclass(frozen=True)
class Source:
    value: str
    ar: str
    en: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return (self.ar if lang == "ar" else self.en) or self.value


def fold(name: str) -> str:
    """The comparison key of a name: case, Arabic letter variants, diacritics, dashes and spacing ignored."""
    s = unicodedata.normalize("NFKD", name.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c)).translate(_FOLD)
    return " ".join(s.split())


def _rows(path: Path) -> list[Source]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + ["", "", ""]
        value = cols[0].strip()
        if value:
            out.append(Source(value, cols[1].strip(), cols[2].strip(),
                              tuple(a.strip() for a in cols[3].split("|") if a.strip())))
    return out


class SourceTable:
    """Look-ups both ways over the rows of one or more tables (later rows win)."""

    def __init__(self, rows: list[Source]):
        self.by_value: dict[str, Source] = {}
        self._by_key: dict[str, str] = {}
        for row in rows:
            self.by_value[row.value] = row
        for row in self.by_value.values():
            for name in (row.value, row.ar, row.en, *row.aliases):
                if name:
                    self._by_key.setdefault(fold(name), row.value)
        for row in self.by_value.values():  # the stored value itself always wins its own key
            self._by_key[fold(row.value)] = row.value

    def canonical(self, name: str) -> str:
        """The stored value a typed name means (``عكاظ``, ``OKAZ`` → ``okaz``); unknown names as typed."""
        return self._by_key.get(fold(name), name)

    def display(self, value: str, lang: str) -> str:
        """The name to show for a stored value in the UI's language."""
        row = self.by_value.get(value)
        return row.name(lang) if row else value

    def values_named(self, prefix: str) -> list[str]:
        """The stored values one of whose names starts with ``prefix`` (a facet's prefix box: ``عكا`` and
        ``Oka`` list ``okaz``), in table order."""
        start = fold(prefix)
        if not start:
            return []
        return [row.value for row in self.by_value.values()
                if any(fold(n).startswith(start) for n in (row.value, row.ar, row.en, *row.aliases) if n)]

    def names(self, value: str) -> list[str]:
        """Every name of a stored value (for bylines that name their own newspaper)."""
        row = self.by_value.get(value)
        return [n for n in ((row.value, row.ar, row.en, *row.aliases) if row else (value,)) if n]


@lru_cache(maxsize=1)
def sources() -> SourceTable:
    """The table in force: the shipped one plus ``Settings.sources_file`` (read once; ``cache_clear()`` rereads)."""
    from arshif.settings import Settings

    rows = _rows(TABLE)
    extra = Settings().sources_file
    if extra:
        rows += _rows(Path(extra))
    return SourceTable(rows)


def canonical(name: str) -> str:
    return sources().canonical(name)


def display(value: str, lang: str) -> str:
    return sources().display(value, lang)
