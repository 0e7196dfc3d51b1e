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
from dataclasses import dataclass, field
from functools import lru_cache

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
    """The sets a story is matched on; see the module docstring."""

    language: str
    shingles: dict[str, set[str]] = field(default_factory=dict)  # language → shingles of that reading
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
        self.first = {"ar": {k[0] for k in self.ar}, "en": {k[0] for k in self.en}}

    def match(self, terms: list[str], lang: str) -> tuple[set[str], set[int]]:
        """(entry keys found, positions they cover) — longest entries first, left to right."""
        table, longest = (self.ar, self.max_ar) if lang == "ar" else (self.en, self.max_en)
        keys: set[str] = set()
        covered: set[int] = set()
        first = self.first[lang]
        i, n = 0, len(terms)
        while i < n:
            if terms[i] not in first:
                i += 1
                continue
            for size in range(min(longest, n - i), 0, -1):
                found = table.get(tuple(terms[i:i + size]))
                if found:
                    keys |= found
                    covered.update(range(i, i + size))
                    i += size
                    break
            else:
                i += 1
        return keys, covered


@lru_cache(maxsize=1)
def lexicon_keys() -> _LexiconKeys:
    return _LexiconKeys()


#: exact term → its neutral key (number or skeleton; None when it has none), filled as words are met.
_KEYS: dict[str, str | None] = {}
_KEYS_MAX = 300_000


def _key_of(exact_term: str) -> str | None:
    """The neutral key of a (non-stopword) exact term, computed once per word."""
    found = _KEYS.get(exact_term, _MISSING)
    if found is not _MISSING:
        return found
    key = None
    if _DIGITS.match(exact_term):
        key = "n:" + exact_term.lstrip("0")
    elif not exact_term.isdigit():
        sk = skeleton(exact_term)
        if len(sk) >= MIN_SKELETON:
            key = "k:" + sk
    if len(_KEYS) >= _KEYS_MAX:
        _KEYS.clear()
    _KEYS[exact_term] = key
    return key


_MISSING = object()
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]+")
_LATIN = re.compile(r"[A-Z]")


Pair = tuple[str, str | None]  # (exact term, stem or None for a stopword)


def index_pairs(tokens: list[tuple], limit: int = MAX_TOKENS) -> list[Pair]:
    """The first words of a text from the tokens the embedded engine indexes (:func:`document_tokens`:
    ``(start, end, stem, "=exact")``, or ``(start, end, "=exact")`` for a stopword)."""
    return [(tok[-1][1:], tok[2] if len(tok) == 4 else None) for tok in tokens[:limit]]


def word_pairs(text: str, limit: int = MAX_TOKENS) -> list[Pair]:
    """The first ``limit`` words of a text, analysed here by the same chain (and no further than needed)."""
    out: list[Pair] = []
    if limit <= 0 or not text:
        return out
    exact_an, text_an = get_analyzer("arshif_exact"), get_analyzer("arshif_text")
    for _start, _end, _pos, exact, stem in exact_an.iter_analyze_with(text_an, text):
        if exact is not None:
            out.append((exact, stem))
            if len(out) >= limit:
                break
    return out


class Text:
    """One reading's first :data:`MAX_TOKENS` words: exact terms, stems (None for stopwords), neutral keys,
    and which words were capitalised."""

    __slots__ = ("exact", "stems", "keys", "capitalised")

    def __init__(self, title: str, body: str, pairs: list[Pair]):
        pairs = pairs[:MAX_TOKENS]
        self.exact = [e for e, _ in pairs]
        self.stems = [s for _, s in pairs]
        self.keys = [None if s is None else _key_of(e) for e, s in pairs]
        raw = f"{title}\n{body[:MAX_CHARS]}"
        self.capitalised = {w.lower() for w in _CAPITALISED.findall(raw)} if _LATIN.search(raw) else set()


def shingles(stems: list[str], size: int = SHINGLE) -> set[str]:
    """Word n-grams of the stems (the whole text as one shingle when it is shorter)."""
    if len(stems) < size:
        return {" ".join(stems)} if stems else set()
    return {" ".join(stems[i:i + size]) for i in range(len(stems) - size + 1)}


def neutral_keys(text: Text, lang: str) -> set[str]:
    """Numbers, lexicon entries and name skeletons of one text (see the module docstring)."""
    lookup = text.exact if lang == "ar" else [t or "" for t in text.stems]
    keys, covered = lexicon_keys().match(lookup, lang)
    capitalised = text.capitalised
    for i, key in enumerate(text.keys):
        if key is None or i in covered:
            continue
        if lang == "en" and key[0] == "k" and text.exact[i] not in capitalised:
            continue  # English names are capitalised; other English words have no Arabic look-alike
        keys.add(key)
    return keys


def readings(article: Article) -> list[tuple[str, str, str]]:
    """(language, title, body) of the article's original and of each done translation."""
    out = [(article.language, article.title, article.body)]
    for tr in article.translations.values():
        if tr.status == "done" and (tr.title or tr.body):
            out.append((tr.language, tr.title, tr.body))
    return out


def features_of(language: str, texts: list[tuple[str, str, str, list[Pair]]]) -> Features:
    """The features of an article from its readings: (language, title, body, first words of title + body)."""
    feats = Features(language=language)
    for lang, title, body, pairs in texts:
        text = Text(title, body, pairs)
        stems = [t for t in text.stems if t is not None]
        if stems:
            feats.shingles.setdefault(lang, set()).update(shingles(stems))
        if lang in ("ar", "en"):
            feats.neutral |= neutral_keys(text, lang)
    return feats


def reading_pairs(title: str, body: str) -> list[Pair]:
    """The first :data:`MAX_TOKENS` words of a reading, title first, analysed here."""
    pairs = word_pairs(title)
    return pairs + word_pairs(body, MAX_TOKENS - len(pairs))


def article_features(article: Article) -> Features:
    """The features of an article, analysed here (one article: an API write, a test)."""
    return features_of(article.language, [(lang, title, body, reading_pairs(title, body))
                                          for lang, title, body in readings(article)])
