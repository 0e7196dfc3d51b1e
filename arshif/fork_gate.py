"""A fork that finds no thread of this process inside SQLite or tantivy.

Why: ``fork()`` copies one thread. A lock another thread held at that moment stays held in the child
forever, and SQLite and tantivy keep process-wide locks of their own (SQLite's memory and file mutexes;
tantivy's, around opening and reloading an index) that no ``at fork`` handler resets. Of 120 children forked
while three other threads searched, 12 hung on their first search; with fresh Python locks, connections and
index in the child (``EmbeddedEngine._forget_inherited``) but no gate, still 10 of 120, now inside SQLite's
open or tantivy's ``Index.open``. With the gate: none.

So the embedded engine's reads and writes pass through one gate per process (:meth:`ForkGate.passage`),
and ``os.fork`` (``multiprocessing``'s default start method on Linux, the analysis workers) first waits
until no other thread is inside, holding new ones at the gate until the fork is done. Not waited for: the
forking thread itself (a write that starts the analysis workers), and a thread that waits for another
*process* (its write lock, for minutes perhaps) or for a lock the forking thread may hold
(:meth:`ForkGate.stepped_out`): it uses nothing of SQLite's or tantivy's meanwhile. The wait has a bound
(:data:`FORK_WAIT_SECONDS`): past it the fork goes ahead and says so in the log.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("arshif.fork_gate")

#: Longest a fork waits for the searches and writes under way in other threads to end.
FORK_WAIT_SECONDS = 10.0


class ForkGate:
    """Counts the threads inside; a fork waits for the others to leave and lets none in meanwhile."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inside = 0
        self._forking = 0  # forks under way (two threads may fork at once)
        self._mine = threading.local()  # how deep this thread is inside (passages nest: a write that reads)

    @contextmanager
    def passage(self) -> Iterator[None]:
        """Around work in SQLite or tantivy: waits while a fork is being made."""
        depth = getattr(self._mine, "depth", 0)
        with self._cond:
            while self._forking and depth == 0:
                self._cond.wait()
            self._inside += 1
        self._mine.depth = depth + 1
        try:
            yield
        finally:
            self._mine.depth = depth
            with self._cond:
                self._inside -= 1
                if self._forking:
                    self._cond.notify_all()

    @contextmanager
    def stepped_out(self) -> Iterator[None]:
        """Around a wait for another *process* (its write lock): this thread does not count as inside
        meanwhile, so a fork does not wait for a wait that can last minutes; it comes back in once no fork is
        being made. (Only this thread's own connections are in use while it waits: a child never uses them.)"""
        depth = getattr(self._mine, "depth", 0)
        if not depth:
            yield
            return
        with self._cond:
            self._inside -= depth
            if self._forking:
                self._cond.notify_all()
        self._mine.depth = 0
        try:
            yield
        finally:
            with self._cond:
                while self._forking:
                    self._cond.wait()
                self._inside += depth
            self._mine.depth = depth

    def before_fork(self) -> None:
        """In the forking thread: wait for the other threads inside to leave; keep the gate's lock across
        the fork (released by :meth:`after_fork_in_parent`, made anew by :meth:`after_fork_in_child`)."""
        own = getattr(self._mine, "depth", 0)
        self._cond.acquire()
        self._forking += 1
        deadline = time.monotonic() + FORK_WAIT_SECONDS
        while self._inside > own:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("forking while %d other thread(s) still search or write the archive: the child "
                            "process may hang if it uses it", self._inside - own)
                break
            self._cond.wait(remaining)

    def after_fork_in_parent(self) -> None:
        self._forking -= 1
        self._cond.notify_all()
        self._cond.release()

    def after_fork_in_child(self) -> None:
        depth = getattr(self._mine, "depth", 0)  # (the forking thread's, still on its stack in the child)
        self._cond = threading.Condition()
        self._inside = depth
        self._forking = 0


GATE = ForkGate()
os.register_at_fork(before=GATE.before_fork, after_in_parent=GATE.after_fork_in_parent,
                    after_in_child=GATE.after_fork_in_child)
