"""Word clusters from unlabelled Arabic news, so the tagger knows words ANERcorp never showed it.

Four in ten people in the ANERcorp test split are written with words the train
split never contains. Words used in the same contexts (``قال X``, ``الرئيس X``)
fall into the same cluster, so an unseen name can still look like a name.

How: over the ANT corpus (41,661 Arabic news articles, Apache-2.0 with the ANT
citation licence — Chouigui, Ben Khiroun, Elayeb 2017/2021 — so the derived
cluster list may ship), count each frequent word's left and right neighbours
among the most frequent words, weight the counts by positive PMI, reduce them
with an SVD (numpy), and group the vectors with k-means twice: 64 coarse and
512 fine clusters. Words are taken in their core form (:func:`core`), as the
tagger's features are.

    python -m indexer.entities.clusters [--shared ../shared] [--out indexer/entities/models]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from .gazetteer import core

VOCAB = 40_000
CONTEXTS = 600
DIMS = 80
KS = (64, 512)
FILE = "ar-clusters.tsv.gz"


def _sentences(path: Path, limit: int | None):
    from .arabic import TOKEN  # the tagger's own tokeniser (imported here: arabic.py imports this module)

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            rec = json.loads(line)
            text = f"{rec.get('title') or ''}\n{rec.get('text') or ''}"
            yield [core(m.group()) for m in TOKEN.finditer(text)]


def _kmeans(x: np.ndarray, k: int, iterations: int = 15, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), k, replace=False)]
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):
        # cosine k-means: rows of x are unit vectors
        assign = (x @ centres.T).argmax(axis=1)
        for c in range(k):
            members = x[assign == c]
            if len(members):
                v = members.sum(axis=0)
                centres[c] = v / (np.linalg.norm(v) or 1.0)
    return assign


def build(shared: Path, out: Path, limit: int | None = None, log=print) -> dict[str, tuple[int, ...]]:
    started = time.perf_counter()
    path = shared / "corpora" / "ant" / "ant.jsonl.gz"
    counts: Counter = Counter()
    docs = list(_sentences(path, limit))
    for words in docs:
        counts.update(words)
    vocab = [w for w, _ in counts.most_common(VOCAB)]
    index = {w: i for i, w in enumerate(vocab)}
    ctx_index = {w: i for i, w in enumerate(vocab[:CONTEXTS])}
    m = np.zeros((len(vocab), 2 * CONTEXTS), dtype=np.float32)
    for words in docs:
        ids = [index.get(w, -1) for w in words]
        cids = [ctx_index.get(w, -1) for w in words]
        for i in range(1, len(ids) - 1):
            wi = ids[i]
            if wi < 0:
                continue
            left, right = cids[i - 1], cids[i + 1]
            if left >= 0:
                m[wi, left] += 1
            if right >= 0:
                m[wi, CONTEXTS + right] += 1
    log(f"counted {sum(counts.values()):,} words of {len(docs):,} articles in {time.perf_counter() - started:.0f}s")
    total = m.sum()
    pw = m.sum(axis=1, keepdims=True) / total
    pc = m.sum(axis=0, keepdims=True) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((m / total) / (pw @ pc))
    pmi = np.nan_to_num(np.maximum(pmi, 0), nan=0.0, posinf=0.0, neginf=0.0)
    u, s, _ = np.linalg.svd(pmi, full_matrices=False)
    vec = u[:, :DIMS] * np.sqrt(s[:DIMS])
    vec /= np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9
    assigns = [_kmeans(vec, k) for k in KS]
    table = {w: tuple(int(a[i]) for a in assigns) for i, w in enumerate(vocab)}
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(out / FILE, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("# Word clusters from the ANT corpus (Chouigui, Ben Khiroun, Elayeb 2017/2021; Apache-2.0 with the "
                 "ANT citation licence), built by indexer/entities/clusters.py\n")
        for w, ks in table.items():
            fh.write(w + "\t" + " ".join(map(str, ks)) + "\n")
    log(f"wrote {out / FILE}: {len(table):,} words, clusters {KS}, {time.perf_counter() - started:.0f}s")
    return table


def load(path: Path) -> dict[str, tuple[int, ...]]:
    table: dict[str, tuple[int, ...]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            w, _, ks = line.rstrip("\n").partition("\t")
            table[w] = tuple(int(k) for k in ks.split())
    return table


def main(argv: list[str] | None = None) -> int:
    from .train import DEFAULT_SHARED, MODEL_DIR

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--articles", type=int, default=None)
    args = ap.parse_args(argv)
    build(args.shared, args.out, args.articles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
