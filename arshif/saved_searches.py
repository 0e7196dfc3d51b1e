"""Saved searches: a search kept under a name, and where each reader last looked at it.

Why a small SQLite file of its own (``saved-searches.db`` in the data directory) and not the engine:
saved searches are the user's own data, not the archive's. Kept apart, they survive ``arshif reindex``
(which rebuilds or replaces the index), a wiped and re-ingested archive, and a switch between engines, and
they work the same on every engine. The standard library's ``sqlite3`` is enough: a handful of rows,
written rarely, read by the web app and by a cron job at once (WAL mode, short transactions).

What a saved search stores is the search itself, as the URL parameters that define it (query, mode,
filters, grouping), kept as a JSON object: this module does not interpret them, the read path does
(``web/saved.py``). "New since you last looked" is kept as an *ingest mark* per reader (the web page, a
cron job, …) and per archive: an engine's :meth:`~arshif.engines.base.Engine.ingest_mark` when that reader
last looked. Marks of one archive mean nothing on another, so each is stored with the archive it came from.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel, Field

MAX_NAME = 120
#: The reader whose mark is set when a search is saved: every reader starts from there.
SAVED = ""

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_searches(
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a deleted search's feed URL does not come back
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,         -- the name case- and form-folded: 'Oil' and 'oil' are one name
    params TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen(
    search_id INTEGER NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    reader TEXT NOT NULL,
    archive TEXT NOT NULL,
    mark INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY(search_id, reader, archive)
);
"""


class NameTaken(ValueError):
    """Another saved search already has this name."""


class InvalidName(ValueError):
    """An empty or over-long name."""


class SavedSearch(BaseModel):
    """One saved search as stored."""

    id: int
    name: str
    params: dict = Field(description="The search's URL parameters: q, mode, filters, grouping.")
    created_at: datetime
    updated_at: datetime


def clean_name(name: str) -> str:
    """The name as stored: NFC, inner whitespace collapsed, 1 to ``MAX_NAME`` characters."""
    cleaned = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not cleaned:
        raise InvalidName("a saved search needs a name")
    if len(cleaned) > MAX_NAME:
        raise InvalidName(f"a name has at most {MAX_NAME} characters (got {len(cleaned)})")
    return cleaned


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SavedSearchStore:
    """The saved searches of one data directory. Safe to use from several threads and processes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # a cron job reads while the web app writes
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One connection per call (a few are opened per request at most; no connection crosses threads)."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- the searches ---------------------------------------------------------------------

    def create(self, name: str, params: dict, *, archive: str, mark: int) -> SavedSearch:
        """Save ``params`` as ``name``; what the archive holds now (``mark``) is not 'new' to anyone."""
        name = clean_name(name)
        now = _now()
        with self._tx() as conn:
            try:
                cur = conn.execute("INSERT INTO saved_searches(name, name_key, params, created_at, updated_at)"
                                   " VALUES(?,?,?,?,?)", (name, _key(name), _dump(params), now, now))
            except sqlite3.IntegrityError:
                raise NameTaken(f"a saved search is already called '{name}'") from None
            search_id = cur.lastrowid
            conn.execute("INSERT INTO seen(search_id, reader, archive, mark, at) VALUES(?,?,?,?,?)",
                         (search_id, SAVED, archive, mark, now))
        return SavedSearch(id=search_id, name=name, params=params, created_at=now, updated_at=now)

    def list(self) -> list[SavedSearch]:
        """Every saved search, by name."""
        with self._tx() as conn:
            rows = conn.execute("SELECT id, name, params, created_at, updated_at FROM saved_searches"
                                " ORDER BY name_key, id").fetchall()
        return [_row(r) for r in rows]

    def get(self, search_id: int) -> SavedSearch | None:
        with self._tx() as conn:
            row = conn.execute("SELECT id, name, params, created_at, updated_at FROM saved_searches WHERE id=?",
                               (search_id,)).fetchone()
        return _row(row) if row else None

    def rename(self, search_id: int, name: str) -> SavedSearch | None:
        """Give a saved search another name; None when there is no such search."""
        name = clean_name(name)
        with self._tx() as conn:
            try:
                cur = conn.execute("UPDATE saved_searches SET name=?, name_key=?, updated_at=? WHERE id=?",
                                   (name, _key(name), _now(), search_id))
            except sqlite3.IntegrityError:
                raise NameTaken(f"a saved search is already called '{name}'") from None
            if not cur.rowcount:
                return None
        return self.get(search_id)

    def delete(self, search_id: int) -> bool:
        with self._tx() as conn:
            return conn.execute("DELETE FROM saved_searches WHERE id=?", (search_id,)).rowcount > 0

    # --- where readers last looked ------------------------------------------------------

    def last_seen(self, search_id: int, reader: str, archive: str) -> int | None:
        """The ingest mark ``reader`` last looked at, else the one the search was saved at; None when
        neither was taken on this archive (then nothing can be called new yet)."""
        with self._tx() as conn:
            rows = dict(conn.execute("SELECT reader, mark FROM seen WHERE search_id=? AND archive=?"
                                     " AND reader IN (?, ?)", (search_id, archive, reader, SAVED)).fetchall())
        return rows.get(reader, rows.get(SAVED))

    def mark_seen(self, search_id: int, reader: str, archive: str, mark: int) -> None:
        """Record that ``reader`` has seen everything up to ``mark``."""
        with self._tx() as conn:
            conn.execute("INSERT INTO seen(search_id, reader, archive, mark, at) SELECT ?,?,?,?,? "
                         "WHERE EXISTS (SELECT 1 FROM saved_searches WHERE id=?) "
                         "ON CONFLICT(search_id, reader, archive) DO UPDATE SET mark=excluded.mark,"
                         " at=excluded.at", (search_id, reader, archive, mark, _now(), search_id))


def _dump(params: dict) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)


def _row(row) -> SavedSearch:
    search_id, name, params, created, updated = row
    return SavedSearch(id=search_id, name=name, params=json.loads(params), created_at=created, updated_at=updated)
