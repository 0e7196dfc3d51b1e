"""Connections of the embedded engine: a bounded pool of readers, one writer, a time budget.

Why a pool and not one connection per thread: a web server runs requests on a
thread pool of several dozen threads, and threads come and go (exports, test
clients); a connection per thread meant dozens of open handles and page caches
that were never closed (RSS grew by a gigabyte under load). A small pool of
connections, borrowed for one operation and handed back, keeps the number of
open handles and the memory constant whatever the number of threads.

Why one writer behind a lock and ``BEGIN IMMEDIATE``: SQLite allows one writer
at a time. A transaction that starts as a read and later writes ("deferred")
cannot wait for the lock when another writer got in first: SQLite fails it at
once with ``SQLITE_BUSY``. Taking the write lock up front makes every writer
wait in line instead (the busy handler below), and say that it waits.

Why a progress handler: a search that runs longer than its budget is
interrupted by SQLite itself (the handler is called every few thousand virtual
machine steps), so an abandoned query cannot keep a core busy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import apsw

from arshif.engines.base import EngineUnavailable, SearchTimeout
from arshif.fork_gate import GATE

log = logging.getLogger("arshif.engines.embedded")

#: SQLite virtual-machine steps between two looks at the clock (cheap: about every 0.1 ms of work).
PROGRESS_STEPS = 2000


class ReadPool:
    """At most ``size`` read connections, shared by all threads; each is borrowed by one thread at a time."""

    def __init__(self, open_conn: Callable[[], apsw.Connection], size: int):
        self._open = open_conn
        self.size = max(1, size)
        self._idle: list[apsw.Connection] = []
        self._busy: set[apsw.Connection] = set()
        self._opened = 0
        self._cond = threading.Condition()

    @property
    def open_connections(self) -> int:
        """Connections currently open (idle or borrowed): never more than ``size``."""
        with self._cond:
            return self._opened

    def acquire(self, wait: float) -> apsw.Connection:
        """A connection, waiting up to ``wait`` seconds for one to come back when all are in use."""
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                if self._idle:
                    conn = self._idle.pop()
                    self._busy.add(conn)
                    return conn
                if self._opened < self.size:
                    self._opened += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SearchTimeout(f"all {self.size} archive connections stayed busy for {wait:.0f} s: "
                                        "the server is overloaded, retry shortly")
                self._cond.wait(remaining)
        try:
            with GATE.passage():  # (a fork must not catch SQLite opening a file: see arshif.fork_gate)
                conn = self._open()
        except BaseException:
            with self._cond:
                self._opened -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._busy.add(conn)
        return conn

    def release(self, conn: apsw.Connection, *, broken: bool = False) -> None:
        """Hand a connection back (``broken``: close it instead, a fresh one is opened when needed)."""
        with self._cond:
            self._busy.discard(conn)
            if broken:
                self._opened -= 1
            else:
                self._idle.append(conn)
            self._cond.notify()
        if broken:
            _close_quietly(conn)

    def forget_inherited(self) -> None:
        """In a forked child: start empty, with a lock of its own (the parent's may have been held by a thread
        the child does not have). The engine closes the inherited connections (``_forget_inherited``)."""
        self._idle, self._busy, self._opened = [], set(), 0
        self._cond = threading.Condition()

    def close_idle(self) -> None:
        """Close every connection not in use (borrowed ones are closed by their borrowers' release)."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._opened -= len(idle)
        for conn in idle:
            _close_quietly(conn)

    def interrupt(self) -> None:
        """Stop the statements running on borrowed connections (server shutdown)."""
        with self._cond:
            busy = list(self._busy)
        for conn in busy:
            try:
                conn.interrupt()
            except apsw.Error:  # pragma: no cover - closed meanwhile
                pass


@contextmanager
def budget(conn: apsw.Connection, seconds: float | None) -> Iterator[Callable[[], bool]]:
    """Interrupt whatever ``conn`` runs once ``seconds`` have passed; yields "is the budget spent?".

    Code that works in Python between statements (highlighting) asks the yielded function too.
    """
    if not seconds or seconds <= 0:
        yield lambda: False
        return
    deadline = time.monotonic() + seconds

    def spent() -> bool:
        return time.monotonic() > deadline

    conn.set_progress_handler(spent, PROGRESS_STEPS)
    try:
        yield spent
    finally:
        conn.set_progress_handler(None)


class WaitingBusyHandler:
    """Busy handler of the writer connection: wait (with back-off) for another writer, and say so once."""

    def __init__(self, path: str, patience: float, on_wait: Callable[[str], None] | None = None):
        self.path = path
        self.patience = patience
        self.on_wait = on_wait
        self._since: float | None = None

    def __call__(self, attempts: int) -> bool:
        now = time.monotonic()
        if attempts == 0 or self._since is None:
            self._since = now
            message = (f"another process is writing to the archive at {self.path}; waiting for it "
                       f"(up to {self.patience:.0f} s)")
            log.warning(message)
            if self.on_wait:
                self.on_wait(message)
        if now - self._since > self.patience:
            self._since = None
            return False
        time.sleep(min(0.2, 0.005 * (attempts + 1)))
        return True

    def between_tries(self, attempts: int) -> bool:
        """:meth:`__call__` for a wait between two tries made from Python (``BEGIN IMMEDIATE``, the text index's
        writer), not from inside SQLite: nothing of SQLite's is in use meanwhile, so the thread steps out of
        the fork gate (a fork need not wait minutes for another process's write)."""
        with GATE.stepped_out():
            return self(attempts)

    def reset(self) -> None:
        self._since = None


def busy_error(path: str, patience: float) -> EngineUnavailable:
    return EngineUnavailable(f"another process kept the archive at {path} locked for writing for more than "
                             f"{patience:.0f} s (ARSHIF_WRITE_WAIT): try again when it has finished")


def close_inherited(conn: apsw.Connection) -> bool:
    """Close a connection a forked child inherited, when it was not in a transaction (closing one in a write
    would undo the parent's write in the write-ahead log's shared index) and no thread held it (apsw then
    refuses); whether it was closed."""
    try:
        if conn.in_transaction:
            return False
        conn.close(True)
        return True
    except apsw.ConnectionClosedError:
        return True  # (closed already)
    except Exception:  # noqa: BLE001 - apsw's ThreadingViolation among others: in an at-fork hook, never raise
        return False


def _close_quietly(conn: apsw.Connection) -> None:
    try:
        with GATE.passage():  # (nor closing one)
            conn.close()
    except apsw.Error:  # pragma: no cover
        pass
