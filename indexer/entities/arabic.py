"""The Arabic tagger at run time: tokenise, featurise, label with the trained CRF, read off the spans.

The model is a CRFsuite file trained by ``python -m indexer.entities.train``;
the gazetteer it was trained with lies beside it (features must be computed
the same way at run time as at training), with ``ar-ner.json`` naming the
feature options it was trained with. It is decoded by :mod:`.decoder`
(CRFsuite's scores, with BIO's rules enforced, many times faster). A batch of
texts is handled as one flat array of word ids: split into lines and tokens
(:func:`tokens_of`), sentences cut by array operations, labels read
off as spans, names propagated within each text, and character offsets found
only for the lines that hold a name. Nothing is loaded until the first article
is tagged, so the app and the CLI start as fast as before.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import regex

from . import clusters as word_clusters
from .decoder import CompiledCRF
from .features import Featuriser
from .gazetteer import Gazetteer

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = "ar-ner.crfsuite"
GAZETTEER_FILE = "ar-gazetteer.tsv.gz"

META_FILE = "ar-ner.json"


def model_options(model_dir: Path) -> dict:
    """The feature options a model was trained with (``ar-ner.json`` beside it; none: the base set)."""
    meta = Path(model_dir) / META_FILE
    return json.loads(meta.read_text(encoding="utf-8")).get("features", {}) if meta.exists() else {}


#: Words and single punctuation marks, as ANERcorp splits them; offsets are kept to read spans back.
WORD_CLASS = r"[\p{L}\p{M}\p{N}_]"
TOKEN = regex.compile(rf"{WORD_CLASS}+|[^\s\p{{L}}\p{{M}}\p{{N}}_]")


@functools.cache
def split_only_spaces() -> regex.Pattern | None:
    """The characters ``str.split`` takes for whitespace and TOKEN does not (``\\x1c``-``\\x1f`` today), or
    None when :func:`tokens_of`'s shortcut would not give TOKEN's tokens with this Python and this ``regex``.

    The shortcut rests on two facts about their Unicode tables, which are checked here over every code
    point, once per process (~0.2 s, with the model's loading): ``str.isalnum`` accepts no character
    outside TOKEN's word class, and every space TOKEN knows splits a ``str``. A newer Python beside an
    older ``regex`` could break the first; the tagger then reads every line with the regex alone."""
    every = "".join(map(chr, range(0x110000)))
    if regex.fullmatch(WORD_CLASS + "*", "".join(filter(str.isalnum, every))) is None:
        return None
    if not all(c.isspace() for c in regex.findall(r"\s", every)):
        return None
    extra = regex.sub(r"\s", "", "".join(filter(str.isspace, every)))
    return regex.compile(f"[{regex.escape(extra)}]" if extra else r"(?!)")


def tokens_of(line: str, whole: bool = False) -> list[str]:
    """TOKEN's tokens of a line, faster: a whitespace-separated word of letters and digits only (most of
    them) is one token as it stands, and only the rest go through the regex. ``whole``: read the line with
    the regex alone, as for a line holding one of :func:`split_only_spaces` (or when it is None)."""
    if whole:
        return TOKEN.findall(line)
    out: list[str] = []
    for word in line.split():
        if word.isalnum():
            out.append(word)
        else:
            out.extend(TOKEN.findall(word))
    return out


SENTENCE_END = {".", "!", "?", "؟", "\n"}
MAX_SENTENCE = 80  # tokens; longer runs are cut (CRF cost is linear, but features look only ±2 words)


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans ``(first, last_exclusive, TYPE)`` of a BIO sequence (conlleval's chunk rules)."""
    from .scoring import chunks

    return sorted(chunks(tags))


def propagate(sentences: list[list[str]], tags: list[list[str]], min_chars: int = 3) -> list[list[str]]:
    """Label again, across one document, the names the model found somewhere in it.

    A name is often tagged where the context gives it away (``قال الرئيس X``) and
    missed where it stands alone a few sentences later. Every untagged run of
    tokens that repeats a tagged entity (its words in their core forms, so a
    leading و/ب/ل does not hide it) gets that entity's type. A run already
    partly tagged is left alone. Works on lists of sentences; returns new tags.
    """
    from .gazetteer import core, label, longest_matches

    names: dict[tuple[str, ...], Counter] = {}
    for toks, labels in zip(sentences, tags):
        for first, last, kind in spans(labels):
            key = tuple(core(t) for t in toks[first:last])
            if sum(len(k) for k in key) >= min_chars:
                names.setdefault(key, Counter())[kind] += 1
    if not names:
        return tags
    longest = max(len(k) for k in names)
    starts = {k[0] for k in names}
    out = []
    for toks, labels in zip(sentences, tags):
        labels = list(labels)
        for i, n, kinds in longest_matches([core(t) for t in toks], names.get, starts, longest,
                                           free=lambda i, n: all(lab == "O" for lab in labels[i:i + n])):
            label(labels, i, n, kinds.most_common(1)[0][0])
        out.append(labels)
    return out


