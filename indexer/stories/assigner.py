"""Placing each new article in a story, incrementally, at ingest.

For every article the assigner looks for two kinds of match:

1. **copies** — shingle signatures of every reading of the article (original and
   stored translations) against earlier articles' readings in the same
   language, through a MinHash LSH index (``datasketch.MinHashLSH``, one per
   language). An estimated shingle Jaccard of at least :data:`COPY_THRESHOLD`
   makes it a copy: the syndicated, republished or lightly edited text of one
   report.
2. **across languages** — when no copy was found, the MinHash of its neutral
   keys (numbers, lexicon entries, name skeletons; see :mod:`.features`) against
   those of every article of the *other* language, in one numpy comparison
   (:meth:`_Signatures.top`). The best few estimates are verified with the exact
   Jaccard of the stored key sets; the best at :data:`CROSS_THRESHOLD` or more,
   and clearly ahead of the runner-up from another story (:data:`CROSS_MARGIN`),
   is the same story told in the other language.

The article joins the story of the best match, or starts its own (its story id
is then its own id). Several writers may share one archive (``arshif ingest``
while the server takes API writes, or several server workers): each batch is
placed under the sidecar's write lock, after taking in what the others placed
since this writer last looked (:meth:`StoryAssigner._catch_up`), so every
writer matches against every article, and an article another writer has just
placed keeps that writer's story. Stories are never merged or renumbered afterwards, so a
``story_id`` once written stays valid. An article already placed keeps its
story when it is ingested again (changed or not), which makes re-ingest
idempotent.

Why MinHash LSH (``datasketch``) for copies: a query costs a few hash-table
look-ups whatever the archive's size, inserts are incremental, and the
estimates are good enough to rank candidates before the exact check. Why no LSH
across languages: twins share only a tenth or so of their neutral keys, and an
LSH tuned that low (one minimum per band) handed back a fifth of the other
language's articles for each query (6,500 of 30,500 on SaudiNewsNet), which
cost more to collect and look up (~30 ms) than comparing every signature in one
numpy expression (~3 ms); the signatures and estimates are datasketch's either way.

Where the time goes: analysing the texts is most of the work, so a batch is
analysed ahead, in the analysis worker processes, while the batch before it
is written (:meth:`StoryAssigner.analyse_ahead`, :mod:`.sketch`); placing it
(:meth:`StoryAssigner.placing`) is then a few LSH look-ups and one row per
article, in the writer, in order.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from arshif.analysis import workers
from arshif.engines import fts_tokens
from arshif.model import Article
from indexer.stories.features import lexicon_keys
from indexer.stories.sketch import NUM_PERM, Analysed, analyse, analyse_items, as_minhash, fingerprint, item_of
from indexer.stories.store import Member, StoryStore

log = logging.getLogger("arshif.stories")

#: Estimated shingle Jaccard at which two texts in one language are copies of one report.
COPY_THRESHOLD = 0.25
#: Exact Jaccard of neutral keys at which an article and one in the other language tell one story.
CROSS_THRESHOLD = 0.09
#: …and the best candidate must beat the best one of another story by this factor.
CROSS_MARGIN = 1.5
CROSS_VERIFY = 5          # candidates checked exactly, best estimates first
LANGUAGES = ("ar", "en")
#: Articles per unit of work sent to an analysis worker, and fewer than this are analysed in-process.
CHUNK = 48


class Ahead:
    """One batch's story analysis, under way in the analysis workers while the writer does other work.

    ``known`` holds the members whose texts did not change (nothing to analyse); the others are
    analysed in chunks, in the workers, or here when the batch is small or the pool broke.
    """

    def __init__(self, articles: list[Article], known: dict[str, Member], fingerprints: list[str],
                 keep_tokens: bool):
        self.articles = articles
        self.known = known
        self.fingerprints = fingerprints
        self.keep_tokens = keep_tokens
        todo = [a for a, fp in zip(articles, fingerprints)
                if a.id not in known or known[a.id].fingerprint != fp]
        self._chunks: list[tuple[list[Article], Future | list[Analysed]]] = []
        pooled = len(todo) >= CHUNK
        for i in range(0, len(todo), CHUNK):
            part = todo[i:i + CHUNK]
            items = [item_of(a) for a in part]
            self._chunks.append((part, workers.submit(analyse_items, items, keep_tokens) if pooled
                                 else analyse_items(items, keep_tokens)))
        self._done: dict[str, Analysed] | None = None

    def results(self) -> dict[str, Analysed]:
        """Article id → its analysis (articles whose texts did not change are not in it)."""
        if self._done is None:
            done: dict[str, Analysed] = {}
            for part, work in self._chunks:
                got = work if isinstance(work, list) else workers.result(work)
                if got is None:  # the pool broke: analyse here
                    got = analyse_items([item_of(a) for a in part], self.keep_tokens)
                done.update((a.id, r) for a, r in zip(part, got))
            self._done = done
        return self._done


def _lean(kind: str, values: np.ndarray, cache: dict | None):
    """The datasketch MinHash of a signature, made once per placement when ``cache`` is given."""
    if cache is None:
        return as_minhash(values)
    m = cache.get(kind)
    if m is None:
        m = cache[kind] = as_minhash(values)
    return m


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sets given as sorted distinct hashes."""
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


