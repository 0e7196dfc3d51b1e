"""What a story is recognised by: word shingles for copies, language-neutral keys across languages.

Two feature sets per article, both built from the project's own analysers
(``arshif_exact`` and ``arshif_text`` of ``mappings/articles.json``, one
tokenizer pass for both), so "the same words" means the same here as in search:

* **Shingles** — runs of :data:`SHINGLE` consecutive stemmed terms (stopwords
  out), one set per language the article can be read in: its original, and each
  stored translation. Wire copy, republished text and lightly edited versions
  share most of their shingles; two different reports on one topic share few.
* **Neutral keys** — what survives translation without a translator: numbers
  (``2019``, ``١٥٠`` → ``n:150``), entries of the bilingual lexicon
  (:mod:`arshif.lexicon`: ``Saudi Arabia``/``السعودية`` → one key), and a
  consonant skeleton of every remaining name-like word (``Trump`` and ``ترامب``
  both → ``k:trmb``). An English article and its Arabic twin share many of
  these; two different stories share few. For an article with a stored
  translation, the translation adds its keys too.

Why a skeleton rather than :mod:`arshif.lexicon.translit`: that module ranks
hundreds of spellings per word for query expansion, far too slow for every word
of every article at ingest; a skeleton is one deterministic string per word,
the same from both scripts for most names (vowels are left out because Arabic
does not write short ones, and letters English spells alike are merged).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

import numpy as np

from arshif.analysis import get_analyzer
from arshif.lexicon import add_clitic, load_lexicon
from arshif.model import Article

SHINGLE = 3          # words per shingle
MAX_TOKENS = 500     # tokens read per reading: copies agree from the start, and it bounds the cost
MAX_CHARS = 8000     # body characters searched for capitalised (English) names
MIN_SKELETON = 3     # shorter skeletons collide across unrelated words

# Arabic letter → skeleton consonant ('' = a vowel letter or a letter with no Latin consonant).
_AR_SKEL = {
    "ب": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "j", "ح": "", "خ": "k", "ه": "", "د": "d", "ذ": "d",
    "ض": "d", "ظ": "z", "ر": "r", "ز": "z", "س": "s", "ش": "s", "ص": "s", "ع": "", "غ": "g", "ف": "f",
    "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "و": "", "ي": "", "ا": "", "ى": "", "ة": "",
    "ء": "", "أ": "", "إ": "", "آ": "", "ؤ": "", "ئ": "",
}
# Latin digraphs first, then letters; vowels, h, w and y are left out as Arabic spells them variously.
_LATIN_DIGRAPHS = (("ph", "f"), ("th", "t"), ("sh", "s"), ("ch", "s"), ("kh", "k"), ("gh", "g"),
                   ("dh", "d"), ("ck", "k"), ("qu", "k"))
_LATIN_SKEL = {"b": "b", "p": "b", "t": "t", "d": "d", "j": "j", "g": "g", "k": "k", "q": "k", "c": "k",
               "x": "ks", "s": "s", "z": "z", "f": "f", "v": "f", "l": "l", "m": "m", "n": "n", "r": "r"}
# Attached article, conjunctions and prepositions, longest first (the stemmer's prefixes, less و alone,
# which begins too many names and words).
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "وب", "ول", "ب", "ل")
_ARABIC = re.compile(r"[\u0621-\u064A]")
_DIGITS = re.compile(r"^\d{2,}$")


def _collapse(s: str) -> str:
    out = []
    for ch in s:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A script-independent consonant key of a (normalised, lower-case) word: 'trump'/'ترامب' → 'trmb'."""
    if _ARABIC.search(word):
        for prefix in _AR_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix):]
                break
        s = "".join(_AR_SKEL.get(ch, "") for ch in word)
    else:
        w = word.lower()
        if w[:3] in ("al-", "el-"):
            w = w[3:]
        for a, b in _LATIN_DIGRAPHS:
            w = w.replace(a, b)
        s = "".join(_LATIN_SKEL.get(ch, "") for ch in w)
    return _collapse(s)


@dataclass
class Features:
    """The sets a story is matched on; see the module docstring. Shingles are kept as their 32-bit hashes
    (:func:`shingle_hashes`): only their MinHash is ever needed, and no shingle string is built."""

    language: str
    shingles: dict[str, np.ndarray] = field(default_factory=dict)  # language → hashes of that reading's shingles
    neutral: set[str] = field(default_factory=set)


