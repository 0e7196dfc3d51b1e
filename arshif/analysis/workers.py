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
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable

from arshif.fork_gate import GATE

_executor: ProcessPoolExecutor | None = None
_lock = threading.Lock()
#: Seconds between a worker's looks at whether the process that started it is still alive.
PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when its parent is gone.

    A worker waits for work on a pipe whose writing end it inherited itself, so a parent killed
    outright (SIGKILL, the OOM killer) never closes it: without this the workers of a killed ingest
    stayed behind forever, each holding its memory.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="arshif-parent-watch", daemon=True).start()


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
    with _pool_lock():
        if _executor is None:
            # fork: spawn/forkserver would re-run the caller's main script in each worker (any script without
            # a __main__ guard would break). A forked worker only runs analysis: it never touches the
            # SQLite connections or the locks of other threads it inherits.
            _executor = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("fork"),
                                            initializer=_exit_with_parent, initargs=(os.getpid(),))
        return _executor.submit(fn, *args)


@contextmanager
def _pool_lock() -> Iterator[None]:
    """The pool's lock, waited for outside the fork gate (:mod:`arshif.fork_gate`): the thread holding it may
    be starting the workers, a fork that waits for the threads inside the gate (two archives reindexed at
    once stalled 10 s each so)."""
    with GATE.stepped_out():
        _lock.acquire()
    try:
        yield
    finally:
        _lock.release()


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


#: A forked child's inherited pool (see :func:`_forget_inherited_pool`): kept referenced, never used.
_inherited: list[ProcessPoolExecutor] = []


def _forget_inherited_pool() -> None:
    """In a forked child: the parent's pool is the parent's (its workers answer the parent, its manager thread is
    not in the child: a child's large write submitted to it and waited forever). The child starts its own on
    first use, under a lock of its own (the parent's may have been held by a thread the child does not have)."""
    global _executor, _lock
    if _executor is not None:
        _inherited.append(_executor)
    _executor, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_inherited_pool)
