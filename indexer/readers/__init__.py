"""Readers: files in, :class:`~arshif.model.Article` records (or :class:`ReadProblem`) out.

``read_paths(paths)`` walks files and directories (recursively, sorted, hidden
files skipped), tells each file's format from its extension *and* its first
bytes, and streams records: a JSON array is read element by element and JSON
Lines line by line, so a corpus of any size is never loaded whole. Anything
that cannot be read becomes a :class:`ReadProblem` in the same stream and the
read goes on.

Formats
    ``.txt`` (or text without an extension)
        The archive's native format, one article per file (:mod:`.native`): line 1
        ``<title> - <site>`` (split at the last " - "), line 2 a collection tag,
        the title again (dropped), a byline ``<source> - (<author>)``, body
        paragraphs one per line (sub-headings kept), and after a line
        ``مقالات ذات صلة`` / ``Related articles`` the titles of related articles
        (→ ``related_titles``, not body). In a directory read as a collection, a
        file without a tag line is tagged with its directory's name (inside a zip:
        the member's folder, else the zip's name).
    ``.json``
        An array of objects (streamed), one object, or objects one after another.
    ``.jsonl`` / ``.ndjson``
        One object a line; a bad line is a problem for that line only.
    ``.zip``
        Every member (json, jsonl, txt, zip) is read; provenance names the member.
    ``.gz`` / ``.bz2`` / ``.xz``
        Decompressed on the fly, then read by the name inside (``x.jsonl.gz``).

Provenance
    Every Article has ``provenance``: ``file`` (the path as given, joined with the
    path found under a directory), ``line`` (1-based line for JSONL, element
    number (index + 1) for JSON arrays, ``None`` for a native text file),
    ``member`` (zip member) and ``reader`` (``text``, ``json``, ``jsonl``).
    Readers do not compute ids or detect language: the pipeline does.

Field mapping for other JSON shapes
    Keys are matched case-insensitively; the first non-empty one wins (tags are
    merged from all of theirs).

    ================  =====================================================================
    Article field     JSON keys (first non-empty wins)
    ================  =====================================================================
    id                id, docno, doc_id, docid, article_id, _id, guid, uid, uuid, identifier —
                      kept as the article's id when it is letters, digits and ``_ . : -``
                      (``bbc-business-001``, ANT's ``JA-culture-1-20170120``); any other
                      value (a URL guid, an id with spaces) is kept as ``source_id`` and the
                      archive derives the id from the URL or the text
    title             title, headline, heading
    body              body, content, text, article, full_text, maintext, story, … and last
                      description, summary, abstract, lead (a list of paragraphs is joined)
    source            source, src, publisher, newspaper, outlet, source_name; else the site
    author            author, byline, authors, writer, creator (a list, or objects with a "name")
    url               url, link, href, permalink, canonical_url, source_url, web_url
    published         published, date, date_published, pubDate, pub_date, published_at,
                      publish_date, publication_date, time, datetime, timestamp, created_at…:
                      ISO 8601 date or datetime, RFC 822/2822 (RSS, "Sun, 18 Feb 2018 17:21:49
                      GMT"), day-first "17/05/2015", Unix seconds or milliseconds; only the
                      date is kept. Unparseable dates are left out.
    extracted         date_extracted, extracted, crawled_at, fetched_at, scraped_at — a datetime
    tags              tags, tag, category, categories, collection, cat, section, keywords,
                      topic(s), subject (string or list)
    language          language, lang, locale — "ar"/"en", "arabic"/"english", "ar-SA"…; any other
                      language is left unset for the pipeline to detect
    related_titles    related_titles, related (list of strings or of objects with a "title")
    site              site, site_name, website
    translations      translations — ``{lang: {title, body, provider, model, kind}}`` or a list
                      of such objects with a "language": each becomes a ``Translation`` with
                      that language, status ``done`` and ``kind`` as given (``provided``,
                      ``human`` or ``machine``; ``provided`` when absent). Languages other than
                      Arabic and English are left out.
    ================  =====================================================================

    A key that no alias names (and that is not on a short ignore-list such as ``corpus`` or
    ``image``) is left out with one warning per file, naming the key and the first record.

    ``field_map={"their_key": "article_field"}`` adds mappings that take precedence
    over the aliases above (a dotted key such as ``"meta.byline"`` reaches into nested
    objects; mapping a key to ``""`` ignores it). ``defaults={"source": "BBC"}`` fills
    fields a record leaves empty. Both are checked at once: an unknown article field
    raises ``ValueError``.

    When a record has ``extracted`` but no ``published`` date, ``published`` is the
    extraction day: SaudiNewsNet (``date_extracted`` "2015-08-11 13:44:43") has no
    publication date, and its crawl ran daily.

Records and text
    Text is stripped, "\\r\\n" becomes "\\n", and it is NFC-normalised. A record with
    neither title nor body is a problem ("no title and no body"); title-only and
    body-only records are kept. A JSON value that is not an object is a problem.

Encodings (decided per file, :mod:`.encoding`)
    UTF-8, UTF-8 with BOM (stripped), UTF-16/32 with BOM, BOM-less UTF-16, and
    Windows-1256, ISO-8859-6 and Windows-1252 via ``charset_normalizer``. A JSONL
    line whose bytes are not valid in the file's encoding is a problem for that
    line; a file that is not text in any of these is a problem for the file.

Problems
    ``str(problem)`` is ``file[:member][:line]: reason``. Empty files, unsupported or
    binary files, corrupt archives, undecodable text, bad JSON (with its line and
    column) and records without title or body are all reported this way.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

from arshif.model import Article

from .records import ALIASES, ReadProblem, RecordMapper
from .sources import estimate, read_inputs

__all__ = ["ALIASES", "ReadProblem", "estimate_records", "read_paths"]


def read_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    defaults: dict[str, object] | None = None,
    field_map: dict[str, str] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Iterator[Article | ReadProblem]:
    """Stream the Articles (and the ReadProblems) found in ``paths``, in order.

    ``defaults`` and ``field_map`` are checked before anything is read (ValueError).
    ``on_warning`` hears about things that are read but not kept (a field no alias maps,
    once per file); by default they are logged.
    """
    mapper = RecordMapper(defaults, field_map, on_warning)
    return read_inputs(paths, mapper)


def estimate_records(paths: Iterable[str | os.PathLike[str]]) -> int | None:
    """A cheap estimate of how many records ``read_paths`` will yield, for a progress bar.

    Exact for JSONL files and small files; extrapolated from the first 64 KiB for
    large JSON arrays and archive members. ``None`` when nothing can be estimated.
    """
    return estimate(paths)
