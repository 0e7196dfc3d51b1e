"""From one record (a JSON object, or the fields of a native text file) to an Article.

The field mapping itself is documented in :mod:`indexer.readers`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping

from pydantic import ValidationError

from arshif.model import Article, Provenance, Translation

log = logging.getLogger("arshif.readers")


@dataclass
class ReadProblem:
    """A record or a file that could not be read, and why; the read goes on after it."""

    file: str
    line: int | None
    member: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.member:
            where += f":{self.member}"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.reason}"


# Built-in aliases, in order of preference (the first non-empty one wins; tags are merged).
# These are the names other people's dumps use (RSS, news-please, TREC/ANT, Kaggle-style CSV
# exports, SaudiNewsNet, BBC): a file in any of these shapes reads right without --map.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "docno", "doc_id", "docid", "article_id", "_id", "guid", "uid", "uuid", "identifier"),
    "title": ("title", "headline", "heading"),
    "body": ("body", "content", "text", "article", "full_text", "fulltext", "maintext", "article_body",
             "articlebody", "story", "description", "summary", "abstract", "lead"),
    "source": ("source", "src", "publisher", "newspaper", "outlet", "source_name", "sourcename"),
    "author": ("author", "byline", "authors", "writer", "creator", "dc:creator", "journalist"),
    "url": ("url", "link", "href", "permalink", "canonical_url", "source_url", "web_url"),
    "published": ("published", "date", "date_published", "pubdate", "pub_date", "published_at",
                  "publishedat", "publish_date", "publication_date", "date_publish", "time", "datetime",
                  "timestamp", "created_at", "created", "issued", "dc:date"),
    "extracted": ("date_extracted", "extracted", "date_download", "crawled", "crawled_at", "fetched_at",
                  "scraped_at"),
    "tags": ("tags", "tag", "category", "categories", "collection", "cat", "section", "keywords", "topic",
             "topics", "subject"),
    "language": ("language", "lang", "locale", "inlanguage"),
    "related_titles": ("related_titles", "related"),
    "site": ("site", "site_name", "sitename", "website"),
    "translations": ("translations",),
}
# Keys read on purpose and left out: a warning about them would only be noise.
IGNORED_KEYS = frozenset({"corpus", "seq", "score", "_score", "_index", "_type", "image", "images",
                          "image_url", "top_image", "thumbnail", "provenance", "translation_status"})
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$")
FIELDS = tuple(ALIASES)

_LANGUAGES = {
    "ar": "ar", "ara": "ar", "arabic": "ar", "العربية": "ar", "عربي": "ar", "عربية": "ar",
    "en": "en", "eng": "en", "english": "en", "الإنجليزية": "en", "الانجليزية": "en", "انجليزي": "en",
}
_KINDS = ("provided", "human", "machine")


# --- text -----------------------------------------------------------------------------------

def text(value: Any) -> str:
    """A stripped, NFC, '\\n'-only string from any JSON scalar (None and containers → '')."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if not isinstance(value, str):
        value = str(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value.strip()


def _names(value: Any) -> str:
    """An author field: a string, a list of strings, or objects with a name."""
    if isinstance(value, dict):
        return text(value.get("name") or value.get("title"))
    if isinstance(value, list):
        return ", ".join(n for n in (_names(v) for v in value) if n)
    return text(value)


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [text(v.get("title") or v.get("name")) if isinstance(v, dict) else text(v) for v in value]
    elif isinstance(value, dict):
        items = [text(value.get("title") or value.get("name"))]
    else:
        items = [text(value)]
    return list(dict.fromkeys(i for i in items if i))


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in (text(line) for line in value.split("\n")) if t]
    return _str_list(value)


