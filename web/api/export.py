"""Export every match of a search as CSV or JSON Lines, streamed with flat memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import queue
import threading
from typing import Annotated, Any, AsyncIterator, Iterator

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from arshif.engines import BadRequest, Engine
from arshif.model import Article
from arshif.search.contract import Hit, SearchRequest, SearchResponse
from web.api.params import SYNTAX_HELP, ExportParams, as_search_params
from web.api.search import run
from web.errors import READ_ERRORS, api_error, cursor_errors, error_doc
from web.middleware import is_head
from web.service import Service

log = logging.getLogger("arshif.api.export")

router = APIRouter()

#: Exports streaming at the same time in one server process; more get 429 + Retry-After.
MAX_CONCURRENT_EXPORTS = 4
#: Hits (with their stored articles) fetched per engine round-trip while exporting.
EXPORT_BATCH = 1000

DEFAULT_EXPORT_FIELDS = ("id", "date", "source", "author", "language", "title", "url", "story_id", "body")
#: Columns an export can have. Those in ARTICLE_FIELDS need the stored article (fetched a batch at a time).
HIT_FIELDS = ("id", "date", "source", "author", "site", "language", "title", "url", "tags", "score",
              "translated_title", "translation_language", "translation_status", "source_id", "story_id")
ARTICLE_FIELDS = ("body", "published", "extracted", "related_titles", "translated_body", "translation_kind",
                  "translation_provider")
EXPORT_FIELDS = HIT_FIELDS + ARTICLE_FIELDS

_exports = threading.BoundedSemaphore(MAX_CONCURRENT_EXPORTS)


def _export_fields(spec: str | None) -> list[str]:
    if spec is None or not spec.strip():
        return list(DEFAULT_EXPORT_FIELDS)
    fields = [f.strip() for f in spec.split(",") if f.strip()]
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        raise BadRequest(f"unknown export field(s) {', '.join(repr(f[:40]) for f in unknown[:5])}: "
                         f"use {', '.join(EXPORT_FIELDS)}")
    return list(dict.fromkeys(fields))


def _row(hit: Hit, article: Article | None, fields: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    tr = article.translation() if article is not None else None
    for f in fields:
        if f in HIT_FIELDS:
            row[f] = getattr(hit, f)
        elif f == "body":
            row[f] = article.body if article else ""
        elif f in ("published", "extracted", "related_titles"):
            row[f] = getattr(article, f) if article else None
        elif f == "translated_body":
            row[f] = tr.body if tr and tr.status == "done" else ""
        elif f == "translation_kind":
            row[f] = tr.kind if tr else ""
        elif f == "translation_provider":
            row[f] = tr.provider if tr else ""
    return row


#: A spreadsheet runs a cell that starts with one of these as a formula (``=HYPERLINK(…)``, ``@SUM(…)``).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(v: Any) -> str:
    """One CSV cell. Text that a spreadsheet would run as a formula gets a leading apostrophe (the OWASP
    advice for CSV injection): the cell then shows the text as it is instead of calling out."""
    if v is None:
        return ""
    if isinstance(v, list):
        text = "|".join(str(x) for x in v)
    elif isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    elif isinstance(v, (int, float)):
        return str(v)
    else:
        text = str(v)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _json_value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def _export_stream(engine: Engine, request: SearchRequest, first: SearchResponse, fields: list[str], fmt: str,
                   release, bom: bool = False) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf) if fmt == "csv" else None
    rows = 0
    try:
        if writer is not None:
            if bom:
                buf.write("\ufeff")
            writer.writerow(fields)
        resp = first
        while True:
            for hit in resp.hits:
                row = _row(hit, hit.article, fields)
                if writer is not None:
                    writer.writerow([_csv_value(row[f]) for f in fields])
                else:
                    buf.write(json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                rows += 1
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if not resp.next_cursor or not resp.hits:
                break
            req = request.model_copy(update={"cursor": resp.next_cursor, "offset": 0})
            with cursor_errors(req.cursor):
                resp = engine.search(req)
    except Exception as exc:  # the status line is long gone: end the stream visibly instead
        log.exception("export failed after %d rows", rows)
        if fmt == "jsonl":
            yield json.dumps({"error": {"status": 503, "message": f"export interrupted after {rows} rows: "
                                                                  f"{type(exc).__name__}"}}) + "\n"
        raise
    finally:
        release()


def _in_one_thread(chunks: Iterator[str], on_exit=lambda: None, ahead: int = 2) -> AsyncIterator[str]:
    """Run a blocking chunk generator in one dedicated thread, at most ``ahead`` chunks in advance.

    Starlette would run each ``next()`` on whichever worker thread is free; the embedded engine keeps one
    SQLite connection (and page cache) per thread, so an export hopping threads would open many cold
    connections. One thread keeps one warm connection; the bounded queue keeps memory flat, and a client
    that hangs up stops the producer (its generator is closed, releasing the export slot)."""
    done = object()
    q: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the response, which ends the stream
            put(exc)
        finally:
            chunks.close()  # type: ignore[attr-defined]
            on_exit()

    def take():
        try:
            return q.get(timeout=0.5)
        except queue.Empty:
            return None

    async def consume() -> AsyncIterator[str]:
        thread = threading.Thread(target=produce, name="arshif-export", daemon=True)
        thread.start()
        try:
            while True:
                item = await anyio.to_thread.run_sync(take)
                if item is None:
                    continue
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    return consume()


@router.get(
    "/export", summary="Export every match as CSV or JSON Lines",
    response_class=StreamingResponse,
    responses={**READ_ERRORS, 429: error_doc("Too many exports running; retry after `Retry-After` seconds.",
                                        "4 exports are already running: retry shortly", 429),
               200: {"description": "CSV with a header row, or JSON Lines; streamed.",
                     "content": {"text/csv": {"schema": {"type": "string"},
                                              "example": "id,date,source,author,language,title,url,story_id,body\r\n"
                                                         "3f2a…,2015-07-21,okaz,,ar,عنوان,https://…,\"نص\n…\"\r\n"},
                                 "application/x-ndjson": {"schema": {"type": "string"},
                                                          "example": '{"id": "3f2a…", "title": "…"}\n'}}}},
    description=(
        "Streams **every** article matching `q` and the filters (not one page) — the server walks the cursor a "
        f"batch of {EXPORT_BATCH} at a time, so memory stays flat whatever the size of the export. "
        "`format=csv` writes a header row of the chosen `fields` then one row per article with standard CSV "
        "quoting (bodies keep their newlines and quotes: read it back with a CSV parser, e.g. Python's `csv` "
        "with `newline=''`); list values (tags, related_titles) are joined with `|`. `format=jsonl` writes one "
        "JSON object per line (lists stay lists). Default fields: "
        f"`{','.join(DEFAULT_EXPORT_FIELDS)}`; available: `{','.join(EXPORT_FIELDS)}`. The file name is in "
        "`Content-Disposition`, the number of rows in `X-Total-Count`. Exports run at roughly 2,000–4,000 "
        "articles a second with bodies on the embedded engine; at most "
        f"{MAX_CONCURRENT_EXPORTS} stream at once per server (more → 429 with `Retry-After`).\n\n" + SYNTAX_HELP
    ),
)
def export(params: Annotated[ExportParams, Query()], service: Service, http: Request):  # type: ignore[valid-type]
    fields = _export_fields(params.fields)
    sp = as_search_params(params, facets=[], histogram=None, highlight=False)
    request = service.request_for(sp, size=EXPORT_BATCH, capped=False).model_copy(
        update={"with_articles": any(f in ARTICLE_FIELDS for f in fields)})
    ext, media = ("csv", "text/csv; charset=utf-8") if params.format == "csv" else ("jsonl", "application/x-ndjson")
    if is_head(http):
        # A link checker or a download manager asking what it would get: the headers (and the count, one
        # counting search), never the export itself, and no export slot taken.
        total = run(service, request.model_copy(update={"size": 0, "with_articles": False})).total
        head = Response(media_type=media, headers=_headers(ext, total))
        # (an empty body would say Content-Length: 0, and a GET streams without one: an export of 0 bytes
        # is not what it would get)
        del head.headers["content-length"]
        return head
    if not _exports.acquire(blocking=False):
        raise api_error(429, f"{MAX_CONCURRENT_EXPORTS} exports are already running: retry shortly",
                        headers={"Retry-After": "10"})
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            _exports.release()

    try:
        first = run(service, request)
    except BaseException:
        release()
        raise
    headers = _headers(ext, first.total)
    chunks = _export_stream(service.engine, request, first, fields, params.format, release,
                            bom=params.bom and params.format == "csv")

    def finish() -> None:  # runs on the export's own thread, after its last chunk
        release()
        service.engine.release_thread()  # the export thread ends: its connection must not linger

    return StreamingResponse(_in_one_thread(chunks, on_exit=finish), media_type=media, headers=headers)


def _headers(ext: str, total: int) -> dict[str, str]:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return {"Content-Disposition": f'attachment; filename="arshif-export-{stamp}.{ext}"',
            "X-Total-Count": str(total)}
