"""Fast decoding of the trained CRF: per-word score vectors, cached, and a Viterbi run over many sentences at once.

Why: CRFsuite's own tagger takes every token's ~30 feature strings through
Python each time (≈ 25,000 tokens/s here), which would multiply ingest time.
A linear-chain CRF's score is a sum of weights, and every feature of
:class:`~indexer.entities.features.Featuriser` but the word bigrams and
gazetteer phrases depends on one word at one offset. So each distinct word's
contribution at each offset is summed once into a vector of label scores and
cached; a sentence's emission matrix is a few shifted sums of cached vectors;
and Viterbi runs as array operations over a whole batch of sentences.

The result is the same labelling as CRFsuite's (``tests/test_entities.py``
checks it on the ANERcorp test split); the model file stays CRFsuite's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pycrfsuite

from .features import WINDOW, Featuriser
from .gazetteer import core

BATCH = 512  # sentences decoded together


class CompiledCRF:
    """A CRFsuite model read into weight vectors; ``tag_many`` labels many sentences."""

    def __init__(self, model_path: str, featuriser: Featuriser):
        tagger = pycrfsuite.Tagger()
        tagger.open(model_path)
        info = tagger.info()
        tagger.close()
        order = sorted(info.labels.items(), key=lambda kv: int(kv[1]))
        self.labels = [name for name, _ in order]
        index = {name: i for i, name in enumerate(self.labels)}
        n = len(self.labels)
        self.transitions = np.zeros((n, n))
        for (a, b), w in info.transitions.items():
            self.transitions[index[a], index[b]] = w
        weights: dict[str, np.ndarray] = {}
        for (attr, label), w in info.state_features.items():
            vec = weights.get(attr)
            if vec is None:
                vec = weights[attr] = np.zeros(n)
            vec[index[label]] += w
        self.weights = weights
        self.zero = np.zeros(n)
        self._attr_row = {attr: i for i, attr in enumerate(weights)}  # attribute → row of _matrix
        self._matrix = np.array(list(weights.values())) if weights else np.zeros((0, n))
        self.featuriser = featuriser
        # Word bigram weights by (left word, right word); only words that start some bigram are looked up.
        self.bigrams: dict[str, dict[tuple[str, str], np.ndarray]] = {"bi-": {}, "bi+": {}}
        for attr, vec in weights.items():
            if attr.startswith(("bi-=", "bi+=")) and "|" in attr[4:]:
                left, _, right = attr[4:].partition("|")
                self.bigrams[attr[:3]][(left, right)] = vec
        self._bigram_left = {k[0] for table in self.bigrams.values() for k in table}
        self._phrase_first = {p[0] for p in featuriser.gazetteer.phrases} if featuriser.gazetteer else set()
        # Per distinct word: a row in each score table (own features; each context offset).
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._flag_array = np.zeros((1024, 2), dtype=bool)  # per word: starts a bigram feature / a gazetteer phrase
        self._tables = np.zeros((1 + len(WINDOW), 1024, n))

    def _sum(self, attrs: Sequence[str]) -> np.ndarray:
        get = self._attr_row.get
        rows = [r for r in map(get, attrs) if r is not None]
        return self._matrix[rows].sum(axis=0) if rows else self.zero.copy()

    def _id(self, word: str) -> int:
        i = self._ids.get(word)
        if i is None:
            if len(self._ids) >= 500_000:  # bound the memory of a long ingest: start again
                self._ids.clear()
                self._words.clear()
            i = len(self._ids)
            if i >= self._tables.shape[1]:
                grown = np.zeros((self._tables.shape[0], self._tables.shape[1] * 2, self._tables.shape[2]))
                grown[:, :i] = self._tables[:, :i]
                self._tables = grown
                flags = np.zeros((self._tables.shape[1], 2), dtype=bool)
                flags[:i] = self._flag_array[:i]
                self._flag_array = flags
            own, ctx = self.featuriser._entry(word)
            self._tables[0, i] = self._sum(own)
            for k, off in enumerate(WINDOW, 1):
                self._tables[k, i] = self._sum(ctx[off])
            w = own[0][2:]
            self._ids[word] = i
            self._words.append(w)
            self._flag_array[i] = (w in self._bigram_left, core(word) in self._phrase_first)
        return i

    def emissions(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Label scores of every token of ``sentences`` (concatenated), with each token's sentence and position."""
        ids = np.fromiter((self._id(t) for s in sentences for t in s), dtype=np.int64)
        lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
        sent = np.repeat(np.arange(len(sentences)), lengths)
        starts = np.cumsum(lengths) - lengths
        pos = np.arange(len(ids)) - starts[sent]
        length = lengths[sent]
        em = self._tables[0, ids] + self.weights.get("bias", self.zero)
        for k, off in enumerate(WINDOW, 1):
            ok = np.flatnonzero((pos + off >= 0) & (pos + off < length))
            em[ok] += self._tables[k, ids[ok + off]]
        em[pos == 0] += self.weights.get("-1BOS", self.zero)
        em[pos == length - 1] += self.weights.get("1EOS", self.zero)
        flags = self._flag_array[ids]
        words = self._words
        before, after = self.bigrams["bi-"], self.bigrams["bi+"]
        for i in np.flatnonzero(flags[:, 0] & (pos < length - 1)):
            pair = (words[ids[i]], words[ids[i + 1]])
            w = before.get(pair)
            if w is not None:
                em[i + 1] += w
            w = after.get(pair)
            if w is not None:
                em[i] += w
        get = self.weights.get
        for si in np.unique(sent[flags[:, 1]]):
            tokens = sentences[si]
            base = int(starts[si])
            n = len(tokens)
            for i, p in enumerate(self.featuriser.gazetteer.match_phrases(tokens)):
                if p:
                    em[base + i] += get("mg=" + p, self.zero)
                    if i + 1 < n:
                        em[base + i + 1] += get("-1mg=" + p, self.zero)
                    if i > 0:
                        em[base + i - 1] += get("+1mg=" + p, self.zero)
        return em, sent, pos

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        out: list[list[str]] = [[] for _ in sentences]
        order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            em, sent, pos = self.emissions([sentences[i] for i in chunk])
            lengths = np.array([len(sentences[i]) for i in chunk])
            padded = np.zeros((len(chunk), int(lengths.max()), len(self.labels)))
            padded[sent, pos] = em
            for i, path in zip(chunk, self._viterbi(padded, lengths)):
                out[i] = [self.labels[k] for k in path]
        return out

    def _viterbi(self, em: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
        b, t_max, n = em.shape
        delta = em[:, 0].copy()
        back = np.zeros((b, t_max, n), dtype=np.int64)
        identity = np.arange(n)
        for t in range(1, t_max):
            cand = delta[:, :, None] + self.transitions[None]  # from × to
            best = cand.argmax(axis=1)
            score = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0] + em[:, t]
            live = (lengths > t)[:, None]
            delta = np.where(live, score, delta)
            back[:, t] = np.where(live, best, identity)
        last = delta.argmax(axis=1)
        paths = []
        for i, length in enumerate(lengths):
            k = last[i]
            path = [k]
            for t in range(int(length) - 1, 0, -1):
                k = back[i, t, k]
                path.append(k)
            paths.append(path[::-1])
        return paths
