"""Bylines as people mean them: place, outlet and author, so one writer or agency is one facet value.

Saudi and Gulf papers print the same byline many ways: ``الرياض - الوئام :``, ``الرياض-الوئام:``,
``واس - الرياض``, ``عكاظ (جدة)``, ``«الاقتصادية» من الرياض``, ``القاهرة - مكتب الجزيرة - طارق محيي:``.
Split at the usual separators (dash, colon, brackets, ``من``), each part is recognised as a place
(the cities and countries of ``arshif/lexicon/places.tsv``), an outlet (news agencies below, and the
names of sources in ``arshif/sources.tsv``) or a person (two to five words that are neither).

When that reading is clear the author becomes the person, else the outlet (an agency before the
paper that printed it), and the place is kept as the dateline; when it is not, the byline is only
tidied (dashes and colons spaced one way) and kept, so nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from arshif.lexicon import HERE as LEXICON_DIR
from arshif.sources import fold, sources

# Agencies as bylines write them → the one name to show. Written by hand for Arshif.
AGENCIES = {
    "واس": "واس", "وكالة الانباء السعودية": "واس",
    "رويترز": "رويترز", "Reuters": "رويترز",
    "ا ف ب": "أ ف ب", "اف ب": "أ ف ب", "ا ف ب ": "أ ف ب", "فرانس برس": "أ ف ب", "AFP": "أ ف ب",
    "د ب ا": "د ب أ", "يو بي اي": "يو بي آي", "يو بي آي": "يو بي آي", "ا ب": "أ ب", "اسوشيتد برس": "أ ب",
    "AP": "أ ب", "الاناضول": "الأناضول", "وكالات": "وكالات", "الوكالات": "وكالات", "سبوتنيك": "سبوتنيك", "شينخوا": "شينخوا",
}
# Datelines that places.tsv lacks (Saudi governorates and regions, capitals whose Arabic name GeoNames
# does not give). Written by hand for Arshif.
EXTRA_PLACES = ("واشنطن", "الأحساء", "الاحساء", "الهفوف", "عنيزة", "الطائف", "القطيف", "نجران", "القصيم",
                "الخرطوم", "القدس", "جنيف", "الخبر", "الجبيل", "الظهران", "حفر الباطن", "المجمعة", "الزلفي",
                "شرورة", "بيشة", "القنفذة", "رابغ", "صبيا", "محايل عسير", "خميس مشيط", "الرس", "الخفجي",
                "رفحاء", "طريف", "سكاكا", "الجوف", "الحدود الشمالية", "عسير", "جازان", "جيزان", "المنطقة الشرقية",
                "الشرقية", "مكة المكرمة", "العاصمة المقدسة", "نيويورك", "بروكسل", "رام الله", "غزة", "عدن")
# Words that only say how the piece came (wrote, follow-up…): dropped.
NOISE = {fold(w) for w in {"كتب", "كتبت", "متابعة", "متابعات", "تقرير", "خاص", "حوار", "اعداد", "ترجمة", "مكتب", "من",
         "الإلكترونية", "الإلكتروني", "أونلاين", "نت", "بالعربية", "المحليات", "عواصم", "*"}}
_QUOTES = re.compile(r"[«»\"“”„'{}]")
_BRACKETS = re.compile(r"\s*[()\[\]]\s*")
_SPLIT = re.compile(r"\s*[:：،,|/]\s*|\s+[-–—ـ]+\s*|\s*[-–—]+\s+|(?<=\S)-(?=\S)|\s+من\s+")
_PERSONISH = re.compile(r"^[\u0621-\u0652\u0671\u0640. ]+$|^[A-Za-z][A-Za-z.' ]+$")
_READABLE = re.compile(r"^[\w\s\-–—ـ:：،,|/«»\"“”„'{}()\[\].*]+$")
MAX_LENGTH = 80


@dataclass(frozen=True)
class Byline:
    author: str  # what the author facet shows
    place: str = ""  # the dateline, when the byline named one
    outlet: str = ""


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    names: set[str] = set()
    for line in (LEXICON_DIR / "places.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 3 and not line.startswith("#"):
            names.update(fold(n) for n in cols[2].split("|") if n)
            names.update(fold(n) for n in cols[1].split("|") if n)
    names.update(fold(n) for n in EXTRA_PLACES)
    return frozenset(names)


@lru_cache(maxsize=1)
def _outlets() -> dict[str, str]:
    """Folded outlet name → name to show (agencies, and every name of every known source)."""
    out = {fold(k): v for k, v in AGENCIES.items()}
    table = sources()
    for value, row in table.by_value.items():
        show = row.ar or row.en or value
        for n in table.names(value):
            out.setdefault(fold(n), show)
    return out


@lru_cache(maxsize=1024)
def _own_names(table, source: str) -> frozenset[str]:
    """The folded names a source goes by in ``table`` (folded once per source, not once per article; a
    reread table is another key)."""
    return frozenset(fold(n) for n in table.names(source))


def _strip_noise(part: str) -> str:
    words = [w for w in part.split() if fold(w) not in NOISE]
    return " ".join(words)


def _plain(byline: str) -> str:
    """Quotes off, brackets as separators: 'عكاظ (جدة)' → 'عكاظ : جدة :'."""
    return _BRACKETS.sub(" : ", _QUOTES.sub(" ", byline))


def _tidy(byline: str) -> str:
    """The byline with separators spaced one way: 'الرياض-الوئام:' → 'الرياض - الوئام'."""
    parts = [p.strip() for p in _SPLIT.split(_plain(byline)) if p and p.strip()]
    return " - ".join(parts) if parts else byline.strip()


def parse_byline(byline: str, source: str = "") -> Byline:
    """Place / outlet / author of one byline; ``source`` (the article's) settles 'الرياض' city vs paper."""
    raw = " ".join(byline.split()).strip(" :-–—ـ")
    if not raw or len(raw) > MAX_LENGTH or not _READABLE.match(raw):
        return Byline(raw)  # long, or with markup or symbols: not a byline pattern we know
    parts = [_strip_noise(p) for p in _SPLIT.split(_plain(raw))]
    parts = [p for p in parts if p]
    places, outlets = _places(), _outlets()
    if len(parts) == 1:  # 'كتب - عبدالله الحنيان', 'متابعة - الرياض الإلكتروني', or just a name
        only = parts[0]
        if fold(only) in outlets:
            return Byline(outlets[fold(only)], "", outlets[fold(only)])
        separated = len([p for p in _SPLIT.split(_plain(raw)) if p.strip()]) > 1
        return Byline(only if separated else raw)  # a plain name keeps its quotes: 'Ann "Quote" Writer'
    if not parts:
        return Byline(_tidy(raw))
    own = _own_names(sources(), source) if source else frozenset()
    kinds: list[str] = []
    for p in parts:
        key = fold(p)
        is_place, is_outlet = key in places, key in outlets
        if is_place and is_outlet:
            kinds.append("both")
        elif is_outlet:
            kinds.append("outlet")
        elif is_place:
            kinds.append("place")
        elif _PERSONISH.match(p) and 2 <= len(p.split()) <= 5:
            kinds.append("person")
        else:
            return Byline(_tidy(raw))  # a part we cannot read: keep the byline, tidied
    for i, kind in enumerate(kinds):  # 'الرياض' is a city and a paper: the other parts decide
        if kind == "both":
            key = fold(parts[i])
            if "place" in kinds or (key in own and "person" not in kinds):
                kinds[i] = "outlet"
            else:
                kinds[i] = "place"
    persons = [p for p, k in zip(parts, kinds) if k == "person"]
    found_places = [p for p, k in zip(parts, kinds) if k == "place"]
    found_outlets = [outlets[fold(p)] for p, k in zip(parts, kinds) if k == "outlet"]
    if len(persons) > 1:  # several correspondents: which place goes with whom is not clear
        return Byline(_tidy(raw))
    agencies = [o for o in found_outlets if o in AGENCIES.values()]
    outlet = (agencies or found_outlets or [""])[0]
    place = " - ".join(found_places)  # 'برمنغهام - بريطانيا
    if persons:
        return Byline(persons[0], place, outlet)
    if outlet:
        return Byline(outlet, place, outlet)
    return Byline(_tidy(raw))
