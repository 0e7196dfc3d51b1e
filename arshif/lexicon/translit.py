"""Rule-based transliteration of names between Latin and Arabic script, as ranked candidates.

There is no single right spelling either way — ``Baghuz``, ``Baghouz`` and
``al-Baghouz`` are all الباغوز; الرياض is ``Riyadh``, ``Riyad`` or ``Ar-Riyadh`` —
so each function returns *candidates* with a score (the product of how usual
each letter choice is). Cross-lingual search keeps only the candidates that
occur in the index's vocabulary, best first; most of the rest are noise.

Latin → Arabic: ``b→ب, gh→غ, sh→ش, kh→خ, th→ث/ت/ذ, dh→ذ/ض/ظ, q→ق, k→ك/ق,
s→س/ص, t→ت/ط, d→د/ض, z→ز/ظ, h→ه/ح, a→ا/(nothing), ou/oo/u/o→و, i/ee/e→ي…``;
an ``al-``/``el-``/``ar-``… article is dropped (the Arabic stemmer drops ال too).
Arabic → Latin: each letter's usual spellings, with the short vowels Arabic does
not write tried between consonants.
"""

from __future__ import annotations

import heapq
import re
import unicodedata

BEAM = 600

# --- Latin → Arabic -------------------------------------------------------------------------

_CONS: dict[str, list[tuple[str, float]]] = {
    "b": [("ب", 1.0)], "p": [("ب", 0.7)], "t": [("ت", 1.0), ("ط", 0.7)],
    "th": [("ث", 0.8), ("ت", 0.6), ("ذ", 0.4)], "j": [("ج", 1.0)],
    "g": [("ج", 0.7), ("غ", 0.6), ("ق", 0.6)], "gh": [("غ", 1.0)], "h": [("ه", 0.8), ("ح", 0.8)],
    "kh": [("خ", 1.0)], "d": [("د", 1.0), ("ض", 0.6)], "dh": [("ذ", 0.7), ("ض", 0.7), ("ظ", 0.5), ("د", 0.3)],
    "r": [("ر", 1.0)], "z": [("ز", 1.0), ("ظ", 0.5)], "s": [("س", 1.0), ("ص", 0.7)], "sh": [("ش", 1.0)],
    "ch": [("ش", 0.6), ("تش", 0.4)], "f": [("ف", 1.0)], "v": [("ف", 0.7)], "q": [("ق", 1.0)],
    "k": [("ك", 1.0), ("ق", 0.6)], "ck": [("ك", 0.8)], "c": [("ك", 0.7), ("س", 0.5)], "l": [("ل", 1.0)],
    "m": [("م", 1.0)], "n": [("ن", 1.0)], "w": [("و", 1.0)], "y": [("ي", 1.0)], "x": [("كس", 0.6)],
    "'": [("", 0.7), ("ع", 0.5), ("ء", 0.3)], "`": [("ع", 0.8)],
}
_VOWELS: dict[str, list[tuple[str, float]]] = {
    "a": [("ا", 0.8), ("", 0.7)], "aa": [("ا", 1.0)], "e": [("", 0.6), ("ي", 0.5), ("ا", 0.3)],
    "ee": [("ي", 1.0)], "ei": [("ي", 0.8)], "ey": [("ي", 0.6), ("اي", 0.5)], "ai": [("اي", 0.7), ("ي", 0.6)],
    "ay": [("اي", 0.7), ("ي", 0.6)], "aw": [("او", 0.7), ("و", 0.6)], "au": [("او", 0.6)],
    "i": [("ي", 0.8), ("", 0.6)], "ii": [("ي", 1.0)], "iy": [("ي", 0.9)], "iyy": [("ي", 0.9)], "ie": [("ي", 0.7)], "o": [("و", 0.8), ("", 0.5)],
    "oo": [("و", 1.0)], "ou": [("و", 1.0)], "ow": [("او", 0.5), ("و", 0.5)], "u": [("و", 0.8), ("", 0.6)],
}
_INITIAL: dict[str, list[tuple[str, float]]] = {
    "a": [("ا", 1.0), ("ع", 0.5)], "aa": [("آ", 0.6), ("ا", 0.6)], "e": [("ا", 0.6), ("إ", 0.6), ("ع", 0.4)],
    "i": [("ا", 0.8), ("إ", 0.8)], "o": [("ا", 0.6), ("أ", 0.6), ("ع", 0.4)], "ou": [("او", 0.6), ("ع", 0.4)],
    "u": [("ا", 0.6), ("أ", 0.6), ("ع", 0.4)], "ai": [("اي", 0.6), ("عي", 0.4)], "ei": [("اي", 0.5)],
}
_FINAL: dict[str, list[tuple[str, float]]] = {
    "a": [("ة", 0.8), ("ا", 0.7), ("ى", 0.5), ("", 0.3)], "ah": [("ة", 0.9), ("ه", 0.6), ("اه", 0.5), ("ا", 0.4)],
    "e": [("ي", 0.5), ("ة", 0.4), ("", 0.6)], "eh": [("ة", 0.6), ("ه", 0.5)], "i": [("ي", 1.0)],
    "y": [("ي", 1.0)], "ee": [("ي", 1.0)], "ie": [("ي", 0.8)], "o": [("و", 0.8)], "u": [("و", 0.9)],
    "s": [("ز", 0.8)],  # an English plural's final s is said z: Panthers → بانثرز, Broncos → برونكوز
}
_ARTICLE = re.compile(r"^(?:al|el|ul|ar|as|ash|ad|at|an|az|adh|ath)[-']", re.I)