class _LexiconKeys:
    """Lexicon entries by the analysed forms the article text yields (built once per process)."""

    def __init__(self):
        lex = load_lexicon()
        exact = get_analyzer("arshif_exact")
        text = get_analyzer("arshif_text")
        self.en: dict[tuple[str, ...], set[str]] = {}
        self.ar: dict[tuple[str, ...], set[str]] = {}
        self.max_en = self.max_ar = 1
        for entry in lex.entries:
            key = "e:" + " ".join(text.terms(entry.english[0]) or exact.terms(entry.english[0]))
            for form in entry.english:
                terms = tuple(text.terms(form))
                if terms:
                    self.en.setdefault(terms, set()).add(key)
                    self.max_en = max(self.max_en, len(terms))
            for form in entry.arabic:
                terms = tuple(exact.terms(form))
                if terms:
                    # Also with a conjunction or preposition attached (والرياض, بالرياض, للصحة…).
                    for first in (terms[0], *add_clitic(terms[0])):
                        self.ar.setdefault((first, *terms[1:]), set()).add(key)
                    self.max_ar = max(self.max_ar, len(terms))
        # first word → the lengths of the entries it begins, longest first (only those are tried)
        self.sizes: dict[str, dict[str, tuple[int, ...]]] = {}
        for lang, table in (("ar", self.ar), ("en", self.en)):
            sizes: dict[str, set[int]] = {}
            for k in table:
                sizes.setdefault(k[0], set()).add(len(k))
            self.sizes[lang] = {w: tuple(sorted(v, reverse=True)) for w, v in sizes.items()}

    def match(self, terms: list[str], lang: str) -> tuple[set[str], set[int]]:
        """(entry keys found, positions they cover) — longest entries first, left to right."""
        table = self.ar if lang == "ar" else self.en
        sizes_of = self.sizes[lang]
        keys: set[str] = set()
        covered: set[int] = set()
        n = len(terms)
        starts = list(map(sizes_of.get, terms))  # C-level: most words begin no entry
        end = 0
        for i in compress(range(n), starts):
            if i < end:
                continue  # inside the entry matched before
            for size in starts[i]:
                if size <= n - i:
                    found = table.get(tuple(terms[i:i + size]))
                    if found:
                        keys |= found
                        covered.update(range(i, i + size))
                        end = i + size
                        break
        return keys, covered


@lru_cache(maxsize=1)
def lexicon_keys() -> _LexiconKeys:
    return _LexiconKeys()


#: exact term → its neutral key ("" for none; a stopword has none), filled as words are met.
_KEYS: dict[str, str] = {}
#: string (a stem or a neutral key) → its CRC-32, filled as they are met: each is hashed once.
_HASHES: dict[str, int] = {}
_CACHE_MAX = 500_000


def _key_of(exact_term: str, stopword: bool) -> str:
    """The neutral key of an exact term (a number or a skeleton), computed once per word."""
    key = ""
    if stopword:
        pass
    elif _DIGITS.match(exact_term):
        key = "n:" + exact_term.lstrip("0")
    elif not exact_term.isdigit():
        sk = skeleton(exact_term)
        if len(sk) >= MIN_SKELETON:
            key = "k:" + sk
    if len(_KEYS) >= _CACHE_MAX:
        _KEYS.clear()
    _KEYS[exact_term] = key
    return key


def hash_of(word: str) -> int:
    """A deterministic 32-bit hash of a string (CRC-32: the same in every process and run)."""
    h = _HASHES.get(word)
    if h is None:
        if len(_HASHES) >= _CACHE_MAX:
            _HASHES.clear()
        h = _HASHES[word] = zlib.crc32(word.encode("utf-8"))
    return h


