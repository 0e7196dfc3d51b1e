"""Turn engine highlights into HTML-safe snippets.

Engines mark matches with two control characters that cannot occur in article
text (readers drop control characters); everything else is HTML-escaped here,
once, so a snippet can be put into a page as markup without any risk.
"""

from __future__ import annotations

import html
import re

START = "\x02"
END = "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def marked_to_html(text: str) -> str:
    """Escape ``text`` and turn START/END markers into ``<mark>…</mark>``."""
    text = text.replace(START + END, "")
    out = html.escape(_CONTROL.sub(lambda m: m.group(0) if m.group(0) in (START, END) else "", text), quote=True)
    # Merge marks separated only by spaces, so a phrase reads as one highlight.
    out = re.sub(END + r"(\s+)" + START, r"\1", out)
    return out.replace(START, "<mark>").replace(END, "</mark>")


def has_mark(text: str | None) -> bool:
    return bool(text) and START in text


def plain_snippet(text: str, length: int = 220) -> str:
    """An escaped opening of ``text`` for hits with no highlighted match.

    Only the opening is read (a few times ``length``): bodies run to tens of kilobytes, and a feed or a
    page of 50 hits makes 50 of these."""
    window = length * 4
    longer = len(text) > window
    text = " ".join(text[:window].split())
    if longer and len(text) <= length:
        return html.escape(text, quote=True) + " …"
    if len(text) > length:
        cut = text.rfind(" ", 0, length)
        text = text[: cut if cut > length // 2 else length] + " …"
    return html.escape(text, quote=True)


def strip_controls(text: str) -> str:
    """Remove control characters (keeps newlines and tabs); readers call this on all text."""
    return _CONTROL.sub("", text)
