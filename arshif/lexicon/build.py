"""Compile the bilingual resources in ``../shared`` into the lexicon's data files.

Not imported at run time: search reads only the files this writes. Two outputs,
because the licences differ (see ``arshif/lexicon/README.md``):

``python -m arshif.lexicon.build shipped``
    Regenerates the files committed under ``arshif/lexicon/data/`` — only
    resources whose licences allow redistribution, each file with its own
    licence and attribution in its header:

    * ``tatoeba.tsv`` — English↔Arabic word pairs aligned (IBM Model 1, both
      directions) from the Tatoeba sentence pairs — CC BY 2.0 FR;
    * ``ntrex.tsv`` — the same from the NTREX-128 news test set — CC BY-SA 4.0;
    * ``names.tsv`` — Latin↔Arabic name spellings from Google's transliteration
      pairs (Apache-2.0) and Wikidata names (CC0);
    * ``cities.tsv`` — the Arabic/English world-cities list — CC BY 4.0.

``python -m arshif.lexicon.build optional [--data-dir DIR]``
    Writes the resources that may not ship with the project into the
    archive's data directory (``ARSHIF_DATA_DIR``/lexicon, read from there when
    present), each beside a ``LICENSE-…`` note:

    * ``muse.tsv`` — the MUSE ar↔en dictionaries — CC BY-NC 4.0 (non-commercial);
    * ``anetac.tsv`` — ANETAC typed name pairs — research use, no licence stated.

Aligned pairs are kept as surface forms (the most frequent written form of each
stem), so searching them re-analyses them into the same terms.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from arshif.lexicon.function_words import AR_FUNCTION, EN_FUNCTION
from arshif.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).parent
DATA = HERE / "data"
DEFAULT_SHARED = PROJECT_ROOT.parent / "shared"
ARABIC_WORD = re.compile(r"^[\u0621-\u064A]+$")
LATIN_WORD = re.compile(r"^[a-z][a-z'-]*$")

def _analysers():
    from arshif.analysis import get_analyzer

    return get_analyzer("arshif_text"), get_analyzer("arshif_exact")


def _tokens(text: str, lang: str, stem, exact, function: set[str]) -> list[tuple[str, str]]:
    """(stem, written form) of each content word; function words, digits and the other script dropped."""
    out = []
    for word in re.findall(r"[\w'’-]+", text):
        word = word.replace("’", "'").strip("'-")
        if not word or any(ch.isdigit() for ch in word):
            continue
        low = word.lower()
        if low in function:
            continue
        forms = exact.terms(word)
        stems = stem.terms(word)
        if len(forms) != 1 or len(stems) != 1:
            continue
        form = forms[0]
        if (lang == "ar" and not ARABIC_WORD.match(form)) or (lang == "en" and not LATIN_WORD.match(form)):
            continue
        if form in function or len(stems[0]) < 2:
            continue
        out.append((stems[0], form))
    return out


def ibm1(pairs: list[tuple[list[str], list[str]]], iterations: int = 6) -> dict[str, dict[str, float]]:
    """IBM Model 1 translation table t(target | source), with a NULL source word, by EM."""
    t: dict[str, dict[str, float]] = defaultdict(dict)
    for src, tgt in pairs:
        for s in src + ["<null>"]:
            row = t[s]
            for w in tgt:
                row[w] = 1.0
    for _ in range(iterations):
        count: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        total: dict[str, float] = defaultdict(float)
        for src, tgt in pairs:
            src = src + ["<null>"]
            for w in tgt:
                z = sum(t[s][w] for s in src)
                for s in src:
                    c = t[s][w] / z
                    count[s][w] += c
                    total[s] += c
        t = defaultdict(dict, {s: {w: c / total[s] for w, c in row.items()} for s, row in count.items()})
    return t


#: Both directions' probability a pair seen in one sentence pair only needs to be kept.
SINGLE_MIN_P = 0.5


def align(pairs: list[tuple[str, str]], min_count: int = 2) -> list[tuple[str, str, float, int]]:
    """Word pairs from sentence pairs: (English form, Arabic form, weight, co-occurrences), best first.

    Both directions of IBM Model 1 are trained on stems; a pair is kept when each
    direction gives it at least 0.1 and the two words co-occur ``min_count`` times, or
    when they co-occur once and each direction gives it at least ``SINGLE_MIN_P`` (a rare
    word in a short sentence pair: "The embassy is closed" / "السفارة مغلقة").
    Weight: the geometric mean of the two directions.
    """
    stem, exact = _analysers()
    sents = []
    forms = {"en": defaultdict(Counter), "ar": defaultdict(Counter)}
    cooc: Counter = Counter()
    for en, ar in pairs:
        e = _tokens(en, "en", stem, exact, EN_FUNCTION)
        a = _tokens(ar, "ar", stem, exact, AR_FUNCTION)
        if not e or not a or len(e) > 60 or len(a) > 60:
            continue
        for s, f in e:
            forms["en"][s][f] += 1
        for s, f in a:
            forms["ar"][s][f] += 1
        es, as_ = [s for s, _ in e], [s for s, _ in a]
        sents.append((es, as_))
        cooc.update((x, y) for x in set(es) for y in set(as_))
    ea = ibm1(sents)
    ae = ibm1([(a, e) for e, a in sents])
    out = []
    for (e, a), n in cooc.items():
        p1 = ea.get(e, {}).get(a, 0.0)
        p2 = ae.get(a, {}).get(e, 0.0)
        if n < min_count and not (p1 >= SINGLE_MIN_P and p2 >= SINGLE_MIN_P):
            continue
        if p1 < 0.1 or p2 < 0.1:
            continue
        out.append((forms["en"][e].most_common(1)[0][0], forms["ar"][a].most_common(1)[0][0],
                    round(math.sqrt(p1 * p2), 3), n))
    out.sort(key=lambda r: (r[0], -r[2]))
    return out


def _write(path: Path, header: list[str], rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        for row in rows:
            fh.write("\t".join(str(c) for c in row) + "\n")
            n += 1
    print(f"wrote {n:>6} rows to {path}")
    return n


PAIR_COLUMNS = "columns: english<TAB>arabic<TAB>weight (0–1)<TAB>count"


def build_tatoeba(shared: Path) -> None:
    pairs = []
    for line in (shared / "lexicon" / "tatoeba" / "ara-eng.txt").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 2:
            pairs.append((cols[0], cols[1]))
    _write(DATA / "tatoeba.tsv", [
        "English ↔ Arabic word pairs aligned by arshif/lexicon/build.py (IBM Model 1, both directions) from the",
        f"Tatoeba sentence pairs ({len(pairs)} pairs, https://tatoeba.org, via manythings.org/anki).",
        "Licence: CC BY 2.0 FR (https://creativecommons.org/licenses/by/2.0/fr/). Attribution: the Tatoeba",
        "contributors; sentence numbers and authors are listed per pair in the source file ara-eng.txt.",
        PAIR_COLUMNS], align(pairs))


def build_ntrex(shared: Path) -> None:
    root = shared / "lexicon" / "ntrex"
    en = (root / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    ar = (root / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    pairs = list(zip(en, ar))
    _write(DATA / "ntrex.tsv", [
        "English ↔ Arabic word pairs aligned by arshif/lexicon/build.py (IBM Model 1, both directions) from",
        f"NTREX-128 (Federmann, Kocmi, Xin, 2022; {len(pairs)} news sentence pairs, newstest2019 English → Arabic).",
        "Licence: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); this file is shared under the",
        "same licence. Source: https://github.com/MicrosoftTranslator/NTREX",
        PAIR_COLUMNS], align(pairs, min_count=2))


def build_names(shared: Path) -> None:
    """Latin ↔ Arabic spellings of single name words, with how often each pair was seen."""
    root = shared / "gazetteers" / "translit"
    counts: Counter = Counter()
    for line in (root / "wd_arabic.normalized.aligned.tokens").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) != 3:
            continue
        latin, arabic, n = cols[0].strip().lower(), cols[1].replace(" ", ""), cols[2]
        if LATIN_WORD.match(latin) and ARABIC_WORD.match(arabic) and len(latin) >= 2:
            counts[(latin, arabic)] += int(n) if n.isdigit() else 1
    for line in (root / "google_ar2en.txt").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) != 2:
            continue
        arabic, latin = cols[0].strip(), cols[1].strip().lower()
        if LATIN_WORD.match(latin) and ARABIC_WORD.match(arabic) and len(latin) >= 2:
            counts[(latin, arabic)] += 1
    rows = sorted(((lat, ar, n) for (lat, ar), n in counts.items()), key=lambda r: (r[0], -r[2]))
    _write(DATA / "names.tsv", [
        "Latin ↔ Arabic spellings of name words, compiled by arshif/lexicon/build.py from:",
        "- Wikidata name tokens (wd_arabic.normalized.aligned.tokens) — CC0 1.0 (public domain dedication);",
        "- Google's Arabic→English transliteration pairs (google_ar2en.txt) — Apache License 2.0,",
        "  Copyright Google LLC; see https://www.apache.org/licenses/LICENSE-2.0.",
        "columns: latin<TAB>arabic<TAB>times seen"], rows)


def build_cities(shared: Path) -> None:
    """World cities (and their countries) as lexicon entries; English names that are common words are left out."""
    from arshif.lexicon import read_entries

    common = _common_english(shared)
    known_ar = set()
    for name in ("news_terms.tsv", "places.tsv"):
        for e in read_entries(HERE / name):
            known_ar.update(e.arabic)
    rows = []
    path = shared / "gazetteers" / "world-cities" / "world-cities.csv"
    with path.open(encoding="utf-8-sig") as fh:
        for rec in csv.DictReader(fh):
            en, ar = rec["CityNameEn"].strip(), rec["CityNameAr"].strip()
            ar = re.sub(r"^(ولاية|محافظة|مقاطعة|إقليم|اقليم|منطقة|مدينة)\s+", "", ar)
            if not en or not ar or len(en) <= 3 or not re.match(r"^[\u0621-\u064A ]+$", ar):
                continue
            if en.lower() in common or not re.match(r"^[A-Za-z][A-Za-z' .-]+$", en):
                continue
            rows.append(("name", en, ar, f"world-cities:{rec['CountryNameEn']}"))
    _write(DATA / "cities.tsv", [
        "English ↔ Arabic city names compiled by arshif/lexicon/build.py from the world-cities list",
        "(Wikidata-derived, 6,340 cities of 184 countries). Licence: CC BY 4.0",
        "(https://creativecommons.org/licenses/by/4.0/); a few pairs in the source are wrong.",
        "City names that are also common English words (seen in lower case in Tatoeba) are left out.",
        "columns: kind<TAB>english<TAB>arabic<TAB>source"], rows)


def _common_english(shared: Path) -> set[str]:
    """Words Tatoeba's English sentences use in lower case (so 'Nice' and 'Reading' are words, not cities)."""
    seen: Counter = Counter()
    for line in (shared / "lexicon" / "tatoeba" / "ara-eng.txt").read_text(encoding="utf-8").splitlines():
        words = re.findall(r"[A-Za-z]+", line.split("\t")[0])
        seen.update(w for w in words[1:] if w.islower())
    return {w for w, n in seen.items() if n >= 2}


