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
import zlib
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash

from arshif.model import Article
from arshif.engines.fts_tokens import document_tokens
from indexer.stories.features import MAX_TOKENS, Features, features_of, index_pairs, reading_pairs, readings

NUM_PERM = 64
SEED = 1
LANGUAGES = ("ar", "en")


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


_SKETCH = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_crc32, scheme="affine32")


def signature(items: set[str]) -> np.ndarray:
    """MinHash values of a set of strings (CRC-32 per item: deterministic across runs, and fast).

    One MinHash (per process) is cleared and reused: building one per article (permutations checked each
    time) cost more than hashing the article's shingles.
    """
    _SKETCH.clear()
    if items:
        _SKETCH.update_batch([s.encode("utf-8") for s in items])
    return _SKETCH.hashvalues.copy()


def as_minhash(values: np.ndarray) -> LeanMinHash:
    """What the LSH index needs of a signature (its values), without a MinHash's permutations."""
    return LeanMinHash(seed=SEED, hashvalues=values, scheme="affine32")


def signatures(feats: Features) -> dict[str, np.ndarray]:
    """``copy:<lang>`` per reading language with shingles, ``cross:<lang>`` of the neutral keys."""
    sigs = {f"copy:{lang}": signature(sh) for lang, sh in feats.shingles.items() if lang in LANGUAGES and sh}
    if feats.neutral and feats.language in LANGUAGES:
        sigs[f"cross:{feats.language}"] = signature(feats.neutral)
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
    """One article's story features and signatures, and (bulk path) the index's tokens of its texts."""

    neutral: set[str]
    sigs: dict[str, np.ndarray]
    tokens: dict[str, list[tuple]] | None = None


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
                pairs = index_pairs(tokens[title])
                pairs += index_pairs(tokens[body], MAX_TOKENS - len(pairs))
            else:
                pairs = reading_pairs(title, body)
            analysed.append((lang, title, body, pairs))
        feats = features_of(language, analysed)
        out.append(Analysed(feats.neutral, signatures(feats), tokens if keep_tokens else None))
    return out


def item_of(article: Article) -> Item:
    return article.language, readings(article)


def analyse(article: Article) -> Analysed:
    """One article, analysed in this process (its first words only)."""
    return analyse_items([item_of(article)], keep_tokens=False)[0]
