"""Name lists the tagger consults: which words are known places, people's names or organisations.

A gazetteer here is a map from a *normalised core form* (``core()``: the
project's Arabic normaliser, then a leading conjunction/preposition and the
article ``ال`` taken off) to the types it is listed under, plus multi-word
entries (``المملكة العربية السعودية``) matched longest-first over a sentence.

Sources, and whether they may ship with the project (see ``models/README.md``):

=================  ======  ====================================================  ========================
source             types   where                                                 licence
=================  ======  ====================================================  ========================
world-cities       LOC     ``../shared/gazetteers/world-cities``                 CC BY 4.0 (attributed)
places.tsv         LOC     ``arshif/lexicon/places.tsv`` (CLDR, GeoNames)        Unicode v3, CC BY 4.0
Wikidata names     NAME    ``../shared/gazetteers/translit/wd_…tokens``           CC0
Google translit    NAME    ``../shared/gazetteers/translit/google_ar2en.txt``    Apache-2.0
ANETAC             typed   ``../shared/gazetteers/anetac``                        research use, no licence
=================  ======  ====================================================  ========================

The shipped model is trained with the freely licensed lists only, and the
single-word part of them ships beside it (``models/ar-gazetteer.tsv.gz``), so a
clone without ``../shared`` tags exactly as the trained model expects.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from arshif.analysis.filters import arabic_normalize

MAX_WORDS = 4
_ARABIC_DIACRITICS = dict.fromkeys(range(0x064B, 0x0653))
#: Letters that attach to the front of a word, tried longest first (و/ف, then ب/ل/ك, then ال).
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")


def longest_matches(cores: Sequence[str], kinds_of: Callable[[tuple[str, ...]], object], starts: set[str],
                    longest: int, shortest: int = 1,
                    free: Callable[[int, int], bool] | None = None) -> Iterator[tuple[int, int, object]]:
    """Known names in a sentence's core word forms, left to right, the longest first: ``(start, length, kinds)``.

    ``kinds_of`` looks a run of words up (falsy when unknown); ``free(start, length)``, if given, says whether
    the run may still be taken (a caller labelling as it goes sees its own labels)."""
    i = 0
    while i < len(cores):
        if cores[i] not in starts or (free is not None and not free(i, 1)):
            i += 1
            continue
        for n in range(min(longest, len(cores) - i), shortest - 1, -1):
            kinds = kinds_of(tuple(cores[i:i + n]))
            if kinds and (free is None or free(i, n)):
                yield i, n, kinds
                i += n
                break
        else:
            i += 1


def label(labels: list, start: int, length: int, kind: str) -> None:
    """``B-kind``, then ``I-kind``, over the run of tokens."""
    labels[start] = "B-" + kind
    for j in range(start + 1, start + length):
        labels[j] = "I-" + kind


def normalise(word: str) -> str:
    """The project's Arabic normalisation (alef/yaa/taa-marbuta variants, diacritics, tatweel); Latin lower-cased."""
    return arabic_normalize(word).lower()


@lru_cache(maxsize=200_000)
def core(word: str) -> str:
    """A word without the clitics a name can carry: ``والرياض`` → ``رياض``, ``لبغداد`` → ``بغداد`` kept whole.

    Only strips when at least three letters remain, so short names survive.
    """
    return core_of_normalised(normalise(word))


def core_of_normalised(w: str) -> str:
    """:func:`core` of a word already :func:`normalise`-d (the featuriser has it at hand)."""
    if w.startswith(("لل",)) and len(w) >= 5:  # ل + ال
        return w[2:]
    if len(w) >= 5 and w[0] in _CONJ:
        w2 = w[1:]
        w = core_no_conj(w2)
        return w
    return core_no_conj(w)


def core_no_conj(w: str) -> str:
    if len(w) >= 5 and w[0] in _PREP and w[1:3] == "ال":
        return w[3:]
    if len(w) >= 5 and w.startswith("ال"):
        return w[2:]
    return w


