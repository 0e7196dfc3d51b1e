"""Splitting long texts into requests a provider accepts, and joining the answers back.

A text is cut at paragraph breaks first, then at sentence ends, then at spaces,
and only as a last resort inside a word, so that no piece is longer than
``max_chars``. Pieces are then packed greedily (in order) into chunks of at most
``max_chars`` each, keeping the original separators inside a chunk. The
separators *between* chunks are kept aside and put back when the translated
chunks are joined, so paragraph breaks survive whatever the provider does with
leading and trailing whitespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARAGRAPH_BREAK = re.compile(r"(\s*\n\s*)")
#: A sentence ends at . ! ? … or the Arabic question mark / full stop, followed by spaces.
SENTENCE_END = re.compile(r"(?<=[.!?…؟۔])(\s+)")
SPACE = re.compile(r"(\s+)")


@dataclass(frozen=True)
class Chunked:
    """A text cut into ``chunks``; ``separators[i]`` goes between chunk i and i+1."""

    chunks: list[str]
    separators: list[str]
    lead: str = ""
    trail: str = ""

    def join(self, translated: list[str]) -> str:
        if len(translated) != len(self.chunks):
            raise ValueError("one translation per chunk is needed")
        parts: list[str] = [self.lead]
        for i, chunk in enumerate(translated):
            parts.append(chunk.strip())
            if i < len(self.separators):
                parts.append(self.separators[i])
        parts.append(self.trail)
        return "".join(parts)


def _split_long(text: str, max_chars: int, splitters: tuple[re.Pattern, ...]) -> list[tuple[str, str]]:
    if len(text) <= max_chars:
        return [(text, "")]
    if not splitters:
        # No boundary left: cut inside the word (very long tokens such as URLs or runs without spaces).
        return [(text[i:i + max_chars], "") for i in range(0, len(text), max_chars)]
    splitter, rest = splitters[0], splitters[1:]
    parts = splitter.split(text)
    units: list[tuple[str, str]] = []
    for i in range(0, len(parts), 2):
        piece = parts[i]
        sep = parts[i + 1] if i + 1 < len(parts) else ""
        if not piece:
            if units:
                units[-1] = (units[-1][0], units[-1][1] + sep)
            continue
        sub = _split_long(piece, max_chars, rest)
        sub[-1] = (sub[-1][0], sub[-1][1] + sep)
        units.extend(sub)
    return units


def chunk_text(text: str, max_chars: int) -> Chunked:
    """Cut ``text`` into chunks of at most ``max_chars`` characters (see the module docstring)."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    stripped = text.strip()
    if not stripped:
        return Chunked([], [], text, "")
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    pieces = _split_long(stripped, max_chars, (PARAGRAPH_BREAK, SENTENCE_END, SPACE))
    chunks: list[str] = []
    separators: list[str] = []
    current = ""
    current_sep = ""
    for piece, sep in pieces:
        if not current:
            current, current_sep = piece, sep
            continue
        if len(current) + len(current_sep) + len(piece) <= max_chars:
            current = current + current_sep + piece
            current_sep = sep
        else:
            chunks.append(current)
            separators.append(current_sep)
            current, current_sep = piece, sep
    if current:
        chunks.append(current)
    return Chunked(chunks, separators, lead, trail)
