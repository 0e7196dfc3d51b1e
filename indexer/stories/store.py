"""Where story assignments and signatures live between runs: a small SQLite file beside the archive.

Why a sidecar and not the engine: the signatures are write-path state (the
MinHash values the LSH index is rebuilt from at start, and each article's
neutral keys for exact verification). They are of no use to a search, would
bloat every engine's documents, and would have to be read back from a remote
node on every start. The engine holds only what readers need: ``story_id`` on
each article. The sidecar is rebuilt from nothing by re-ingesting (assignment
is deterministic given the order), and is cheap: ~1.3 KB an article.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import apsw
import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members(
    id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    language TEXT NOT NULL,
    fingerprint TEXT NOT NULL,   -- hash of the text the features came from: unchanged → nothing to do
    neutral BLOB NOT NULL,       -- sorted uint32 hashes of its neutral keys (exact cross-language check)
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS members_story ON members(story_id);
CREATE INDEX IF NOT EXISTS members_seq ON members(seq);
CREATE TABLE IF NOT EXISTS signatures(
    id TEXT NOT NULL, kind TEXT NOT NULL, hashvalues BLOB NOT NULL, PRIMARY KEY(id, kind)) WITHOUT ROWID;
"""
#: How long a writer waits for another process's batch (the archive itself waits as long).
BUSY_TIMEOUT_MS = 600_000
#: Bump when features or hashing change: old signatures would not be comparable with new ones.
FORMAT = "4"


@dataclass
class Member:
    id: str
    story_id: str
    language: str
    fingerprint: str


class StoryStore:
    """The sidecar file: members (article → story), their signatures and neutral keys."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = apsw.Connection(str(self.path))
        self.conn.set_busy_timeout(BUSY_TIMEOUT_MS)
        # One statement each: apsw runs a script's statements as its rows are read, and journal_mode answers with
        # a row, so ``synchronous`` after it in one string never ran (every commit waited for an fsync: ~4 ms).
        self.conn.execute("PRAGMA journal_mode=WAL").fetchall()
        self.conn.execute("PRAGMA synchronous=NORMAL")
        with self._locked():
            self.conn.execute(SCHEMA)
            found = self.conn.execute("SELECT value FROM meta WHERE key='format'").fetchall()
            if found and found[0][0] != FORMAT:
                # Signatures of another format cannot be compared with new ones: start over (articles keep
                # their story_id in the engine; the next ingest re-derives what it needs).
                self.conn.execute("DELETE FROM members; DELETE FROM signatures;")
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('format', ?)", (FORMAT,))
        self._seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM members").fetchall()[0][0]

    def member(self, article_id: str) -> Member | None:
        row = self.conn.execute("SELECT id, story_id, language, fingerprint FROM members WHERE id=?",
                                (article_id,)).fetchall()
        return Member(*row[0]) if row else None

    def members(self, ids: list[str]) -> dict[str, Member]:
        """The stored members among ``ids`` (one query per 500)."""
        out: dict[str, Member] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for row in self.conn.execute("SELECT id, story_id, language, fingerprint FROM members WHERE id IN "
                                         f"({','.join('?' * len(part))})", part).fetchall():
                out[row[0]] = Member(*row)
        return out

    def neutral(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The sorted hashes of the neutral keys of ``ids``."""
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT id, neutral FROM members WHERE id IN ({','.join('?' * len(ids))})",
                                 ids).fetchall()
        return {i: np.frombuffer(n, dtype=np.uint32) for i, n in rows}

    def story_of(self, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT id, story_id FROM members WHERE id IN ({','.join('?' * len(ids))})",
                                 ids).fetchall()
        return dict(rows)

    def since(self, seq: int) -> list[tuple[str, str, str, int, dict[str, np.ndarray]]]:
        """(id, story id, language, seq, signatures by kind) of the members placed or changed after ``seq``,
        in order: what another writer did since this one last looked."""
        out: dict[str, tuple[str, str, str, int, dict[str, np.ndarray]]] = {}
        for aid, sid, lang, mseq, kind, blob in self.conn.execute(
                "SELECT m.id, m.story_id, m.language, m.seq, s.kind, s.hashvalues FROM members m "
                "LEFT JOIN signatures s ON s.id = m.id WHERE m.seq > ? ORDER BY m.seq", (seq,)):
            row = out.setdefault(aid, (aid, sid, lang, mseq, {}))
            if kind is not None:
                row[4][kind] = np.frombuffer(blob, dtype=np.uint32)
        return list(out.values())

    @contextmanager
    def snapshot(self):
        """A read transaction: everything read inside sees one state of the file (and :attr:`seq` its newest
        member), without the write lock (a writer elsewhere goes on meanwhile)."""
        self.conn.execute("BEGIN")
        try:
            self._seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM members").fetchall()[0][0]
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    @property
    def seq(self) -> int:
        """The newest member's sequence number (as of the last transaction this store began)."""
        return self._seq

    def save(self, member: Member, neutral: np.ndarray, signatures: dict[str, np.ndarray]) -> None:
        """Write one member (inside the caller's transaction, see :meth:`transaction`)."""
        c = self.conn
        c.execute("INSERT OR REPLACE INTO members(id, story_id, language, fingerprint, neutral, seq) "
                  "VALUES(?,?,?,?,?,?)",
                  (member.id, member.story_id, member.language, member.fingerprint,
                   neutral.astype(np.uint32).tobytes(), self._seq + 1))
        self._seq += 1
        c.execute("DELETE FROM signatures WHERE id=?", (member.id,))
        for kind, values in signatures.items():
            c.execute("INSERT INTO signatures(id, kind, hashvalues) VALUES(?,?,?)",
                      (member.id, kind, values.astype(np.uint32).tobytes()))

    @contextmanager
    def transaction(self):
        """One write transaction, its lock taken at the start (BEGIN IMMEDIATE): a second ingest waits for it
        (up to the busy timeout) instead of failing when it would upgrade a read to a write. The newest
        sequence number is read under that lock, so writers in several processes number their members
        one after the other (each had counted from what it saw at its start, and two counted alike)."""
        with self._locked():
            self._seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM members").fetchall()[0][0]
            yield self.conn

    @contextmanager
    def _locked(self):
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def signatures(self) -> Iterator[tuple[str, str, str, np.ndarray]]:
        """(id, language, kind, hash values) of every stored member, in the order they were placed."""
        for aid, lang, kind, blob in self.conn.execute(
                "SELECT m.id, m.language, s.kind, s.hashvalues FROM members m JOIN signatures s ON s.id = m.id "
                "ORDER BY m.seq"):
            yield aid, lang, kind, np.frombuffer(blob, dtype=np.uint32)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM members").fetchall()[0][0]

    def close(self) -> None:
        self.conn.close()
