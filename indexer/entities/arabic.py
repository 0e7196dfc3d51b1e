"""The Arabic tagger at run time: tokenise, featurise, label with the trained CRF, read off the spans.

The model is a CRFsuite file trained by ``python -m indexer.entities.train``;
the gazetteer it was trained with lies beside it (features must be computed
the same way at run time as at training), and it is decoded by
:mod:`.decoder` (CRFsuite's labels, several times faster). Nothing is loaded
until the first article is tagged, so the app and the CLI start as fast as before.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import regex

from . import clusters as word_clusters
from .decoder import CompiledCRF
from .features import Featuriser
from .gazetteer import Gazetteer

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = "ar-ner.crfsuite"
GAZETTEER_FILE = "ar-gazetteer.tsv.gz"

#: Words and single punctuation marks, as ANERcorp splits them; offsets are kept to read spans back.
TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]")
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
    from .gazetteer import core

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
        cores = [core(t) for t in toks]
        i = 0
        while i < len(toks):
            if labels[i] != "O" or cores[i] not in starts:
                i += 1
                continue
            for n in range(min(longest, len(toks) - i), 0, -1):
                kinds = names.get(tuple(cores[i:i + n]))
                if kinds and all(lab == "O" for lab in labels[i:i + n]):
                    kind = kinds.most_common(1)[0][0]
                    labels[i] = "B-" + kind
                    for j in range(i + 1, i + n):
                        labels[j] = "I-" + kind
                    i += n
                    break
            else:
                i += 1
        out.append(labels)
    return out


class ArabicTagger:
    """A loaded CRF model with its gazetteer; ``mentions(text)`` gives ``(TYPE, text, start, end)``."""

    def __init__(self, model_dir: str | Path = MODEL_DIR):
        model_dir = Path(model_dir)
        self.model_path = model_dir / MODEL_FILE
        gaz_path = model_dir / GAZETTEER_FILE
        clusters_path = model_dir / word_clusters.FILE
        self.featuriser = Featuriser(Gazetteer.load(gaz_path) if gaz_path.exists() else None,
                                     clusters=word_clusters.load(clusters_path) if clusters_path.exists() else None)
        self.crf = CompiledCRF(str(self.model_path), self.featuriser)
        self._lock = threading.Lock()  # the decoder's word tables grow as it reads: one caller at a time

    def tag(self, tokens: list[str]) -> list[str]:
        return self.tag_many([tokens])[0]

    def tag_many(self, sentences: list[list[str]]) -> list[list[str]]:
        with self._lock:
            return self.crf.tag_many(sentences)

    def mentions(self, text: str) -> list[tuple[str, str, int, int]]:
        return self.mentions_many([text])[0]

    def mentions_many(self, texts: list[str]) -> list[list[tuple[str, str, int, int]]]:
        """Mentions in each text; all sentences of all texts are decoded together (faster in a batch)."""
        sentences: list[list[tuple[str, int, int]]] = []
        owner: list[int] = []
        for n, text in enumerate(texts):
            current: list[tuple[str, int, int]] = []
            for m in TOKEN.finditer(text):
                tok = m.group()
                current.append((tok, m.start(), m.end()))
                if tok in SENTENCE_END or len(current) >= MAX_SENTENCE or text[m.end():m.end() + 1] == "\n":
                    sentences.append(current)
                    owner.append(n)
                    current = []
            if current:
                sentences.append(current)
                owner.append(n)
        tokens = [[t for t, _, _ in s] for s in sentences]
        tags = self.tag_many(tokens)
        by_text: dict[int, list[int]] = {}
        for k, n in enumerate(owner):
            by_text.setdefault(n, []).append(k)
        for ks in by_text.values():  # one document at a time
            for k, labels in zip(ks, propagate([tokens[k] for k in ks], [tags[k] for k in ks])):
                tags[k] = labels
        out: list[list[tuple[str, str, int, int]]] = [[] for _ in texts]
        for sentence, n, labels in zip(sentences, owner, tags):
            for first, last, kind in spans(labels):
                start, end = sentence[first][1], sentence[last - 1][2]
                out[n].append((kind, texts[n][start:end], start, end))
        return out
