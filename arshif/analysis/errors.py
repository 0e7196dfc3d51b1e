"""Errors raised while building analyzers from an index definition."""

from __future__ import annotations

__all__ = ["AnalysisConfigError"]


class AnalysisConfigError(ValueError):
    """The analysis settings name or configure something this Python port cannot reproduce."""
