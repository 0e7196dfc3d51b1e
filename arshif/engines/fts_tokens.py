"""The terms the embedded engine's text index holds, computed where there is a free core.

Analysis is pure Python and CPU-bound; a large batch is analysed in worker processes
(:func:`analyse_texts`) before the writer takes its locks, and the writer picks the results up by text
(:func:`registered`, :func:`terms_of`). Small writes (an API call) analyse in-process: starting workers
would cost more than it saves. Workers send back each text's terms as two whitespace-joined strings
(:func:`index_terms`), the form the text index takes them in, not token lists: a fraction of the bytes to
pickle, and nothing left to do on the writer's core.

The analysis itself is the same function everywhere (:func:`document_tokens`), so an index built either way
is identical, and highlights count positions as the index does.
"""

from __future__ import annotations

from concurrent.futures import Future
from contextlib import contextmanager

from arshif.analysis import get_analyzer, workers

EXACT_PREFIX = "="
#: Fewer changed articles than this in one write are analysed in-process.
POOL_THRESHOLD = 64
#: Articles per unit of work sent to a worker.
CHUNK = 48

_registered: dict[bytes, tuple[str, str]] = {}


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


def position_terms(text: str, spans: list[tuple[int, int]] | None = None) -> tuple[list[str], list[str | None]]:
    """``(exact forms, stems)`` of a text by position, as :func:`document_tokens` numbers its tokens
    (exact forms without the ``=``; a stem is None where the stemmer drops the word); with ``spans``, each
    token's character offsets are appended to it (byte offsets, which cost more, are not computed)."""
    return get_analyzer("arshif_exact").paired_terms(get_analyzer("arshif_text"), text, spans)


def token_spans(text: str, limit: int, pos: int = 0, terms: list[str] | None = None) -> list[tuple[int, int]]:
    """Character offsets of the first ``limit`` tokens of :func:`position_terms`, by position: the text is read
    only as far as they go. From ``pos`` (just after whitespace) when :func:`readable_from_middle`, and with
    each token's exact form appended to ``terms`` if given (see ``Analyzer.spans_of``)."""
    return get_analyzer("arshif_exact").spans_of(text, limit, pos, terms)


def readable_from_middle(text: str) -> bool:
    """Can :func:`token_spans` read ``text`` from a position other than its start?"""
    return get_analyzer("arshif_exact").per_token_path(text)


#: Stands in the stems for a word the stemmer drops (a stopword), so both strings keep one position per word
#: and a phrase of stems cannot match across a removed word. A separator to the analyzers: never a term.
NO_STEM = "¦"


def joined_terms(tokens: list[tuple]) -> tuple[str, str]:
    """A text's tokens (:func:`document_tokens`) as the two strings the text index takes: its stems (with
    :data:`NO_STEM` where there is none), and its ``=``-prefixed exact forms, each whitespace-joined in word
    order."""
    return " ".join(t[2] if len(t) == 4 else NO_STEM for t in tokens), " ".join(t[-1] for t in tokens)


def index_terms(text: str) -> tuple[str, str]:
    """(stems, exact forms) of a text, as the text index takes them: :func:`joined_terms` of its
    :func:`document_tokens`, computed without the offsets the index does not need."""
    if not text:
        return "", ""
    exacts, stems = get_analyzer("arshif_exact").joined_pairs(get_analyzer("arshif_text"), text, EXACT_PREFIX, NO_STEM)
    return stems, exacts


def analyse_texts(texts: list[str]) -> list[tuple[str, str]]:
    """Worker-process entry point: the index terms of each text."""
    return [index_terms(t) for t in texts]


def terms_of(text: str) -> tuple[str, str]:
    """A text's index terms: a worker's (registered for this write), else analysed here."""
    found = _registered.get(text.encode("utf-8")) if text else None
    return found if found is not None else index_terms(text)


def is_registered(text: str) -> bool:
    """Whether the tokens of ``text`` are at hand already (an empty text needs none)."""
    return not text or text.encode("utf-8") in _registered


@contextmanager
def registered():
    """Collects texts registered during a write and forgets them afterwards (memory stays flat)."""
    keys: list[bytes] = []

    def register(texts: list[str], terms: list[tuple[str, str]]) -> None:
        for text, pair in zip(texts, terms):
            if text:
                key = text.encode("utf-8")
                _registered[key] = pair
                keys.append(key)

    try:
        yield register
    finally:
        for key in keys:
            _registered.pop(key, None)


def submit(texts: list[str]) -> Future:
    """Analyse ``texts`` in a worker process of the shared analysis pool (:mod:`arshif.analysis.workers`)."""
    return workers.submit(analyse_texts, texts)


def result(future: Future) -> list[tuple[str, str]] | None:
    """A worker's terms, or None when the pool broke (the tokenizer then analyses in-process)."""
    return workers.result(future)


def shutdown(wait: bool = False) -> None:
    """Stop the worker processes (started again on the next large write)."""
    workers.shutdown(wait)
