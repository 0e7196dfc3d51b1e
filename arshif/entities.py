"""Named entities on an article, and the one key each entity is counted and filtered under.

A name is written many ways: ``والرياض``, ``الرياض``, ``Riyadh``; ``محمد بن سلمان``
and ``محمد بن سلمان بن عبدالعزيز``. Taggers (``indexer/entities``) find the
mentions; this module turns each mention into a *key* so that a facet counts
one entity once and a filter finds it in both languages:

1. the mention is cleaned: diacritics and tatweel off, a leading title
   (الأمير, الرئيس, President, …) and an attached conjunction or preposition
   (و, ب, ل, …) taken off, an Arabic genealogy cut after its first link
   (``A بن B بن C`` → ``A بن B``);
2. it is looked up in the bilingual lexicon (``arshif/lexicon``: hand-written
   news names, CLDR countries, GeoNames cities) through the same analysed
   keys cross-lingual search uses; a hit gives the English name, so
   ``الرياض`` and ``Riyadh`` share the key ``Riyadh``;
3. people's names are then written word by word in one Latin spelling
   (``arshif/lexicon/names.tsv``: each Arabic name word's most frequent Latin
   spelling, from Wikidata and Google transliteration pairs; an English word
   goes to its Arabic word and back, so Mohammed/Muhammad/Mohamed meet):
   ``دونالد ترامب`` and ``Donald Trump`` are both ``Donald Trump``. A name with an
   Arabic word the table does not know stays in Arabic;
4. otherwise the key is the cleaned name, with Arabic letter variants folded
   (أ/إ/آ → ا, ى → ي, ة → ه) so spelling variants meet.

Filters go through the same function, so ``place:الرياض`` and ``place:Riyadh``
select the same articles. This lives in the core because the write path
(keys at ingest) and the read path (keys of filter values) must agree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

EntityKind = Literal["person", "place", "org"]
ENTITY_KINDS: tuple[str, ...] = ("person", "place", "org")
#: The tagger's labels → the facet names users see.
LABEL_KINDS = {"PER": "person", "LOC": "place", "ORG": "org"}

_DIACRITICS = re.compile("[\u064B-\u0652\u0670\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = "\"'«»“”‘’()[]{}.,،;:؛!?-–—_/\\"

_AR_TITLES = {
    "الملك", "الامير", "الأمير", "الرئيس", "الشيخ", "الدكتور", "د", "د.", "السيد", "السيده", "السيدة", "المهندس",
    "الوزير", "سمو", "صاحب", "السمو", "الملكي", "معالي", "فضيله", "فضيلة", "العاهل", "ولي", "العهد", "الاستاذ",
    "الأستاذ", "اللواء", "العقيد", "العميد", "الفريق", "المشير", "النائب", "الامام", "الإمام", "خادم",
}
_EN_TITLES = {"mr", "mrs", "ms", "dr", "president", "king", "prince", "sheikh", "minister", "sir", "lord",
              "mr.", "mrs.", "ms.", "dr.", "the", "crown", "prime", "chancellor", "senator", "general", "gen."}
_AR_CLITICS = ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك")
_AR_LIL = ("ولل", "فلل", "لل")


class Entity(BaseModel):
    """One entity named in an article: its kind, the key it is counted under, and how the article wrote it."""

    kind: EntityKind
    key: str = Field(description="Canonical name: facets count it, filters match it.")
    name: str = Field(default="", description="The first mention as the article wrote it.")
    count: int = Field(default=1, ge=1, description="Mentions in the article.")
    lang: str = Field(default="", description="Language of the mention ('ar' or 'en').")


def fold_arabic(text: str) -> str:
    """Diacritics and tatweel off, alef/yaa/taa-marbuta variants folded, spaces collapsed."""
    return _SPACES.sub(" ", _DIACRITICS.sub("", text).translate(_FOLD)).strip()


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06FF" for ch in text)


@lru_cache(maxsize=100_000)
def clean_mention(text: str, kind: str) -> str:
    """The mention without edge punctuation and leading titles; an Arabic genealogy cut after its first link.

    Cached: every mention of every article is cleaned for the name it is listed under, and names repeat
    across articles (its key, cached too, cleans it only the first time)."""
    words = [w.strip(_EDGE_PUNCT) for w in _SPACES.split(text.strip())]
    words = [w for w in words if w]
    if _is_arabic(text):
        words = [_DIACRITICS.sub("", w) for w in words]
        if kind == "person":
            while len(words) > 1 and words[0] in _AR_TITLES:
                words = words[1:]
            # A بن B بن C … → A بن B: the usual short form, so both spellings count as one person.
            links = [i for i, w in enumerate(words) if w in ("بن", "ابن", "bin")]
            if len(links) >= 2:
                words = words[:links[1]]
    else:
        if kind == "person":
            while len(words) > 1 and words[0].lower() in _EN_TITLES:
                words = words[1:]
            if words and words[-1].endswith(("'s", "’s")):
                words[-1] = words[-1][:-2]
        elif words and words[0].lower() == "the" and len(words) > 1:
            words = words[1:]
    return " ".join(words)


def _lexicon_name(text: str, kind: str) -> str | None:
    """The English name the bilingual lexicon gives ``text`` (names only, never common terms)."""
    from arshif.lexicon import load_lexicon  # the lexicon is built on first use, not at import

    lex = load_lexicon()
    entries = [e for e in lex.lookup(text, stems=False) if e.match == "exact"]
    if kind != "place":
        # Place names in the generated lists are too easily a person's or a firm's (e.g. a city
        # named after someone): only the hand-written news names link people and organisations.
        entries = [e for e in entries if e.source == "news_terms"]
    return entries[0].english[0] if entries else None


def lexicon_knows(kind: str, text: str) -> bool:
    """Whether the bilingual lexicon names ``text`` as a whole (with an attached و/ب/ل… taken off): a name,
    not a fragment a name table would transliterate (``ال`` → Al)."""
    name = clean_mention(text, kind)
    return bool(name) and _lexicon_link(name, kind) is not None


def _lexicon_link(name: str, kind: str) -> str | None:
    """The lexicon's English name of a cleaned mention, or of it with an attached و/ب/ل… taken off from its
    first word (وبغداد → بغداد); None when it knows neither."""
    linked = _lexicon_name(name, kind)
    if linked or not _is_arabic(name):
        return linked
    words = name.split()
    for variant in _strip_clitic_variants(words[0]):
        linked = _lexicon_name(" ".join([variant, *words[1:]]), kind)
        if linked:
            return linked
    return None


def spelling(kind: str, key: str, name: str) -> str:
    """How a mention is listed among an entity's spellings: without an attached و/ب/ل… when the rest is the
    same entity (والرياض → الرياض), else as the article wrote it."""
    words = name.split()
    for variant in _strip_clitic_variants(words[0]) if words and _is_arabic(name) else ():
        candidate = " ".join([variant, *words[1:]])
        if entity_key(kind, candidate) == key:
            return candidate
    return name


def _strip_clitic_variants(word: str) -> list[str]:
    out = []
    for p in _AR_LIL:  # ل before ال drops the alef: للرياض is ل + الرياض
        if word.startswith(p) and len(word) - len(p) >= 2:
            out.append("ال" + word[len(p):])
    for p in _AR_CLITICS:
        if word.startswith(p) and len(word) - len(p) >= 3:
            out.append(word[len(p):])
    return out


def _without_conjunction(kind: str, words: list[str]) -> list[str]:
    """An unlinked Arabic place's or organisation's name without the لل the tagger took into it (للاتحاد الدولي
    → الاتحاد الدولي: no name begins with لل). Any other و, ب or ل is taken off only where the article itself
    names the rest (see :func:`merge_mentions`): وليد, والمارت and بالتيمور are names of their own."""
    first = words[0]
    if kind != "person" and first.startswith("لل") and len(first) >= 5:
        return ["ال" + first[2:], *words[1:]]
    return words


@lru_cache(maxsize=1)
def _name_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(folded Arabic name word → Latin spelling, Latin spelling → that same Latin spelling's canonical form)."""
    from pathlib import Path

    to_latin: dict[str, str] = {}
    best: dict[str, tuple[int, str]] = {}  # latin spelling → (count, canonical latin)
    path = Path(__file__).parent / "lexicon" / "names.tsv"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            arabic, latin, count, others = (line.rstrip("\n").split("\t") + [""])[:4]
            key = fold_arabic(arabic)
            n = int(count)
            if key not in to_latin or best.get(to_latin[key], (0, ""))[0] < n:
                to_latin[key] = latin
            for spelling in (latin, *[o for o in others.split("|") if o]):
                if spelling not in best or best[spelling][0] < n:
                    best[spelling] = (n, latin)
    return to_latin, {spelling: canonical for spelling, (_, canonical) in best.items()}