class _Signatures:
    """The signatures of one kind (``copy:ar``, ``cross:en``…) as rows of one array, so that the estimates
    of all of a query's candidates (or of every article, :meth:`top`) come from one numpy comparison."""

    def __init__(self):
        self.values = np.empty((1024, NUM_PERM), dtype=np.uint32)
        self.live = np.zeros(1024, dtype=bool)  # False: the article's text changed and lost this kind
        self.row: dict[str, int] = {}
        self.ids: list[str] = []                # row → article id

    def put(self, aid: str, values: np.ndarray) -> None:
        row = self.row.get(aid)
        if row is None:
            row = self.row[aid] = len(self.ids)
            self.ids.append(aid)
            if row == len(self.values):
                self.values = np.concatenate([self.values, np.empty_like(self.values)])
                self.live = np.concatenate([self.live, np.zeros_like(self.live)])
        self.values[row] = values
        self.live[row] = True

    def drop(self, aid: str) -> None:
        row = self.row.get(aid)
        if row is not None:
            self.live[row] = False

    def top(self, values: np.ndarray, k: int, skip: str) -> list[tuple[float, str]]:
        """(estimate, id) of the ``k`` articles whose signatures agree with ``values`` most (at least one
        minimum in common; ``skip`` left out), best first, ties by id so the choice is deterministic."""
        n = len(self.ids)
        if not n:
            return []
        equal = np.count_nonzero(self.values[:n] == values.astype(np.uint32), axis=1)
        equal[~self.live[:n]] = 0
        if skip in self.row:
            equal[self.row[skip]] = 0
        if n > k:  # only those at or above the k-th best count are ranked
            cut = np.partition(equal, n - k)[n - k]
            rows = np.flatnonzero(equal >= max(cut, 1))
        else:
            rows = np.flatnonzero(equal >= 1)
        ranked = sorted((-int(equal[r]), self.ids[r]) for r in rows.tolist())[:k]
        return [(-c / NUM_PERM, aid) for c, aid in ranked]

    def estimates(self, ids: list[str], values: np.ndarray) -> np.ndarray:
        """Estimated Jaccard of ``values`` with each of ``ids``' signatures (the share of equal minima)."""
        rows = np.fromiter((self.row[i] for i in ids), dtype=np.int64, count=len(ids))
        return np.count_nonzero(self.values[rows] == values.astype(np.uint32), axis=1) / NUM_PERM


