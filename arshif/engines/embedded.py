"""The embedded engine: SQLite (through APSW) for the archive, tantivy for its text index.

Why this split: SQLite is in-process and persistent (one file under the data directory), its WAL mode lets
one writer and many reader processes share the archive safely, and its transactions make a batch land whole
or not at all; it keeps the stored articles, the small rows every search reads (article_meta, tags,
entities, stories) and the write sequence. The text index (:mod:`arshif.engines.text_index`) is tantivy,
fed with the project's own analysed tokens: BM25 with per-field weights and block-max WAND for the top
hits, phrases by position, facets and the date histogram from its columnar fields. It is derived from the
archive and always catches up with it (see that module).

Searches ranked by relevance (the common case: a query, its page, facets and histogram) run in tantivy
alone; the page's articles come from SQLite. Other orders, cursors and facet prefixes read tantivy's matches
into a temporary table and finish in SQL, where the ordering, cursor and story folding rules are written once.
Highlights mark the words of the page's hits from the same analysis (:mod:`arshif.engines.fts_highlight`).
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import threading
import time
import uuid
import weakref
from bisect import bisect_right
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

import apsw

from arshif.analysis import get_analyzer
from arshif.engines.base import (
    RELAX_BELOW,
    apply_highlights,
    hit_from_article,
    hit_from_stored,
    like_text,
    BadRequest,
    Engine,
    EngineUnavailable,
    QueryPlan,
    SearchTimeout,
    WriteResult,
    article_date,
    best_match_search,
    cursor_bound_search,
    choose_interval,
    decode_cursor,
    encode_cursor,
    failures_as_unavailable,
    plan_query,
)
from arshif.fields import FACET_BY_NAME, FACETS, FILTER_FIELDS, RECORD_ID
from arshif.mappings import definition_fingerprint
from arshif.engines import fts_tokens
from arshif.engines.fts_highlight import LOCATE_CHARS, highlight_field, phrase_locations, snippet_field
from arshif.engines import text_index
from arshif.engines.text_index import IndexDoc, TextIndex, TextQuery, compile_text
from arshif.fork_gate import GATE as FORK_GATE
from arshif.engines.sqlite_pool import ReadPool, WaitingBusyHandler, budget, busy_error, close_inherited
from arshif.model import Article
from arshif.settings import Settings, get_settings
from arshif.search.contract import (
    MAX_HITS,
    MAX_OFFSET,
    DateBucket,
    FacetValue,
    Filters,
    Hit,
    SearchRequest,
    SearchResponse,
)
from arshif.entities import ENTITY_KINDS
from arshif.search.facet_prefix import facet_include, fold_for_prefix, keeps, linked_values, values_to_ask
from arshif.search.highlight import marked_to_html, plain_snippet

log = logging.getLogger("arshif.engines.embedded")

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    first_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    date TEXT,
    tr_language TEXT NOT NULL DEFAULT '',  -- key in doc.translations of the indexed (done) translation
    translation_status TEXT NOT NULL DEFAULT 'none',
    content_hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    indexed_at TEXT,  -- when the article was first stored (UTC, ISO 8601); kept by updates and reindex
    source_id TEXT NOT NULL DEFAULT ''  -- the input record's own id when it could not be the id (filter 'id')
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_author ON articles(author);
CREATE INDEX IF NOT EXISTS articles_language ON articles(language);
CREATE INDEX IF NOT EXISTS articles_site ON articles(site);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date, id);
CREATE INDEX IF NOT EXISTS articles_status ON articles(translation_status);
CREATE TABLE IF NOT EXISTS article_tags(
    rowid INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(rowid, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_tags_tag ON article_tags(tag, rowid);
-- People, places and organisations by their linked key (arshif/entities.py): one row per entity and article.
CREATE TABLE IF NOT EXISTS article_entities(
    rowid INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(rowid, kind, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_entities_key ON article_entities(kind, key, rowid);
-- What a search reads for every match (filters, facets, dates, sort keys), in small rows kept apart from the
-- documents: reading these columns from 'articles' meant one page read per match (its rows hold the whole
-- JSON document), which was most of the time of a query with many matches. Triggers keep it in step.
CREATE TABLE IF NOT EXISTS article_meta(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, first_seq INTEGER NOT NULL, date TEXT,
    language TEXT NOT NULL, source TEXT NOT NULL, author TEXT NOT NULL, site TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS article_meta_source ON article_meta(source);
CREATE INDEX IF NOT EXISTS article_meta_author ON article_meta(author);
CREATE INDEX IF NOT EXISTS article_meta_language ON article_meta(language);
CREATE INDEX IF NOT EXISTS article_meta_site ON article_meta(site);
CREATE INDEX IF NOT EXISTS article_meta_date ON article_meta(date, id);
CREATE TRIGGER IF NOT EXISTS article_meta_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_meta VALUES(new.rowid, new.id, new.first_seq, new.date, new.language, new.source,
                                    new.author, new.site);
END;
CREATE TRIGGER IF NOT EXISTS article_meta_update AFTER UPDATE ON articles BEGIN
    UPDATE article_meta SET id=new.id, first_seq=new.first_seq, date=new.date, language=new.language,
                            source=new.source, author=new.author, site=new.site WHERE rowid=new.rowid;
END;
CREATE TRIGGER IF NOT EXISTS article_meta_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_meta WHERE rowid=old.rowid;
END;
"""

#: The value of each facet value id the text index counts by (text_index.value_id): written with the articles
#: that have it, dropped when the last of them is deleted or changed (see _forget_unused_values), named anew
#: by a rebuild. (A server's memory of names it looked up keeps a dropped one until it restarts or forgets.)
VALUES_SCHEMA = "CREATE TABLE IF NOT EXISTS facet_values(id INTEGER PRIMARY KEY, value TEXT NOT NULL);"
#: Facet value ids named from the archive, kept per engine up to this many (then forgotten all at once).
NAMES_KEPT = 200_000

