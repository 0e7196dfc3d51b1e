"""Fast decoding of the trained CRF: per-word score vectors, cached, and a Viterbi run over many sentences at once.

Why: CRFsuite's own tagger takes every token's ~40 feature strings through
Python each time (≈ 25,000 tokens/s here), which would multiply ingest time.
A linear-chain CRF's score is a sum of weights, and every feature of
:class:`~indexer.entities.features.Featuriser` but the word bigrams and
gazetteer phrases depends on one word at one offset. So each distinct word's
contribution at each offset is summed once into a vector of label scores and
cached (new words of a batch are summed together, in one numpy call); a
sentence's emission matrix is a few shifted sums of cached vectors; word
bigrams are looked up as integer pair codes; and Viterbi, with its
backtrace, runs as array operations over a whole batch of sentences.

Everything works on one flat array of word ids for all the sentences of a
batch (``ids``, with ``lengths``), so the Python work per token is a dict
lookup. Without ``constrained`` the labelling is CRFsuite's own
(``tests/test_entities.py`` checks it on the ANERcorp test split); with it
(the default), label sequences BIO forbids (``O`` then ``I-PER``, ``B-LOC``
then ``I-ORG``) are never chosen. The model file stays CRFsuite's.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np
import pycrfsuite
from scipy.sparse import csr_matrix

from .features import WINDOW, Featuriser
from .gazetteer import MAX_WORDS

BATCH = 512  # sentences decoded together
PAIR_SCALE = 1 << 31  # two core ids in one int64 (first * PAIR_SCALE + second)
MAX_WORDS_CACHED = 250_000  # a long ingest starts its word cache again past this (tables ~95 MB then)


def bio_forbidden(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(transitions, starts)``: boolean masks of the moves BIO forbids (into ``I-X`` from anything but
    ``B-X``/``I-X``; a sentence starting with ``I-X``)."""
    n = len(labels)
    trans = np.zeros((n, n), dtype=bool)
    start = np.zeros(n, dtype=bool)
    for j, to in enumerate(labels):
        if to.startswith("I-"):
            start[j] = True
            for i, frm in enumerate(labels):
                trans[i, j] = frm[2:] != to[2:] or frm == "O"
    return trans, start