def _latin_rules(word: str, pos: int):
    n = len(word)
    for size in (3, 2, 1):
        seq = word[pos:pos + size]
        if len(seq) != size:
            continue
        if pos == 0 and seq in _INITIAL:
            yield size, _INITIAL[seq]
        if pos + size == n and seq in _FINAL:
            yield size, _FINAL[seq]
        if seq in _CONS:
            yield size, _CONS[seq]
        if seq in _VOWELS and not (pos == 0 and seq in _INITIAL):
            yield size, _VOWELS[seq]
        if size == 2 and seq[0] == seq[1] and seq[0] in _CONS:
            yield 2, list(_CONS[seq[0]])  # doubled consonant (shadda)


def latin_to_arabic(word: str, limit: int = 400) -> list[tuple[str, float]]:
    """Arabic spellings of a Latin-script name, best first: ``Baghouz`` → [('باغوز', …), ('بغوز', …), …]."""
    word = unicodedata.normalize("NFKD", word)
    word = "".join(ch for ch in word if not unicodedata.combining(ch)).lower().strip()
    word = _ARTICLE.sub("", word)
    word = re.sub(r"[^a-z'`]", "", word)
    if not word:
        return []
    return _beam(word, _latin_rules, limit, repeat_penalty=0.4)


# --- Arabic → Latin -------------------------------------------------------------------------

