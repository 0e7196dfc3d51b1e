"""The tokens the embedded engine indexes, computed where there is a free core.

FTS5 asks its tokenizer for a document's tokens while the row is being
inserted, on the one thread that holds the write lock. Analysing in that
callback kept one core busy with Python analysis while SQLite waited, and left
the other core idle. Here the analysis of a large batch runs in worker
processes (:func:`analyse_texts`, in the ingest's pool :mod:`arshif.workpool`), while the writer inserts the previous
chunk; the tokenizer callback then only hands FTS5 the list it was given
(:func:`preanalysed`). Small writes (an API call) analyse in-process, as
before: starting workers would cost more than it saves.

The analysis itself is the same function in both places (:func:`document_tokens`),
so an index built either way is identical.
"""

from __future__ import annotations

from concurrent.futures import Future
from contextlib import contextmanager

from arshif import workpool
from arshif.analysis import get_analyzer

EXACT_PREFIX = "="
#: Fewer changed articles than this in one write are analysed in-process.
POOL_THRESHOLD = 64
#: Articles per unit of work sent to a worker.
CHUNK = 48

_registered: dict[bytes, list[tuple]] = {}


def document_tokens(text: str) -> list[tuple]:
    """FTS5 tokens of a document text: ``(byte_start, byte_end, stem, "=" + exact)`` per word, or
    ``(byte_start, byte_end, "=" + exact)`` when the stemmer drops it (a stopword keeps its exact form)."""
    text_an = get_analyzer("arshif_text")
    exact_an = get_analyzer("arshif_exact")
    out: list[tuple] = []
    append = out.append
    if text.isascii():  # byte offsets are char offsets
        for start, end, _pos, exact, stem in exact_an.analyze_with(text_an, text):
            if exact is not None:
                append((start, end, EXACT_PREFIX + exact) if stem is None else
                       (start, end, stem, EXACT_PREFIX + exact))
        return out
    char_pos = 0
    byte_pos = 0
    for start, end, _pos, exact, stem in exact_an.analyze_with(text_an, text):
        if exact is None:
            continue
        byte_pos += len(text[char_pos:start].encode("utf-8"))
        byte_end = byte_pos + len(text[start:end].encode("utf-8"))
        char_pos = start
        append((byte_pos, byte_end, EXACT_PREFIX + exact) if stem is None else
               (byte_pos, byte_end, stem, EXACT_PREFIX + exact))
    return out


def analyse_texts(texts: list[str]) -> list[list[tuple]]:
    """Worker-process entry point: the tokens of each text."""
    return [document_tokens(t) if t else [] for t in texts]


def preanalysed(utf8: bytes) -> list[tuple] | None:
    """The tokens registered for this exact text, if a worker analysed it."""
    return _registered.get(utf8)


@contextmanager
def registered():
    """Collects texts registered during a write and forgets them afterwards (memory stays flat)."""
    keys: list[bytes] = []

    def register(texts: list[str], tokens: list[list[tuple]]) -> None:
        for text, toks in zip(texts, tokens):
            if text:
                key = text.encode("utf-8")
                _registered[key] = toks
                keys.append(key)

    try:
        yield register
    finally:
        for key in keys:
            _registered.pop(key, None)


def submit(texts: list[str]) -> Future:
    """Analyse ``texts`` in a worker process of the ingest's pool (:mod:`arshif.workpool`)."""
    return workpool.submit(analyse_texts, texts)


def result(future: Future) -> list[list[tuple]] | None:
    """A worker's tokens, or None when the pool broke (the tokenizer then analyses in-process)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a dead worker must not fail the write: analyse here instead
        shutdown()
        return None


def shutdown(wait: bool = False) -> None:
    """Stop the worker processes (started again on the next large write)."""
    workpool.shutdown(wait)
