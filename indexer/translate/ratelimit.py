"""A thread-safe token bucket: at most ``rate`` requests a second on average, bursts of ``capacity``."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    def __init__(self, rate: float, capacity: float | None = None, clock=time.monotonic, sleep=time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = float(capacity if capacity is not None else max(1.0, rate))
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self, tokens: float = 1.0, timeout: float | None = None) -> bool:
        """Take ``tokens``, waiting as long as needed (or ``timeout`` seconds); False if it timed out."""
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= tokens - 1e-9:  # (float rounding must not leave a caller spinning)
                    self._tokens = max(0.0, self._tokens - tokens)
                    return True
                wait = (tokens - self._tokens) / self.rate
            if deadline is not None:
                left = deadline - self._clock()
                if left <= 0:
                    return False
                wait = min(wait, left)
            self._sleep(wait)
