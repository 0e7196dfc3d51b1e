"""Build ``stories_labels.json``: SaudiNewsNet article pairs labelled same story / not, by ids only.

    .venv/bin/python -m bench.stories_labels [--pairs 360] [--seed 14]

How the pairs are chosen (no corpus text is written, only ids, the label and the stratum):

* ``title`` — pairs of articles published within three days of each other whose titles share at least
  three normalised words: where copies and different reports of one event both live (the hard cases);
* ``body`` — pairs whose bodies share at least a fifth of their distinct words but whose titles share
  at most one: rewritten headlines over shared text, and same-topic reports (routine weather, prices);
* ``random`` — pairs drawn at random from the same day, nearly all different stories.

How each pair is labelled — independently of the story assigner (no MinHash, no shingles): the two
bodies are aligned word by word (``difflib.SequenceMatcher`` over normalised words, no junk heuristic),
and ``coverage`` is the share of the shorter body's words inside matching blocks of at least 8 words.
A pair is the same story when ``coverage ≥ 0.5`` (one is a copy, an excerpt or an edited version of the
other: the sense of "copies" in issue 14), different when ``coverage < 0.2``; pairs in between are
ambiguous and left out of the sample (their number is printed and recorded in the file's ``_method``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import unicodedata
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from arshif.settings import PROJECT_ROOT
from indexer.pipeline import prepare
from indexer.readers import ReadProblem, read_paths

SAUDI = PROJECT_ROOT.parent / "shared" / "corpora" / "saudinewsnet"
LABELS = Path(__file__).with_name("stories_labels.json")
MIN_BLOCK = 8
SAME, DIFFERENT = 0.5, 0.2
_WORD = re.compile(r"[\w\u0600-\u06FF]+")
_STOP = set("في من على الى إلى عن مع ان أن التي الذي هذا هذه و او أو ما لا قد كان".split())


def words(text: str) -> list[str]:
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if not "\u064B" <= ch <= "\u0652")
    text = text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "\u0640": None}))
    return [w for w in _WORD.findall(text.lower())]


def coverage(a: list[str], b: list[str]) -> float:
    """Share of the shorter word list inside blocks of ≥ MIN_BLOCK words that also occur, in order, in the other."""
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    sm = difflib.SequenceMatcher(None, short, long_, autojunk=False)
    matched = sum(block.size for block in sm.get_matching_blocks() if block.size >= MIN_BLOCK)
    return matched / len(short)


def load() -> list:
    out = []
    for item in read_paths(sorted(SAUDI.glob("*.zip"))):
        if isinstance(item, ReadProblem):
            continue
        a = prepare(item)
        if a.body.strip():
            out.append(a)
    return out


def candidates(arts, rng: random.Random) -> dict[str, list[tuple[int, int]]]:
    by_day = defaultdict(list)
    for i, a in enumerate(arts):
        d = a.published or (a.extracted.date() if a.extracted else None)
        if d:
            by_day[d].append(i)
    title_words = [set(w for w in words(a.title) if w not in _STOP and len(w) > 2) for a in arts]
    body_words = [set(words(a.body[:3000])) for a in arts]
    # title stratum: shared title words, within three days (an inverted index on title words)
    index = defaultdict(list)
    for i, ws in enumerate(title_words):
        for w in ws:
            index[w].append(i)
    title_pairs = set()
    order = list(range(len(arts)))
    rng.shuffle(order)
    for i in order[:6000]:
        counts = defaultdict(int)
        for w in title_words[i]:
            if len(index[w]) > 400:
                continue  # too common to say anything
            for j in index[w]:
                if j != i:
                    counts[j] += 1
        near = [j for j, c in counts.items() if c >= 3 and _close(arts[i], arts[j])]
        if near:
            title_pairs.add(tuple(sorted((i, rng.choice(near)))))
    # body stratum: same day, shared body words, different titles
    body_pairs = set()
    days = list(by_day)
    for _ in range(60000):
        day = rng.choice(days)
        if len(by_day[day]) < 2:
            continue
        i, j = rng.sample(by_day[day], 2)
        bi, bj = body_words[i], body_words[j]
        if not bi or not bj:
            continue
        if len(bi & bj) / len(bi | bj) >= 0.2 and len(title_words[i] & title_words[j]) <= 1:
            body_pairs.add(tuple(sorted((i, j))))
    random_pairs = set()
    while len(random_pairs) < 400:
        day = rng.choice(days)
        if len(by_day[day]) >= 2:
            random_pairs.add(tuple(sorted(rng.sample(by_day[day], 2))))
    return {"title": sorted(title_pairs), "body": sorted(body_pairs), "random": sorted(random_pairs)}


def _close(a, b) -> bool:
    da = a.published or (a.extracted.date() if a.extracted else None)
    db = b.published or (b.extracted.date() if b.extracted else None)
    return bool(da and db and abs(da - db) <= timedelta(days=3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--per-stratum", type=int, default=150)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    arts = load()
    print(f"{len(arts)} articles with a body")
    strata = candidates(arts, rng)
    toks = {}
    pairs, left_out = [], defaultdict(int)
    for name, cands in strata.items():
        rng.shuffle(cands)
        kept = 0
        for i, j in cands:
            if kept >= args.per_stratum:
                break
            for k in (i, j):
                if k not in toks:
                    toks[k] = words(arts[k].body)
            cov = coverage(toks[i], toks[j])
            if DIFFERENT <= cov < SAME:
                left_out[name] += 1
                continue
            pairs.append({"a": arts[i].id, "b": arts[j].id, "same": cov >= SAME, "stratum": name,
                          "coverage": round(cov, 3)})
            kept += 1
        print(f"{name}: {len(cands)} candidates, {kept} kept, "
              f"{sum(p['same'] for p in pairs if p['stratum'] == name)} same, {left_out[name]} ambiguous left out")
    LABELS.write_text(json.dumps({
        "_method": (__doc__.split("How the pairs are chosen", 1)[1].strip()
                    + f"\nRun: seed {args.seed}, {args.per_stratum} pairs per stratum; ambiguous pairs left out: "
                    + json.dumps(dict(left_out))),
        "pairs": pairs,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs ({sum(p['same'] for p in pairs)} same) written to {LABELS}")


if __name__ == "__main__":
    main()
