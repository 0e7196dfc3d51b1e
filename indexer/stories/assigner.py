"""Placing each new article in a story, incrementally, at ingest.

For every article the assigner asks two kinds of MinHash LSH index
(``datasketch.MinHashLSH``, one of each kind per language):

1. **copies** — shingle signatures of every reading of the article (original and
   stored translations) against earlier articles' readings in the same
   language. An estimated shingle Jaccard of at least :data:`COPY_THRESHOLD`
   makes it a copy: the syndicated, republished or lightly edited text of one
   report.
2. **across languages** — when no copy was found, its neutral keys (numbers,
   lexicon entries, name skeletons; see :mod:`.features`) against the articles
   of the *other* language. Candidates are ranked by their MinHash estimate and
   the best few verified with the exact Jaccard of the stored key sets; the best
   at :data:`CROSS_THRESHOLD` or more, and clearly ahead of the runner-up from
   another story (:data:`CROSS_MARGIN`), is the same story told in the other
   language.

The article joins the story of the best match, or starts its own (its story id
is then its own id). Stories are never merged or renumbered afterwards, so a
``story_id`` once written stays valid. An article already placed keeps its
story when it is ingested again (changed or not), which makes re-ingest
idempotent.

Why MinHash LSH (``datasketch``): a query costs a few hash-table look-ups
whatever the archive's size, inserts are incremental, and the estimates are
good enough to rank candidates before the exact check.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zlib
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from arshif.model import Article
from indexer.stories.features import Features, article_features
from indexer.stories.store import Member, StoryStore

log = logging.getLogger("arshif.stories")

NUM_PERM = 64
SEED = 1
#: Estimated shingle Jaccard at which two texts in one language are copies of one report.
COPY_THRESHOLD = 0.25
#: Exact Jaccard of neutral keys at which an article and one in the other language tell one story.
CROSS_THRESHOLD = 0.09
#: …and the best candidate must beat the best one of another story by this factor.
CROSS_MARGIN = 1.5
#: The cross-language LSH is asked for candidates well below the threshold: its banding misses about
#: half the pairs that sit right at its own threshold, and the exact check decides anyway.
CROSS_LSH = 0.04
CROSS_VERIFY = 5          # candidates checked exactly, best estimates first
LANGUAGES = ("ar", "en")


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


_SKETCH = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_crc32, scheme="affine32")


def signature(items: set[str]) -> np.ndarray:
    """MinHash values of a set of strings (CRC-32 per item: deterministic across runs, and fast).

    One MinHash is cleared and reused: building one per article (permutations checked each time)
    cost more than hashing the article's shingles. The assigner is single-threaded.
    """
    _SKETCH.clear()
    if items:
        _SKETCH.update_batch([s.encode("utf-8") for s in items])
    return _SKETCH.hashvalues.copy()


def _as_minhash(values: np.ndarray) -> LeanMinHash:
    """What the LSH index needs of a signature (its values), without a MinHash's permutations."""
    return LeanMinHash(seed=SEED, hashvalues=values, scheme="affine32")


def fingerprint(article: Article) -> str:
    """What the features depend on: the texts of the article and of its done translations."""
    parts = [article.language, article.title, article.body]
    for key in sorted(article.translations):
        tr = article.translations[key]
        if tr.status == "done":
            parts += [tr.language, tr.title, tr.body]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


