"""Errors every part of Arshif can raise and every front end knows how to answer."""

from __future__ import annotations


class EngineUnavailable(RuntimeError):
    """The engine cannot be reached, opened or read; the API answers 503 with Retry-After.

    The message is for the operator (logs, CLI) and may name internal URLs or paths; the web app shows
    anonymous clients only a generic sentence. ``retry_after`` is how many seconds a client should wait
    (a circuit breaker's remaining cool-down), when the engine knows it.
    """

    def __init__(self, message: str = "the search engine is unavailable", *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class SearchTimeout(EngineUnavailable):
    """A search ran past its time budget (``ARSHIF_SEARCH_TIMEOUT``) and was stopped: 503 saying so."""


class BadRequest(ValueError):
    """A request that cannot be answered as asked (e.g. a cursor from another query): 400."""


class InvalidParameter(BadRequest):
    """One parameter is out of the range this server allows (422, naming the parameter)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
