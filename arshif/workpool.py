"""The worker processes that do an ingest's CPU work beside the writer, so both cores work.

One pool for the whole process, started on first use and kept: the embedded
engine sends it the analysis of large writes (:mod:`arshif.engines.fts_tokens`)
and the ingest pipeline sends it entity tagging. Sharing one pool keeps the
number of busy processes at one per core, whatever the mix of work.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor

_executor: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def workers() -> int:
    """Worker processes: ``ARSHIF_INGEST_WORKERS``, else one per core."""
    from arshif.settings import get_settings

    return get_settings().ingest_workers or os.cpu_count() or 1


def submit(fn, *args) -> Future:
    """Run ``fn(*args)`` in a worker process (``fn`` must be a module-level function)."""
    global _executor
    with _lock:
        if _executor is None:
            # fork: spawn/forkserver would re-run the caller's main script in each worker (any script without
            # a __main__ guard would break). A forked worker only runs the functions sent to it: it never
            # touches the SQLite connections or the locks of other threads it inherits.
            _executor = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("fork"))
        return _executor.submit(fn, *args)


def shutdown(wait: bool = False) -> None:
    """Stop the worker processes (started again on the next submit)."""
    global _executor
    with _lock:
        if _executor is not None:
            _executor.shutdown(wait=wait, cancel_futures=True)
            _executor = None
