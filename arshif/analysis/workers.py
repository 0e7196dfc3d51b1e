"""The analysis worker processes: one pool for everything the write path analyses in bulk.

Analysis is pure Python and CPU-bound, so a large ingest analyses in forked worker
processes while the writer process does what only it can (SQLite inserts, the
story index). Two users share this pool, so they never start twice as many
processes as there are cores: the embedded engine's FTS tokens
(:mod:`arshif.engines.fts_tokens`) and the story features of the write path
(``indexer/stories``), which reuse those tokens instead of analysing the text again.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable

_executor: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def workers() -> int:
    """Worker processes for analysis: ``ARSHIF_INGEST_WORKERS``, else one per core."""
    from arshif.settings import get_settings

    return get_settings().ingest_workers or os.cpu_count() or 1


def submit(fn: Callable[..., Any], *args: Any) -> Future:
    """Run ``fn(*args)`` in a worker process (the pool starts on first use and lives as long as this one).

    ``fn`` must be a module-level function (it is sent by name) and must not touch the caller's
    connections or locks: a forked worker inherits them but never owns them.
    """
    global _executor
    with _lock:
        if _executor is None:
            # fork: spawn/forkserver would re-run the caller's main script in each worker (any script without
            # a __main__ guard would break). A forked worker only runs analysis: it never touches the
            # SQLite connections or the locks of other threads it inherits.
            _executor = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("fork"))
        return _executor.submit(fn, *args)


def result(future: Future) -> Any | None:
    """A worker's answer, or None when the pool broke (the caller then does the work in-process)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a dead worker must not fail the write: the caller works in-process
        shutdown()
        return None


def shutdown(wait: bool = False) -> None:
    """Stop the worker processes (started again on the next large write)."""
    global _executor
    with _lock:
        if _executor is not None:
            _executor.shutdown(wait=wait, cancel_futures=True)
            _executor = None
