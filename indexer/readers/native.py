"""The archive's native text format: one article per ``.txt`` file.

::

    <title> - <site>                 line 1: split at the LAST " - "
    <collection tag>                 line 2 (optional): a short tag such as ``austin_tice``

    <title>                          the title again (dropped)

    <source> - (<author>)            byline (optional)
    <paragraph>                      body: one paragraph per line, short sub-headings kept
    <paragraph>

    مقالات ذات صلة                   "related articles" (or ``Related articles``): what follows
    <title of a related article>     is a list of titles, not body
"""

from __future__ import annotations

import re
from typing import Any

from .records import text

BYLINE = re.compile(r"^(?P<source>[^()]+?)\s+[-–—]\s+\((?P<author>[^()]*)\)$")
RELATED_MARKERS = frozenset({"مقالات ذات صلة", "related articles"})
_TAG_MAX_CHARS = 64
_TAG_MAX_WORDS = 5


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def is_related_marker(line: str) -> bool:
    return " ".join(line.strip().rstrip(":：").split()).casefold() in RELATED_MARKERS


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def parse_native(content: str, collection: str | None = None) -> dict[str, Any]:
    """Article fields from the text of a native file; ``collection`` tags a file without a tag line."""
    lines = [line.strip() for line in text(content.lstrip("\ufeff")).split("\n")]
    i = _next_nonblank(lines, 0)
    if i >= len(lines):
        return {}
    header = lines[i]
    i += 1
    title, sep, site = header.rpartition(" - ")
    if not sep or not title.strip():
        title, site = header, ""
    title, site = title.strip(), site.strip()

    tags: list[str] = []
    if i < len(lines) and _looks_like_tag(lines[i], title, header):
        tags = [lines[i]]
        i += 1
    elif collection:
        tags = [collection]

    j = _next_nonblank(lines, i)
    if j < len(lines):
        if _same(lines[j], title):
            i = j + 1
        elif site and _same(lines[j], header):  # the " - " belonged to the title: no site on line 1
            title, site, i = header, "", j + 1

    source = author = ""
    j = _next_nonblank(lines, i)
    if j < len(lines) and (m := BYLINE.match(lines[j])):
        source, author = m["source"].strip(), m["author"].strip()
        i = j + 1

    body: list[str] = []
    related: list[str] = []
    target = body
    for line in lines[i:]:
        if not line:
            continue
        if target is body and is_related_marker(line):
            target = related
            continue
        target.append(line)

    fields: dict[str, Any] = {
        "title": " ".join(title.split()),
        "site": site,
        "tags": tags,
        "source": source,
        "author": author,
        "body": "\n".join(body),
        "related_titles": list(dict.fromkeys(related)),
    }
    return {k: v for k, v in fields.items() if v}


def _looks_like_tag(line: str, title: str, header: str) -> bool:
    return (
        bool(line)
        and len(line) <= _TAG_MAX_CHARS
        and len(line.split()) <= _TAG_MAX_WORDS
        and not _same(line, title)
        and not _same(line, header)
        and not BYLINE.match(line)
        and not is_related_marker(line)
    )