def _hashes(words: list[str]) -> list[int]:
    """hash_of each word: a C-level map over the cache, the misses filled in after."""
    found = list(map(_HASHES.get, words))
    if None in found:
        found = [h if h is not None else hash_of(w) for h, w in zip(found, words)]
    return found


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values: what ``np.unique`` gives, by one sort (numpy 2's hash-based ``unique`` took
    ~60 µs on a few hundred values where a sort takes ~5, and an article needs several)."""
    if len(values) < 2:
        return values
    s = np.sort(values)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def hashes_of(words) -> np.ndarray:
    """The sorted distinct hashes of some strings."""
    words = list(words)
    return distinct(np.array(_hashes(words), dtype=np.uint32))


# Odd multipliers that mix a shingle's three word hashes into one (arithmetic modulo 2^32).
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D], dtype=np.uint32)


def shingle_hashes(stems: list[str], size: int = SHINGLE) -> np.ndarray:
    """Hashes of the word n-grams of the stems (the whole text as one shingle when it is shorter), sorted
    and distinct: each word is hashed once and its n-grams are mixed in one numpy expression."""
    if not stems:
        return np.empty(0, dtype=np.uint32)
    words = np.array(_hashes(stems), dtype=np.uint32)
    if len(words) < size:
        return np.array([int((words * _MIX[:len(words)]).sum(dtype=np.uint32))], dtype=np.uint32)
    n = len(words) - size + 1
    mixed = words[:n] * _MIX[0]
    for k in range(1, size):
        mixed = (mixed ^ (mixed >> np.uint32(15))) + words[k:k + n] * _MIX[k]
    return distinct(mixed)


_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]+")
_LATIN = re.compile(r"[A-Z]")


class Text:
    """One reading's first :data:`MAX_TOKENS` words: exact terms, stems (None for stopwords), neutral keys
    ("" for none), and which words were capitalised."""

    __slots__ = ("exact", "stems", "keys", "capitalised")

    def __init__(self, title: str, body: str, exact: list[str], stems: list[str | None], english: bool = True):
        self.exact = exact[:MAX_TOKENS]
        self.stems = stems[:MAX_TOKENS]
        keys = list(map(_KEYS.get, self.exact))
        if None in keys:
            keys = [k if k is not None else _key_of(e, s is None) for k, e, s in zip(keys, self.exact, self.stems)]
        self.keys = keys
        self.capitalised: set[str] = set()
        if english:  # only English names are told by their capitals (an Arabic reading needs no regex pass)
            raw = f"{title}\n{body[:MAX_CHARS]}"
            if _LATIN.search(raw):
                self.capitalised = {w.lower() for w in _CAPITALISED.findall(raw)}


def index_words(title_tokens: list[tuple], body_tokens: list[tuple]) -> tuple[list[str], list[str | None]]:
    """(exact terms, stems) of the first words of a reading, from the tokens the embedded engine indexes
    (:func:`document_tokens`: ``(start, end, stem, "=exact")``, or ``(start, end, "=exact")`` for a
    stopword), title first."""
    toks = title_tokens[:MAX_TOKENS] + body_tokens[:max(0, MAX_TOKENS - len(title_tokens))]
    return [t[-1][1:] for t in toks], [t[2] if len(t) == 4 else None for t in toks]


def reading_words(title: str, body: str) -> tuple[list[str], list[str | None]]:
    """(exact terms, stems) of the first :data:`MAX_TOKENS` words of a reading, title first, analysed here by
    the same chain as the index's (and no further into the body than needed)."""
    exact: list[str] = []
    stems: list[str | None] = []
    exact_an, text_an = get_analyzer("arshif_exact"), get_analyzer("arshif_text")
    for text in (title, body):
        if not text or len(exact) >= MAX_TOKENS:
            continue
        for _start, _end, _pos, e, stem in exact_an.iter_analyze_with(text_an, text):
            if e is not None:
                exact.append(e)
                stems.append(stem)
                if len(exact) >= MAX_TOKENS:
                    break
    return exact, stems


def neutral_keys(text: Text, lang: str) -> set[str]:
    """Numbers, lexicon entries and name skeletons of one text (see the module docstring)."""
    lookup = text.exact if lang == "ar" else [t or "" for t in text.stems]
    keys, covered = lexicon_keys().match(lookup, lang)
    found = text.keys
    if covered:  # words inside a lexicon entry count as that entry only
        found = list(found)
        for i in covered:
            found[i] = ""
    if lang == "en":  # English names are capitalised; other English words have no Arabic look-alike
        capitalised = text.capitalised
        keys.update(k for k, e in zip(found, text.exact) if k and (k[0] == "n" or e in capitalised))
    else:
        keys.update(found)
        keys.discard("")
    return keys


def readings(article: Article) -> list[tuple[str, str, str]]:
    """(language, title, body) of the article's original and of each done translation."""
    out = [(article.language, article.title, article.body)]
    for tr in article.translations.values():
        if tr.status == "done" and (tr.title or tr.body):
            out.append((tr.language, tr.title, tr.body))
    return out


def features_of(language: str, texts: list[tuple[str, str, str, list[str], list[str | None]]]) -> Features:
    """The features of an article from its readings: (language, title, body, exact terms, stems)."""
    feats = Features(language=language)
    for lang, title, body, exact, stems in texts:
        text = Text(title, body, exact, stems, english=lang == "en")
        kept = [t for t in text.stems if t is not None]
        if kept:
            found = shingle_hashes(kept)
            seen = feats.shingles.get(lang)
            feats.shingles[lang] = found if seen is None else distinct(np.concatenate([seen, found]))
        if lang in ("ar", "en"):
            feats.neutral |= neutral_keys(text, lang)
    return feats


def article_features(article: Article) -> Features:
    """The features of an article, analysed here (one article: an API write, a test)."""
    return features_of(article.language, [(lang, title, body, *reading_words(title, body))
                                          for lang, title, body in readings(article)])