def _latin_person(name: str) -> str | None:
    """A person's name in the one Latin spelling both scripts meet on, or None when a word is unknown."""
    to_latin, canonical = _name_tables()
    out = []
    for word in name.split():
        if _is_arabic(word):
            folded = fold_arabic(word)
            latin = to_latin.get(folded)
            if latin is None and folded.startswith("ال") and to_latin.get(folded[2:]):
                latin = "al-" + to_latin[folded[2:]]  # الفيصل → al-faisal
            if latin is None:
                return None
        else:
            low = word.lower().replace("’", "'")
            for article in ("al-", "el-", "al ", "el "):
                if low.startswith(article) and len(low) > 4:
                    latin = "al-" + canonical.get(low[3:], low[3:])
                    break
            else:
                latin = canonical.get(low, low)
        out.append(latin)
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in out) if out else None


@lru_cache(maxsize=100_000)
def entity_key(kind: str, text: str) -> str:
    """The key an entity mention (or a filter value) is counted and matched under; see the module docstring."""
    name = clean_mention(text, kind)
    if not name:
        return ""
    linked = _lexicon_link(name, kind)
    if linked:
        return linked
    if _is_arabic(name):
        words = _without_conjunction(kind, name.split())
        name = " ".join(words)
        if kind == "person":
            latin = _latin_person(name)
            if latin:
                return latin
            if len(words) > 1:  # فلاديمير بوتين: the surname alone may be a name the lexicon knows
                linked = _lexicon_name(words[-1], kind)
                if linked:
                    return linked
        return fold_arabic(name)
    if kind == "person":
        return _latin_person(name) or name
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in name.split())


