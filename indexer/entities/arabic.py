"""The Arabic tagger at run time: tokenise, featurise, label with the trained CRF, read off the spans.

The model is a CRFsuite file trained by ``python -m indexer.entities.train``;
the gazetteer it was trained with lies beside it (features must be computed
the same way at run time as at training). Nothing is loaded until the first
article is tagged, so the app and the CLI start as fast as before.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pycrfsuite
import regex

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


class ArabicTagger:
    """A loaded CRF model with its gazetteer; ``mentions(text)`` gives ``(TYPE, text, start, end)``."""

    def __init__(self, model_dir: str | Path = MODEL_DIR):
        model_dir = Path(model_dir)
        self.model_path = model_dir / MODEL_FILE
        gaz_path = model_dir / GAZETTEER_FILE
        self.featuriser = Featuriser(Gazetteer.load(gaz_path) if gaz_path.exists() else None)
        self._local = threading.local()  # a CRFsuite tagger is not safe to share between threads

    def _tagger(self) -> pycrfsuite.Tagger:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = pycrfsuite.Tagger()
            tagger.open(str(self.model_path))
            self._local.tagger = tagger
        return tagger

    def tag(self, tokens: list[str]) -> list[str]:
        if not tokens:
            return []
        return self._tagger().tag(self.featuriser.sentence(tokens))

    def mentions(self, text: str) -> list[tuple[str, str, int, int]]:
        out: list[tuple[str, str, int, int]] = []
        sentence: list[tuple[str, int, int]] = []

        def flush() -> None:
            if not sentence:
                return
            tags = self.tag([t for t, _, _ in sentence])
            for first, last, kind in spans(tags):
                start, end = sentence[first][1], sentence[last - 1][2]
                out.append((kind, text[start:end], start, end))
            sentence.clear()

        for m in TOKEN.finditer(text):
            tok = m.group()
            sentence.append((tok, m.start(), m.end()))
            if tok in SENTENCE_END or len(sentence) >= MAX_SENTENCE:
                flush()
            elif "\n" in text[m.end():m.end() + 1]:
                flush()
        flush()
        return out