class Gazetteer:
    """Single-word and multi-word name lists keyed by core forms."""

    def __init__(self) -> None:
        self.words: dict[str, set[str]] = defaultdict(set)
        self.phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)

    def add(self, name: str, kind: str) -> None:
        toks = tuple(core(t) for t in name.split() if t)
        if not toks or len(toks) > MAX_WORDS:
            return
        if len(toks) == 1:
            if len(toks[0]) >= 2:
                self.words[toks[0]].add(kind)
        else:
            self.phrases[toks].add(kind)

    def lookup(self, word: str) -> frozenset[str]:
        """Types of a word, also with one attached preposition taken off (``لبغداد`` → ``بغداد``)."""
        return self.lookup_normalised(normalise(word), core(word))

    def lookup_normalised(self, w: str, c: str) -> frozenset[str]:
        """:meth:`lookup` of a word given as its :func:`normalise`-d form and its :func:`core`."""
        words = self.words
        found = [words[x] for x in _candidates(w, c) if x in words]
        return frozenset().union(*found) if found else _NONE

    def match_phrases(self, tokens: Sequence[str]) -> list[str | None]:
        """For each token, ``B-KIND``/``I-KIND`` when it lies in a known multi-word name (longest match first)."""
        out: list[str | None] = [None] * len(tokens)
        if not self.phrases:
            return out
        for i, n, kinds in longest_matches([core(t) for t in tokens], self.phrases.get, self._first_words(),
                                           MAX_WORDS, shortest=2):
            label(out, i, n, sorted(kinds)[0])
        return out

    def _first_words(self) -> set[str]:
        first = getattr(self, "_first", None)
        if first is None or self._first_count != len(self.phrases):
            self._first = first = {p[0] for p in self.phrases}
            self._first_count = len(self.phrases)
        return first

    # -- persistence: one ``kind<TAB>name`` a line, gzip -----------------------------------------
    def save(self, path: str | Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            for word in sorted(self.words):
                fh.write(f"{','.join(sorted(self.words[word]))}\t{word}\n")
            for phrase in sorted(self.phrases):
                fh.write(f"{','.join(sorted(self.phrases[phrase]))}\t{' '.join(phrase)}\n")

    @classmethod
    def load(cls, path: str | Path) -> "Gazetteer":
        g = cls()
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                kinds, _, name = line.rstrip("\n").partition("\t")
                toks = tuple(name.split())
                target = g.words[toks[0]] if len(toks) == 1 else g.phrases[toks]
                target.update(kinds.split(","))
        return g


_NONE: frozenset[str] = frozenset()


def _candidates(w: str, c: str) -> tuple[str, ...]:
    """Forms a word is looked up under: its core, and without an attached و then a preposition."""
    out = [c]
    if len(w) >= 4 and w[0] in _CONJ:
        w = w[1:]
        out.append(core_no_conj(w))
    if len(w) >= 4 and w[0] in _PREP:
        out.append(core_no_conj(w[1:]))
    return tuple(dict.fromkeys(out))


# -- builders from the sources --------------------------------------------------------------------
def _world_cities(shared: Path) -> Iterable[tuple[str, str]]:
    with open(shared / "gazetteers" / "world-cities" / "world-cities.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            for key in ("CountryNameAr", "CityNameAr"):
                name = (row.get(key) or "").strip()
                if name:
                    yield name, "LOC"
                    for lead in ("ولاية ", "محافظة ", "مدينة ", "منطقة "):  # "ولاية قندهار" is also "قندهار"
                        if name.startswith(lead):
                            yield name[len(lead):], "LOC"


def _places_tsv() -> Iterable[tuple[str, str]]:
    path = Path(__file__).resolve().parents[2] / "arshif" / "lexicon" / "places.tsv"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and (cols[3].startswith("geonames:") or cols[3].startswith("cldr:territory")):
                for name in cols[2].split("|"):
                    yield name, "LOC"


def _wikidata_names(shared: Path) -> Iterable[tuple[str, str]]:
    path = shared / "gazetteers" / "translit" / "wd_arabic.normalized.aligned.tokens"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3 and int(cols[2] or 0) >= 2:  # names seen at least twice: fewer odd ones
                yield cols[1].replace(" ", ""), "NAME"


def _google_names(shared: Path) -> Iterable[tuple[str, str]]:
    with open(shared / "gazetteers" / "translit" / "google_ar2en.txt", encoding="utf-8") as fh:
        for line in fh:
            ar = line.split("\t", 1)[0].strip()
            if ar and " " not in ar:
                yield ar, "NAME"


def _anetac(shared: Path) -> Iterable[tuple[str, str]]:
    kinds = {"PERSON": "PER", "LOCATION": "LOC", "ORGANIZATION": "ORG"}
    with open(shared / "gazetteers" / "anetac" / "EN-AR_Named-entities.txt", encoding="utf-8") as fh:
        for line in fh:
            cols = line.split()
            if len(cols) >= 3 and cols[0] in kinds:
                yield " ".join(cols[2:]), "A" + kinds[cols[0]]


#: Sources whose licence lets the derived list ship with the project.
FREE_SOURCES = ("world-cities", "places", "wikidata", "google")


def build(shared: str | Path, sources: Sequence[str] = FREE_SOURCES) -> Gazetteer:
    shared = Path(shared)
    readers = {
        "world-cities": lambda: _world_cities(shared), "places": _places_tsv,
        "wikidata": lambda: _wikidata_names(shared), "google": lambda: _google_names(shared),
        "anetac": lambda: _anetac(shared),
    }
    g = Gazetteer()
    for name in sources:
        for entry, kind in readers[name]():
            g.add(entry, kind)
    return g