class StoryAssigner:
    """Assigns ``story_id`` to articles before they are written; see the module docstring."""

    def __init__(self, path: str | Path):
        started = time.perf_counter()
        self.store = StoryStore(path)
        self.copies = {lang: MinHashLSH(threshold=COPY_THRESHOLD, num_perm=NUM_PERM) for lang in LANGUAGES}
        self.cross = {lang: MinHashLSH(threshold=CROSS_LSH, num_perm=NUM_PERM) for lang in LANGUAGES}
        self._sigs: dict[str, np.ndarray] = {}   # "kind:id" → hash values, for estimates without the store
        self._story: dict[str, str] = {}         # article id → story id
        self._lang: dict[str, str] = {}
        n = 0
        for aid, lang, kind, values in self.store.signatures():
            self._index(aid, kind, values)
            n += 1
        for aid, sid, lang in self.store.conn.execute("SELECT id, story_id, language FROM members"):
            self._story[aid] = sid
            self._lang[aid] = lang
        log.info("story index: %d signatures of %d articles loaded in %.1f s", n, len(self._story),
                 time.perf_counter() - started)

    # --- the index ------------------------------------------------------------------------

    def _index(self, aid: str, kind: str, values: np.ndarray) -> None:
        family, _, lang = kind.partition(":")
        lsh = (self.copies if family == "copy" else self.cross).get(lang)
        if lsh is None:
            return
        key = f"{kind}|{aid}"
        if key in self._sigs:
            lsh.remove(aid)
        lsh.insert(aid, _as_minhash(values), check_duplication=False)
        self._sigs[key] = values

    def _unindex(self, aid: str) -> None:
        for key in [k for k in self._sigs if k.endswith("|" + aid)]:
            kind = key.split("|", 1)[0]
            family, _, lang = kind.partition(":")
            lsh = (self.copies if family == "copy" else self.cross)[lang]
            if aid in lsh:
                lsh.remove(aid)
            del self._sigs[key]

    @staticmethod
    def _estimate(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.count_nonzero(a == b)) / len(a)

    # --- assignment -----------------------------------------------------------------------

    def assign(self, articles: list[Article]) -> None:
        """Set ``story_id`` on each article (with its id already fixed), remembering them all."""
        with self.store.transaction():
            for article in articles:
                self.assign_one(article)

    def assign_one(self, article: Article) -> str:
        article.with_id()
        fp = fingerprint(article)
        known = self.store.member(article.id)
        if known is not None and known.fingerprint == fp:
            article.story_id = known.story_id
            return known.story_id
        feats = article_features(article)
        sigs = self._signatures(feats)
        if known is not None:
            story = known.story_id  # an edited article stays in its story
            self._unindex(article.id)
        else:
            story = self._match(article.id, feats, sigs) or article.id
        article.story_id = story
        for kind, m in sigs.items():
            self._index(article.id, kind, m)
        self._story[article.id] = story
        self._lang[article.id] = article.language
        self.store.save(Member(article.id, story, article.language, fp), feats.neutral, sigs)
        return story

    def _signatures(self, feats: Features) -> dict[str, np.ndarray]:
        sigs = {f"copy:{lang}": signature(sh) for lang, sh in feats.shingles.items() if lang in LANGUAGES and sh}
        if feats.neutral and feats.language in LANGUAGES:
            sigs[f"cross:{feats.language}"] = signature(feats.neutral)
        return sigs

    def _match(self, aid: str, feats: Features, sigs: dict[str, np.ndarray]) -> str | None:
        """The story of the best match, or None: copies first, then the other language."""
        best: tuple[float, str] | None = None
        for kind, values in sigs.items():
            family, _, lang = kind.partition(":")
            if family != "copy":
                continue
            for cand in self.copies[lang].query(_as_minhash(values)):
                if cand == aid:
                    continue
                est = self._estimate(values, self._sigs[f"{kind}|{cand}"])
                if est >= COPY_THRESHOLD and (best is None or est > best[0] or (est == best[0] and cand < best[1])):
                    best = (est, cand)
        if best is not None:
            return self._story.get(best[1])
        return self._match_across(aid, feats, sigs)

    def _match_across(self, aid: str, feats: Features, sigs: dict[str, np.ndarray]) -> str | None:
        values = sigs.get(f"cross:{feats.language}")
        if values is None:
            return None
        other = "en" if feats.language == "ar" else "ar"
        kind = f"cross:{other}"
        cands = [c for c in self.cross[other].query(_as_minhash(values)) if c != aid]
        if not cands:
            return None
        ranked = sorted(cands, key=lambda c: (-self._estimate(values, self._sigs[f"{kind}|{c}"]), c))[:CROSS_VERIFY]
        sets = self.store.neutral(ranked)
        scored = sorted(((len(feats.neutral & s) / len(feats.neutral | s), c) for c, s in sets.items() if s),
                        reverse=True)
        if not scored or scored[0][0] < CROSS_THRESHOLD:
            return None
        top, top_id = scored[0]
        story = self._story.get(top_id)
        runner = next((s for s, c in scored[1:] if self._story.get(c) != story), 0.0)
        if runner and top < runner * CROSS_MARGIN:
            return None  # two stories look alike: better alone than in the wrong one
        return story

    def story_of(self, article_id: str) -> str | None:
        return self._story.get(article_id)

    def close(self) -> None:
        self.store.close()