def merge_mentions(mentions: list[tuple[str, str, str]]) -> list[Entity]:
    """Entities of one article from its ``(kind, text, lang)`` mentions, counted once per key.

    A one-word person mention that is the first or last word of a longer
    person named in the same article is counted as that person (``سلمان`` after
    ``محمد بن سلمان``; ``Trump`` after ``Donald Trump``). An Arabic mention that is
    another of the article's with و, ب, ل… attached is counted as that one
    (``وسالم الدوسري`` beside ``سالم الدوسري``, ``وصالح`` beside ``علي عبدالله صالح``).
    """
    by_key: dict[tuple[str, str], Entity] = {}
    for kind, text, lang in mentions:
        key = entity_key(kind, text)
        if not key:
            continue
        entity = by_key.get((kind, key))
        if entity is None:
            by_key[(kind, key)] = Entity(kind=kind, key=key, name=clean_mention(text, kind) or text, lang=lang)
        else:
            entity.count += 1
    def owner(kind: str, key: str) -> Entity | None:
        """The entity ``key`` stands for in this article: its own, or the one longer person it is part of."""
        if (kind, key) in by_key:
            return by_key[(kind, key)]
        if kind != "person" or " " in key:
            return None
        # (the people still listed: one merged away above counts in its owner)
        owners = [p for (k, pk), p in by_key.items() if k == "person" and " " in pk
                  and key in (pk.split()[0], pk.split()[-1])]
        return owners[0] if len(owners) == 1 else None

    for (kind, key), entity in list(by_key.items()):
        words = entity.name.split()
        if not words or not _is_arabic(words[0]) or fold_arabic(words[0]) in _name_tables()[0] \
                or key != fold_arabic(entity.name):
            continue  # (وليد is a name of its own, وجدة is Oujda, whatever else the article names)
        for variant in _strip_clitic_variants(words[0]):
            target = owner(kind, entity_key(kind, " ".join([variant, *words[1:]])))
            if target is not None and target is not entity:
                target.count += entity.count
                del by_key[(kind, key)]
                break
    people = [e for (k, _), e in by_key.items() if k == "person" and " " in e.key]
    for (kind, key), entity in list(by_key.items()):
        if kind != "person" or " " in key:
            continue
        owners = [p for p in people if key in (p.key.split()[0], p.key.split()[-1])]
        if len(owners) == 1:
            owners[0].count += entity.count
            del by_key[(kind, key)]
    return sorted(by_key.values(), key=lambda e: (ENTITY_KINDS.index(e.kind), -e.count, e.key))
