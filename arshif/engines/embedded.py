"""The embedded engine: SQLite FTS5 (through APSW) with the project's own analyzers.

Why SQLite FTS5: it is in-process and persistent (one file under the data
directory), its WAL mode lets one writer and many reader processes share the
index safely, it ranks with BM25 and per-column weights, matches phrases by
position, and — through APSW — accepts a tokenizer written in Python. That last
point is what makes it fit: the tokenizer runs the very analyzers defined in
``mappings/articles.json``, reporting each token's byte offsets in the original
text, so FTS5's own ``highlight()``/``snippet()`` mark the original words
(diacritics and all) while matching normalised, stemmed terms.

Each word is indexed as two tokens at one position (FTS5 "colocated" tokens):
the stemmed term, and the unstemmed term prefixed with ``=``. Stemmed queries
use the first, exact words and phrases the second, so positions stay shared and
phrases keep their order.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Iterable

import apsw

from arshif.analysis import get_analyzer, normalize_arabic
from arshif.engines.base import (
    FIELD_BOOSTS,
    apply_highlights,
    hit_from_article,
    like_text,
    BadRequest,
    Engine,
    EngineUnavailable,
    QueryPlan,
    WriteResult,
    analyse_phrase,
    analyse_word,
    article_date,
    choose_interval,
    decode_cursor,
    encode_cursor,
    failures_as_unavailable,
    plan_query,
)
from arshif.fields import FACET_BY_NAME, FACETS, TEXT_FIELD_NAMES
from arshif.mappings import definition_fingerprint
from arshif.model import Article
from arshif.search.contract import (
    FACET_FIELDS,
    DateBucket,
    FacetValue,
    Filters,
    Hit,
    SearchRequest,
    SearchResponse,
)
from arshif.search.highlight import END, START, marked_to_html, plain_snippet
from arshif.search.syntax import And, Node, Or, Phrase, Words

log = logging.getLogger("arshif.engines.embedded")

TOKENIZER = "arshif"
EXACT_PREFIX = "="
SCHEMA_VERSION = 2
FTS_QUERY = 0x0001  # FTS5_TOKENIZE_QUERY

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
    doc TEXT NOT NULL
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
-- The text FTS5 indexes is read from the stored article itself (an external-content table over
-- this view), so the archive keeps one copy of every text: the JSON document.
CREATE VIEW IF NOT EXISTS article_text(rowid, title, body, tr_title, tr_body) AS
    SELECT rowid, json_extract(doc, '$.title'), json_extract(doc, '$.body'),
           CASE tr_language WHEN '' THEN '' ELSE json_extract(doc, '$.translations.' || tr_language || '.title') END,
           CASE tr_language WHEN '' THEN '' ELSE json_extract(doc, '$.translations.' || tr_language || '.body') END
    FROM articles;
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, tr_title, tr_body, tokenize='arshif',
                                                  content='article_text', content_rowid='rowid');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_vocab USING fts5vocab(fts, row);
"""

#: Single-valued facets are columns of ``articles``; multi-valued ones (tags) live in ``article_tags``.
FACET_COLUMNS = {f.name: f"a.{f.name}" for f in FACETS if not f.multi}


