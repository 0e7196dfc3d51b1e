"""Cleaning between reading and indexing: the same tidy text whatever the source.

Readers keep what the file says; this step makes it safe and uniform: Unicode
NFC, HTML entities decoded, no control characters, one-line titles, trimmed
paragraphs, no empty tags. Markup itself is kept as text (escaped on display).
Scraped pages also leave their photo-gallery controls at the top of a body
("Next Previous", in 270 of SaudiNewsNet's 3alyoum articles: 19 on a line of
their own, 251 opening the byline line, "Next Previous حامد القرشي – عين اليوم"):
those words are the page's buttons, not the article, and they would open every
snippet, so they are dropped where they open a line.
"""

from __future__ import annotations

import html
import re
import unicodedata

from arshif.model import Article
from arshif.search.highlight import strip_controls


#: A gallery's navigation buttons (both directions, in either language) opening a line.
_GALLERY_CONTROLS = re.compile(r"^(?:Next|Previous|التالي|السابق)\s+(?:Next|Previous|التالي|السابق)(?:\s+|$)",
                               re.IGNORECASE)


def clean_text(text: str, *, single_line: bool = False) -> str:
    text = text or ""
    if "&" in text:
        # Scraped news is full of HTML entities (&quot; &nbsp; &#8220;): readers want the characters.
        text = html.unescape(text).replace("\xa0", " ")
    text = strip_controls(unicodedata.normalize("NFC", text)).replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        line = _GALLERY_CONTROLS.sub("", line, count=1)
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


#: Invisible direction marks and embeddings (LRM, RLM, ALM, LRE…PDF, LRI…PDI): kept in texts, where they
#: steer how a line is shown, but not in a value counted as a facet, where they made one byline three
#: (الرياض - فهد اللويحق with and without U+200F and U+202B).
_DIRECTION_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def clean_value(text: str) -> str:
    """A facet value (source, author, site, tag) on one line, without invisible direction marks."""
    return " ".join(_DIRECTION_MARKS.sub(" ", clean_text(text, single_line=True)).split())


def clean_article(article: Article) -> Article:
    article.title = clean_text(article.title, single_line=True)
    article.body = clean_text(article.body)
    for name in ("source", "author", "site"):
        setattr(article, name, clean_value(getattr(article, name)))
    article.url = clean_text(article.url, single_line=True)
    article.tags = list(dict.fromkeys(t for t in (clean_value(t) for t in article.tags) if t))
    article.related_titles = [t for t in (clean_text(t, single_line=True) for t in article.related_titles) if t]
    for tr in article.translations.values():
        tr.title = clean_text(tr.title, single_line=True)
        tr.body = clean_text(tr.body)
    return article
