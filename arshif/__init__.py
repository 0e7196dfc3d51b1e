"""Arshif (أرشيف): a searchable multilingual news archive, Arabic first, English beside it.

The `arshif` package holds what both the write path (`indexer/`) and the read
path (`web/`) need: settings, the article model, text analysis, the search
contract and the engines behind it.
"""

__version__ = "0.1.0"
