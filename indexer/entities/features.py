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
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from arshif.analysis.filters import arabic_stem

from .gazetteer import Gazetteer, core, normalise

_ARABIC = regex.compile(r"^[\p{Arabic}]+$")
_LATIN = regex.compile(r"^[\p{Latin}]+$")
_DIGITS = regex.compile(r"^[\p{Nd}.,٫٬]+$")
_PUNCT = regex.compile(r"^[^\p{L}\p{N}]+$")

#: Offsets of the context window, and which of a neighbour's features it contributes.
WINDOW = (-2, -1, 1, 2)
_NEAR = ("w", "c", "g", "sh", "p2", "s2", "k")  # features of the ±1 neighbours
_FAR = ("w", "c", "g")  # features of the ±2 neighbours


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
                 clusters: dict[str, tuple[int, ...]] | None = None):
        self.gazetteer = gazetteer
        self.clusters = clusters
        self._cache: dict[str, tuple[list[str], dict[int, list[str]]]] = {}
        self._cache_size = cache_size

    def _word(self, word: str) -> dict[str, list[str]]:
        w = normalise(word)
        c = core(word)
        feats: dict[str, list[str]] = {
            "w": [w], "c": [c], "st": [arabic_stem(c)], "sh": [shape(word)],
            "p1": [w[:1]], "p2": [w[:2]], "p3": [w[:3]], "s1": [w[-1:]], "s2": [w[-2:]], "s3": [w[-3:]],
            "cp2": [c[:2]], "cs2": [c[-2:]], "cs3": [c[-3:]],
            "len": [str(min(len(c), 8))],
            "al": ["1" if c != w else "0"],
            "g": sorted(self.gazetteer.lookup(word)) if self.gazetteer is not None else [],
        }
        if self.clusters is not None:
            ks = self.clusters.get(c)
            feats["k"] = [f"{i}:{k}" for i, k in enumerate(ks)] if ks else ["none"]
        return feats

    def _entry(self, word: str) -> tuple[list[str], dict[int, list[str]]]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        f = self._word(word)
        own = [f"{k}={v}" for k, vals in f.items() for v in vals]
        ctx = {}
        for off in WINDOW:
            keys = _NEAR if abs(off) == 1 else _FAR
            ctx[off] = [f"{off}{k}={v}" for k in keys for v in f.get(k, ())]
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
