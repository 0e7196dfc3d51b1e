"""Token features for the Arabic CRF tagger.

Each token is described by its own word-level features and those of its
neighbours (a window of two words each side). Word-level features depend only
on the word, so they are computed once per distinct word and cached; a
sentence's feature lists are then assembled from cached pieces, which keeps
tagging fast enough to run at ingest.

What a word says about itself (all on the project's normalised form):
the word, its clitic-stripped core and light stem, prefixes and suffixes of
one to three letters, its shape (Arabic, Latin, capitalised, digits,
punctuation), whether it carries the article or a conjunction, and which
gazetteers list it, and (when a cluster list is given) which distributional
word clusters its core form falls in. Multi-word gazetteer matches are added per sentence.
The extended set (``extended=True``, recorded beside a model trained with it) adds
trigger classes (a title before a person, the head word of an organisation or place
name), the stem of the ±1 words and the clusters of the ±2 words.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from arshif.analysis.filters import arabic_stem

from .gazetteer import Gazetteer, core, core_no_conj, core_of_normalised, normalise

_ARABIC = regex.compile(r"^[\p{Arabic}]+$")
_LATIN = regex.compile(r"^[\p{Latin}]+$")
_DIGITS = regex.compile(r"^[\p{Nd}.,٫٬]+$")
_PUNCT = regex.compile(r"^[^\p{L}\p{N}]+$")

#: Offsets of the context window, and which of a neighbour's features it contributes.
WINDOW = (-2, -1, 1, 2)
_NEAR = ("w", "c", "g", "sh", "p2", "s2", "k")  # features of the ±1 neighbours
_FAR = ("w", "c", "g")  # features of the ±2 neighbours
#: The extended set (``extended=True``): trigger classes, stems and clusters further out.
_NEAR_X = (*_NEAR, "st", "tr")
_FAR_X = (*_FAR, "k", "tr")

#: Words that announce a name of one type (written for this project): titles before people, head
#: words of organisation names, kinds of place. Looked up on the word without its clitics.
TRIGGERS = {
    "PER": "رئيس رئيسة أمير أميرة ملك ملكة شيخ سيد سيدة دكتور دكتورة وزير وزيرة ولي عهد سمو معالي فخامة "
           "سماحة نائب مستشار سفير متحدث لاعب مدرب فريق لواء عميد عقيد جنرال قائد زعيم مرشد إمام "
           "بن ابن بنت أبو أم".split(),
    "ORG": "وزارة شركة جامعة هيئة مجلس بنك مصرف منظمة وكالة حزب جمعية مؤسسة اتحاد نادي صندوق مركز جبهة "
           "حركة لجنة محكمة جيش قوات إدارة مديرية بلدية أمانة غرفة معهد أكاديمية كلية مستشفى صحيفة "
           "قناة إذاعة تلفزيون مجموعة ائتلاف تحالف برلمان كونغرس".split(),
    "LOC": "مدينة محافظة منطقة دولة ولاية جمهورية مملكة إمارة عاصمة بلدة قرية إقليم أراضي "
           "شمال جنوب شرق غرب وسط حي شارع ميناء مطار جزيرة جزر بحر نهر جبل خليج قطاع ضاحية".split(),
}
_TRIGGER_OF = {normalise(w): k for k, words in TRIGGERS.items() for w in words}


def trigger(word: str) -> str | None:
    """The type a word announces (``والوزارة`` → ORG), trying it with and without its clitics."""
    w = normalise(word)
    for cand in (w, core(word), core_no_conj(w), core_no_conj(w[1:]) if w[:1] in "وفبلك" else ""):
        kind = _TRIGGER_OF.get(cand) or _TRIGGER_OF.get("ال" + cand if not cand.startswith("ال") else cand[2:])
        if kind:
            return kind
    return None


def shape(word: str) -> str:
    if _ARABIC.match(word):
        return "ar"
    if _LATIN.match(word):
        return "Lu" if word[0].isupper() else "lat"
    if _DIGITS.match(word):
        return "num"
    if _PUNCT.match(word):
        return "punct"
    return "mix"


class Featuriser:
    """Turns a sentence (a list of tokens) into CRFsuite feature lists, with a per-word cache."""

    def __init__(self, gazetteer: Gazetteer | None = None, cache_size: int = 300_000,
                 clusters: dict[str, tuple[int, ...]] | None = None, extended: bool = False):
        self.gazetteer = gazetteer
        self.clusters = clusters
        self.extended = extended
        self._near, self._far = (_NEAR_X, _FAR_X) if extended else (_NEAR, _FAR)
        self._cache: dict[str, tuple[list[str], dict[int, list[str]]]] = {}
        self._cache_size = cache_size

    def own(self, word: str) -> list[str]:
        """The word's own features, ``key=value`` strings, the first always ``w=<normalised form>``."""
        w = normalise(word)
        c = core_of_normalised(w)
        out = ["w=" + w, "c=" + c, "st=" + arabic_stem(c), "sh=" + shape(word),
               "p1=" + w[:1], "p2=" + w[:2], "p3=" + w[:3], "s1=" + w[-1:], "s2=" + w[-2:], "s3=" + w[-3:],
               "cp2=" + c[:2], "cs2=" + c[-2:], "cs3=" + c[-3:],
               "len=" + str(min(len(c), 8)), "al=1" if c != w else "al=0"]
        if self.gazetteer is not None:
            out += ["g=" + kind for kind in sorted(self.gazetteer.lookup_normalised(w, c))]
        if self.clusters is not None:
            ks = self.clusters.get(c)
            out += [f"k={i}:{k}" for i, k in enumerate(ks)] if ks else ["k=none"]
        if self.extended:
            kind = trigger(word)
            if kind:
                out.append("tr=" + kind)
            out += ["cp3=" + c[:3], "cs1=" + c[-1:]]
        return out

    def _entry(self, word: str) -> tuple[list[str], dict[int, list[str]]]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        own = self.own(word)
        keyed = [(f.partition("=")[0], f) for f in own]
        ctx = {}
        for off in WINDOW:
            keys = self._near if abs(off) == 1 else self._far
            ctx[off] = [f"{off}{f}" for k, f in keyed if k in keys]
        entry = (own, ctx)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[word] = entry
        return entry

    def sentence(self, tokens: Sequence[str]) -> list[list[str]]:
        n = len(tokens)
        entries = [self._entry(t) for t in tokens]
        phrases = self.gazetteer.match_phrases(tokens) if self.gazetteer is not None else [None] * n
        words = [e[0][0] for e in entries]  # "w=..." strings
        out: list[list[str]] = []
        for i in range(n):
            feats = ["bias", *entries[i][0]]
            for off in WINDOW:
                j = i + off
                if 0 <= j < n:
                    feats.extend(entries[j][1][off])
                elif off in (-1, 1):
                    feats.append(f"{off}BOS" if off < 0 else f"{off}EOS")
            if i > 0:
                feats.append(f"bi-={words[i - 1][2:]}|{words[i][2:]}")
            if i + 1 < n:
                feats.append(f"bi+={words[i][2:]}|{words[i + 1][2:]}")
            if phrases[i]:
                feats.append("mg=" + phrases[i])
            if i > 0 and phrases[i - 1]:
                feats.append("-1mg=" + phrases[i - 1])
            if i + 1 < n and phrases[i + 1]:
                feats.append("+1mg=" + phrases[i + 1])
            out.append(feats)
        return out
