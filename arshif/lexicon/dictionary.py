"""Word-level English ↔ Arabic translations and name spellings, weighted, for query translation.

The phrase-level :class:`~arshif.lexicon.Lexicon` (hand-written news terms,
places, cities) answers first; this answers for the words it does not know:

* **words** — pairs aligned from sentence pairs (Tatoeba, NTREX; shipped in
  ``data/``) and, when the user built it, MUSE (``<lexicon dir>/muse.tsv``).
  Looked up by stem in either direction; each candidate carries a weight
  (alignment probability, or MUSE rank), summed over resources;
* **names** — spellings of single name words (Wikidata names, Google's
  transliteration pairs; optionally ANETAC), looked up by the lower-cased Latin
  word or the normalised Arabic one; weight grows with how often a pair was seen.

Why separate from the lexicon: these are many (≈ 60k names, 5k–60k words),
noisy, and only useful once checked against the archive's vocabulary, which
:mod:`arshif.crosslingual` does.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from arshif.analysis import get_analyzer

log = logging.getLogger("arshif.lexicon")
DATA = Path(__file__).parent / "data"
#: How much each resource's weights count (aligned news sentences beat everyday ones; MUSE is broad but noisy).
WORD_SOURCES = {"ntrex.tsv": 1.0, "tatoeba.tsv": 0.8, "muse.tsv": 0.7}
NAME_SOURCES = {"names.tsv": 1.0, "anetac.tsv": 0.8}

_AR_NORMALISE = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
                               "\u0640": None, **{chr(c): None for c in range(0x064B, 0x0653)}})


def normalise_arabic(word: str) -> str:
    """The exact-analyzer normalisation of one Arabic word (no diacritics or tatweel; ا ي ه و for variants)."""
    return word.translate(_AR_NORMALISE)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str | None:
    terms = get_analyzer("arshif_text").terms(word)
    return terms[0] if len(terms) == 1 else None


def _read(path: Path):
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3:
                yield cols


class Dictionary:
    def __init__(self, extra_dir: Path | None = None):
        # lang of the looked-up word → key → {translation: weight}
        self.words: dict[str, dict[str, dict[str, float]]] = {"en": defaultdict(dict), "ar": defaultdict(dict)}
        self.names: dict[str, dict[str, dict[str, float]]] = {"en": defaultdict(dict), "ar": defaultdict(dict)}
        self.loaded: dict[str, int] = {}
        dirs = [DATA] + ([extra_dir] if extra_dir else [])
        stems: dict[str, str | None] = {}

        def stem(w: str) -> str | None:
            if w not in stems:
                stems[w] = _stem(w)
            return stems[w]

        for name, factor in WORD_SOURCES.items():
            for d in dirs:
                path = d / name
                if not path.exists():
                    continue
                n = 0
                for en, ar, weight, *_ in _read(path):
                    w = float(weight) * factor
                    ke, ka = stem(en), stem(ar)
                    if ke:
                        _add(self.words["en"][ke], ar, w)
                    if ka:
                        _add(self.words["ar"][ka], en, w)
                    n += 1
                self.loaded[name] = n
        for name, factor in NAME_SOURCES.items():
            for d in dirs:
                path = d / name
                if not path.exists():
                    continue
                n = 0
                for latin, arabic, count, *_ in _read(path):
                    w = factor * (1 + math.log(max(1, int(count) if count.isdigit() else 1)))
                    _add(self.names["en"][latin], normalise_arabic(arabic), w)
                    _add(self.names["ar"][normalise_arabic(arabic)], latin, w)
                    n += 1
                self.loaded[name] = n

    def translate_word(self, word: str, source: str) -> list[tuple[str, float]]:
        """Translations of a content word, best first, weights normalised so the best is 1."""
        key = _stem(word)
        return _ranked(self.words[source].get(key, {})) if key else []

    def spell_name(self, word: str, source: str) -> list[tuple[str, float]]:
        """Other-script spellings of a name word, best first (best = 1)."""
        key = word.lower() if source == "en" else normalise_arabic(word)
        return _ranked(self.names[source].get(key, {}))


def _add(row: dict[str, float], form: str, weight: float) -> None:
    row[form] = row.get(form, 0.0) + weight


def _ranked(row: dict[str, float]) -> list[tuple[str, float]]:
    if not row:
        return []
    best = max(row.values())
    return sorted(((f, w / best) for f, w in row.items()), key=lambda kv: -kv[1])


_lock = threading.Lock()
_cache: dict[Path | None, Dictionary] = {}


def _key(extra_dir: Path | None) -> Path | None:
    return extra_dir if extra_dir and extra_dir.exists() else None


def is_loaded(extra_dir: Path | None = None) -> bool:
    """Whether :func:`load_dictionary` would answer at once (it takes seconds the first time)."""
    return _key(extra_dir) in _cache


def load_dictionary(extra_dir: Path | None = None) -> Dictionary:
    """The dictionary with the shipped data plus, when present, the optional files in ``extra_dir`` (cached)."""
    key = _key(extra_dir)
    with _lock:
        if key not in _cache:
            _cache[key] = Dictionary(key)
            log.info("cross-lingual dictionary: %s", _cache[key].loaded)
        return _cache[key]
