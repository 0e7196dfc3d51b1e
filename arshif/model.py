"""The article model shared by readers, engines, the API and the pages.

An :class:`Article` is what a reader produces and what an engine stores. Its id
is stable (from the URL when there is one, else from the content), so ingesting
the same file twice updates articles instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_validator

#: Longest title and body an article may have (characters). News articles are far shorter; the limits keep
#: one odd record from filling memory, pages and exports.
MAX_TITLE_CHARS = 2_000
MAX_BODY_CHARS = 5_000_000

from arshif.entities import Entity

Language = Literal["ar", "en", "other"]
TranslationStatus = Literal["done", "pending", "failed"]
TranslationKind = Literal["machine", "human", "provided"]


class Translation(BaseModel):
    """One translation of an article into ``language``, with where it came from."""

    language: Language
    title: str = ""
    body: str = ""
    status: TranslationStatus = "done"
    kind: TranslationKind = "machine"
    provider: str = ""
    model: str = ""
    translated_at: datetime | None = None
    reason: str = Field(default="", description="Why a pending/failed translation is not done yet.")


class Provenance(BaseModel):
    """Where an article was read from: the file, and the line or archive member inside it."""

    file: str = ""
    line: int | None = None
    member: str | None = None
    reader: str = ""


class Article(BaseModel):
    """A news article as the archive stores it."""

    id: str = Field(default="", pattern=r"^$|^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$",
                    description="Stable id; empty means 'derive it from the URL or the content'. Letters, digits "
                                "and _ . : - only, so it can stand in a URL path as it is.")
    source_id: str = Field(default="", max_length=1000, description="The input record's own id when it could not serve as "
                                                  "the id (spaces, slashes, other scripts); the id is derived from it, and "
                                                  "GET /api/lookup?source_id=… finds the article by it, and the "
                                                  "filter id= (id:… in a query) finds it among results")
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    body: str = Field(default="", max_length=MAX_BODY_CHARS)
    source: str = ""
    author: str = ""
    byline: str = Field(default="", description="The byline as printed, when the author was read out of it.")
    dateline: str = Field(default="", description="The place the byline names ('الرياض' in 'الرياض - الوئام :').")
    site: str = ""
    tags: list[str] = Field(default_factory=list)
    language: Language = "other"
    url: str = ""
    published: date | None = None
    extracted: datetime | None = None
    related_titles: list[str] = Field(default_factory=list)
    translations: dict[str, Translation] = Field(default_factory=dict)
    entities: list[Entity] = Field(default_factory=list,
                                   description="People, places and organisations named in the article (tagged at ingest).")
    provenance: Provenance = Field(default_factory=Provenance)
    story_id: str = Field(default="", pattern=r"^$|^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$",
                          description="The story the article belongs to (the id of its first article): copies and "
                                      "translations of one report share it. Set at ingest by indexer/stories.")

    @field_validator("id")
    @classmethod
    def _not_a_json_twin(cls, v: str) -> str:
        """``/articles/x.json`` is the JSON twin of ``/articles/x``, so an id ending in ``.json`` could never
        have an HTML page of its own: refuse it where it enters instead of storing an unreachable article."""
        if v.lower().endswith(".json"):
            raise ValueError("an id must not end in '.json' (that suffix names an article's JSON twin)")
        return v

    @field_validator("tags")
    @classmethod
    def _real_tags(cls, v: list[str]) -> list[str]:
        """Tags without edge spaces, each once, none empty: an empty tag was listed as a facet value of its own
        by some engines and not others, and named nothing a reader could pick."""
        return list(dict.fromkeys(t.strip() for t in v if t and t.strip()))

    def with_id(self) -> "Article":
        """Return the article with its stable id filled in (idempotent)."""
        if not self.id:
            self.id = source_id_key(self.source_id) if self.source_id else stable_id(self.url, self.title, self.body)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def translation_status(self) -> str:
        """'done', 'pending' (some translation still to do) or 'none' (no translation asked)."""
        if not self.translations:
            return "none"
        if any(t.status != "done" for t in self.translations.values()):
            return "pending"
        return "done"

    def content_hash(self) -> str:
        """Hash of what a reader of the article sees (not where it was read from): an unchanged
        article re-sent by an ingest is recognised by it and not rewritten."""
        doc = self.model_dump_json(exclude={"translation_status", "provenance"})
        return hashlib.sha1(doc.encode("utf-8")).hexdigest()

    def translation(self) -> Translation | None:
        """The translation shown beside the original (the first done one, else any)."""
        done = [t for t in self.translations.values() if t.status == "done"]
        if done:
            return done[0]
        return next(iter(self.translations.values()), None)


def source_id_key(source_id: str) -> str:
    """The archive id of a record whose own id could not be one (``'ex 2/3'``, a URL guid): derived
    from it alone, so the record keeps its id when its text changes and can be looked up by it."""
    return "sid-" + hashlib.sha1(("source_id:" + source_id.strip()).encode("utf-8")).hexdigest()[:16]


def stable_id(url: str, title: str, body: str) -> str:
    """A short id that stays the same when the same article is read again.

    From the URL when there is one (normalised: no fragment, no trailing slash,
    lower-case scheme and host), otherwise from the NFC-normalised title and body.
    """
    if url and url.strip():
        key = "url:" + _normalise_url(url.strip())
    else:
        text = unicodedata.normalize("NFC", f"{title.strip()}\n{body.strip()}")
        key = "text:" + " ".join(text.split())
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _normalise_url(url: str) -> str:
    url = _drop_flags(url.split("#", 1)[0])
    if "://" in url:
        scheme, rest = url.split("://", 1)
        host, _, path = rest.partition("/")
        url = f"{scheme.lower()}://{host.lower()}/{path}"
    return url.rstrip("/")


def _drop_flags(url: str) -> str:
    """Leave out value-less words in the query string (``?weekly``, ``?live``).

    Newspapers link one article from several editions by adding such a flag
    (al-madina.com: ``…/620763/…html`` and ``…html?weekly``); as part of the id it
    listed the article twice. Parameters with a value (``?ArticleID=27231``) and
    bare keys with digits can name the article, so they stay.
    """
    base, sep, query = url.partition("?")
    if not sep:
        return url
    parts = query.split("&")
    kept = [p for p in parts if not p.isalpha()]
    if len(kept) == len(parts):
        return url  # nothing to leave out: the id stays exactly what it was
    return base + ("?" + "&".join(kept) if any(kept) else "")