class StoryAssigner:
    """Assigns ``story_id`` to articles before they are written; see the module docstring."""

    def __init__(self, path: str | Path):
        started = time.perf_counter()
        # The lexicon's keys are built here, once: analysis workers forked from now on inherit them.
        lexicon_keys()
        self.store = StoryStore(path)
        self.copies = {lang: MinHashLSH(threshold=COPY_THRESHOLD, num_perm=NUM_PERM) for lang in LANGUAGES}
        self._sigs: dict[str, _Signatures] = {f"{family}:{lang}": _Signatures()
                                              for family in ("copy", "cross") for lang in LANGUAGES}
        self._kinds: dict[str, list[str]] = {}   # article id → the kinds of signature it has
        self._story: dict[str, str] = {}         # article id → story id
        self._lang: dict[str, str] = {}
        n = 0
        with self.store.snapshot():  # one state of the file, and the newest seq it holds
            for aid, lang, kind, values in self.store.signatures():
                self._index(aid, kind, values)
                n += 1
            for aid, sid, lang in self.store.conn.execute("SELECT id, story_id, language FROM members"):
                self._story[aid] = sid
                self._lang[aid] = lang
            self._seen = self.store.seq  # members up to this one are in the index
        log.info("story index: %d signatures of %d articles loaded in %.1f s", n, len(self._story),
                 time.perf_counter() - started)

    # --- the index ------------------------------------------------------------------------

    def _index(self, aid: str, kind: str, values: np.ndarray, lean: dict | None = None) -> None:
        sigs = self._sigs.get(kind)
        if sigs is None:
            return
        kinds = self._kinds.setdefault(aid, [])
        family, _, lang = kind.partition(":")
        if family == "copy":
            lsh = self.copies[lang]
            if kind in kinds:
                lsh.remove(aid)
            lsh.insert(aid, _lean(kind, values, lean), check_duplication=False)
        if kind not in kinds:
            kinds.append(kind)
        sigs.put(aid, values)

    def _unindex(self, aid: str) -> None:
        for kind in self._kinds.pop(aid, []):
            family, _, lang = kind.partition(":")
            if family == "copy" and aid in self.copies[lang]:
                self.copies[lang].remove(aid)
            self._sigs[kind].drop(aid)

    def _catch_up(self) -> None:
        """Take in the members other writers placed or changed since this one last looked (call inside
        :meth:`StoryStore.transaction`, which holds the write lock: nothing changes meanwhile)."""
        if self.store.seq <= self._seen:
            return
        for aid, sid, lang, _seq, sigs in self.store.since(self._seen):
            self._unindex(aid)
            for kind, values in sigs.items():
                self._index(aid, kind, values)
            self._story[aid] = sid
            self._lang[aid] = lang
        self._seen = self.store.seq

    # --- assignment -----------------------------------------------------------------------

    def analyse_ahead(self, articles: list[Article], keep_tokens: bool = False) -> Ahead:
        """Start the story analysis of a batch (ids fixed) in the analysis workers; see :meth:`placing`.

        ``keep_tokens``: also keep the index's tokens of every text, for an engine that analyses in this
        process (the embedded one), so it need not analyse the same texts again.
        """
        for a in articles:
            a.with_id()
        return Ahead(articles, self.store.members([a.id for a in articles]),
                     [fingerprint(a) for a in articles], keep_tokens)

    @contextmanager
    def placing(self, articles: list[Article], ahead: Ahead | None = None):
        """Set ``story_id`` on each article, in order; the batch's tokens stay at hand for the engine
        (:func:`arshif.engines.fts_tokens.registered`) until the block, which writes the batch, ends."""
        ahead = ahead if ahead is not None and ahead.articles is articles else self.analyse_ahead(articles)
        results = ahead.results()
        with fts_tokens.registered() as register:
            if ahead.keep_tokens:
                for r in results.values():
                    if r.tokens:
                        register(list(r.tokens), list(r.tokens.values()))
            with self.store.transaction():
                self._catch_up()
                # Looked up again under the lock: another writer may have placed some of these meanwhile.
                known = self.store.members([a.id for a in articles])
                for article, fp in zip(articles, ahead.fingerprints):
                    self._place(article, fp, known.get(article.id), results.get(article.id))
                self._seen = self.store.seq
            yield

    def assign(self, articles: list[Article]) -> None:
        """Set ``story_id`` on each article (an API write, a test), remembering them all."""
        with self.placing(articles):
            pass

    def _place(self, article: Article, fp: str, known: Member | None, analysed: Analysed | None) -> str:
        if known is not None and known.fingerprint == fp:
            article.story_id = known.story_id
            return known.story_id
        if analysed is None:
            analysed = analyse(article)
        sigs = analysed.sigs
        lean: dict = {}  # each copy signature is made a datasketch MinHash once, for the query and the insert
        if known is not None:
            story = known.story_id  # an edited article stays in its story
            self._unindex(article.id)
        else:
            story = self._match(article.id, article.language, analysed.neutral, sigs, lean) or article.id
        article.story_id = story
        for kind, m in sigs.items():
            self._index(article.id, kind, m, lean)
        self._story[article.id] = story
        self._lang[article.id] = article.language
        self.store.save(Member(article.id, story, article.language, fp), analysed.neutral, sigs)
        return story

    def _match(self, aid: str, language: str, neutral: np.ndarray, sigs: dict[str, np.ndarray],
               lean: dict | None = None) -> str | None:
        """The story of the best match, or None: copies first, then the other language."""
        best: tuple[float, str] | None = None
        for kind, values in sigs.items():
            family, _, lang = kind.partition(":")
            if family != "copy":
                continue
            cands = [c for c in self.copies[lang].query(_lean(kind, values, lean)) if c != aid]
            if not cands:
                continue
            for est, cand in zip(self._sigs[kind].estimates(cands, values).tolist(), cands):
                if est >= COPY_THRESHOLD and (best is None or est > best[0] or (est == best[0] and cand < best[1])):
                    best = (est, cand)
        if best is not None:
            return self._story.get(best[1])
        return self._match_across(aid, language, neutral, sigs)

    def _match_across(self, aid: str, language: str, neutral: np.ndarray, sigs: dict[str, np.ndarray]) -> str | None:
        values = sigs.get(f"cross:{language}")
        if values is None:
            return None
        other = "en" if language == "ar" else "ar"
        ranked = [c for _, c in self._sigs[f"cross:{other}"].top(values, CROSS_VERIFY, skip=aid)]
        if not ranked:
            return None  # no article in the other language yet, or none sharing a key
        sets = self.store.neutral(ranked)
        scored = sorted(((_jaccard(neutral, s), c) for c, s in sets.items() if len(s)), reverse=True)
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