_AR: dict[str, list[tuple[str, float]]] = {
    "ا": [("a", 1.0), ("aa", 0.4), ("e", 0.3)], "أ": [("a", 0.8), ("", 0.3), ("u", 0.3)], "إ": [("i", 0.8), ("e", 0.5)],
    "آ": [("a", 0.8), ("aa", 0.4)], "ء": [("", 0.8), ("'", 0.3)], "ئ": [("i", 0.5), ("", 0.4), ("'", 0.2)],
    "ؤ": [("u", 0.5), ("o", 0.3), ("", 0.3)], "ب": [("b", 1.0), ("p", 0.4)], "ت": [("t", 1.0)],
    "ث": [("th", 0.8), ("t", 0.5), ("s", 0.3)], "ج": [("j", 1.0), ("g", 0.6)], "ح": [("h", 1.0)],
    "خ": [("kh", 1.0)], "د": [("d", 1.0)], "ذ": [("dh", 0.6), ("z", 0.6), ("th", 0.4)], "ر": [("r", 1.0)],
    "ز": [("z", 1.0), ("s", 0.4)], "س": [("s", 1.0)], "ش": [("sh", 1.0)], "ص": [("s", 1.0)], "ض": [("d", 0.8), ("dh", 0.6)],
    "ط": [("t", 1.0)], "ظ": [("z", 0.6), ("dh", 0.6)], "ع": [("a", 0.5), ("", 0.5), ("'", 0.3), ("e", 0.2)],
    "غ": [("gh", 1.0), ("g", 0.5)], "ف": [("f", 1.0)], "ق": [("q", 0.8), ("k", 0.6), ("g", 0.5)],
    "ك": [("k", 1.0)], "ل": [("l", 1.0)], "م": [("m", 1.0)], "ن": [("n", 1.0)], "ه": [("h", 0.9)],
    "و": [("w", 0.6), ("u", 0.6), ("o", 0.6), ("ou", 0.4), ("oo", 0.3)],
    "ي": [("y", 0.6), ("i", 0.7), ("ee", 0.3), ("e", 0.3), ("iy", 0.3)],
    "ة": [("a", 0.6), ("ah", 0.6), ("", 0.2)], "ى": [("a", 0.6), ("y", 0.3)],
}
_AR_FINAL = {"ه": [("h", 0.6), ("ah", 0.4), ("a", 0.4)], "ي": [("i", 0.8), ("y", 0.6), ("ee", 0.3)]}
_SHORT_VOWELS = [("", 0.5), ("a", 0.6), ("i", 0.4), ("u", 0.4), ("e", 0.4), ("o", 0.3)]
_AR_LONG = set("اأإآوىية")


def _arabic_rules(word: str, pos: int):
    ch = word[pos]
    options = _AR_FINAL.get(ch) if pos == len(word) - 1 else None
    options = options or _AR.get(ch)
    if not options:
        return
    nxt = word[pos + 1] if pos + 1 < len(word) else ""
    if ch not in _AR_LONG and nxt and nxt not in _AR_LONG:
        # A consonant followed by a consonant: the short vowel between them is not written.
        yield 1, [(o + v, s * vs) for o, s in options for v, vs in _SHORT_VOWELS]
    else:
        yield 1, options


def arabic_to_latin(word: str, limit: int = 400) -> list[tuple[str, float]]:
    """Latin spellings of an Arabic-script name, best first: الرياض → riyadh, riyad, …"""
    word = "".join(ch for ch in unicodedata.normalize("NFC", word) if not ("\u064B" <= ch <= "\u0652"))
    word = word.replace("\u0640", "")
    word = re.sub(r"[^\u0621-\u064A]", "", word)
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    if not word:
        return []
    return _beam(word, _arabic_rules, limit)


# --- the search -----------------------------------------------------------------------------


def _beam(word: str, rules, limit: int, repeat_penalty: float = 1.0) -> list[tuple[str, float]]:
    """Best-scoring outputs over every way of reading ``word`` with ``rules`` (a pruned breadth-first search)."""
    n = len(word)
    beams: list[dict[str, float]] = [dict() for _ in range(n + 1)]
    beams[0][""] = 1.0
    for pos in range(n):
        current = beams[pos]
        if not current:
            continue
        if len(current) > BEAM:
            current = dict(heapq.nlargest(BEAM, current.items(), key=lambda kv: kv[1]))
        matched = False
        for size, options in rules(word, pos):
            matched = True
            target = beams[pos + size]
            for out, score in current.items():
                for piece, weight in options:
                    cand = out + piece
                    s = score * weight
                    if piece and out and out[-1] == piece[0]:
                        s *= repeat_penalty  # the same Arabic letter twice is rare (shadda is not written)
                    if s > target.get(cand, 0.0):
                        target[cand] = s
        if not matched:  # a letter no rule knows: skip it
            target = beams[pos + 1]
            for out, score in current.items():
                target[out] = max(target.get(out, 0.0), score * 0.5)
        beams[pos] = {}
    final = {k: v for k, v in beams[n].items() if k}
    return heapq.nlargest(limit, final.items(), key=lambda kv: kv[1])