class CompiledCRF:
    """A CRFsuite model read into weight vectors; ``tag_many`` labels many sentences."""

    def __init__(self, model_path: str, featuriser: Featuriser, *, constrained: bool = True):
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
        self.start_penalty = np.zeros(n)
        if constrained:
            trans, start = bio_forbidden(self.labels)
            self.transitions[trans] = -1e9
            self.start_penalty[start] = -1e9
        attrs: dict[str, int] = {}
        rows: list[np.ndarray] = [np.zeros(n)]  # row 0 is zero: every word's sum starts from it, none is empty
        for (attr, label), w in info.state_features.items():
            r = attrs.get(attr)
            if r is None:
                r = attrs[attr] = len(rows)
                rows.append(np.zeros(n))
            rows[r][index[label]] += w
        self._matrix = np.array(rows)
        self._attr_row = attrs
        # A word feature ``f`` weighs on the word itself (attribute ``f``) and, through the attribute
        # ``f"{off}{f}"``, on its neighbours: one block per feature string holds all five rows, so a new
        # word's scores are one dict lookup per feature of its own and one numpy sum.
        slot = {0: 0, **{off: k for k, off in enumerate(WINDOW, 1)}}
        feat_index: dict[str, int] = {}
        placed: list[tuple[int, int, int]] = []
        for attr, r in attrs.items():
            off, rest = (attr[:2], attr[2:]) if attr[:2] in ("-1", "-2") else (attr[:1], attr[1:])
            if off in ("-1", "-2", "1", "2") and "=" in rest:
                k, feat = slot[int(off)], rest
            elif "=" in attr and not attr.startswith(("bi-=", "bi+=", "mg=", "+1mg=")):
                k, feat = 0, attr
            else:
                continue
            placed.append((feat_index.setdefault(feat, len(feat_index) + 1), k, r))
        self._feat_index = feat_index
        self._blocks = np.zeros((len(feat_index) + 1, 1 + len(WINDOW), n))  # block 0: zero
        if placed:
            fi, ks, rs = (np.array(x) for x in zip(*placed))
            self._blocks[fi, ks] = self._matrix[rs]
        self.featuriser = featuriser

        def vec(attr: str) -> np.ndarray:
            r = attrs.get(attr)
            return self._matrix[r] if r is not None else np.zeros(n)

        self._vec = vec
        self.bias, self.bos, self.eos = vec("bias"), vec("-1BOS"), vec("1EOS")
        # Word bigrams: each word that takes part in one gets a small id; a pair (left, right) is the code
        # left * K + right, looked up in a sorted array of the model's pair codes.
        bi_words: dict[str, int] = {}
        pairs: dict[int, list[np.ndarray]] = {}
        split = []
        for attr, r in attrs.items():
            if attr.startswith(("bi-=", "bi+=")) and "|" in attr[4:]:
                left, _, right = attr[4:].partition("|")
                split.append((attr[:3], bi_words.setdefault(left, len(bi_words)),
                              bi_words.setdefault(right, len(bi_words)), r))
        self._bi_words = bi_words
        self._bi_k = max(1, len(bi_words))
        for side, li, ri, r in split:
            pairs.setdefault(li * self._bi_k + ri, [np.zeros(n), np.zeros(n)])[0 if side == "bi-" else 1] += \
                self._matrix[r]
        codes = np.array(sorted(pairs), dtype=np.int64)
        self._pair_codes = codes
        self._pair_right = np.array([pairs[c][0] for c in codes]).reshape(len(codes), n)  # bi-: onto the right word
        self._pair_left = np.array([pairs[c][1] for c in codes]).reshape(len(codes), n)  # bi+: onto the left word
        gaz = featuriser.gazetteer
        self._phrases = gaz.phrases if gaz is not None else {}
        self._phrase_first = {p[0] for p in self._phrases}
        self._reset()

    # -- the per-word cache ---------------------------------------------------------------------------
    def _reset(self) -> None:
        n = len(self.labels)
        self._ids: dict[str, int] = {}
        self.cores: list[str] = []  # per word id: its core form (gazetteer phrases, propagation)
        self._tables = np.zeros((1 + len(WINDOW), 1024, n))
        self._bi_id = np.full(1024, -1, dtype=np.int64)
        self._first = np.zeros(1024, dtype=bool)
        # Phrase words are interned first, so a phrase's first two words have fixed ids: a candidate start
        # is checked against all phrases' first pairs in one array operation before any tuple is built.
        self._core_intern: dict[str, int] = {}
        for phrase in self._phrases:
            for c in phrase:
                self._core_intern.setdefault(c, len(self._core_intern))
        self._phrase_pairs = np.unique(np.array(
            [self._core_intern[p[0]] * PAIR_SCALE + self._core_intern[p[1]] for p in self._phrases], dtype=np.int64))
        self._core_id = np.zeros(1024, dtype=np.int64)  # per word id: an int naming its core form
        self._core_len = np.zeros(1024, dtype=np.int64)  # per word id: the length of its core form

    def core_ids(self, ids: np.ndarray) -> np.ndarray:
        """Ints naming the core forms of words (two spellings of a name with و/ب/ال apart share one)."""
        return self._core_id[ids]

    def core_lengths(self, ids: np.ndarray) -> np.ndarray:
        """Lengths of the core forms of words (propagation skips names too short to trust)."""
        return self._core_len[ids]

    def _grow(self, size: int) -> None:
        cap = self._tables.shape[1]
        if size <= cap:
            return
        while cap < size:
            cap *= 2
        used = len(self.cores)
        tables = np.zeros((self._tables.shape[0], cap, self._tables.shape[2]))
        tables[:, :used] = self._tables[:, :used]
        self._tables = tables
        # The per-word columns, each grown with its own empty value (-1: a word in no bigram).
        for name, empty in (("_bi_id", -1), ("_first", False), ("_core_id", 0), ("_core_len", 0)):
            column = getattr(self, name)
            grown = np.full(cap, empty, dtype=column.dtype)
            grown[:used] = column[:used]
            setattr(self, name, grown)

    def _add(self, words: list[str]) -> None:
        """Score vectors of new words: the blocks of all their known features summed per word at once."""
        base = len(self.cores)
        self._grow(base + len(words))
        get = self._feat_index.get
        own_of = self.featuriser.own
        rows: list[int] = []
        starts: list[int] = [0]
        norm: list[str] = []
        for word in words:
            own = own_of(word)
            rows.extend(filter(None, map(get, own)))
            starts.append(len(rows))
            self._ids[word] = len(self.cores)
            self.cores.append(own[1][2:])  # "c=<core>", as core(word)
            norm.append(own[0][2:])  # "w=<normalised form>"
        # words × features (a 1 where the model knows the word's feature) times features × (own, offsets,
        # labels): each word's blocks summed in one sparse product, none copied out first (a gathered copy
        # was ~1.4 GB of memory traffic per 200,000 new words).
        has = csr_matrix((np.ones(len(rows)), rows, starts), shape=(len(words), len(self._blocks)))
        sums = (has @ self._blocks.reshape(len(self._blocks), -1)).reshape(len(words), *self._blocks.shape[1:])
        self._tables[:, base:base + len(words)] = sums.transpose(1, 0, 2)
        bi_get, first = self._bi_words.get, self._phrase_first
        end = base + len(words)
        self._bi_id[base:end] = [bi_get(w, -1) for w in norm]
        self._first[base:end] = [c in first for c in self.cores[base:end]]
        interned = self._core_intern
        self._core_id[base:end] = [interned.setdefault(c, len(interned)) for c in self.cores[base:end]]
        self._core_len[base:end] = [len(c) for c in self.cores[base:end]]

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Word ids of ``tokens``, adding the words never seen before."""
        found = np.fromiter(map(self._ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        missing = np.flatnonzero(found < 0)
        if len(missing):
            # Only the new words' places are looked up again (most of a batch's words are known already).
            new = list(dict.fromkeys(tokens[i] for i in missing.tolist()))
            if len(self._ids) + len(new) > MAX_WORDS_CACHED:
                self._reset()
                new = list(dict.fromkeys(tokens))
                missing = np.arange(len(tokens))
            self._add(new)
            get = self._ids.__getitem__
            found[missing] = [get(tokens[i]) for i in missing.tolist()]
        return found

    # -- decoding --------------------------------------------------------------------------------------
    def emissions(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Label scores of every token (``ids`` of sentences of ``lengths``, concatenated)."""
        total = len(ids)
        starts = np.cumsum(lengths) - lengths
        sent = np.repeat(np.arange(len(lengths)), lengths)
        pos = np.arange(total) - starts[sent]
        length = lengths[sent]
        em = self._tables[0, ids] + self.bias
        for k, off in enumerate(WINDOW, 1):
            # Every token's neighbour at ``off`` (wrapping round the ends), then zero where that neighbour lies
            # outside the token's sentence (few places): cheaper than picking and writing back the rest.
            near = self._tables[k, np.roll(ids, -off)]
            near[(pos + off < 0) | (pos + off >= length)] = 0.0
            em += near
        em[pos == 0] += self.bos
        em[pos == length - 1] += self.eos
        if len(self._pair_codes) and total > 1:
            bi = self._bi_id[ids]
            left, right = bi[:-1], bi[1:]
            cand = np.flatnonzero((left >= 0) & (right >= 0) & (pos[:-1] < length[:-1] - 1))
            if len(cand):
                codes = left[cand] * self._bi_k + right[cand]
                at = np.minimum(np.searchsorted(self._pair_codes, codes), len(self._pair_codes) - 1)
                hit = self._pair_codes[at] == codes
                cand, at = cand[hit], at[hit]
                em[cand + 1] += self._pair_right[at]
                em[cand] += self._pair_left[at]
        firsts = np.flatnonzero(self._first[ids][:-1] & (pos[:-1] < length[:-1] - 1))
        if len(firsts) and len(self._phrase_pairs):
            cid = self._core_id[ids]
            firsts = firsts[np.isin(cid[firsts] * PAIR_SCALE + cid[firsts + 1], self._phrase_pairs)]
        if len(firsts):
            self._phrase_emissions(em, ids, firsts, pos, length)
        return em

    def _phrase_emissions(self, em, ids, firsts, pos, length) -> None:
        """Multi-word gazetteer names, longest first from left to right, as Gazetteer.match_phrases reads them."""
        cores, phrases, vec = self.cores, self._phrases, self._vec
        taken_to = -1
        for i in firsts.tolist():
            if i < taken_to:
                continue
            room = int(length[i] - pos[i])
            for n in range(min(MAX_WORDS, room), 1, -1):
                kinds = phrases.get(tuple(cores[j] for j in ids[i:i + n].tolist()))
                if kinds:
                    kind = sorted(kinds)[0]
                    for j in range(i, i + n):
                        p = ("B-" if j == i else "I-") + kind
                        em[j] += vec("mg=" + p)
                        if pos[j] + 1 < length[j]:
                            em[j + 1] += vec("-1mg=" + p)
                        if pos[j] > 0:
                            em[j - 1] += vec("+1mg=" + p)
                    taken_to = i + n
                    break

    def decode(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Label index of every token of the sentences (flat, as ``ids``)."""
        out = np.zeros(len(ids), dtype=np.int64)
        if not len(ids):
            return out
        em_all = self.emissions(ids, lengths)
        starts = np.cumsum(lengths) - lengths
        order = np.argsort(lengths, kind="stable")
        order = order[lengths[order] > 0]
        for b in range(0, len(order), BATCH):
            chunk = order[b:b + BATCH]
            lens = lengths[chunk]
            t_max = int(lens.max())
            sent = np.repeat(np.arange(len(chunk)), lens)
            pos = np.arange(int(lens.sum())) - (np.cumsum(lens) - lens)[sent]
            flat = starts[chunk][sent] + pos
            # Steps × labels × sentences: each step's max over predecessors runs along the sentences, a long
            # contiguous axis (over the labels, nine at a time, it took twice as long).
            padded = np.zeros((t_max, len(self.labels), len(chunk)))
            padded[pos, :, sent] = em_all[flat]
            out[flat] = self._viterbi(padded, lens)[sent, pos]
        return out

    def _viterbi(self, em: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Best label paths ``(sentences, steps)`` of a batch of sentences sorted by length (shortest first);
        ``em`` is their label scores as ``(steps, labels, sentences)``, zero past each sentence's end.

        The forward pass keeps each step's scores, not its back-pointers: on the way back only the label the
        path goes to needs its best predecessor, one row instead of all nine (the same sums and the same
        first-of-equals choice as a back-pointer table, so the same path, with no argmax over every pair)."""
        t_max, n, b = em.shape
        deltas = np.empty((t_max, n, b))
        deltas[0] = em[0] + self.start_penalty[:, None]
        trans = self.transitions[:, :, None]  # from × to × (broadcast over sentences)
        for t in range(1, t_max):
            s = int(np.searchsorted(lengths, t, side="right"))  # sentences still going: a suffix (sorted)
            deltas[t, :, s:] = (deltas[t - 1, :, None, s:] + trans).max(axis=0) + em[t, :, s:]
        path = np.empty((b, t_max), dtype=np.int64)
        k = deltas[lengths - 1, :, np.arange(b)].argmax(axis=1)  # each sentence's best last label
        for t in range(t_max - 1, 0, -1):  # (past a sentence's end its label stays put, and is never read)
            path[:, t] = k
            s = int(np.searchsorted(lengths, t, side="right"))  # step t lies within these sentences
            k[s:] = (deltas[t - 1, :, s:] + self.transitions[:, k[s:]]).argmax(axis=0)
        path[:, 0] = k
        return path

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
        labels = self.decode(self.ids([t for s in sentences for t in s]), lengths)
        names = np.array(self.labels, dtype=object)[labels]
        out, at = [], 0
        for n in lengths.tolist():
            out.append(names[at:at + n].tolist())
            at += n
        return out
