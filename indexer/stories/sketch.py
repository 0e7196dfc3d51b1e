"""MinHash signatures of story features, and the work of a whole batch done in the analysis workers.

A large ingest sends each batch's texts to the analysis worker processes
(:mod:`arshif.analysis.workers`) once: a worker cuts the index's tokens of every
text, builds the story features from them and hashes them into signatures, and
hands back all three. The writer process is left with what must be done in
order — matching against the LSH index and remembering the article — and the
embedded engine indexes the returned tokens instead of analysing the texts again
(:func:`arshif.engines.fts_tokens.registered`). One article (an API write) is
analysed in-process the same way, so both paths give the same features.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash

from arshif.model import Article
from arshif.engines.fts_tokens import document_tokens, joined_terms
from indexer.stories.features import Features, features_of, hashes_of, index_words, reading_words, readings

NUM_PERM = 64
SEED = 1
LANGUAGES = ("ar", "en")


# The inputs are 32-bit hashes already (CRC-32 of words, mixed into shingles: see .features), so the MinHash
# takes them as they are; datasketch's affine32 scheme pre-mixes every input (MurmurHash3's finaliser).
_SKETCH = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme="affine32")


def signature(hashes: np.ndarray) -> np.ndarray:
    """MinHash values (uint32) of a set given as its members' 32-bit hashes.

    One MinHash (per process) is cleared and reused: building one per article (permutations checked each
    time) cost more than hashing the article's shingles.
    """
    _SKETCH.clear()
    if len(hashes):
        _SKETCH.update_batch(hashes.tolist())
    return _SKETCH.hashvalues.astype(np.uint32)


def as_minhash(values: np.ndarray) -> LeanMinHash:
    """What the LSH index needs of a signature (its values), without a MinHash's permutations."""
    return LeanMinHash(seed=SEED, hashvalues=values, scheme="affine32")


def signatures(feats: Features, neutral: np.ndarray) -> dict[str, np.ndarray]:
    """``copy:<lang>`` per reading language with shingles, ``cross:<lang>`` of the neutral keys' hashes."""
    sigs = {f"copy:{lang}": signature(sh) for lang, sh in feats.shingles.items() if lang in LANGUAGES and len(sh)}
    if len(neutral) and feats.language in LANGUAGES:
        sigs[f"cross:{feats.language}"] = signature(neutral)
    return sigs


def fingerprint(article: Article) -> str:
    """What the features depend on: the texts of the article and of its done translations."""
    parts = [article.language, article.title, article.body]
    for key in sorted(article.translations):
        tr = article.translations[key]
        if tr.status == "done":
            parts += [tr.language, tr.title, tr.body]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class Analysed:
    """One article's story features and signatures, and (bulk path) the text index's terms of its texts
    (:func:`arshif.engines.fts_tokens.index_terms`: stems and exact forms, each whitespace-joined).
    ``neutral`` holds the sorted hashes of its neutral keys (the exact cross-language check compares them)."""

    neutral: np.ndarray
    sigs: dict[str, np.ndarray]
    tokens: dict[str, tuple[str, str]] | None = None


#: What a worker is sent per article: its language and readings (language, title, body).
Item = tuple[str, list[tuple[str, str, str]]]


def analyse_items(items: list[Item], keep_tokens: bool) -> list[Analysed]:
    """Worker entry point: features, signatures and (``keep_tokens``) the index's tokens of every text.

    With ``keep_tokens`` the features are read off the index's tokens of the whole texts; without
    (an engine that analyses on its own node, or one article) only the first words are analysed.
    Both give the same features.
    """
    out = []
    for language, texts in items:
        tokens: dict[str, list[tuple]] = {}
        analysed = []
        for lang, title, body in texts:
            if keep_tokens:
                for text in (title, body):
                    if text not in tokens:
                        tokens[text] = document_tokens(text) if text else []
                exact, stems = index_words(tokens[title], tokens[body])
            else:
                exact, stems = reading_words(title, body)
            analysed.append((lang, title, body, exact, stems))
        feats = features_of(language, analysed)
        neutral = hashes_of(feats.neutral)
        # The engine's index terms of each text, joined as the text index takes them (a fraction of the bytes).
        out.append(Analysed(neutral, signatures(feats, neutral),
                            {t: joined_terms(toks) for t, toks in tokens.items()} if keep_tokens else None))
    return out


def item_of(article: Article) -> Item:
    return article.language, readings(article)


def analyse(article: Article) -> Analysed:
    """One article, analysed in this process (its first words only)."""
    return analyse_items([item_of(article)], keep_tokens=False)[0]
