"""The translation cache: one SQLite file (WAL) shared by every ingest, reindex and engine.

Keyed by provider, language pair and the SHA-256 of the exact chunk sent, so a
chunk is paid for once whatever re-reads it. WAL mode lets several processes
(an ingest and a ``translate --pending``, say) use the cache at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations(
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    translated TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    chars INTEGER NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY(provider, source, target, text_hash)
) WITHOUT ROWID;
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    """Thread-safe get/put of translated chunks; one connection per thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(SCHEMA)
        conn.commit()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def get(self, provider: str, source: str, target: str, text: str) -> tuple[str, str] | None:
        """(translation, model) of ``text`` when it was translated before, else None."""
        row = self._conn().execute(
            "SELECT translated, model FROM translations WHERE provider=? AND source=? AND target=? AND text_hash=?",
            (provider, source, target, text_hash(text))).fetchone()
        return (row[0], row[1]) if row else None

    def put(self, provider: str, source: str, target: str, text: str, translated: str, model: str = "") -> None:
        conn = self._conn()
        conn.execute(
            "INSERT OR REPLACE INTO translations(provider, source, target, text_hash, translated, model, chars, created)"
            " VALUES(?,?,?,?,?,?,?,?)",
            (provider, source, target, text_hash(text), translated, model, len(text), time.time()))
        conn.commit()

    def __len__(self) -> int:
        return self._conn().execute("SELECT count(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.Error:  # pragma: no cover - closing from another thread
                    pass
            self._conns.clear()
        self._local = threading.local()
