"""The Atom feed of a saved search: its newest matches, for any feed reader.

Why ``feedgen``: it is the established Python generator for Atom (and RSS), builds the XML with lxml, so
every text is escaped by the XML serializer rather than by hand, and checks Atom's required elements.
(``lxml`` comes with it; it is used here only to add an element feedgen cannot.)

Each entry's title is the article's own title, marked with its language (``xml:lang``); where the archive
stores a translation, the entry's summary is the translated title, marked with the translation's language,
and the content is the opening of the article (with "+N more from …" when the search is grouped by story
and other copies match). Entries are ordered by when the archive stored them, and
their ``updated`` time is that moment, so a reader shows a newly ingested article as new even when the
article itself is years old.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timezone
from typing import Callable

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from arshif import __version__
from arshif.saved_searches import SavedSearch
from arshif.sources import display as display_source
from arshif.search.contract import Hit, SearchResponse

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry at all (controls other than tab/newline/return, non-characters):
# archived text sometimes has them, and lxml refuses the whole feed for one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


class _FeedLanguages(BaseExtension):
    """Feed half of the extension below (feedgen registers extensions in pairs)."""


class _EntryLanguages(BaseEntryExtension):
    """Puts ``xml:lang`` on an entry's title and summary (feedgen has no per-entry language), and adds
    the link to the original article (feedgen 1.0 drops the ``rel`` of an entry's links, which would
    make it a second 'alternate')."""

    def __init__(self):
        self.title_lang = ""
        self.summary_lang = ""
        self.related = ""

    def languages(self, title: str = "", summary: str = "") -> None:
        self.title_lang, self.summary_lang = title, summary

    def extend_atom(self, entry):
        for tag, lang in (("title", self.title_lang), ("summary", self.summary_lang)):
            element = entry.find(tag)
            if element is not None and lang and lang != "other":
                element.set(XML_LANG, lang)
        if self.related:
            etree.SubElement(entry, "link", href=self.related, rel="related")
        return entry


def entry_time(hit: Hit) -> datetime:
    """When the entry changed for a feed reader: when the archive stored it, else the article's date."""
    if hit.indexed_at is not None:
        return hit.indexed_at if hit.indexed_at.tzinfo else hit.indexed_at.replace(tzinfo=timezone.utc)
    return _midnight(hit.date) if hit.date else datetime(1970, 1, 1, tzinfo=timezone.utc)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=timezone.utc)


def render_feed(search: SavedSearch, response: SearchResponse, *, feed_url: str, search_url: str,
                article_url: Callable[[str], str]) -> bytes:
    """The Atom document (UTF-8 bytes) for ``search`` listing ``response``'s hits in their order."""
    fg = FeedGenerator()
    fg.register_extension("arshif", _FeedLanguages, _EntryLanguages, rss=False)
    fg.id(feed_url)
    fg.title(xml_text(f"{search.name} — Arshif"))
    if response.stories is not None:
        newest = (f"Newest of {response.stories} stories ({response.total} articles)" if response.total_counted
                  else "Newest stories")
    else:
        newest = f"Newest of {response.total} matches" if response.total_counted else "Newest matches"
    fg.subtitle(xml_text(f"{newest} of a saved search" + (f": {search.params['q']}" if search.params.get("q") else "")))
    fg.link(href=search_url, rel="alternate", type="text/html")
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.generator("Arshif", version=__version__)
    fg.author(name="Arshif")  # Atom wants an author for every entry; entries without their own inherit this
    times = [entry_time(h) for h in response.hits]
    fg.updated(max(times) if times else search.created_at)
    for hit, when in zip(response.hits, times):
        entry = fg.add_entry(order="append")
        url = article_url(hit.id)
        entry.id(url)
        entry.title(xml_text(hit.title) or "(untitled)")
        entry.link(href=url, rel="alternate", type="text/html")
        entry.arshif.related = xml_text(hit.url)
        entry.updated(when)
        if hit.date:
            entry.published(_midnight(hit.date))
        if hit.author or hit.source:
            entry.author(name=xml_text(hit.author or hit.source))
        for term in dict.fromkeys(t for t in (hit.source, *hit.tags) if t):
            entry.category(term=xml_text(term))
        summary_lang = ""
        if hit.translated_title:
            entry.summary(xml_text(hit.translated_title), type="text")
            summary_lang = hit.translation_language
        content = hit.snippet  # HTML-safe already (escaped text): carried as HTML, escaped again by the XML writer
        if hit.story_size > 1:  # grouped by story: the other matching copies, as the results page says it
            sources = ", ".join(display_source(s, "en") for s in hit.story_sources)  # (the feed's words are English)
            content += (f"<p>+{hit.story_size - 1} more" + (f" from {html.escape(sources)}" if sources else "")
                        + "</p>")
        if content:
            entry.content(xml_text(content), type="html")
        entry.arshif.languages(title=hit.language, summary=summary_lang)
    return fg.atom_str(pretty=False)