class ArabicTagger:
    """A loaded CRF model with its gazetteer; ``mentions(text)`` gives ``(TYPE, text, start, end)``."""

    def __init__(self, model_dir: str | Path = MODEL_DIR, *, constrained: bool = True):
        model_dir = Path(model_dir)
        self.model_path = model_dir / MODEL_FILE
        gaz_path = model_dir / GAZETTEER_FILE
        clusters_path = model_dir / word_clusters.FILE
        self.featuriser = Featuriser(Gazetteer.load(gaz_path) if gaz_path.exists() else None,
                                     clusters=word_clusters.load(clusters_path) if clusters_path.exists() else None,
                                     **model_options(model_dir))
        self.crf = CompiledCRF(str(self.model_path), self.featuriser, constrained=constrained)
        self._outside = self.crf.labels.index("O")
        self._ends = {w for w in SENTENCE_END if len(w) == 1}
        self._lock = threading.Lock()  # the decoder's word tables grow as it reads: one caller at a time
        self._split_only = split_only_spaces()

    def tag(self, tokens: list[str]) -> list[str]:
        return self.tag_many([tokens])[0]

    def tag_many(self, sentences: list[list[str]]) -> list[list[str]]:
        with self._lock:
            return self.crf.tag_many(sentences)

    def mentions(self, text: str) -> list[tuple[str, str, int, int]]:
        return self.mentions_many([text])[0]

    def mentions_many(self, texts: list[str], offsets: bool = True) -> list[list[tuple[str, str, int, int]]]:
        """Mentions in each text; all sentences of all texts are decoded together (faster in a batch).

        Sentences end at a line break, after ``. ! ? ؟`` and every ``MAX_SENTENCE`` tokens. Names found
        in a text are labelled again where they repeat in it (:func:`propagate`'s rule). Without
        ``offsets`` (the ingest's case: it keeps names, not places in the text) a mention is its words
        joined by one space and its offsets are -1, which spares re-reading each line for them.
        """
        tokens: list[str] = []
        lines: list[tuple[int, str, int, int]] = []  # (text, line, its offset in the text, first token)
        line_ends: list[int] = []
        for n, text in enumerate(texts):
            offset = 0
            whole = self._split_only is None or self._split_only.search(text) is not None
            for line in text.split("\n"):
                found = tokens_of(line, whole)
                if found:
                    lines.append((n, line, offset, len(tokens)))
                    tokens.extend(found)
                    line_ends.append(len(tokens))
                offset += len(line) + 1
        if not tokens:
            return [[] for _ in texts]
        with self._lock:
            ids = self.crf.ids(tokens)
            total = len(ids)
            # Sentence starts: each line's first token, the token after an end mark, every MAX_SENTENCE in a run.
            boundary = np.zeros(total + 1, dtype=bool)
            boundary[[ln[3] for ln in lines]] = True
            ends = self._end_ids(ids)
            boundary[1:][ends] = True
            boundary = boundary[:total]
            seg_start = np.maximum.accumulate(np.where(boundary, np.arange(total), 0))
            boundary |= ((np.arange(total) - seg_start) % MAX_SENTENCE) == 0
            starts = np.flatnonzero(boundary)
            lengths = np.diff(np.append(starts, total))
            labels = self.crf.decode(ids, lengths)
            core_ids = self.crf.core_ids(ids)
            core_lengths = self.crf.core_lengths(ids)  # read now: another caller may start the word table again
        sent = np.repeat(np.arange(len(starts)), lengths)
        line_of = np.repeat(np.arange(len(lines)), np.diff([0, *line_ends]))
        text_of = np.array([ln[0] for ln in lines], dtype=np.int64)[line_of]
        spans = self._spans(labels, sent)
        spans += self._propagated(spans, core_lengths, labels, core_ids, sent, text_of)
        out: list[list[tuple[str, str, int, int]]] = [[] for _ in texts]
        line_spans: dict[int, list[tuple[int, int]]] = {}  # line → its tokens' (start, end), read on demand
        if not offsets:
            for first, last, kind in sorted(spans):
                out[int(text_of[first])].append((kind, " ".join(tokens[first:last]), -1, -1))
            return out
        for first, last, kind in sorted(spans):
            li = int(line_of[first])
            n, line, line_offset, first_token = lines[li]
            where = line_spans.get(li)
            if where is None:
                where = line_spans[li] = [m.span() for m in TOKEN.finditer(line)]
            start = line_offset + where[first - first_token][0]
            end = line_offset + where[last - 1 - first_token][1]
            out[n].append((kind, texts[n][start:end], start, end))
        return out

    def _end_ids(self, ids: np.ndarray) -> np.ndarray:
        """Positions of tokens that end a sentence (``. ! ? ؟``)."""
        ends = [self.crf._ids[w] for w in self._ends if w in self.crf._ids]
        return np.flatnonzero(np.isin(ids, ends)) if ends else np.zeros(0, dtype=np.int64)

    def _spans(self, labels: np.ndarray, sent: np.ndarray) -> list[tuple[int, int, str]]:
        """Entity spans ``(first, last_exclusive, TYPE)`` over the flat labels, by conlleval's chunk rules."""
        names = self.crf.labels
        out: list[tuple[int, int, str]] = []
        start, kind, prev = -1, "", -2
        for i in np.flatnonzero(labels != self._outside).tolist():
            prefix, _, t = names[labels[i]].partition("-")
            continues = prefix == "I" and t == kind and prev == i - 1 and sent[i] == sent[prev]
            if not continues:
                if start >= 0:
                    out.append((start, prev + 1, kind))
                start, kind = i, t
            prev = i
        if start >= 0:
            out.append((start, prev + 1, kind))
        return out

    def _propagated(self, spans, core_lengths, labels, core_ids, sent, text_of,
                    min_chars: int = 3) -> list[tuple[int, int, str]]:
        """Untagged runs of tokens that repeat, in the same text, a name tagged there (see :func:`propagate`)."""
        if not spans:
            return []
        firsts = np.fromiter((s[0] for s in spans), dtype=np.int64, count=len(spans))
        lasts = np.fromiter((s[1] for s in spans), dtype=np.int64, count=len(spans))
        chars = np.concatenate(([0], np.cumsum(core_lengths)))
        long_enough = ((chars[lasts] - chars[firsts]) >= min_chars).tolist()
        span_text = text_of[firsts].tolist()
        cores_list = core_ids.tolist()
        # (text, name's core ids) → {type: times tagged}; the type tagged most often wins (first seen on a tie).
        counts: dict[int, dict[tuple[int, ...], dict[str, int]]] = {}
        for (first, last, kind), keep, n in zip(spans, long_enough, span_text):
            if keep:
                kinds = counts.setdefault(n, {}).setdefault(tuple(cores_list[first:last]), {})
                kinds[kind] = kinds.get(kind, 0) + 1
        if not counts:
            return []
        by_text = {n: {key: max(kinds, key=kinds.get) for key, kinds in found.items()} for n, found in counts.items()}
        longest = {n: max(map(len, found)) for n, found in by_text.items()}
        free = labels == self._outside
        out: list[tuple[int, int, str]] = []
        # Candidates, for all texts at once: untagged tokens whose (text, core) begins a name of that text.
        scale = int(core_ids.max()) + 1
        starts = np.array(sorted({n * scale + k[0] for n, found in by_text.items() for k in found}), dtype=np.int64)
        cand = np.flatnonzero(free & np.isin(text_of * scale + core_ids, starts))
        if not len(cand):
            return []
        free_list, sent_list, text_list = free.tolist(), sent.tolist(), text_of[cand].tolist()
        taken_to = -1
        for i, n in zip(cand.tolist(), text_list):
            if i < taken_to:
                continue
            found = by_text[n]
            for size in range(min(longest[n], len(free_list) - i), 0, -1):
                j = i + size
                if sent_list[j - 1] != sent_list[i] or not all(free_list[i:j]):
                    continue
                kind = found.get(tuple(cores_list[i:j]))
                if kind:
                    out.append((i, j, kind))
                    taken_to = j
                    break
        return out