def _fts_tokenizer(connection: apsw.Connection, args: list[str]):
    """FTS5 tokenizer factory: documents get analysed; queries arrive already analysed."""
    text_an = get_analyzer("arshif_text")
    exact_an = get_analyzer("arshif_exact")

    def tokenize(utf8: bytes, flags: int, locale: str | None):
        text = utf8.decode("utf-8", "replace")
        if flags & FTS_QUERY:
            # Query strings are built by this module from analysed terms: keep them as they are.
            offset = 0
            for part in text.split(" "):
                if part:
                    b = len(part.encode("utf-8"))
                    yield offset, offset + b, part
                    offset += b + 1
                else:
                    offset += 1
            return
        char_pos = 0
        byte_pos = 0
        for start, end, _pos, exact, stem in exact_an.analyze_with(text_an, text):
            if exact is None:
                continue
            byte_pos += len(text[char_pos:start].encode("utf-8"))
            byte_end = byte_pos + len(text[start:end].encode("utf-8"))
            char_pos = start
            if stem is None:
                yield byte_pos, byte_end, EXACT_PREFIX + exact
            else:
                yield byte_pos, byte_end, stem, EXACT_PREFIX + exact

    return tokenize


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class FTSCompiler:
    """Compiles the query tree into an FTS5 MATCH expression built only from quoted, analysed terms."""

    def compile(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, Words):
            wt = analyse_word(node.text)
            if wt is None:
                return None
            if wt.exact:
                return _quote(" ".join(EXACT_PREFIX + t for t in wt.terms))
            stemmed = _quote(" ".join(wt.terms))  # several terms from one word: adjacent, as a phrase
            # The form as typed, OR-ed in: it matches nothing the stem does not, but adds to the score, so
            # الرياض (Riyadh) ranks articles about Riyadh above those about الرياضة (sport), same stem.
            as_typed = _quote(" ".join(EXACT_PREFIX + t for t in analyse_phrase(node.text)))
            return f"{stemmed} OR {as_typed}"
        if isinstance(node, Phrase):
            terms = analyse_phrase(node.text)
            return _quote(" ".join(EXACT_PREFIX + t for t in terms)) if terms else None
        if isinstance(node, And):
            parts = [p for p in (self.compile(c) for c in node.children) if p]
            return None if not parts else " AND ".join(f"({p})" for p in parts)
        if isinstance(node, Or):
            parts = [p for p in (self.compile(c) for c in node.children) if p]
            return None if not parts else " OR ".join(f"({p})" for p in parts)
        raise BadRequest(f"cannot compile query part {node!r}")


def _storage_failure(engine, exc: BaseException) -> str | None:
    """SQLite failures that mean the archive cannot be read or written (locked, corrupt, disk full),
    as opposed to a query the engine built wrongly."""
    if isinstance(exc, apsw.Error) and not isinstance(exc, (apsw.SQLError, apsw.BindingsError)):
        return f"the archive cannot be read: {type(exc).__name__}"
    return None