def language(value: Any) -> str | None:
    """'ar' or 'en' when a record states one of them (codes, names, 'ar-SA'...), else None."""
    s = text(value).casefold().replace("_", "-")
    return _LANGUAGES.get(s) or _LANGUAGES.get(s.split("-", 1)[0])


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _day_first(s: str) -> datetime | None:
    """'17/05/2015' (day first, as Arabic and European sites write it); month first only when the
    first number cannot be a month's day order ('05/17/2015')."""
    m = _DMY.match(s)
    if not m:
        return None
    a, b, year = int(m[1]), int(m[2]), int(m[3])
    day, month = (b, a) if b > 12 >= a else (a, b)
    try:
        return datetime(year, month, day, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
    except ValueError:
        return None


def _epoch(value: float) -> datetime | None:
    """Unix time in seconds or milliseconds (JSON exports of databases), 1990–2100 only."""
    seconds = value / 1000 if value > 1e11 else value
    if not 631152000 <= seconds <= 4102444800:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 dates and datetimes ('2015-08-11 13:44:43', '…T…Z', '+03:00'), RFC 822/2822 (RSS
    pubDate, 'Sun, 18 Feb 2018 17:21:49 GMT'), day-first '17/05/2015' and Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(float(value))
    s = text(value)
    if not s:
        return None
    if s.isdigit() and len(s) in (10, 13):
        return _epoch(float(s))
    dmy = _day_first(s)
    if dmy:
        return dmy
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(iso[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    dt = parse_datetime(value)
    return dt.date() if dt else None


def translations(value: Any) -> dict[str, Translation]:
    """``{lang: {title, body, provider, kind, ...}}`` (or a list of such objects with a 'language').

    Languages other than Arabic and English cannot be stored and are left out.
    """
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(v.get("language") or v.get("lang"), v) for v in value if isinstance(v, dict)]
    else:
        return {}
    out: dict[str, Translation] = {}
    for key, tv in items:
        lang = language(key) or (language(tv.get("language") or tv.get("lang")) if isinstance(tv, dict) else None)
        if lang is None:
            continue
        if isinstance(tv, dict):
            low = _lowered(tv)
            title = _first(low, ALIASES["title"], text)
            body = _first(low, ALIASES["body"], text)
            kind = text(low.get("kind")).casefold()
            extra = {
                "kind": kind if kind in _KINDS else "provided",
                "provider": text(low.get("provider")),
                "model": text(low.get("model")),
                "translated_at": parse_datetime(low.get("translated_at")),
            }
        else:
            title, body, extra = "", text(tv), {"kind": "provided"}
        if title or body:
            out[lang] = Translation(language=lang, title=title, body=body, status="done", **extra)
    return out


# field → how a raw JSON value becomes that field's value ("empty" results are skipped)
COERCE: dict[str, Callable[[Any], Any]] = {
    "id": lambda v: text(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else "",
    "title": lambda v: " ".join(text(v).split()) if isinstance(v, str) else _names(v),
    "body": lambda v: "\n".join(text(x) for x in v) if isinstance(v, list) else text(v),
    "source": _names,
    "author": _names,
    "url": text,
    "published": parse_date,
    "extracted": parse_datetime,
    "tags": _str_list,
    "language": language,
    "related_titles": _lines,
    "site": text,
    "translations": translations,
}


def _lowered(record: Mapping[str, Any]) -> dict[str, Any]:
    low: dict[str, Any] = {}
    for k, v in record.items():
        low.setdefault(k.casefold() if isinstance(k, str) else k, v)
    return low


def _first(low: Mapping[str, Any], keys: tuple[str, ...], coerce: Callable[[Any], str]) -> str:
    for key in keys:
        if key in low:
            value = coerce(low[key])
            if value:
                return value
    return ""


def _lookup(record: Mapping[str, Any], low: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    if key.casefold() in low:
        return low[key.casefold()]
    node: Any = record
    for part in key.split("."):  # dotted path into nested objects: "meta.author"
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class RecordMapper:
    """Turns records into Articles with the built-in aliases, a user ``field_map`` and ``defaults``."""

    def __init__(self, defaults: Mapping[str, object] | None = None, field_map: Mapping[str, str] | None = None,
                 on_warning: Callable[[str], None] | None = None):
        self.warn: Callable[[str], None] = on_warning or log.warning
        self.known = frozenset(k for keys in ALIASES.values() for k in keys) | IGNORED_KEYS
        self.field_map: dict[str, str | None] = {}
        for key, target in (field_map or {}).items():
            if target and target not in FIELDS:
                raise ValueError(f"field_map: {key!r} → {target!r}: not an article field (one of {', '.join(FIELDS)})")
            self.field_map[key] = target or None  # '' or None: ignore this key
        self._mapped_low = {k.casefold() for k in self.field_map}
        self.defaults: dict[str, Any] = {}
        for name, value in (defaults or {}).items():
            if name not in FIELDS or name == "id":
                raise ValueError(f"defaults: {name!r} is not an article field (one of {', '.join(FIELDS[1:])})")
            coerced = COERCE[name](value)
            if coerced:
                self.defaults[name] = coerced

    def fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Article field values found in one JSON object (before defaults)."""
        low = _lowered(record)
        out: dict[str, Any] = {}
        for key, target in self.field_map.items():
            if target is None:
                continue
            value = COERCE[target](_lookup(record, low, key))
            if not value:
                continue
            if target == "tags" and "tags" in out:
                out["tags"] = list(dict.fromkeys(out["tags"] + value))
            else:
                out.setdefault(target, value)
        for name, keys in ALIASES.items():
            if name in out and name != "tags":
                continue
            for key in keys:
                if key not in low or key in self._mapped_low:
                    continue
                value = COERCE[name](low[key])
                if not value:
                    continue
                if name == "tags":
                    out["tags"] = list(dict.fromkeys(out.get("tags", []) + value))
                else:
                    out[name] = value
                    break
        return out

    def unmapped(self, record: Mapping[str, Any]) -> list[str]:
        """Keys of a record that no alias, ``field_map`` entry or ignore-list names (kept as given)."""
        return [k for k in record if isinstance(k, str) and k.casefold() not in self.known
                and k not in self.field_map and k.casefold() not in self._mapped_low
                and not any(m.split(".", 1)[0] == k for m in self.field_map)]

    def article(self, fields: dict[str, Any], provenance: Provenance) -> Article | str:
        """The Article, or the reason there is none."""
        if not fields.get("title") and not fields.get("body"):
            return "no title and no body"
        record_id = fields.pop("id", "")
        if record_id:
            # The record's own id is kept when it can stand in a URL path; otherwise the archive
            # derives one and keeps theirs as source_id, so it can still be found.
            fields["id" if ID_PATTERN.match(record_id) else "source_id"] = record_id
        if not fields.get("source") and fields.get("site"):
            fields["source"] = fields["site"]
        for name, value in self.defaults.items():
            if not fields.get(name):
                fields[name] = value
        if not fields.get("published") and fields.get("extracted"):
            # Crawls such as SaudiNewsNet only say when a page was fetched: use that day.
            fields["published"] = fields["extracted"].date()
        try:
            return Article(provenance=provenance, **fields)
        except ValidationError as e:
            err = e.errors()[0]
            return f"invalid {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