#: Single-valued facets are columns of ``articles``; tags live in ``article_tags``, entities in ``article_entities``.
#: Each article's story (its story_id; articles without one are stories of their own), in small rows kept
#: apart from the documents like article_meta, filled by triggers from the stored document.
STORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS article_story(rowid INTEGER PRIMARY KEY, story TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS article_story_story ON article_story(story);
CREATE TRIGGER IF NOT EXISTS article_story_insert AFTER INSERT ON articles BEGIN
    INSERT OR REPLACE INTO article_story VALUES(new.rowid, coalesce(nullif(json_extract(new.doc, '$.story_id'), ''),
                                                                   new.id));
END;
CREATE TRIGGER IF NOT EXISTS article_story_update AFTER UPDATE ON articles BEGIN
    INSERT OR REPLACE INTO article_story VALUES(new.rowid, coalesce(nullif(json_extract(new.doc, '$.story_id'), ''),
                                                                   new.id));
END;
CREATE TRIGGER IF NOT EXISTS article_story_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_story WHERE rowid=old.rowid;
END;
"""

FACET_COLUMNS = {f.name: f"a.{f.name}" for f in FACETS if not f.multi}
#: Matching copies read for the sources a grouped hit lists (its count of copies is exact whatever their number).
COPIES_READ = 2000
#: A bulk write (an ingest) commits the text index once it holds this many articles not yet committed...
BULK_COMMIT_DOCS = 2000
#: ...or this many seconds after its last commit, whichever comes first (then lets the writer go: another
#: writer waits at most about this long).
BULK_COMMIT_SECONDS = 5.0


def _storage_failure(engine, exc: BaseException) -> str | None:
    """SQLite failures that mean the archive cannot be read or written (locked, corrupt, disk full),
    as opposed to a query the engine built wrongly."""
    if isinstance(exc, apsw.Error) and not isinstance(exc, (apsw.SQLError, apsw.BindingsError)):
        return f"the archive cannot be read: {type(exc).__name__}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):  # (the text index's writer)
        return "the archive cannot be written: the disk is full"
    return None


@failures_as_unavailable(_storage_failure)
class EmbeddedEngine(Engine):
    """In-process engine persisted in one SQLite file; safe for one writer and many readers."""

    name = "embedded"
    analyses_here = True

    def __init__(self, path: str | Path, *, readonly: bool = False, settings: Settings | None = None,
                 on_wait: Callable[[str], None] | None = None):
        self.path = Path(path)
        self.readonly = readonly
        settings = settings or get_settings()
        self.search_timeout = settings.search_timeout
        self.write_wait = settings.write_wait
        self._text = TextIndex(self.path.with_name(self.path.name + ".text"), create=not readonly)
        self._built_at: int | None = None  # the write sequence at which the catch-up built the whole index
        self._archive_id = ""  # the archive's identity (meta 'archive_id'), recorded by the text index it feeds
        self._pool = ReadPool(self._open_reader, settings.embedded_connections)
        # Runs a search's ranking while its thread counts the facets (see _ranked); one per read connection.
        self._rankers = settings.embedded_connections
        self._ranking: ThreadPoolExecutor | None = None  # (a forked child starts without: _forget_inherited)
        self._ranking_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._writer: apsw.Connection | None = None
        # A bulk write (see bulk()) keeps the text index's writer across its batches.
        self._bulk_depth = 0
        self._held: text_index.HeldWriter | None = None
        # Analysis started by prefetch(), by the batch's ids: upsert() of that batch picks it up.
        self._prefetched: dict[tuple[str, ...], list] = {}
        self._prefetch_lock = threading.Lock()
        self._value_names: dict[int, str] = {}  # facet value id -> value, as the archive has named them
        self._busy = WaitingBusyHandler(str(self.path), self.write_wait, on_wait)
        self._forked_mid_use = False  # see _forget_inherited
        self._opened: "weakref.WeakSet[apsw.Connection]" = weakref.WeakSet()  # every connection still open
        _LIVE_ENGINES.add(self)
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EngineUnavailable(f"cannot create the archive directory {self.path.parent}: {exc}") from exc
        elif not self.path.exists():
            raise EngineUnavailable(f"no archive at {self.path}: run 'arshif ingest' or 'arshif demo' first")
        if not readonly and not self.path.exists():
            self._create()
        if not readonly:
            with self._writing() as conn:
                if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='article_meta'").fetchall():
                    conn.execute(SCHEMA)  # a new archive, or one made before article_meta: fill it once
                    conn.execute("INSERT INTO article_meta SELECT rowid, id, first_seq, date, language, source, "
                                 "author, site FROM articles")
                if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='article_story'").fetchall():
                    conn.execute(STORY_SCHEMA)  # a new archive, or one made before stories: fill it once
                    conn.execute("INSERT INTO article_story SELECT rowid, coalesce(nullif(json_extract(doc, "
                                 "'$.story_id'), ''), id) FROM articles")
                # (filled as the text index is fed: an archive from before it rebuilds its index, see LAYOUT)
                conn.execute(VALUES_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', ?), ('seq', '0'),"
                             " ('analysis', ?), ('archive_id', ?)",
                             (str(SCHEMA_VERSION), definition_fingerprint(), uuid.uuid4().hex))
                _add_missing_columns(conn)
                _drop_fts5(conn)
                self._archive_id = conn.execute("SELECT value FROM meta WHERE key='archive_id'").fetchall()[0][0]
            with self._writing(text=True):
                pass  # catches the text index up: nothing after a clean write; a whole index for an old archive
        elif not self._text.exists:
            raise TextIndexOutdated(f"the archive at {self.path} has no text index of this version "
                                    f"({self._text.directory}): it was made by an older Arshif; run 'arshif reindex' "
                                    "once to build it")
        with self._reading(budgeted=False) as conn:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchall():
                raise EngineUnavailable(f"{self.path} is not an Arshif archive (no tables): run 'arshif ingest' "
                                        "or 'arshif demo' first")
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchall()
            archive_id = conn.execute("SELECT value FROM meta WHERE key='archive_id'").fetchall()
            stored = conn.execute("SELECT value FROM meta WHERE key='analysis'").fetchall()
            has_meta = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name='article_meta'").fetchall())
            has_stories = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name='article_story'").fetchall())
            columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)").fetchall()}
        if readonly:
            self._archive_id = archive_id[0][0] if archive_id else ""
            if self._text.state()[0] != self._archive_id:
                raise TextIndexOutdated(f"the text index beside {self.path} was not built from this archive (or "
                                        "by an older Arshif), or another process is rebuilding it right now: wait "
                                        "for that, else run 'arshif reindex' once to rebuild it")
        # An archive from before the column, opened read-only (so not migrated): no arrival times to give.
        self._indexed_at = "indexed_at" if "indexed_at" in columns else "NULL"
        # ... and no source_id column: read it from the stored documents (slower, still right).
        self._source_id = "source_id" if "source_id" in columns else "json_extract(doc, '$.source_id')"
        # An archive made before article_meta, opened read-only: read the same columns from 'articles'.
        self._meta = "article_meta" if has_meta else "articles"
        # An archive made before stories, opened read-only: every article is a story of its own.
        self._story_join = " LEFT JOIN article_story st ON st.rowid = a.rowid" if has_stories else ""
        self._story = "coalesce(st.story, a.id)" if has_stories else "a.id"
        self._has_stories = has_stories
        if version and version[0][0] != str(SCHEMA_VERSION):
            raise EngineUnavailable(f"the archive at {self.path} was made by another version of Arshif (schema "
                                    f"{version[0][0]}, this one reads {SCHEMA_VERSION}): ingest into a new "
                                    "--data-dir and remove the old one")
        self.mapping_outdated = bool(stored) and stored[0][0] != definition_fingerprint()
        if self.mapping_outdated:
            log.warning("the archive at %s was indexed with another version of the analyzers in "
                        "mappings/articles.json: run 'arshif reindex' to rebuild it (searches keep working "
                        "meanwhile, with the old analysis)", self.path)

    def _create(self) -> None:
        """Make a new archive under a temporary name and link it into place complete, schema and all.

        A reader (a search, a second ingest) that finds the file therefore always finds its tables; with two
        creators at once, the first link wins and the other simply opens it.
        """
        tmp = self.path.with_name(f".{self.path.name}.creating-{os.getpid()}-{threading.get_ident()}")
        conn = apsw.Connection(str(tmp))
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.execute(SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', ?), ('seq', '0'),"
                             " ('analysis', ?)", (str(SCHEMA_VERSION), definition_fingerprint()))
        finally:
            conn.close()  # the last connection checkpoints and removes the -wal file
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise EngineUnavailable(f"cannot create the archive at {self.path}: {exc}") from exc
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    # --- connections ---------------------------------------------------------------------

    def _open_conn(self, readonly: bool) -> apsw.Connection:
        flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
        conn = None
        try:
            conn = apsw.Connection(str(self.path), flags=flags)
            # Busy handling first: the PRAGMAs below read the database (an archive being created
            # by another process may be locked for a moment).
            if not readonly:
                conn.set_busy_handler(self._busy)
            else:
                # Readers never wait for writers in WAL mode; only a checkpoint's brief lock can delay them.
                conn.set_busy_timeout(int(max(self.search_timeout, 5) * 1000))
            conn.create_scalar_function("arshif_fold", fold_for_prefix, 1, deterministic=True)
            if not readonly:
                # One statement per call: APSW stops a multi-statement string at the first row it returns,
                # and journal_mode returns one, so "…WAL; PRAGMA synchronous=NORMAL" left every commit at FULL
                # (an fsync of the WAL per write). NORMAL in WAL mode: a crash loses nothing committed.
                conn.execute("PRAGMA journal_mode=WAL").fetchall()
                conn.execute("PRAGMA synchronous=NORMAL")
            # 32 MiB of page cache per connection; the pool keeps a handful of connections whatever the threads.
            conn.execute("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768;")
        except apsw.Error as exc:
            if conn is not None:
                conn.close()
            raise EngineUnavailable(f"cannot open the archive at {self.path}: {exc}") from exc
        self._opened.add(conn)
        return conn

    @property
    def location(self) -> str:
        return str(self.path)

    def writable(self) -> "EmbeddedEngine":
        return EmbeddedEngine(self.path) if self.readonly else self

    def release_thread(self) -> None:
        """Nothing to do: connections are pooled, not kept per thread."""

    def _open_reader(self) -> apsw.Connection:
        # Readers of a writable engine open read-write (the file may not allow a read-only WAL open before
        # its first write), but they only ever read.
        return self._open_conn(self.readonly)

    @contextmanager
    def _reading(self, budgeted: bool = True):
        """Borrow a read connection; with ``budgeted`` the search time budget applies to what runs on it."""
        seconds = self.search_timeout if budgeted else None
        self._check_not_forked_mid_use()
        conn = self._pool.acquire(wait=max(self.search_timeout or 0, 30.0))
        broken = False
        try:
            with FORK_GATE.passage():  # (everything done on the connection, the rollback included)
                try:
                    with budget(conn, seconds):
                        yield conn
                except apsw.InterruptError as exc:
                    broken = conn.in_transaction
                    raise self._timeout() from exc
                except BaseException:
                    broken = conn.in_transaction
                    raise
                finally:
                    if broken:
                        try:
                            conn.execute("ROLLBACK")
                            broken = False
                        except apsw.Error:
                            pass
        finally:
            self._pool.release(conn, broken=broken)

    def _begin_immediate(self, conn: apsw.Connection) -> None:
        """``BEGIN IMMEDIATE``, waiting for another process's write lock between tries, not inside SQLite's
        busy handler: meanwhile the connection is idle, so a fork made then (see arshif.fork_gate) can close
        it in the child, as it must. The engine's busy handler still says once that it waits, and gives up
        after ``write_wait``."""
        attempts = 0
        while True:
            conn.set_busy_handler(None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except apsw.BusyError as exc:
                if not self._busy.between_tries(attempts):
                    raise busy_error(str(self.path), self.write_wait) from exc
            finally:
                conn.set_busy_handler(self._busy)
            attempts += 1

    def _check_not_forked_mid_use(self) -> None:
        if self._forked_mid_use:
            raise EngineUnavailable(
                f"this process was forked while its parent was writing the archive at {self.path}: it cannot "
                "use it safely; open the archive in a process started with multiprocessing's 'spawn' method, "
                "or fork outside of writes")

    def _timeout(self) -> SearchTimeout:
        return SearchTimeout(f"the search was stopped after {self.search_timeout:g} s (its time budget, "
                             "ARSHIF_SEARCH_TIMEOUT): narrow it with fewer words, a filter or a date range")

    @contextmanager
    def _writing(self, text: bool = False):
        """The writer connection in a ``BEGIN IMMEDIATE`` transaction: commit on success, roll back on error.

        Taking the write lock at BEGIN (not at the first write) is what lets a second writer wait its turn.
        With ``text``, also the text index's writer, taken first (every writer takes the two locks in
        that order, so none waits for the other's) and committed after SQLite, so the index is never
        ahead of the archive; what a crash between the two commits leaves out is caught up at the start
        of the next write (:meth:`_catch_up`). Yields ``(conn, text_writer)`` then, else ``conn``.
        """
        if self.readonly:
            raise EngineUnavailable(f"the archive at {self.path} is open read-only")
        self._check_not_forked_mid_use()
        with self._write_lock, FORK_GATE.passage(), self._text_writer(text) as tw:
            conn = self._writer_conn()
            self._begin_immediate(conn)
            try:
                if tw is not None:
                    self._catch_up(conn, tw)
                yield (conn, tw) if text else conn
                if tw is not None:
                    tw.seq = _seq(conn)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except apsw.BusyError as exc:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise busy_error(str(self.path), self.write_wait) from exc

    @contextmanager
    def _text_writer(self, wanted: bool):
        """The text index's writer (None if not ``wanted``), waiting for another process's as SQLite's
        busy handler waits for its write lock (and saying so once).

        Committed and let go when the write ends, or, in a bulk write, kept for the next batch until it holds
        :data:`BULK_COMMIT_DOCS` articles or :data:`BULK_COMMIT_SECONDS` have passed, so another writer (a
        second ingest, an API write) waits seconds, not the whole ingest. On an error it is rolled back and
        let go: the batches of a bulk write it held uncommitted are caught up by the next write."""
        self._busy.reset()
        if not wanted:
            yield None
            return
        if self._held is None:
            try:
                self._held = text_index.HeldWriter(self._text, self._busy.between_tries)
            except text_index.WriterBusy as exc:
                raise busy_error(str(self.path), self.write_wait) from exc
            self._busy.reset()
        held = self._held
        try:
            yield held.tw
        except BaseException:
            self._held = None
            try:
                held.rollback()
            finally:
                held.release()
            raise
        if (not self._bulk_depth or held.tw.added >= BULK_COMMIT_DOCS
                or time.monotonic() - held.started >= BULK_COMMIT_SECONDS):
            self._let_go()

    def _let_go(self) -> None:
        """Commit the held writer and release it (under the write lock)."""
        held, self._held = self._held, None
        if held is not None:
            try:
                held.commit()
            finally:
                held.release()

    @contextmanager
    def bulk(self):
        """Many writes in a row (an ingest): the text index commits every few thousand articles or seconds
        instead of after each batch; what is written is searchable once committed, and all of it when the
        block ends. Nested blocks are one."""
        if self.readonly:
            yield
            return
        with self._write_lock:
            self._bulk_depth += 1
        try:
            yield
        finally:
            with self._write_lock, FORK_GATE.passage():  # (the commit reloads the index: see fork_gate)
                self._bulk_depth -= 1
                if not self._bulk_depth:
                    self._let_go()
                    self._settle()

    def _settle(self) -> None:
        """After a bulk write: when a failed batch took the uncommitted batches before it out of the text index
        (they are in the archive), index them now rather than at the next write."""
        try:
            if self._text.indexed_seq < _seq(self._writer_conn()):
                with self._writing(text=True):
                    pass  # the write's catch-up indexes what the archive holds beyond the index
        except Exception as exc:  # noqa: BLE001 - never hide the error that ended the bulk write
            log.warning("the text index of %s is behind the archive; the next write catches it up (%s)",
                        self.path, exc)

    def _writer_conn(self) -> apsw.Connection:
        with self._write_lock:
            if self._writer is None:
                self._writer = self._open_conn(False)
            return self._writer

    def _conn(self) -> apsw.Connection:
        """A connection for maintenance statements (tests, benches): the writer, or a reader when read-only."""
        if self.readonly:
            conn = self._pool.acquire(wait=30.0)
            self._pool.release(conn)
            return conn
        return self._writer_conn()

    @property
    def open_connections(self) -> int:
        """SQLite connections this engine holds open (read pool plus writer)."""
        return self._pool.open_connections + (self._writer is not None)

    def interrupt(self) -> None:
        """Stop every running search now (used at server shutdown)."""
        self._pool.interrupt()

    def _forget_inherited(self) -> None:
        """In a child forked from this process: what this engine held there belongs to the parent.

        A fork copies one thread; locks another thread held at that moment stay held forever in the child (a
        child forked while a search was starting hung on the ranking lock), and the parent's SQLite connections,
        tantivy index and ranking threads must not be used from the child. It gets fresh locks and opens its own
        connections and index when it first needs them. The inherited connections no thread was using are
        closed: SQLite's table of the process's file locks came along with them, and until they are closed the
        child's own connections share the parent's entries and take no file lock of their own (a parent that
        closed its last connection deleted the write-ahead log under a child still using it: the archive was
        corrupt). Anything else is kept, never used (:data:`_INHERITED`). A write the parent had under way is
        not the child's to finish."""
        clean = True
        for conn in list(self._opened):  # the pool's, the writer, and one being opened or handed over
            if not close_inherited(conn):
                _INHERITED.append(conn)
                clean = False
        self._opened = weakref.WeakSet()
        self._pool.forget_inherited()
        _INHERITED.extend(x for x in (self._held, self._ranking) if x is not None)
        # (the bulk depth stays: a child forked inside ``bulk()`` still leaves the block, but without the
        # parent's held writer, which the child never commits)
        self._writer, self._held = None, None
        self._ranking = None
        self._ranking_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._prefetch_lock = threading.Lock()
        self._prefetched = {}
        self._text.forget_inherited(_INHERITED)
        if not clean:
            # A connection in use at the fork (a write under way in the forking thread: the analysis workers
            # start so) cannot be closed here, and while it is open SQLite's file locks in this process are
            # the parent's: this child must not use the archive.
            self._forked_mid_use = True

    def close(self) -> None:
        """Close idle connections (and the writer when no write runs); the engine reopens them if used again."""
        self._pool.close_idle()
        with self._ranking_lock:
            if self._ranking is not None:
                self._ranking.shutdown(wait=False)  # (its threads end once their searches do)
                self._ranking = None
        if self._write_lock.acquire(timeout=0.1):
            try:
                with FORK_GATE.passage():
                    self._let_go()  # a bulk write left open: what it wrote becomes searchable
                    if self._writer is not None:
                        self._writer.close()
                        self._writer = None
            finally:
                self._write_lock.release()

    # --- writing -------------------------------------------------------------------------

    def prefetch(self, articles: list[Article]) -> None:
        """Send the next batch's texts to the analysis workers now, while the previous batch is written.

        Without it an ingest (without stories, which analyse ahead themselves) alternated: the workers
        idled while the writer inserted a batch, and the writer idled while the workers analysed. Tokens
        are registered by exact text (see fts_tokens), so a text changed since cannot get stale tokens: it
        is analysed in-process instead.
        """
        batch = [a.with_id() for a in articles]
        chunks = self._analyse_ahead(batch)
        if chunks:
            with self._prefetch_lock:
                self._prefetched[tuple(a.id for a in batch)] = chunks
                while len(self._prefetched) > 2:  # a batch never written (its ingest stopped): let it go
                    self._prefetched.pop(next(iter(self._prefetched)))

    def upsert(self, articles: Iterable[Article]) -> WriteResult:
        result = WriteResult()
        articles = [a.with_id() for a in articles]
        with self._prefetch_lock:
            pending = self._prefetched.pop(tuple(a.id for a in articles), None)
        if pending is None:
            pending = self._analyse_ahead(articles)
        with fts_tokens.registered() as register, \
                self._writing(text=True) as (conn, tw):  # one transaction per batch: all of it or none of it
            seq = _seq(conn)
            to_index: list[IndexDoc] = []
            replaced: set[tuple[str, str]] = set()  # the facet values updated articles had
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            for article in articles:
                if pending and article.id in pending[0][0]:
                    ids, texts, future = pending.pop(0)  # this chunk's tokens, from a worker
                    tokens = fts_tokens.result(future)
                    if tokens is not None:
                        register(texts, tokens)
                doc = article.model_dump_json(exclude={"translation_status"})
                chash = article.content_hash()
                row = conn.execute("SELECT rowid, content_hash, first_seq FROM articles WHERE id=?",
                                   (article.id,)).fetchall()
                if row and row[0][1] == chash:
                    result.unchanged.append(article.id)
                    continue
                seq += 1
                d = article_date(article)
                tr_key, tr = _indexed_translation(article)
                values = (article.id, seq, article.language, article.source, article.author, article.site,
                          d.isoformat() if d else None, tr_key, article.translation_status, chash, doc,
                          article.source_id)
                if row:
                    rowid = row[0][0]
                    first_seq = row[0][2]
                    replaced |= _facet_values_of(conn, rowid)
                    conn.execute("DELETE FROM article_tags WHERE rowid=?", (rowid,))
                    conn.execute("DELETE FROM article_entities WHERE rowid=?", (rowid,))
                    conn.execute(
                        "UPDATE articles SET id=?, seq=?, language=?, source=?, author=?, site=?, date=?,"
                        " tr_language=?, translation_status=?, content_hash=?, doc=?, source_id=? WHERE rowid=?",
                        (*values, rowid))
                    result.updated.append(article.id)
                else:
                    conn.execute(
                        "INSERT INTO articles(id, first_seq, seq, language, source, author, site, date, tr_language,"
                        " translation_status, content_hash, doc, source_id, indexed_at)"
                        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (article.id, seq, *values[1:], now))
                    rowid = conn.last_insert_rowid()
                    first_seq = seq
                    result.created.append(article.id)
                to_index.append(_index_doc(rowid, first_seq, article))
                for tag in dict.fromkeys(article.tags):
                    conn.execute("INSERT OR IGNORE INTO article_tags(rowid, tag) VALUES(?,?)", (rowid, tag))
                conn.executemany("INSERT OR IGNORE INTO article_entities(rowid, kind, key) VALUES(?,?,?)",
                                 [(rowid, e.kind, e.key) for e in article.entities])
            conn.execute("UPDATE meta SET value=? WHERE key='seq'", (str(seq),))
            docs = {d.rowid: d for d in to_index}  # an article twice in a batch: its last copy
            _remember_values(conn, docs.values())
            if replaced:
                _forget_unused_values(conn, replaced)
            # Every rowid written is deleted from the text index first, not only the updated ones: a new
            # article may take the rowid of one a power loss took from SQLite but not from the index.
            tw.delete(sorted(docs))
            tw.add(list(docs.values()))
        return result

    def _analyse_ahead(self, articles: list[Article]) -> list[tuple[set[str], list[str], object]]:
        """Send the texts of changed articles to worker processes, in chunks, before taking the write lock.

        Returns ``(ids, texts, future)`` per chunk, in article order; empty for a small write (analysed
        in-process by the tokenizer) or when nothing changed.
        """
        if len(articles) < fts_tokens.POOL_THRESHOLD:
            return []
        with self._reading(budgeted=False) as conn:
            stored: dict[str, str] = {}
            for i in range(0, len(articles), 500):
                chunk = [a.id for a in articles[i:i + 500]]
                stored.update(conn.execute(f"SELECT id, content_hash FROM articles WHERE id IN "
                                           f"({','.join('?' * len(chunk))})", chunk).fetchall())
        # Texts the caller had analysed already (the write path does, for story features) are not sent again.
        # (an article not stored yet is new whatever its hash: not hashed, a JSON dump of it saved)
        return self._analyse_texts([a for a in articles if a.id not in stored or stored[a.id] != a.content_hash()])

    @staticmethod
    def _analyse_texts(articles: list[Article]) -> list[tuple[set[str], list[str], object]]:
        """The texts of ``articles`` sent to the analysis workers in chunks (none for a few articles)."""
        changed = [a for a in articles if not all(fts_tokens.is_registered(t) for t in _indexed_texts(a))]
        if len(changed) < fts_tokens.POOL_THRESHOLD:
            return []
        chunks = []
        for i in range(0, len(changed), fts_tokens.CHUNK):
            part = changed[i:i + fts_tokens.CHUNK]
            texts = [t for a in part for t in _indexed_texts(a)]
            chunks.append(({a.id for a in part}, texts, fts_tokens.submit(texts)))
        return chunks

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        with self._writing(text=True) as (conn, tw):
            removed: list[int] = []
            dropped: set[tuple[str, str]] = set()  # the facet values the removed articles had
            for article_id in ids:
                row = conn.execute("SELECT rowid FROM articles WHERE id=?", (article_id,)).fetchall()
                if not row:
                    continue
                rowid = row[0][0]
                removed.append(rowid)
                dropped |= _facet_values_of(conn, rowid)
                conn.execute("DELETE FROM article_tags WHERE rowid=?", (rowid,))
                conn.execute("DELETE FROM article_entities WHERE rowid=?", (rowid,))
                conn.execute("DELETE FROM articles WHERE rowid=?", (rowid,))
                n += 1
            if removed:
                # A write like any other: the text index's catch-up after a crash tells a delete it missed
                # by the sequence having moved (see _catch_up).
                conn.execute("UPDATE meta SET value=? WHERE key='seq'", (str(_seq(conn) + 1),))
                _forget_unused_values(conn, dropped)
                tw.delete(removed)
        return n

    def reindex(self, progress=None) -> tuple[str, str, int]:
        """Rebuild the text index from every stored article with the current analyzers.

        The new index is committed whole: searches in other processes keep reading the old one until then,
        so none fails or comes back empty meanwhile.
        """
        with self._writing(text=True) as (conn, tw):
            if self._built_at == _seq(conn) and not self.mapping_outdated:
                # Opening this archive built its whole text index a moment ago (an archive from before it,
                # or one whose index was lost) and nothing was written since: building it twice gains nothing.
                done = conn.execute("SELECT count(*) FROM articles").fetchall()[0][0]
                if progress:
                    progress(done)
                return str(self.path), str(self.path), done
            tw.delete_all()
            conn.execute("DELETE FROM facet_values")  # named again from the articles as they are indexed
            done = self._index_rows(conn, tw, "1", (), progress)
            _fill_source_ids(conn)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('analysis', ?)", (definition_fingerprint(),))
        self.mapping_outdated = False
        return str(self.path), str(self.path), done

    def optimize(self) -> None:
        """Catch the text index up with the archive if needed (tantivy merges its segments as it writes: a
        write waits for the merges it starts once the index holds :data:`text_index.MERGE_AT` segments)."""
        with self._writing(text=True):
            pass

    def _catch_up(self, conn, tw) -> None:
        """Bring the text index up to the archive before a write (see :mod:`arshif.engines.text_index`).

        Nothing to do after a clean write: the index recorded the archive's sequence. After a crash between
        the two commits, or for an archive made before the text index, the articles written since the
        recorded sequence are indexed again; then any article the index holds that the archive no longer
        has (a delete the crash lost) is removed."""
        seq = _seq(conn)
        archive, done = self._text.state()
        if tw.seq is not None:  # a writer held by a bulk write has everything up to its last write, committed or not
            archive, done = tw.archive, tw.seq
        tw.archive = self._archive_id
        if archive == self._archive_id and done == seq:
            return
        if archive != self._archive_id or done > seq:
            # Built from another archive (an index left beside a new archive of the same name, or an archive
            # file replaced by another), or by an Arshif before archives had an identity: rebuilt whole.
            if archive:
                log.warning("the text index at %s is not this archive's: rebuilding it", self._text.directory)
            tw.delete_all()
            done = 0
        if not seq:
            return
        log.warning("the text index of %s is behind the archive (write %d of %d): indexing what it lacks",
                    self.path, done, seq)
        if done == 0:
            conn.execute("DELETE FROM facet_values")  # the whole index is built: its values named anew
        n = self._index_rows(conn, tw, "seq > ?", (done,), replace=True,
                             progress=lambda k: k % 10_000 < 500 and log.info("text index: %d articles indexed", k))
        if done == 0:
            self._built_at = seq  # the whole index built from the articles (a migration): see reindex
        searcher = self._text.searcher()
        indexed = searcher.num_docs
        if indexed:  # what the index holds that the archive no longer has (committed documents only)
            hits = searcher.search(text_index.combined(None, []), limit=indexed, count=False).hits
            have = searcher.fast_field_values("rowid", [addr for _, addr in hits])
            kept = {r for (r,) in conn.execute("SELECT rowid FROM articles")}
            tw.delete(sorted(set(have) - kept))
        log.info("text index of %s caught up: %d articles indexed again", self.path, n)

    def _index_rows(self, conn, tw, where: str, params: tuple, progress=None, replace: bool = False) -> int:
        """Index the stored articles ``where`` says (analysed in the worker processes when they are many)."""
        rowids = [r for (r,) in conn.execute(f"SELECT rowid FROM articles WHERE {where} ORDER BY rowid", params)]
        done = 0
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            rows = conn.execute(f"SELECT rowid, first_seq, doc FROM articles WHERE rowid IN "
                                f"({','.join('?' * len(chunk))})", chunk).fetchall()
            articles = [(rowid, first_seq, Article.model_validate_json(doc)) for rowid, first_seq, doc in rows]
            with fts_tokens.registered() as register:
                for _ids, texts, future in self._analyse_texts([a for _, _, a in articles]):
                    tokens = fts_tokens.result(future)
                    if tokens is not None:
                        register(texts, tokens)
                if replace:
                    tw.delete(chunk)
                docs = [_index_doc(rowid, first_seq, a) for rowid, first_seq, a in articles]
                _remember_values(conn, docs)
                tw.add(docs)
            done += len(articles)
            if progress:
                progress(done)
        return done

    # --- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        with self._reading() as conn:
            row = conn.execute("SELECT doc FROM articles WHERE id=?", (article_id,)).fetchall()
        return Article.model_validate_json(row[0][0]) if row else None

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            with self._reading() as conn:
                rows = conn.execute(f"SELECT id, doc FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            out.update({aid: Article.model_validate_json(doc) for aid, doc in rows})
        return out

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchall()[0][0]

    def ingest_mark(self) -> int:
        """The write sequence (the same number cursors pin their snapshot to): assigned inside the
        single writer's transaction, so an article with a higher ``first_seq`` arrived after it was read."""
        with self._reading() as conn:
            return int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchall()[0][0])

    def stats(self) -> dict:
        with self._reading(budgeted=False) as conn:
            q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
            first, last = q("SELECT min(date), max(date) FROM articles")[0]
            documents = q("SELECT count(*) FROM articles")[0][0]
            by_language = dict(q("SELECT language, count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"))
            sources = q("SELECT count(DISTINCT source) FROM articles")[0][0]
            translations = dict(q("SELECT translation_status, count(*) FROM articles GROUP BY 1"))
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        size += self._text.size_bytes()
        return {
            "engine": self.name,
            "location": str(self.path),
            "documents": documents,
            "by_language": by_language,
            "sources": sources,
            "translations": translations,
            "first_date": first,
            "last_date": last,
            "size_bytes": size,
            "sqlite": apsw.sqlite_lib_version(),
            "text_index": f"tantivy ({self._text.directory.name})",
        }

    def pending_ids(self, include_untranslated: bool = False) -> list[str]:
        statuses = ("pending", "none") if include_untranslated else ("pending",)
        with self._reading(budgeted=False) as conn:
            rows = conn.execute(
                f"SELECT id FROM articles WHERE translation_status IN ({','.join('?' * len(statuses))}) ORDER BY seq",
                statuses).fetchall()
        return [r[0] for r in rows]

    def vocabulary_counts(self, terms: Iterable[str], exact: bool = False) -> dict[str, int]:
        """In how many articles each term occurs (deleted articles count until tantivy merges them away)."""
        prefix, field = (text_index.EXACT_PREFIX, text_index.TEXT_EXACT) if exact else ("", text_index.TEXT)
        out: dict[str, int] = {}
        with FORK_GATE.passage():
            searcher = self._text.searcher()
            for t in dict.fromkeys(t for t in terms if t):
                n = searcher.doc_freq(field, prefix + t)
                if n:
                    out[t] = n
        return out

    def search(self, request: SearchRequest) -> SearchResponse:
        return cursor_bound_search(request, lambda request: best_match_search(
            plan_query(request), lambda plan: self._search_plan(request, plan)))

    def _search_plan(self, request: SearchRequest, plan: QueryPlan) -> SearchResponse:
        started = time.perf_counter()
        text = compile_text(plan.text)
        if plan.text is not None and text is None and not plan.negative:
            # Only stopwords or punctuation: nothing can match, say so rather than listing everything.
            return SearchResponse(total=0, hits=[], took_ms=_ms(started))
        return self._run(request, plan, text, started)

    def more_like_this(self, article_id: str, size: int = 10, filters: Filters | None = None) -> list[Hit]:
        article = self.get(article_id)
        if article is None:
            return []
        text = self._mlt_query(article)
        if text is None:
            return []
        flt = (filters or Filters()).model_copy(deep=True)
        flt.exclude.setdefault("id", []).append(article_id)
        request = SearchRequest(size=size, filters=Filters(), highlight=True)
        plan = QueryPlan(text=None, negative=[], filters=flt)
        return self._run(request, plan, text, time.perf_counter()).hits

    def _mlt_query(self, article: Article, max_terms: int = 25) -> TextQuery | None:
        """The article's most distinctive stemmed terms (tf·idf against the index), OR-ed."""
        tf = Counter(get_analyzer("arshif_text").terms(like_text(article)))
        if not tf:
            return None
        n_docs = max(self.count(), 1)
        df = self.vocabulary_counts(tf)
        scored = []
        for term, freq in tf.items():
            d = df.get(term, 0)
            if d < 2 or d > 0.3 * n_docs or len(term) < 2 or term.isdigit():
                continue  # unique to this article, or too common to tell stories apart
            scored.append((freq * math.log(n_docs / d), term))
        scored.sort(reverse=True)
        return text_index.any_stem([t for _, t in scored[:max_terms]])

    # --- the query runners ---------------------------------------------------------------

    def _run(self, request: SearchRequest, plan: QueryPlan, text: TextQuery | None,
             started: float) -> SearchResponse:
        negatives = [n for n in (compile_text(x) for x in plan.negative) if n is not None]
        if (text is not None and request.sort == "relevance" and request.cursor is None
                and not any(f.prefix for f in request.facets)):
            return self._ranked(request, plan, text, negatives, started)
        return self._listed(request, plan, text, negatives, started)

    def _check_budget(self, started: float) -> None:
        if self.search_timeout and time.perf_counter() - started > self.search_timeout:
            raise self._timeout()

    def _ranked(self, request: SearchRequest, plan: QueryPlan, text: TextQuery, negatives: list[TextQuery],
                started: float) -> SearchResponse:
        """A query's page by relevance, its count, facets and histogram, all from the text index.

        tantivy finds the best hits without scoring every match (block-max WAND) and counts facets from
        its columns; SQLite gives the page's articles. Hits are ordered by score, then id (as the SQL path
        orders them, so a cursor taken from this page continues there)."""
        grouped = request.group == "story"
        with self._reading() as conn:
            conn.execute("BEGIN")  # one read snapshot for the page's rows and articles
            try:
                snapshot, searcher = self._pinned(conn)
                query = text_index.combined(text, text_index.filter_clauses(plan.filters, negatives=negatives,
                                                                            pinned_at=snapshot))
                want = request.offset + request.size
                riders = {"~days": DAYS_AGGREGATION} if request.date_histogram else {}
                ranking, facets, ridden = None, {}, {}
                if request.facets or riders:
                    bound = text_index.match_bound(searcher, text)
                    if grouped:
                        # (walked with the facets, not again after the ranking: 0.5 ms a default request)
                        riders["~stories"] = _stories_aggregation(bound)
                    # The best hits and the facets each walk the matches and neither needs the other (the
                    # facets choose how to count by a bound of the matches, not their count): tantivy ranks
                    # in another thread while this one counts (each lets go of the GIL), so on a machine
                    # with a core free a search takes about the longer of the two, not their sum.
                    ranking = self._rank_aside(searcher, query, _first_k(want, grouped))
                    try:
                        facets, ridden = self._index_facets(conn, searcher, request, plan, text, negatives, query,
                                                            snapshot, bound, riders)
                    except BaseException:
                        ranking.cancel()  # (still queued: no one will read it; a running search ends alone)
                        raise
                total, entries, counted = self._best(conn, searcher, query, want, grouped,
                                                     first=ranking.result() if ranking else None)
                self._check_budget(started)
                histogram, interval = ([], None)
                if request.date_histogram:
                    histogram, interval = _index_histogram(searcher, query, ridden, request.date_histogram)
                stories, shared = None, None
                if grouped and counted is not None:
                    stories = counted  # every match was read: its stories are counted exactly
                elif grouped:
                    stories, shared = _story_count(searcher, query, len(entries), total, ridden.get("~stories"))
                page = entries[request.offset:request.offset + request.size]
                keyed = [(rowid, -key, [key, aid]) for key, aid, rowid, _story in page]
                self._check_budget(started)
                hits, docs = self._hits(conn, request, keyed)
                if grouped:
                    self._index_story_copies(conn, searcher, query, hits, [e[3] for e in page], shared)
                if hits and docs:
                    self._fill_highlights(hits, docs, text if request.highlight else None, searcher)
            except BaseException:
                _end_read(conn, quiet=True)
                raise
            _end_read(conn)
        next_cursor = None
        if request.size and len(page) == request.size:
            next_cursor = encode_cursor({"sort": "relevance", "after": keyed[-1][2], "snap": snapshot})
        return SearchResponse(total=total, stories=stories, hits=hits, facets=facets, date_histogram=histogram,
                              interval=interval, took_ms=_ms(started), next_cursor=next_cursor)

    def _pinned(self, conn) -> tuple[int, object]:
        """(the write sequence this search sees, a searcher of the text index that holds all of it).

        SQLite commits a write before the text index does, so for a moment one holds articles the other
        has not; every search sees only the articles both hold (``first_seq`` up to the smaller of the two
        sequences), and a cursor keeps walking that same set. Call inside the read transaction."""
        return self._pinned_current(conn)[:2]

    def _pinned_current(self, conn) -> tuple[int, object, bool]:
        """:meth:`_pinned`, and whether the searcher holds every write of this read's snapshot of the archive:
        updates and deletes too, which the pin on ``first_seq`` does not hold back (the text index of a bulk
        write commits every few seconds, SQLite every batch)."""
        archive = _seq(conn)  # (the read transaction's snapshot starts here)
        indexed = self._text.indexed_seq  # (read before the searcher: it holds at least this much)
        return min(archive, indexed), self._text.searcher(), indexed >= archive

    def _best(self, conn, searcher, query, want: int, grouped: bool,
              first=None) -> tuple[int, list[tuple], int | None]:
        """(number of matches, the best ``want`` hits as ``(-score, id, rowid, story)`` in page order, and
        how many hits (grouped: stories) there are when every match was read, else None); grouped: only
        each story's best hit. ``first``: tantivy's result of the first search, counted, with
        ``_first_k(want, grouped)`` hits, when already run (see :meth:`_rank_aside`).

        Fetches more than the page until no hit left unread can tie with or outrank what the page holds
        (equal scores are ordered by id, which tantivy does not know)."""
        k = _first_k(want, grouped)
        total = None
        while True:
            result = first if first is not None else searcher.search(query, limit=k, count=total is None)
            first = None
            if total is None:
                total = result.count
            if not want or not total:
                return total, [], (0 if not total else None)
            scores = [s for s, _ in result.hits]
            rowids = searcher.fast_field_values("rowid", [a for _, a in result.hits])
            ids = self._ids_and_stories(conn, rowids)
            entries = sorted((-s, *ids[r], r) for s, r in zip(scores, rowids) if r in ids)
            entries = [(key, aid, rowid, story) for key, aid, story, rowid in entries]
            if grouped:
                seen: set[str] = set()
                entries = [e for e in entries if not (e[3] in seen or seen.add(e[3]))]
            complete = len(result.hits) < k
            if complete or (len(entries) >= want and entries[want - 1][0] < -scores[-1]):
                return total, entries[:want], (len(entries) if complete else None)
            k *= 4

    def _rank_aside(self, searcher, query, k: int) -> Future:
        """tantivy's best ``k`` hits of ``query``, counted, searched in a thread of this engine's."""
        with self._ranking_lock:
            if self._ranking is None:
                self._ranking = ThreadPoolExecutor(self._rankers, thread_name_prefix="arshif-ranking")
            return self._ranking.submit(searcher.search, query, limit=k, count=True)

    def _ids_and_stories(self, conn, rowids: list[int]) -> dict[int, tuple[str, str]]:
        """rowid → (id, story) of stored articles (a hit whose article was just deleted is left out)."""
        out: dict[int, tuple[str, str]] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            out.update((r, (aid, story)) for r, aid, story in conn.execute(
                f"SELECT a.rowid, a.id, {self._story} FROM {self._meta} a{self._story_join} WHERE a.rowid IN "
                f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def _index_facets(self, conn, searcher, request: SearchRequest, plan: QueryPlan, text: TextQuery,
                      negatives: list[TextQuery], query, snapshot: int, at_most: int,
                      riders: dict[str, dict]) -> tuple[dict[str, list[FacetValue]], dict[str, dict]]:
        """Facet counts from the index's columns, and the results of ``riders`` (aggregations over ``query``'s
        matches, run in one walk with the facets they share: see text_index.top_values_with; alone when no
        facet is counted over them); ``at_most``: a bound of the number of matches. Disjunctive: a facet's counts
        ignore its own filter, so picking one source still shows how many hits every other source would add."""
        names = lambda ids: self._names(conn, ids)  # noqa: E731
        shared: dict[str, int] = {}
        facets: dict[str, list[FacetValue]] = {}
        for f in request.facets:
            filtered = bool(plan.filters.values(f.field))
            # (a facet with a filter of its own counts over the matches of the others)
            own = text_index.combined(text, text_index.filter_clauses(
                plan.filters, skip=f.field, negatives=negatives, pinned_at=snapshot)) if filtered else query
            include = facet_include(f.field, f.prefix) if f.prefix else None
            if include is not None:
                # The prefix box's values: every value of every segment among those it lets through (20 ms
                # where SQL folded each entity of each match, 0.5-1.1 s over the whole archive).
                keep = keeps(f.field, f.prefix)
                found = text_index.included_values(searcher, own, f.field, values_to_ask(f.prefix, f.size + 10),
                                                   include)
                facets[f.field] = _buckets([b for b in found if keep(b["key"])], f.size)
                continue
            # ten more than shown, so values tied with the last one shown are ordered by value as in SQL
            if not filtered:
                shared[f.field] = f.size + 10
                continue
            facets[f.field] = _buckets(text_index.top_values(searcher, own, {f.field: f.size + 10}, names)[f.field],
                                       f.size)
        ridden: dict[str, dict] = {}
        if shared or riders:
            counted, ridden = text_index.top_values_with(searcher, query, shared, names, at_most, riders)
            facets.update({name: _buckets(counted[name], n - 10) for name, n in shared.items()})
        return {f.field: facets[f.field] for f in request.facets}, ridden

    def _names(self, conn, ids: set[int]) -> dict[int, str]:
        """The values of facet value ids, from the archive (and this engine's memory of them). An id the
        read snapshot does not have (an article updated since it began) is left out: its field is counted
        by its text column instead."""
        known = self._value_names
        missing = [i for i in ids if i not in known]
        if missing:
            if len(known) + len(missing) > NAMES_KEPT:
                known = self._value_names = {}
                missing = list(ids)
            try:
                for i in range(0, len(missing), 500):
                    chunk = missing[i:i + 500]
                    known.update(conn.execute(f"SELECT id, value FROM facet_values WHERE id IN "
                                              f"({','.join('?' * len(chunk))})", chunk).fetchall())
            except apsw.SQLError:  # no such table: an archive no writable Arshif of this version opened yet
                return {}
        return {i: known[i] for i in ids if i in known}

    def _index_story_copies(self, conn, searcher, query, hits: list[Hit], stories: list[str],
                            shared_keys: set[int] | None = None) -> None:
        """Each grouped hit's count of matching copies, and their sources (earliest first). ``shared_keys``:
        the keys (text_index.story_key) of the stories more than one match belongs to, when the story count
        listed them."""
        if not hits:
            return
        # A story the archive holds one article of has no other copy to count or name (85 % of the stories of
        # SaudiNewsNet + BBC): only the others are searched for.
        if shared_keys is None:
            shared = self._stories_with_copies(conn, stories)
        else:
            shared = {story for story in stories if text_index.story_key(story) in shared_keys}
        for hit, story in zip(hits, stories):
            if story not in shared:
                hit.story_size, hit.story_sources = 1, []
        hits, stories = [h for h, s in zip(hits, stories) if s in shared], [s for s in stories if s in shared]
        if not hits:
            return
        copies = text_index.all_of([query, text_index.keyword_in("story", stories)])
        # Their sources, earliest first: from the first copies only (a story rarely has more), in the order they
        # were written (ordered by a column, tantivy scores nothing: 0.84 -> 0.62 ms a page).
        result = searcher.search(copies, limit=COPIES_READ, count=True, order_by_field="rowid",
                                 order=text_index.tantivy.Order.Asc)
        addresses = [a for _, a in result.hits]
        sizes: dict[str, int] | None = None
        if result.count > len(result.hits):
            # How many copies match, per story, when they were not all read: counted exactly (only the page's
            # stories are values here). When they were all read (nearly always), their rows count them.
            sizes = {b["key"]: b["doc_count"] for b in searcher.aggregate(copies, {"s": {"terms": {
                "field": "story", "size": len(stories) + 1, "segment_size": len(stories) + 1}}})["s"]["buckets"]}
            # ...and each story's own first copies, so that one story's thousands written before do not leave
            # a later story without its sources.
            each = max(COPIES_READ // len(stories), 1)
            addresses = [a for story in dict.fromkeys(stories) for _, a in searcher.search(
                text_index.all_of([query, text_index.keyword_in("story", [story])]), limit=each, count=False,
                order_by_field="rowid", order=text_index.tantivy.Order.Asc).hits]
        rowids = searcher.fast_field_values("rowid", addresses)
        by_story: dict[str, list[tuple]] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            for story, aid, source, d in conn.execute(
                    f"SELECT {self._story}, a.id, a.source, a.date FROM {self._meta} a{self._story_join} "
                    f"WHERE a.rowid IN ({','.join('?' * len(chunk))})", chunk).fetchall():
                by_story.setdefault(story, []).append((d or "9999-99-99", aid, source))
        for hit, story in zip(hits, stories):
            rows = [(aid, source) for _, aid, source in sorted(by_story.get(story, []))]
            hit.story_size = max(1, len(rows) if sizes is None else sizes.get(story, len(rows)))
            hit.story_sources = _other_sources(rows, hit.id)

    def _stories_with_copies(self, conn, stories: list[str]) -> set[str]:
        """Those of ``stories`` the archive holds more than one article of (in this read snapshot: the text
        index holds no more of them than the archive does)."""
        if not self._has_stories or not stories:
            return set()  # (an archive without story rows: every article is a story of its own)
        unique = list(dict.fromkeys(stories))
        return {story for (story,) in conn.execute(
            f"SELECT story FROM article_story WHERE story IN ({','.join('?' * len(unique))}) "
            f"GROUP BY story HAVING count(*) > 1", unique).fetchall()}

    def _listed(self, request: SearchRequest, plan: QueryPlan, text: TextQuery | None,
                negatives: list[TextQuery], started: float) -> SearchResponse:
        """Any other search (an order by date or arrival, a cursor's next page, a facet prefix, no text):
        the text index's matches are read into a temporary table and the rest is SQL."""
        cursor = decode_cursor(request.cursor, request.sort) if request.cursor else None
        snapshot = None
        if cursor is not None:
            snapshot = cursor.get("snap")
            if not isinstance(snapshot, int):
                raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")
        with self._reading() as conn:
            conn.execute("BEGIN")  # one read snapshot for count, page, facets and highlights
            try:
                now, searcher, index_current = self._pinned_current(conn)
                if snapshot is None:
                    snapshot = now
                feed = (request.sort == "added" and not request.count_total and cursor is None and not request.facets
                        and request.group != "story" and not request.date_histogram and not request.highlight
                        and not request.with_articles and request.size >= RELAX_BELOW)
                if feed and text is not None:
                    response = self._newest_indexed(conn, searcher, request, plan, text, negatives, snapshot,
                                                    started)
                    _end_read(conn)
                    return response
                if text is not None or negatives:
                    if text is not None:
                        self._matches_table(conn, searcher, "m", text.query)
                    if negatives:
                        self._matches_table(conn, searcher, "neg", text_index.any_of([n.query for n in negatives]))
                    self._check_budget(started)
                if text is not None and request.sort == "relevance":
                    source = f"temp.m m JOIN {self._meta} a ON a.rowid = m.rowid{self._story_join}"
                    score = "m.score"
                elif text is not None:
                    # Ordered by date or arrival: as on the other engines, hits sorted by a field carry no score.
                    source = f"temp.m m JOIN {self._meta} a ON a.rowid = m.rowid{self._story_join}"
                    score = "NULL"
                else:
                    source = f"{self._meta} a{self._story_join}"
                    score = "NULL"
                where, wparams = self._where(plan.filters, bool(negatives), skip=None)
                if feed:
                    response = self._newest(conn, request, source, wparams, where, snapshot, started)
                    _end_read(conn)
                    return response
                # Pin the set of articles a cursor walks through: later additions do not shift its pages.
                pin = " AND a.first_seq <= ?"
                # The facet columns ride along, so facets are counted from this table instead of matching again.
                facet_cols = "".join(f", {col} AS {name}" for name, col in FACET_COLUMNS.items())
                conn.execute(f"CREATE TEMP TABLE hits AS SELECT a.rowid AS rowid, a.id AS id, a.date AS date, "
                             f"a.first_seq AS first_seq, {score} AS score{facet_cols}, {self._story} AS story "
                             f"FROM {source} WHERE {where}{pin}",
                             (*wparams, snapshot))
                total = conn.execute("SELECT count(*) FROM temp.hits").fetchall()[0][0]
                # Facets and the histogram count articles: before copies are folded into their story.
                facets: dict[str, list[FacetValue]] = {}
                histogram, interval = ([], None)
                grouped = request.group == "story"
                counted_stories = None
                if cursor is None and index_current and (request.facets or request.date_histogram or grouped):
                    # From the text index's columns, as a ranked search counts them: the archive's browse page
                    # (no query: every article) took 434 ms to count its facets in SQL, 517 ms in all. Only when
                    # the index holds every write the page's rows do (else an update it has not yet committed
                    # would count under its old values beside the total and hits read from the archive).
                    facets, histogram, interval, counted_stories = self._index_counts(
                        conn, searcher, request, plan, text, negatives, snapshot, total)
                else:
                    facets = {f.field: self._facet(conn, f.field, f.size, f.prefix, source, plan, bool(negatives),
                                                   from_hits=cursor is None, snapshot=snapshot)
                              for f in request.facets}
                    if request.date_histogram:
                        histogram, interval = self._histogram(conn, request.date_histogram)
                stories, leads = None, None
                if grouped and cursor is None:
                    stories, leads = self._story_leads(conn, request, counted_stories)
                elif grouped:
                    stories = self._collapse(conn, request.sort)
                hits, docs, next_cursor = self._page(conn, request, cursor, snapshot, total, leads)
                if stories is not None:
                    self._fill_stories(conn, hits)
                if hits and docs:  # (plain hits come filled: see _page)
                    self._fill_highlights(hits, docs, text if request.highlight else None, searcher)
            except BaseException:
                _end_read(conn, quiet=True)  # never hide the error that stopped the search
                raise
            _end_read(conn)
        return SearchResponse(total=total, stories=stories, hits=hits, facets=facets, date_histogram=histogram,
                              interval=interval, took_ms=_ms(started), next_cursor=next_cursor)

    def _index_counts(self, conn, searcher, request: SearchRequest, plan: QueryPlan, text: TextQuery | None,
                      negatives: list[TextQuery], snapshot: int,
                      total: int) -> tuple[dict, list[DateBucket], str | None, int | None]:
        """(facets, histogram, interval, stories when grouped) of a listed search's ``total`` matches from the
        text index, in one walk of them (as :meth:`_ranked` counts them): the matches as of ``snapshot``, facets
        disjunctive, stories as :func:`_story_count` counts them (SQL took 29 ms to count the front page's)."""
        query = text_index.combined(text, text_index.filter_clauses(plan.filters, negatives=negatives,
                                                                    pinned_at=snapshot))
        riders = {"~days": DAYS_AGGREGATION} if request.date_histogram else {}
        if request.group == "story":
            riders["~stories"] = _stories_aggregation(total)
        facets, ridden = self._index_facets(conn, searcher, request, plan, text, negatives, query, snapshot,
                                            text_index.match_bound(searcher, text), riders)
        stories = _story_count(searcher, query, 0, total, ridden.get("~stories"))[0] \
            if request.group == "story" else None
        if not request.date_histogram:
            return facets, [], None, stories
        return facets, *_index_histogram(searcher, query, ridden, request.date_histogram), stories

    @staticmethod
    def _matches_table(conn, searcher, name: str, query) -> None:
        """Every match of ``query`` in the temporary table ``name`` (rowid, score: lower is better, as the
        ORDER BY of the SQL path wants it)."""
        total = searcher.search(query, limit=1, count=True).count
        result = searcher.search(query, limit=max(total, 1), count=False)
        rowids = searcher.fast_field_values("rowid", [a for _, a in result.hits])
        conn.execute(f"CREATE TEMP TABLE {name}(rowid INTEGER PRIMARY KEY, score REAL)")
        conn.executemany(f"INSERT OR IGNORE INTO temp.{name} VALUES(?, ?)",
                         zip(rowids, (-s for s, _ in result.hits)))

    def _where(self, filters: Filters, negative: bool, skip: str | None) -> tuple[str, list]:
        """The filters as SQL over article_meta ``a``; ``negative``: leave out the rows of temp.neg."""
        clauses: list[str] = ["1"]
        params: list = []
        for fname in FILTER_FIELDS:
            if fname == skip:
                continue
            values = filters.values(fname)
            if not values:
                continue
            marks = ",".join("?" * len(values))
            if fname == RECORD_ID.name:
                # The record's own id: the archive id when it could be one, else its kept source_id.
                clauses.append(f"(a.id IN ({marks}) OR a.rowid IN "
                               f"(SELECT rowid FROM articles WHERE {self._source_id} IN ({marks})))")
                params += values
            elif fname in ENTITY_KINDS:
                clauses.append(f"a.rowid IN (SELECT rowid FROM article_entities WHERE kind = ? AND key IN ({marks}))")
                params.append(fname)
            elif FACET_BY_NAME[fname].multi:
                clauses.append(f"a.rowid IN (SELECT rowid FROM article_tags WHERE tag IN ({marks}))")
            else:
                clauses.append(f"{FACET_COLUMNS[fname]} IN ({marks})")
            params += values
        for fname, values in filters.exclude.items():
            if not values:
                continue
            marks = ",".join("?" * len(values))
            if fname in ENTITY_KINDS:
                clauses.append(f"a.rowid NOT IN (SELECT rowid FROM article_entities WHERE kind = ? AND key IN ({marks}))")
                params.append(fname)
            elif fname in FACET_BY_NAME and FACET_BY_NAME[fname].multi:
                clauses.append(f"a.rowid NOT IN (SELECT rowid FROM article_tags WHERE tag IN ({marks}))")
            elif fname == RECORD_ID.name:
                clauses.append(f"a.id NOT IN ({marks}) AND a.rowid NOT IN "
                               f"(SELECT rowid FROM articles WHERE {self._source_id} IN ({marks}))")
                params += values
            else:
                clauses.append(f"{FACET_COLUMNS[fname]} NOT IN ({marks})")
            params += values
        if filters.story:
            clauses.append(f"{self._story} IN ({','.join('?' * len(filters.story))})")
            params += filters.story
        if filters.date_from:
            clauses.append("a.date >= ?")
            params.append(filters.date_from.isoformat())
        if filters.date_to:
            clauses.append("a.date <= ?")
            params.append(filters.date_to.isoformat())
        if filters.seen_after is not None:
            clauses.append("a.first_seq > ?")
            params.append(filters.seen_after)
        if negative:
            clauses.append("a.rowid NOT IN (SELECT rowid FROM temp.neg)")
        return " AND ".join(clauses), params

    @staticmethod
    def _order(sort: str) -> tuple[str, tuple[str, str], str]:
        """(ORDER BY of the hits, the cursor's key columns, how the next page compares) for a sort."""
        if sort == "relevance":
            return "score IS NULL, score, id", ("coalesce(score, 0)", "id"), ">"
        if sort == "added":
            return "first_seq DESC, id DESC", ("first_seq", "id"), "<"
        if sort == "newest":
            return "coalesce(date, '') DESC, id DESC", ("coalesce(date, '')", "id"), "<"
        # undated articles last, as on the other engines
        return "coalesce(date, '9999-99-99') ASC, id ASC", ("coalesce(date, '9999-99-99')", "id"), ">"

    def _collapse(self, conn, sort: str) -> int:
        """Fold copies into their story: keep each story's best hit (in the request's order) in temp.hits,
        and remember every matching copy in temp.story_copies; returns the number of stories."""
        order, _, _ = self._order(sort)
        conn.execute("DROP TABLE IF EXISTS temp.story_copies")
        conn.execute("CREATE TEMP TABLE story_copies AS SELECT story, id, source, date FROM temp.hits")
        conn.execute("CREATE INDEX temp.story_copies_story ON story_copies(story)")
        conn.execute(f"DELETE FROM temp.hits WHERE rowid NOT IN (SELECT rowid FROM (SELECT rowid, row_number() "
                     f"OVER (PARTITION BY story ORDER BY {order}) AS n FROM temp.hits) WHERE n = 1)")
        return conn.execute("SELECT count(*) FROM temp.hits").fetchall()[0][0]

    def _story_leads(self, conn, request: SearchRequest, stories: int | None) -> tuple[int, list[tuple]]:
        """A grouped page by offset (no cursor): (the number of stories (``stories`` when the text index
        counted them, else counted here), the page's rows as :meth:`_page` reads them: each story's first hit
        in the request's order, past the first ``offset`` stories), with every matching copy of the page's
        stories in temp.story_copies.

        The same rows :meth:`_collapse` leaves, read from the first hits in order, more until the page is
        full, instead of ranking every copy of every story: the archive's front page (every article,
        grouped) took 125 ms, 90 of them folding 32,744 articles into stories."""
        order = self._order(request.sort)[0]
        want = request.offset + request.size
        leads: list[tuple] = []
        seen: set[str] = set()
        if request.size:
            k, read, complete = _first_k(want, True), 0, False
            while True:
                rows = conn.execute(f"SELECT rowid, id, score, date, first_seq, story FROM temp.hits "
                                    f"ORDER BY {order} LIMIT ? OFFSET ?", (k - read, read)).fetchall()
                for row in rows:
                    if row[5] not in seen:
                        seen.add(row[5])
                        if len(seen) > request.offset:
                            leads.append(row)
                        if len(seen) >= want:
                            break
                read += len(rows)
                if len(seen) >= want:
                    break
                if read < k:
                    complete = True  # every hit read: its stories are counted
                    break
                k *= 4
            if complete:
                stories = len(seen)
        if stories is None:
            stories = conn.execute("SELECT count(DISTINCT story) FROM temp.hits").fetchall()[0][0]
        stories = max(stories, len(seen))  # (an estimate is never below the stories already read)
        page_stories = list(dict.fromkeys(lead[5] for lead in leads))
        conn.execute("DROP TABLE IF EXISTS temp.story_copies")
        conn.execute("CREATE TEMP TABLE story_copies(story, id, source, date)")
        for i in range(0, len(page_stories), 500):
            chunk = page_stories[i:i + 500]
            conn.execute(f"INSERT INTO temp.story_copies SELECT story, id, source, date FROM temp.hits "
                         f"WHERE story IN ({','.join('?' * len(chunk))})", chunk)
        conn.execute("CREATE INDEX temp.story_copies_story ON story_copies(story)")
        return stories, [lead[:5] for lead in leads]

    @staticmethod
    def _fill_stories(conn, hits: list[Hit]) -> None:
        """Each grouped hit's count of matching copies, and their sources (earliest first)."""
        for hit in hits:
            story = hit.story_id or hit.id
            rows = conn.execute("SELECT id, source FROM temp.story_copies WHERE story = ? "
                                "ORDER BY coalesce(date, '9999-99-99'), id", (story,)).fetchall()
            hit.story_size = max(1, len(rows))
            hit.story_sources = _other_sources(rows, hit.id)

    def _page(self, conn, request: SearchRequest, cursor: dict | None, snapshot, total: int,
              rows: list[tuple] | None = None):
        """The page's hits (and their articles), next cursor: of temp.hits in the request's order, or ``rows``
        when already read (``(rowid, id, score, date, first_seq)``, see :meth:`_story_leads`)."""
        order, key_cols, cmp = self._order(request.sort)
        sql = "SELECT rowid, id, score, date, first_seq FROM temp.hits"
        params: list = []
        if cursor is not None:
            last = cursor.get("after")
            if not isinstance(last, list) or len(last) != 2 or not isinstance(last[1], str) \
                    or not isinstance(last[0], (int, float, str)) or isinstance(last[0], bool):
                raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")
            sql += f" WHERE ({key_cols[0]}, {key_cols[1]}) {cmp} (?, ?)"
            params += last
        sql += f" ORDER BY {order} LIMIT ?"
        params.append(request.size)
        if cursor is None and request.offset:
            sql += " OFFSET ?"
            params.append(request.offset)
        if rows is None:
            rows = conn.execute(sql, params).fetchall()
        keyed = []
        for rowid, aid, score, d, first_seq in rows:
            if request.sort == "relevance":
                key = [score if score is not None else 0, aid]
            elif request.sort == "added":
                key = [first_seq, aid]
            else:
                key = [d or ("" if request.sort == "newest" else "9999-99-99"), aid]
            keyed.append((rowid, None if score is None else -score, key))
        next_cursor = None
        if request.size and len(rows) == request.size:
            next_cursor = encode_cursor({"sort": request.sort, "after": keyed[-1][2], "snap": snapshot})
        hits, docs = self._hits(conn, request, keyed)
        return hits, docs, next_cursor

    def _hits(self, conn, request: SearchRequest,
              keyed: list[tuple[int, float | None, list]]) -> tuple[list[Hit], dict[int, Article]]:
        """The page's hits from ``(rowid, score, sort key)``, and its articles by rowid when the page needs
        them whole (highlights, or attached for export); plain hits come filled from the stored JSON."""
        if not request.highlight and not request.with_articles:
            return self._plain_hits(conn, keyed), {}
        docs, arrived = self._docs(conn, [r for r, _, _ in keyed])
        hits: list[Hit] = []
        for rowid, score, key in keyed:
            article = docs[rowid]
            hit = hit_from_article(article, score, key, request.with_articles)
            hit.indexed_at = datetime.fromisoformat(arrived[rowid]) if arrived.get(rowid) else None
            hits.append(hit)
        return hits, docs

    def _plain_hits(self, conn, keyed: list[tuple[int, float | None, list]]) -> list[Hit]:
        """Hits with no match marked (``highlight=False``), read from the stored JSON without validating
        whole articles (see :func:`hit_from_stored`), each with when it was first stored."""
        if not keyed:
            return []
        rowids = [r for r, _, _ in keyed]
        stored = {r: (doc, at) for r, doc, at in conn.execute(
            f"SELECT rowid, doc, {self._indexed_at} FROM articles WHERE rowid IN ({','.join('?' * len(rowids))})",
            rowids).fetchall()}
        hits = []
        for rowid, score, key in keyed:
            doc, at = stored[rowid]
            hit = hit_from_stored(json.loads(doc), score, key)
            hit.indexed_at = datetime.fromisoformat(at) if at else None
            hits.append(hit)
        return hits

    def _newest(self, conn, request: SearchRequest, source: str, params: list, where: str, snapshot: int,
                started: float) -> SearchResponse:
        """The matches stored most recently, not counted (a saved search's feed): ``sort=added`` without
        facets, histogram, highlights or total.

        Rowids are handed out in arrival order: the single writer gives a new article max(rowid)+1 in the
        transaction that gives it the next ``first_seq``, and updates, reindexing and VACUUM keep both
        (rowid is the INTEGER PRIMARY KEY). So the newest arrivals are the highest rowids: SQLite walks the
        matches from the highest rowid down and stops once the page is full, instead of collecting,
        counting and sorting every match (the temporary table of :meth:`_listed`)."""
        rows = conn.execute(f"SELECT a.rowid, a.id, a.first_seq FROM {source} WHERE {where} "
                            f"AND a.first_seq <= ? ORDER BY a.rowid DESC LIMIT ? OFFSET ?",
                            (*params, snapshot, request.size, request.offset)).fetchall()
        hits = self._plain_hits(conn, [(r, None, [seq, aid]) for r, aid, seq in rows])
        return _feed_page(request, hits, len(rows) == request.size, snapshot, started)

    def _newest_indexed(self, conn, searcher, request: SearchRequest, plan: QueryPlan, text: TextQuery,
                        negatives: list[TextQuery], snapshot: int, started: float) -> SearchResponse:
        """:meth:`_newest` for a query: tantivy walks the matches by arrival (``first_seq``, highest first) and
        stops once the page is full, instead of every match being read into SQL to be sorted."""
        query = text_index.combined(text, text_index.filter_clauses(plan.filters, negatives=negatives,
                                                                    pinned_at=snapshot))
        result = searcher.search(query, limit=request.size, offset=request.offset, count=False,
                                 order_by_field="first_seq", order=text_index.tantivy.Order.Desc)
        rowids = searcher.fast_field_values("rowid", [a for _, a in result.hits])
        ids = self._ids_and_stories(conn, rowids)
        hits = self._plain_hits(conn, [(r, None, [seq, ids[r][0]]) for (seq, _), r in zip(result.hits, rowids)
                                       if r in ids])
        return _feed_page(request, hits, len(result.hits) == request.size, snapshot, started)

    def _docs(self, conn, rowids: list[int]) -> tuple[dict[int, Article], dict[int, str | None]]:
        """The page's articles, and when each was first stored."""
        if not rowids:
            return {}, {}
        rows = conn.execute(f"SELECT rowid, doc, {self._indexed_at} FROM articles WHERE rowid IN "
                            f"({','.join('?' * len(rowids))})", rowids).fetchall()
        return {r: Article.model_validate_json(doc) for r, doc, _ in rows}, {r: at for r, _, at in rows}

    def _facet(self, conn, fname: str, size: int, prefix: str, source: str, plan: QueryPlan, negative: bool,
               from_hits: bool, snapshot: int) -> list[FacetValue]:
        # Disjunctive facets: a facet's counts ignore its own filter, so picking one
        # source still shows how many hits every other source would add.
        folded = fold_for_prefix(prefix)
        like = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # (values it means: الرياض lists Riyadh, the key its mentions count under; عكاظ the source okaz)
        linked = linked_values(fname, prefix)
        linked_sql = ",".join("?" * len(linked)) or "NULL"

        def match_on(col: str) -> str:
            """The prefix's condition on ``col`` (none without a prefix: its parameter is then ``%``)."""
            return (f"AND (arshif_fold({col}) LIKE ? ESCAPE '\\' OR {col} IN ({linked_sql}))" if prefix
                    else "AND ? = '%'")
        if from_hits and not plan.filters.values(fname):
            # No filter of its own: the facet counts exactly the hits, already gathered in temp.hits.
            entity = fname in ENTITY_KINDS
            multi = FACET_BY_NAME[fname].multi and not entity
            col = "e.key" if entity else ("t.tag" if multi else f"h.{fname}")
            match = match_on(col)
            # CROSS JOIN keeps the hits as the outer loop (each hit's entities or tags looked up by its rowid):
            # with no statistics on temp.hits, SQLite put every entity of the kind outside and scanned the hits
            # for each, 7 s for the 3,362 articles naming Riyadh (its entity page timed out).
            if entity:
                # The kind is a literal from the closed set ENTITY_KINDS, never user text.
                sql = (f"SELECT e.key, count(*) FROM temp.hits h CROSS JOIN article_entities e ON e.rowid = h.rowid "
                       f"AND e.kind = '{fname}' WHERE 1 {match} GROUP BY e.key ORDER BY 2 DESC, 1 LIMIT ?")
            elif multi:
                sql = (f"SELECT t.tag, count(*) FROM temp.hits h CROSS JOIN article_tags t ON t.rowid = h.rowid "
                       f"WHERE 1 {match} GROUP BY t.tag ORDER BY 2 DESC, 1 LIMIT ?")
            else:
                sql = (f"SELECT {col}, count(*) FROM temp.hits h WHERE {col} != '' {match} "
                       f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
            rows = conn.execute(sql, (like, *(linked if prefix else []), size)).fetchall()
            return [FacetValue(value=v, count=c) for v, c in rows]
        where, wparams = self._where(plan.filters, negative, skip=fname)
        # (the articles of the search's snapshot, as its hits: a cursor's later pages count what its first did)
        where, wparams = f"{where} AND a.first_seq <= ?", [*wparams, snapshot]
        entity = fname in ENTITY_KINDS  # people, places, organisations: their own table (the others: tags)
        multi = FACET_BY_NAME[fname].multi and not entity
        col = "e.key" if entity else ("t.tag" if multi else FACET_COLUMNS[fname])
        # A prefix matches whatever the letter variants: اسامة finds أسامة (folded on both sides).
        match = match_on(col)
        if entity:
            # The kind is a literal from the closed set ENTITY_KINDS, never user text.
            sql = (f"SELECT e.key, count(*) FROM {source} JOIN article_entities e ON e.rowid = a.rowid "
                   f"AND e.kind = '{fname}' WHERE {where} {match} GROUP BY e.key ORDER BY 2 DESC, 1 LIMIT ?")
        elif multi:
            sql = (f"SELECT t.tag, count(*) FROM {source} JOIN article_tags t ON t.rowid = a.rowid "
                   f"WHERE {where} {match} GROUP BY t.tag ORDER BY 2 DESC, 1 LIMIT ?")
        else:
            sql = (f"SELECT {col}, count(*) FROM {source} WHERE {where} AND {col} != '' "
                   f"{match} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
        rows = conn.execute(sql, (*wparams, like, *(linked if prefix else []), size)).fetchall()
        return [FacetValue(value=v, count=c) for v, c in rows]

    def _histogram(self, conn, interval: str) -> tuple[list[DateBucket], str]:
        if interval == "auto":
            first, last = conn.execute("SELECT min(date), max(date) FROM temp.hits").fetchall()[0]
            interval = choose_interval(date.fromisoformat(first) if first else None,
                                       date.fromisoformat(last) if last else None)
        key = {
            "day": "date",
            "week": "date(date, '-' || ((CAST(strftime('%w', date) AS INTEGER) + 6) % 7) || ' days')",
            "month": "substr(date, 1, 7) || '-01'",
            "year": "substr(date, 1, 4) || '-01-01'",
        }[interval]
        rows = conn.execute(f"SELECT {key} AS k, count(*) FROM temp.hits WHERE date IS NOT NULL "
                            f"GROUP BY k ORDER BY k").fetchall()
        return [DateBucket(start=date.fromisoformat(k), count=c) for k, c in rows], interval

    @staticmethod
    def _fill_highlights(hits: list[Hit], docs: dict[int, Article], text: TextQuery | None, searcher=None) -> None:
        """Highlights of the page's hits only: their words matched against the query's phrases by the same
        analysis the index was built with (see fts_highlight): the terms the index stored with each text when
        ``searcher`` has them and the text is the one they were made from, else the text analysed again. The
        translation only when the original holds no match."""
        rowid_of = {a.id: r for r, a in docs.items()}
        if text is None:
            for h in hits:
                h.title_highlight = marked_to_html(h.title)
                h.snippet = plain_snippet(docs[rowid_of[h.id]].body)
                h.snippet_language = h.language
            return
        stored = text_index.stored_terms(searcher, list(docs)) if searcher is not None and text.phrases else {}
        for h in hits:
            rowid = rowid_of[h.id]
            article = docs[rowid]
            _key, tr = _indexed_translation(article)
            tr_title, tr_body = (tr.title, tr.body) if tr else ("", "")
            terms = stored.get(rowid, ())

            def locate(i: int, value: str):
                """Text field ``i`` (in _indexed_texts order) located, from its stored terms when they are its."""
                kept = terms[i] if i < len(terms) else None
                if kept is not None and value and kept[0] == text_index.text_check(value):
                    return phrase_locations(value, text.phrases, (kept[1], kept[2]))
                return phrase_locations(value, text.phrases)

            title_locs = locate(0, article.title)
            body_locs = locate(1, article.body)
            # The translation decides only where the original holds no match (see apply_highlights).
            original = bool(title_locs or body_locs)
            tr_title_locs = locate(2, "" if original else tr_title)
            tr_body_locs = locate(3, "" if original else tr_body)
            apply_highlights(h, highlight_field(article.title, title_locs), snippet_field(article.body, body_locs),
                             highlight_field(tr_title, tr_title_locs) if tr_title_locs else None,
                             snippet_field(tr_body, tr_body_locs), article.body)
            if h.matched_in == "none":
                # Matched only beyond the part a snippet is cut from, or beyond what is searched for marks.
                if title_locs or body_locs or len(article.body) > LOCATE_CHARS:
                    h.matched_in = "original"
                elif tr_title_locs or tr_body_locs or len(tr_body) > LOCATE_CHARS:
                    h.matched_in = "translation"


def _add_missing_columns(conn) -> None:
    """Columns added since schema 2 was first written: added in place (cheap in SQLite), so existing
    archives keep working without a re-ingest. Their old rows have no value (NULL)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(articles)").fetchall()}
    if "indexed_at" not in have:
        conn.execute("ALTER TABLE articles ADD COLUMN indexed_at TEXT")
    if "source_id" not in have:
        # Filled from the stored documents once (only the few rows with one are written), so the filter
        # finds old articles too without a reindex.
        conn.execute("ALTER TABLE articles ADD COLUMN source_id TEXT NOT NULL DEFAULT ''")
        _fill_source_ids(conn)
    conn.execute("CREATE INDEX IF NOT EXISTS articles_source_id ON articles(source_id)")


def _drop_fts5(conn) -> None:
    """An archive made when the text index was SQLite FTS5: its tables go (tantivy's index replaces them).

    Dropping an FTS5 table needs its tokenizer registered; an empty stand-in serves, nothing is tokenized."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='fts'").fetchall():
        return
    conn.register_fts5_tokenizer("arshif", lambda _conn, _args: (lambda _utf8, _flags, _locale: []))
    conn.execute("DROP TABLE IF EXISTS fts_vocab; DROP TABLE IF EXISTS fts; DROP VIEW IF EXISTS article_text")
    log.info("dropped the FTS5 text index of an older archive (its tantivy index is built from the articles)")


def _fill_source_ids(conn) -> None:
    """The source_id column as the stored documents say (a migration, and ``reindex``)."""
    conn.execute("UPDATE articles SET source_id = coalesce(json_extract(doc, '$.source_id'), '') "
                 "WHERE source_id != coalesce(json_extract(doc, '$.source_id'), '')")


def _remember_values(conn, docs: Iterable[IndexDoc]) -> None:
    """Keep the value of every facet value id the text index is about to hold (see VALUES_SCHEMA)."""
    conn.executemany("INSERT OR IGNORE INTO facet_values(id, value) VALUES(?,?)",
                     {(vid, value) for d in docs for _name, value, vid in d.facet_values})


#: Where the archive keeps the values of each field counted by ids, to tell whether any article still has one.
_VALUE_IN_USE = {
    "author": "SELECT 1 FROM article_meta WHERE author=? LIMIT 1",
    **{kind: f"SELECT 1 FROM article_entities WHERE kind='{kind}' AND key=? LIMIT 1" for kind in ENTITY_KINDS},
}
assert set(_VALUE_IN_USE) == set(text_index.ID_FIELDS), "every field counted by ids needs its 'in use' query"


def _facet_values_of(conn, rowid: int) -> set[tuple[str, str]]:
    """``(field, value)`` of every value a stored article has in a field counted by ids, as the archive's
    tables hold them."""
    out = {("author", a) for (a,) in conn.execute("SELECT author FROM article_meta WHERE rowid=?", (rowid,)).fetchall()}
    out.update(conn.execute("SELECT kind, key FROM article_entities WHERE rowid=?", (rowid,)).fetchall())
    return {(name, v) for name, v in out if v and name in _VALUE_IN_USE}


def _forget_unused_values(conn, values: set[tuple[str, str]]) -> None:
    """Drop the stored values of ``values`` no article has any more (a deleted or corrected article's: a name
    taken down is gone from the archive file, not only from its pages)."""
    unused = [(text_index.value_id(name, v),) for name, v in values
              if not conn.execute(_VALUE_IN_USE[name], (v,)).fetchall()]
    if unused:
        conn.executemany("DELETE FROM facet_values WHERE id=?", unused)


def _end_read(conn: apsw.Connection, quiet: bool = False) -> None:
    """Drop the search's scratch tables and end its read transaction (an interrupt may have ended it)."""
    try:
        if conn.in_transaction:
            conn.execute("DROP TABLE IF EXISTS temp.hits; DROP TABLE IF EXISTS temp.story_copies; "
                         "DROP TABLE IF EXISTS temp.m; DROP TABLE IF EXISTS temp.neg; COMMIT")
    except apsw.Error:
        if not quiet:
            raise


def _indexed_translation(article: Article):
    """(key in article.translations, translation) of the translation to index: the displayed one, if done."""
    tr = article.translation()
    if tr is None or tr.status != "done":
        return "", None
    key = next(k for k, v in article.translations.items() if v is tr)
    return key, tr


def _indexed_texts(article: Article) -> list[str]:
    """The four texts the text index holds of an article, in field order (title, body, translated title and
    body)."""
    _key, tr = _indexed_translation(article)
    return [article.title, article.body, tr.title if tr else "", tr.body if tr else ""]


def _feed_page(request: SearchRequest, hits: list[Hit], full: bool, snapshot: int, started: float) -> SearchResponse:
    """A page of newest arrivals, not counted: the total is what the pages so far hold, and a full page has a
    cursor to the next."""
    next_cursor = encode_cursor({"sort": "added", "after": hits[-1].sort, "snap": snapshot}) if full and hits else None
    return SearchResponse(total=request.offset + len(hits), hits=hits, took_ms=_ms(started),
                          next_cursor=next_cursor, total_counted=not full)


def _buckets(buckets: list[dict], size: int) -> list[FacetValue]:
    """A terms aggregation's buckets, most frequent first, ties by value (as the SQL path orders them)."""
    ranked = sorted(((-b["doc_count"], str(b["key"])) for b in buckets if str(b["key"])))
    return [FacetValue(value=v, count=-c) for c, v in ranked[:size]]  # (an empty value is no value: not listed)


#: Days of matches a terms aggregation on ``day`` returns (about 110 years); an archive whose matches fall on
#: more days is counted by :data:`DAYS_HISTOGRAM` instead.
DAYS_TERMS_SIZE = 40_000

#: The date histogram's aggregation: matches per day (days since 1970, see text_index.day_number); folded
#: into the interval asked for by :func:`_folded_histogram`. A terms aggregation rather than a histogram of
#: interval 1: the same buckets, at half the cost on an archive spanning years (2,719 days of 298,184
#: articles: 4.5 against 9.1 ms over all of them), since tantivy's histogram keeps a bucket for every day
#: between the first and the last.
DAYS_AGGREGATION = {"terms": {"field": "day", "size": DAYS_TERMS_SIZE}}
DAYS_HISTOGRAM = {"histogram": {"field": "day", "interval": 1, "min_doc_count": 1}}


def _index_histogram(searcher, query, ridden: dict, interval: str) -> tuple[list[DateBucket], str]:
    """The date histogram of ``query``'s matches from the text index: the per-day counts the facets' walk
    carried (``ridden``, see :data:`DAYS_AGGREGATION`), else a walk of its own, folded into ``interval``."""
    days = ridden.get("~days") or searcher.aggregate(query, {"~days": DAYS_AGGREGATION})["~days"]
    if days.get("sum_other_doc_count"):  # more days than DAYS_TERMS_SIZE: count them all
        days = searcher.aggregate(query, {"~days": DAYS_HISTOGRAM})["~days"]
    return _folded_histogram(days, interval)


def _folded_histogram(days: dict, interval: str) -> tuple[list[DateBucket], str]:
    """The per-day counts of :data:`DAYS_AGGREGATION` in buckets of ``interval`` ("auto": chosen by the span).

    Folded by day number: each day is placed among the day numbers of the buckets' starts, and a date is made
    only for each bucket, not for each day (an archive spanning years has thousands of days per search:
    4.4 ms a search over 2,572 of them, folding dates, before; 1.2 now)."""
    # (int: the histogram's keys are floats)
    counts = {int(b["key"]): b["doc_count"] for b in days["buckets"] if b["doc_count"]}
    ordered = sorted(counts)
    day = text_index.day_from_number
    if interval == "auto":
        interval = choose_interval(day(ordered[0]), day(ordered[-1])) if ordered else choose_interval(None, None)
    if interval == "day" or not ordered:
        return [DateBucket(start=day(n), count=counts[n]) for n in ordered], interval
    starts = _bucket_starts(day(ordered[0]), day(ordered[-1]), interval)
    folded: dict[int, int] = {}
    for n in ordered:
        start = starts[bisect_right(starts, n) - 1]
        folded[start] = folded.get(start, 0) + counts[n]
    return [DateBucket(start=day(n), count=c) for n, c in folded.items()], interval


def _bucket_starts(first: date, last: date, interval: str) -> list[int]:
    """Day numbers of the starts of every ``interval`` bucket from the one holding ``first`` to the one
    holding ``last``: weeks from Monday, months and years from their first day."""
    if interval == "week":
        start = first - timedelta(days=first.weekday())
        return list(range(text_index.day_number(start), text_index.day_number(last) + 1, 7))
    if interval == "year":
        firsts = [date(y, 1, 1) for y in range(first.year, last.year + 1)]
    else:  # months counted from year 0: the range ends with the last's month
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        firsts = [date(m // 12, m % 12 + 1, 1) for m in months]
    return [text_index.day_number(d) for d in firsts]


def _first_k(want: int, grouped: bool) -> int:
    """How many hits :meth:`EmbeddedEngine._best` asks tantivy for first: a grouped page skips the other copies
    of a story, so it reads more."""
    return max(32, (3 if grouped else 1) * want + 16)


#: Engines of this process, for :func:`_after_fork_in_child`.
_LIVE_ENGINES: "weakref.WeakSet[EmbeddedEngine]" = weakref.WeakSet()
#: What a forked child inherited from its parent's engines and could not close (a connection in use at the
#: fork, the tantivy index, threads): kept referenced, never used, so that it is never closed or dropped in the
#: child either (apsw closes a connection it frees; dropping tantivy's index would wait for threads the child
#: does not have).
_INHERITED: list = []


def _after_fork_in_child() -> None:
    """Every engine of a forked child forgets what its parent held (see :meth:`EmbeddedEngine._forget_inherited`)."""
    for engine in list(_LIVE_ENGINES):
        engine._forget_inherited()


os.register_at_fork(after_in_child=_after_fork_in_child)


#: Up to this many stories among a query's matches, they are counted exactly (a walk of the matches listing
#: every story: 1.4 ms for 1,823 stories of 2,670 matches, 5 ms for 6,264); beyond, estimated. tantivy's
#: estimate (HyperLogLog) was 2 % off at 1,823 (1,865): the page offered page 187 of 183. As far as pages
#: reach (the 10,000th result, on pages of up to 1,000): below, an estimate led to empty last pages (6,661
#: estimated for 6,600 stories: pages 661-667 empty) or left the last ones unlinked. OpenSearch's
#: cardinality is near exact up to its precision threshold (40,000).
EXACT_STORIES_UP_TO = MAX_OFFSET + MAX_HITS


def _stories_aggregation(matches: int) -> dict:
    """An aggregation that counts the stories of at most ``matches`` articles: every story listed (exact) up
    to :data:`EXACT_STORIES_UP_TO`, else tantivy's estimate (see :func:`_story_count`)."""
    if matches > EXACT_STORIES_UP_TO:
        return {"cardinality": {"field": text_index.STORY_KEY}}
    return {"terms": {"field": text_index.STORY_KEY, "size": 65_000, "segment_size": text_index.EVERY_VALUE}}


def _story_count(searcher, query, at_least: int, matches: int,
                 ridden: dict | None = None) -> tuple[int, set[int] | None]:
    """(the number of stories among ``query``'s ``matches`` (at least ``at_least``, the ones already read):
    exact up to :data:`EXACT_STORIES_UP_TO`, else tantivy's estimate; when they were listed, the keys of the
    stories more than one match belongs to (see :func:`_shared_stories`), else None). ``ridden``: the result
    of :func:`_stories_aggregation` over the same matches, when it rode along with another walk of them."""
    if ridden is not None and "buckets" in ridden and not ridden.get("sum_other_doc_count"):
        return max(len(ridden["buckets"]), at_least), _shared_stories(ridden["buckets"])
    if ridden is not None and "value" in ridden:
        estimate = round(ridden["value"])
    else:
        estimate = round(searcher.cardinality(query, text_index.STORY_KEY)) if matches > EXACT_STORIES_UP_TO else 0
    # (no more stories than matches; an estimate a little over the bound may stand for a count under it:
    # 5,065 for 4,979 stories)
    if estimate <= EXACT_STORIES_UP_TO * 1.1:
        listed = searcher.aggregate(query, {"s": _stories_aggregation(0)})["s"]
        if not listed.get("sum_other_doc_count"):
            return max(len(listed["buckets"]), at_least), _shared_stories(listed["buckets"])
    return min(max(estimate, at_least), matches), None


def _shared_stories(buckets: list[dict]) -> set[int]:
    """The keys of the stories of a complete story listing (most matches first) that more than one match
    belongs to: the only ones whose copies a grouped page searches for (few or none of a page's, on the
    bench's queries)."""
    shared = set()
    for b in buckets:
        if b["doc_count"] < 2:
            break
        shared.add(b["key"])
    return shared


def _seq(conn) -> int:
    """The archive's write sequence (inside the caller's transaction)."""
    return int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchall()[0][0])


def _other_sources(copies: list[tuple[str, str]], article_id: str) -> list[str]:
    """The sources of a story's other copies (``(id, source)``, earliest first): each once, at most five."""
    return list(dict.fromkeys(source for aid, source in copies if aid != article_id and source))[:5]


class TextIndexOutdated(EngineUnavailable):
    """A read-only open found no text index of this version for the archive (an older Arshif made it, or a
    rebuild is under way): a writable open rebuilds it (see :func:`arshif.engines.open_engine`)."""


def _index_doc(rowid: int, first_seq: int, article: Article) -> IndexDoc:
    """An article as the text index holds it (its texts, filters and facets; the document stays in SQLite)."""
    d = article_date(article)
    texts = _indexed_texts(article)
    terms = [fts_tokens.terms_of(t) for t in texts]
    # A very long text: the index takes all its terms; a highlighter reads only those of its first part.
    stored = [pair if len(t) <= text_index.STORED_TERMS_CHARS else fts_tokens.terms_of(text_index.stored_part(t))
              for t, pair in zip(texts, terms)]
    by_kind: dict[str, list[str]] = {kind: [] for kind in ENTITY_KINDS}
    for e in article.entities:
        by_kind.setdefault(e.kind, []).append(e.key)
    return IndexDoc(
        rowid=rowid, first_seq=first_seq, day=d,
        keywords={"id": article.id, "source_id": article.source_id, "language": article.language,
                  "source": article.source, "author": article.author, "site": article.site,
                  "story": article.story_id or article.id},
        multi={"tag": list(article.tags), **by_kind},
        texts=terms, checks=[text_index.text_check(t) for t in texts], stored=stored)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