def build_optional(shared: Path, out: Path) -> None:
    muse = shared / "lexicon" / "muse"
    rows = []
    for name, en_first in (("en-ar.muse.tsv", True), ("ar-en.muse.tsv", False)):
        per_source: Counter = Counter()
        for line in (muse / name).read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) != 2:
                continue
            src, tgt = cols[0].strip(), cols[1].strip()
            en, ar = (src, tgt) if en_first else (tgt, src)
            en = en.lower()
            if not LATIN_WORD.match(en) or not ARABIC_WORD.match(ar) or en in EN_FUNCTION or ar in AR_FUNCTION:
                continue
            per_source[src] += 1
            weight = round(1.0 / per_source[src] ** 0.5, 3)  # the first pairs of a word are its usual senses
            rows.append((en, ar, weight, "en-ar" if en_first else "ar-en"))
    _write(out / "muse.tsv", [
        "MUSE bilingual dictionaries ar-en and en-ar (Conneau et al., 2018, https://github.com/facebookresearch/MUSE),",
        "filtered by arshif/lexicon/build.py. Licence: CC BY-NC 4.0 — non-commercial use only. NOT part of Arshif's",
        "distribution: built on your machine by `python -m arshif.lexicon.build optional`.",
        "columns: english<TAB>arabic<TAB>weight<TAB>direction"], rows)
    (out / "LICENSE-muse.txt").write_text(
        "muse.tsv is derived from the MUSE dictionaries (Facebook Research), licensed CC BY-NC 4.0:\n"
        "https://creativecommons.org/licenses/by-nc/4.0/ — attribution required, non-commercial use only.\n"
        "Cite: Conneau, Lample, Ranzato, Denoyer, Jégou. Word Translation Without Parallel Data. ICLR 2018.\n",
        encoding="utf-8")
    rows = []
    for line in (shared / "gazetteers" / "anetac" / "EN-AR_Named-entities.txt").read_text(encoding="utf-8").splitlines():
        cols = line.split()
        if len(cols) == 3 and LATIN_WORD.match(cols[1].lower()) and ARABIC_WORD.match(cols[2]):
            rows.append((cols[1].lower(), cols[2], 1, cols[0].lower()))
    _write(out / "anetac.tsv", [
        "ANETAC English–Arabic named-entity pairs (Hadj Ameur, Meziane, Guessoum, 2019, arXiv:1907.03110).",
        "Research use; the dataset states no licence. NOT part of Arshif's distribution: built on your machine by",
        "`python -m arshif.lexicon.build optional`.",
        "columns: latin<TAB>arabic<TAB>times seen<TAB>type"], rows)
    (out / "LICENSE-anetac.txt").write_text(
        "anetac.tsv is derived from ANETAC (https://github.com/MohamedHadjAmeur/ANETC-Arabic-Named-Entity-"
        "Transliteration-and-Classification-Dataset).\nNo licence is stated: research use only. Cite: Hadj Ameur, "
        "Meziane, Guessoum. ANETAC: Arabic Named Entity Transliteration and Classification Dataset. 2019.\n",
        encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m arshif.lexicon.build", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["shipped", "optional"],
                        help="shipped: regenerate arshif/lexicon/data/ (licences allow redistribution); "
                             "optional: MUSE (CC BY-NC) and ANETAC (research use) into the data directory")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared resources (../shared)")
    parser.add_argument("--data-dir", type=Path, help="archive data directory (default: ARSHIF_DATA_DIR)")
    args = parser.parse_args(argv)
    if args.what == "shipped":
        build_tatoeba(args.shared)
        build_ntrex(args.shared)
        build_names(args.shared)
        build_cities(args.shared)
    else:
        settings = Settings() if args.data_dir is None else Settings(data_dir=args.data_dir)
        build_optional(args.shared, settings.lexicon_path)
        print(f"cross-lingual search reads them from {settings.lexicon_path} (ARSHIF_LEXICON_DIR)")


if __name__ == "__main__":
    main()
