"""Errors every part of Arshif can raise and every front end knows how to answer."""

from __future__ import annotations


class EngineUnavailable(RuntimeError):
    """The engine cannot be reached, opened or read; the API answers 503 with Retry-After."""


class SearchTimeout(EngineUnavailable):
    """A search ran past its time budget (``ARSHIF_SEARCH_TIMEOUT``) and was stopped: 503 saying so."""


class BadRequest(ValueError):
    """A request that cannot be answered as asked (e.g. a cursor from another query): 400."""


class InvalidParameter(BadRequest):
    """One parameter is out of the range this server allows (422, naming the parameter)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