@failures_as_unavailable(_storage_failure)
class EmbeddedEngine(Engine):
    """In-process engine persisted in one SQLite file; safe for one writer and many readers."""

    name = "embedded"

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        self._compiler = FTSCompiler()
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EngineUnavailable(f"cannot create the archive directory {self.path.parent}: {exc}") from exc
        elif not self.path.exists():
            raise EngineUnavailable(f"no archive at {self.path}: run 'arshif ingest' or 'arshif demo' first")
        conn = self._conn()
        if not readonly:
            with conn:
                conn.execute(SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', ?), ('seq', '0'),"
                             " ('analysis', ?)", (str(SCHEMA_VERSION), definition_fingerprint()))
        try:
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchall()
        except apsw.SQLError:  # the file exists, its first transaction has not committed yet
            raise EngineUnavailable(f"the archive at {self.path} is still being created: try again shortly") \
                from None
        if version and version[0][0] != str(SCHEMA_VERSION):
            raise EngineUnavailable(f"the archive at {self.path} was made by another version of Arshif (schema "
                                    f"{version[0][0]}, this one reads {SCHEMA_VERSION}): ingest into a new "
                                    "--data-dir and remove the old one")
        stored = conn.execute("SELECT value FROM meta WHERE key='analysis'").fetchall()
        self.mapping_outdated = bool(stored) and stored[0][0] != definition_fingerprint()
        if self.mapping_outdated:
            log.warning("the archive at %s was indexed with another version of the analyzers in "
                        "mappings/articles.json: run 'arshif reindex' to rebuild it (searches keep working "
                        "meanwhile, with the old analysis)", self.path)

    # --- connections ---------------------------------------------------------------------

    def _conn(self) -> apsw.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            flags = apsw.SQLITE_OPEN_READONLY if self.readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
            try:
                conn = apsw.Connection(str(self.path), flags=flags)
                conn.set_busy_timeout(30_000)
                conn.register_fts5_tokenizer(TOKENIZER, _fts_tokenizer)
                conn.create_scalar_function("arshif_fold", fold_for_prefix, 1, deterministic=True)
                if not self.readonly:
                    conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
                # 16 MiB of page cache per connection: the web app has one connection per worker thread.
                conn.execute("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;")
            except apsw.Error as exc:
                raise EngineUnavailable(f"cannot open the archive at {self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    @property
    def location(self) -> str:
        return str(self.path)

    def writable(self) -> "EmbeddedEngine":
        return EmbeddedEngine(self.path) if self.readonly else self

    def release_thread(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        self.release_thread()

    # --- writing -------------------------------------------------------------------------

    def upsert(self, articles: Iterable[Article]) -> WriteResult:
        result = WriteResult()
        conn = self._conn()
        with conn:  # one transaction per batch: all of it lands or none of it does
            seq = int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchall()[0][0])
            for article in articles:
                article.with_id()
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
                          d.isoformat() if d else None, tr_key, article.translation_status, chash, doc)
                if row:
                    rowid = row[0][0]
                    self._unindex(conn, rowid)
                    conn.execute("DELETE FROM article_tags WHERE rowid=?", (rowid,))
                    conn.execute(
                        "UPDATE articles SET id=?, seq=?, language=?, source=?, author=?, site=?, date=?,"
                        " tr_language=?, translation_status=?, content_hash=?, doc=? WHERE rowid=?",
                        (*values, rowid))
                    result.updated.append(article.id)
                else:
                    conn.execute(
                        "INSERT INTO articles(id, first_seq, seq, language, source, author, site, date, tr_language,"
                        " translation_status, content_hash, doc) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                        (article.id, seq, *values[1:]))
                    rowid = conn.last_insert_rowid()
                    result.created.append(article.id)
                conn.execute("INSERT INTO fts(rowid, title, body, tr_title, tr_body) VALUES(?,?,?,?,?)",
                             (rowid, article.title, article.body, tr.title if tr else "", tr.body if tr else ""))
                for tag in dict.fromkeys(article.tags):
                    conn.execute("INSERT OR IGNORE INTO article_tags(rowid, tag) VALUES(?,?)", (rowid, tag))
            conn.execute("UPDATE meta SET value=? WHERE key='seq'", (str(seq),))
        return result

    def delete(self, ids: Iterable[str]) -> int:
        conn = self._conn()
        n = 0
        with conn:
            for article_id in ids:
                row = conn.execute("SELECT rowid FROM articles WHERE id=?", (article_id,)).fetchall()
                if not row:
                    continue
                rowid = row[0][0]
                self._unindex(conn, rowid)
                conn.execute("DELETE FROM article_tags WHERE rowid=?", (rowid,))
                conn.execute("DELETE FROM articles WHERE rowid=?", (rowid,))
                n += 1
        return n

    def reindex(self, progress=None) -> tuple[str, str, int]:
        """Re-tokenize every stored article with the current analyzers, in one transaction.

        Readers in other processes keep their WAL snapshot of the old index until it commits,
        so no search fails or comes back empty meanwhile.
        """
        conn = self._conn()
        with conn:
            conn.execute("INSERT INTO fts(fts) VALUES('rebuild')")  # re-reads every text through the view
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('analysis', ?)", (definition_fingerprint(),))
        done = self.count()
        if progress:
            progress(done)
        return str(self.path), str(self.path), done

    @staticmethod
    def _unindex(conn, rowid: int) -> None:
        """Remove an article's terms from FTS5 (external content: given the text it was indexed with)."""
        conn.execute("INSERT INTO fts(fts, rowid, title, body, tr_title, tr_body) "
                     "SELECT 'delete', rowid, title, body, tr_title, tr_body FROM article_text WHERE rowid=?",
                     (rowid,))

    def optimize(self) -> None:
        """Merge FTS5 segments (after a large ingest) so queries read fewer b-trees."""
        conn = self._conn()
        with conn:
            conn.execute("INSERT INTO fts(fts) VALUES('optimize')")

    # --- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        row = self._conn().execute("SELECT doc FROM articles WHERE id=?", (article_id,)).fetchall()
        return Article.model_validate_json(row[0][0]) if row else None

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        conn = self._conn()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = conn.execute(f"SELECT id, doc FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall()
            out.update({aid: Article.model_validate_json(doc) for aid, doc in rows})
        return out

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM articles").fetchall()[0][0]

    def stats(self) -> dict:
        conn = self._conn()
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        first, last = q("SELECT min(date), max(date) FROM articles")[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.exists())
        return {
            "engine": self.name,
            "location": str(self.path),
            "documents": self.count(),
            "by_language": dict(q("SELECT language, count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC")),
            "sources": q("SELECT count(DISTINCT source) FROM articles")[0][0],
            "translations": dict(q("SELECT translation_status, count(*) FROM articles GROUP BY 1")),
            "first_date": first,
            "last_date": last,
            "size_bytes": size,
            "sqlite": apsw.sqlite_lib_version(),
        }

    def pending_ids(self, include_untranslated: bool = False) -> list[str]:
        statuses = ("pending", "none") if include_untranslated else ("pending",)
        rows = self._conn().execute(
            f"SELECT id FROM articles WHERE translation_status IN ({','.join('?' * len(statuses))}) ORDER BY seq",
            statuses).fetchall()
        return [r[0] for r in rows]

    def vocabulary_counts(self, terms: Iterable[str], exact: bool = False) -> dict[str, int]:
        prefix = EXACT_PREFIX if exact else ""
        wanted = list(dict.fromkeys(prefix + t for t in terms if t))
        found: dict[str, int] = {}
        conn = self._conn()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            found.update(conn.execute(
                f"SELECT term, doc FROM fts_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return {t[len(prefix):]: n for t, n in found.items()}

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        plan = plan_query(request)
        match = self._compiler.compile(plan.text)
        if plan.text is not None and match is None and not plan.negative:
            # Only stopwords or punctuation: nothing can match, say so rather than listing everything.
            return SearchResponse(total=0, hits=[], took_ms=_ms(started))
        return self._run(request, plan, match, started)

    def more_like_this(self, article_id: str, size: int = 10, filters: Filters | None = None) -> list[Hit]:
        article = self.get(article_id)
        if article is None:
            return []
        match = self._mlt_match(article)
        if not match:
            return []
        flt = (filters or Filters()).model_copy(deep=True)
        flt.exclude.setdefault("id", []).append(article_id)
        request = SearchRequest(size=size, filters=Filters(), highlight=True)
        plan = QueryPlan(text=None, negative=[], filters=flt)
        return self._run(request, plan, match, time.perf_counter()).hits

    def _mlt_match(self, article: Article, max_terms: int = 25) -> str | None:
        """The article's most distinctive stemmed terms (tf·idf against the index), OR-ed."""
        tf = Counter(get_analyzer("arshif_text").terms(like_text(article)))
        if not tf:
            return None
        conn = self._conn()
        n_docs = max(self.count(), 1)
        df: dict[str, int] = {}
        terms = list(tf)
        for i in range(0, len(terms), 400):
            chunk = terms[i:i + 400]
            df.update(conn.execute(f"SELECT term, doc FROM fts_vocab WHERE term IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall())
        scored = []
        for term, freq in tf.items():
            d = df.get(term, 0)
            if d < 2 or d > 0.3 * n_docs or len(term) < 2 or term.isdigit():
                continue  # unique to this article, or too common to tell stories apart
            scored.append((freq * math.log(n_docs / d), term))
        scored.sort(reverse=True)
        chosen = [t for _, t in scored[:max_terms]]
        return " OR ".join(_quote(t) for t in chosen) if chosen else None

    # --- the query runner ----------------------------------------------------------------

    def _run(self, request: SearchRequest, plan: QueryPlan, match: str | None, started: float) -> SearchResponse:
        conn = self._conn()
        negative = [m for m in (self._compiler.compile(n) for n in plan.negative) if m]
        weights = ", ".join(str(FIELD_BOOSTS[c]) for c in TEXT_FIELD_NAMES)  # fts5 columns are in this order
        params: list = []
        if match:
            source = f"(SELECT rowid, bm25(fts, {weights}) AS score FROM fts WHERE fts MATCH ?) m " \
                     f"JOIN articles a ON a.rowid = m.rowid"
            params.append(match)
            score = "m.score"
        else:
            source = "articles a"
            score = "NULL"
        where, wparams = self._where(plan.filters, negative, skip=None)

        cursor = decode_cursor(request.cursor, request.sort) if request.cursor else None
        snapshot = None
        if cursor is not None:
            snapshot = cursor.get("snap")
            if not isinstance(snapshot, int):
                raise BadRequest("cursor is not valid: pass back next_cursor exactly as a previous response gave it")

        conn.execute("BEGIN")  # one read snapshot for count, page, facets and highlights
        try:
            if snapshot is None:
                # Pin the set of articles a cursor walks through: later additions do not shift its pages.
                snapshot = int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchall()[0][0])
            conn.execute("DROP TABLE IF EXISTS temp.hits")
            pin = " AND a.first_seq <= ?" if request.cursor is not None else ""
            conn.execute(f"CREATE TEMP TABLE hits AS SELECT a.rowid AS rowid, a.id AS id, a.date AS date, "
                         f"{score} AS score FROM {source} WHERE {where}{pin}",
                         (*params, *wparams, *([snapshot] if pin else [])))
            total = conn.execute("SELECT count(*) FROM temp.hits").fetchall()[0][0]
            hits, next_cursor = self._page(conn, request, cursor, snapshot, total)
            facets = {f.field: self._facet(conn, f.field, f.size, f.prefix, source, params, plan, negative)
                      for f in request.facets}
            histogram, interval = ([], None)
            if request.date_histogram:
                histogram, interval = self._histogram(conn, request.date_histogram)
            if hits:
                self._fill_highlights(conn, hits, match if request.highlight else None)
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.hits")
            conn.execute("COMMIT")
        return SearchResponse(total=total, hits=hits, facets=facets, date_histogram=histogram,
                              interval=interval, took_ms=_ms(started), next_cursor=next_cursor)

    def _where(self, filters: Filters, negative: list[str], skip: str | None) -> tuple[str, list]:
        clauses: list[str] = ["1"]
        params: list = []
        for fname in FACET_FIELDS:
            if fname == skip:
                continue
            values = filters.values(fname)
            if not values:
                continue
            marks = ",".join("?" * len(values))
            if FACET_BY_NAME[fname].multi:
                clauses.append(f"a.rowid IN (SELECT rowid FROM article_tags WHERE tag IN ({marks}))")
            else:
                clauses.append(f"{FACET_COLUMNS[fname]} IN ({marks})")
            params += values
        for fname, values in filters.exclude.items():
            if not values:
                continue
            marks = ",".join("?" * len(values))
            if fname in FACET_BY_NAME and FACET_BY_NAME[fname].multi:
                clauses.append(f"a.rowid NOT IN (SELECT rowid FROM article_tags WHERE tag IN ({marks}))")
            elif fname == "id":
                clauses.append(f"a.id NOT IN ({marks})")
            else:
                clauses.append(f"{FACET_COLUMNS[fname]} NOT IN ({marks})")
            params += values
        if filters.date_from:
            clauses.append("a.date >= ?")
            params.append(filters.date_from.isoformat())
        if filters.date_to:
            clauses.append("a.date <= ?")
            params.append(filters.date_to.isoformat())
        for neg in negative:
            clauses.append("a.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(neg)
        return " AND ".join(clauses), params

    def _page(self, conn, request: SearchRequest, cursor: dict | None, snapshot, total: int):
        if request.sort == "relevance":
            order = "score IS NULL, score, id"
            key_cols = ("coalesce(score, 0)", "id")
            cmp = ">"
        elif request.sort == "newest":
            order = "coalesce(date, '') DESC, id DESC"
            key_cols = ("coalesce(date, '')", "id")
            cmp = "<"
        else:
            order = "coalesce(date, '9999-99-99') ASC, id ASC"  # undated articles last, as on the other engines
            key_cols = ("coalesce(date, '9999-99-99')", "id")
            cmp = ">"
        sql = "SELECT rowid, id, score, date FROM temp.hits"
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
        rows = conn.execute(sql, params).fetchall()
        docs = self._docs(conn, [r[0] for r in rows])
        hits: list[Hit] = []
        for rowid, aid, score, d in rows:
            article = docs[rowid]
            if request.sort == "relevance":
                key = [score if score is not None else 0, aid]
            else:
                key = [d or ("" if request.sort == "newest" else "9999-99-99"), aid]
            hits.append(hit_from_article(article, None if score is None else -score, key, request.with_articles))
        next_cursor = None
        if request.size and len(rows) == request.size:
            next_cursor = encode_cursor({"sort": request.sort, "after": hits[-1].sort, "snap": snapshot})
        return hits, next_cursor

    def _docs(self, conn, rowids: list[int]) -> dict[int, Article]:
        if not rowids:
            return {}
        rows = conn.execute(f"SELECT rowid, doc FROM articles WHERE rowid IN ({','.join('?' * len(rowids))})",
                            rowids).fetchall()
        return {r: Article.model_validate_json(doc) for r, doc in rows}

    def _facet(self, conn, fname: str, size: int, prefix: str, source: str, params: list,
               plan: QueryPlan, negative: list[str]) -> list[FacetValue]:
        # Disjunctive facets: a facet's counts ignore its own filter, so picking one
        # source still shows how many hits every other source would add.
        where, wparams = self._where(plan.filters, negative, skip=fname)
        multi = FACET_BY_NAME[fname].multi
        col = "t.tag" if multi else FACET_COLUMNS[fname]
        # A prefix matches whatever the letter variants: اسامة finds أسامة (folded on both sides).
        match = f"AND arshif_fold({col}) LIKE ? ESCAPE '\\'" if prefix else "AND ? = '%'"
        if multi:
            sql = (f"SELECT t.tag, count(*) FROM {source} JOIN article_tags t ON t.rowid = a.rowid "
                   f"WHERE {where} {match} GROUP BY t.tag ORDER BY 2 DESC, 1 LIMIT ?")
        else:
            sql = (f"SELECT {col}, count(*) FROM {source} WHERE {where} AND {col} != '' "
                   f"{match} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
        folded = fold_for_prefix(prefix)
        like = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = conn.execute(sql, (*params, *wparams, like, size)).fetchall()
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

    def _fill_highlights(self, conn, hits: list[Hit], match: str | None) -> None:
        by_id = {h.id: h for h in hits}
        if not match:
            for h in hits:
                h.title_highlight = marked_to_html(h.title)
            rows = conn.execute(
                f"SELECT a.id, json_extract(a.doc, '$.body') FROM articles a "
                f"WHERE a.id IN ({','.join('?' * len(hits))})", [h.id for h in hits]).fetchall()
            for aid, body in rows:
                by_id[aid].snippet = plain_snippet(body)
                by_id[aid].snippet_language = by_id[aid].language
            return
        rows = conn.execute(
            "SELECT a.id, highlight(fts, 0, ?, ?), snippet(fts, 1, ?, ?, '…', 40),"
            " highlight(fts, 2, ?, ?), snippet(fts, 3, ?, ?, '…', 40), fts.body"
            f" FROM fts JOIN articles a ON a.rowid = fts.rowid WHERE fts MATCH ? AND a.id IN"
            f" ({','.join('?' * len(hits))})",
            (START, END) * 4 + (match, *by_id)).fetchall()
        for aid, title, body, tr_title, tr_body, raw_body in rows:
            apply_highlights(by_id[aid], title, body, tr_title, tr_body, raw_body)


def fold_for_prefix(value: str | None) -> str:
    """Letter variants and case folded away, for facet prefix matching."""
    return normalize_arabic(value or "").casefold()


def _indexed_translation(article: Article):
    """(key in article.translations, translation) of the translation to index: the displayed one, if done."""
    tr = article.translation()
    if tr is None or tr.status != "done":
        return "", None
    key = next(k for k, v in article.translations.items() if v is tr)
    return key, tr


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
