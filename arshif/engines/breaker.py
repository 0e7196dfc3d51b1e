"""A circuit breaker for a remote engine: a dead or frozen node costs a fast 503, not a timeout per request.

Why: without it every request to a frozen node (SIGSTOP, a full GC, a network black hole) waits for the
whole client timeout, so the web server's worker threads pile up behind it and even ``/api/health`` hangs.
After a failure the breaker *opens*: for ``cooldown`` seconds every call fails at once with
:class:`EngineUnavailable` carrying ``retry_after``. Then one caller is let through as a *probe* (the engine
makes it a cheap ping with a short timeout); if the node answers the breaker closes again, so the app
reconnects by itself whatever the order in which it and the node were started.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

from arshif.engines.base import EngineUnavailable

CLOSED, OPEN, PROBING = "closed", "open", "probing"


class CircuitBreaker:
    """Thread-safe closed → open → probing → closed state machine."""

    def __init__(self, cooldown: float = 5.0, *, clock: Callable[[], float] = time.monotonic,
                 message: str = "the search engine is unavailable"):
        self.cooldown = cooldown
        self.clock = clock
        self.message = message
        self.state = CLOSED
        self.open_until = 0.0
        self.last_error = ""
        self._lock = threading.Lock()

    def retry_after(self) -> int:
        """Whole seconds until the next probe may run (at least 1)."""
        return max(1, math.ceil(self.open_until - self.clock()))

    def admit(self) -> bool:
        """Called before each operation. Returns True when this caller is the probe (it should check the
        node cheaply first); raises :class:`EngineUnavailable` while the breaker is open."""
        with self._lock:
            if self.state == CLOSED:
                return False
            now = self.clock()
            if self.state == OPEN and now >= self.open_until:
                self.state = PROBING
                self.open_until = now + self.cooldown  # other callers keep failing fast meanwhile
                return True
            raise EngineUnavailable(self.message, retry_after=self.retry_after())

    def success(self) -> None:
        with self._lock:
            self.state = CLOSED
            self.last_error = ""

    def failure(self, reason: str = "") -> None:
        with self._lock:
            self.state = OPEN
            self.open_until = self.clock() + self.cooldown
            self.last_error = reason[:300]

    def forget_inherited(self) -> None:
        """In a forked child: a fresh lock (another thread of the parent may have held it), and a probe the
        parent had under way, whose thread the child has not, left to the child's next caller after the cooldown
        (else every call would fail fast forever)."""
        self._lock = threading.Lock()
        if self.state == PROBING:
            self.state = OPEN

    @property
    def is_open(self) -> bool:
        return self.state != CLOSED
