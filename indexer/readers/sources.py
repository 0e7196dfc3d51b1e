"""Finding the files, telling what they hold, and handing each to its reader."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import os
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, ContextManager, Iterable, Iterator

from arshif.model import Article, Provenance

from .encoding import WIDE, describe, detect_encoding, detect_line_encoding
from .jsonstream import JSONError, TextChunks, iter_json, iter_jsonl
from .native import parse_native
from .records import ReadProblem, RecordMapper

SNIFF_BYTES = 1 << 16
JSONL_EXT = {".jsonl", ".ndjson", ".jsonlines"}
JSON_EXT = {".json"}
TEXT_EXT = {".txt", ".text", ""}
_NAMED_TEXT = (JSON_EXT | JSONL_EXT | TEXT_EXT) - {""}
COMPRESSED = {".gz": gzip, ".bz2": bz2, ".xz": lzma}
_MAGIC_COMPRESSED = ((b"\x1f\x8b", ".gz"), (b"BZh", ".bz2"), (b"\xfd7zXZ\x00", ".xz"))
_MAGIC_BINARY = (b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"SQLite format 3\x00",
                 b"\x7fELF", b"7z\xbc\xaf", b"Rar!\x1a", b"\xd0\xcf\x11\xe0")
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError)
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError, gzip.BadGzipFile)
_MAX_DEPTH = 3  # archives inside archives


@dataclass
class Input:
    """One thing to read: a file, or a member of an archive."""

    file: str  # as shown in provenance and problems
    member: str | None
    name: str  # the name whose extension says the format
    open: Callable[[], ContextManager[BinaryIO]]
    collection: str | None = None  # directory name: the tag of native files without a tag line
    size: int | None = None

    def problem(self, reason: str, line: int | None = None) -> ReadProblem:
        return ReadProblem(self.file, line, self.member, reason)


# --- walking ----------------------------------------------------------------------------------

def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def inputs(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Input | ReadProblem]:
    """Files named or found under the directories named (recursively, sorted, no hidden files)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found: list[Path] = []
            errors: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(path, onerror=errors.append):
                dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
                found.extend(Path(dirpath, f) for f in filenames if not _hidden(f))
            for err in errors:
                yield ReadProblem(str(err.filename or path), None, None, f"cannot list directory: {err.strerror or err}")
            found.sort(key=lambda p: p.relative_to(path).parts)
            if not found and not errors:
                yield ReadProblem(str(path), None, None, "no files in directory")
            for f in found:
                if _first_time(f, seen):
                    yield _file_input(f, collection=f.parent.resolve().name or None)
        elif path.exists():
            if _first_time(path, seen):
                yield _file_input(path, collection=None)
        else:
            yield ReadProblem(str(path), None, None, "no such file or directory")


def _first_time(path: Path, seen: set[str]) -> bool:
    key = os.path.realpath(path)
    if key in seen:
        return False
    seen.add(key)
    return True


def _file_input(path: Path, collection: str | None) -> Input:
    try:
        size: int | None = path.stat().st_size
    except OSError:
        size = None
    return Input(str(path), None, path.name, lambda: open(path, "rb"), collection, size)


# --- telling the format ------------------------------------------------------------------------

def _ext(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _head_text(head: bytes) -> str:
    enc = detect_encoding(head, complete=False) or "utf-8"
    return head.decode(enc, errors="replace").lstrip("\ufeff \t\r\n")


def _json_first_line(s: str) -> bool:
    """Whether the first line holds one complete JSON value (JSON Lines)."""
    line = s.split("\n", 1)[0].strip()
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def sniff(name: str, head: bytes) -> tuple[str, str]:
    """(kind, detail): kind is zip, compressed, json, jsonl, text or unsupported."""
    ext = _ext(name)
    is_zip = head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    if ext == ".zip" or (is_zip and ext in ("", ".json", ".jsonl")):
        return "zip", ""
    if is_zip:  # .docx, .epub, .jar…: zip containers that are not collections of articles
        return "unsupported", f"not a supported file type: {ext}"
    for magic, cext in _MAGIC_COMPRESSED:
        if head.startswith(magic):
            return "compressed", cext
    if ext in COMPRESSED:
        return "compressed", ext
    if head.startswith(_MAGIC_BINARY) or (
        ext not in _NAMED_TEXT and b"\x00" in head and detect_encoding(head, complete=False) is None
    ):
        return "unsupported", f"not a supported file type: {ext or 'no extension'} (binary data)"
    s = _head_text(head)
    starts_json = bool(s) and (s[0] == "[" and s[1:].lstrip()[:1] in ("{", "[", "]", "")
                               or s[0] == "{" and s[1:].lstrip()[:1] in ('"', "}", ""))
    if ext in JSONL_EXT:
        return ("json", "") if s[:1] == "[" else ("jsonl", "")
    if ext in JSON_EXT:
        if s[:1] == "{" and "\n" in s.rstrip() and _json_first_line(s):
            return "jsonl", ""
        return "json", ""
    if starts_json:
        return ("jsonl", "") if s[0] == "{" and "\n" in s.rstrip() and _json_first_line(s) else ("json", "")
    if ext in TEXT_EXT:
        return "text", ""
    return "unsupported", f"not a supported file type: {ext}"


# --- reading ----------------------------------------------------------------------------------

def read_inputs(paths: Iterable[str | os.PathLike[str]], mapper: RecordMapper) -> Iterator[Article | ReadProblem]:
    for item in inputs(paths):
        if isinstance(item, ReadProblem):
            yield item
        else:
            yield from _guarded(item, mapper, 0)


def _guarded(inp: Input, mapper: RecordMapper, depth: int) -> Iterator[Article | ReadProblem]:
    try:
        yield from _read(inp, mapper, depth)
    except _CORRUPT as e:
        yield inp.problem(f"corrupt or truncated compressed data: {_why(e)}")
    except _READ_ERRORS as e:
        yield inp.problem(f"cannot read: {_why(e)}")
    except Exception as e:  # one odd file must not stop an ingest of thousands
        yield inp.problem(f"unexpected error while reading: {type(e).__name__}: {e}")


def _why(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__


def _read(inp: Input, mapper: RecordMapper, depth: int) -> Iterator[Article | ReadProblem]:
    with inp.open() as f:
        head = f.read(SNIFF_BYTES)
    if not head:
        yield inp.problem("empty file")
        return
    kind, detail = sniff(inp.name, head)
    if kind == "unsupported":
        yield inp.problem(detail)
    elif kind == "zip":
        yield from _read_zip(inp, mapper, depth)
    elif kind == "compressed":
        yield from _guarded(_decompressed(inp, detail), mapper, depth + 1)
    elif kind == "text":
        yield from _read_text(inp, mapper)
    elif kind == "json":
        yield from _read_json(inp, head, mapper)
    else:
        yield from _read_jsonl(inp, head, mapper)


def _decompressed(inp: Input, ext: str) -> Input:
    module: Any = COMPRESSED[ext]
    name = inp.name[: -len(ext)] if inp.name.lower().endswith(ext) else inp.name

    @contextmanager
    def open_() -> Iterator[BinaryIO]:
        with inp.open() as raw, module.open(raw, "rb") as f:
            yield f

    return Input(inp.file, inp.member, name, open_, inp.collection, None)


def _read_zip(inp: Input, mapper: RecordMapper, depth: int) -> Iterator[Article | ReadProblem]:
    if depth >= _MAX_DEPTH:
        yield inp.problem("archives nested too deeply")
        return
    with inp.open() as f:
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            yield inp.problem(f"not a readable zip archive (corrupt or truncated): {_why(e)}")
            return
        with zf:
            members = [i for i in zf.infolist()
                       if not i.is_dir() and not any(_hidden(p) for p in PurePosixPath(i.filename).parts)]
            if not members:
                yield inp.problem("empty zip archive")
                return
            stem = PurePosixPath(inp.name).stem
            for info in members:
                parent = PurePosixPath(info.filename).parent.name
                name = info.filename if inp.member is None else f"{inp.member}/{info.filename}"
                member = Input(inp.file, name, info.filename, lambda info=info: zf.open(info),
                               parent or stem, info.file_size)
                yield from _guarded(member, mapper, depth + 1)


def _read_text(inp: Input, mapper: RecordMapper) -> Iterator[Article | ReadProblem]:
    with inp.open() as f:
        data = f.read()
    encoding = detect_encoding(data)
    if encoding is None:
        yield inp.problem("cannot decode the text: not UTF-8, UTF-16 or a known Arabic/Western code page")
        return
    try:
        content = data.decode(encoding)
    except UnicodeDecodeError as e:
        yield inp.problem(f"cannot decode the text as {describe(encoding)}: {e.reason} at byte {e.start + 1}")
        return
    if not content.strip("\ufeff \t\r\n"):
        yield inp.problem("empty file")
        return
    provenance = Provenance(file=inp.file, line=None, member=inp.member, reader="text")
    result = mapper.article(parse_native(content, inp.collection), provenance)
    yield inp.problem(result) if isinstance(result, str) else result


def _records(inp: Input, items: Iterator[tuple[int, object] | JSONError], mapper: RecordMapper,
             reader: str) -> Iterator[Article | ReadProblem]:
    warned: set[str] = set()
    for item in items:
        if isinstance(item, JSONError):
            yield inp.problem(item.reason, item.index or None)
            continue
        index, value = item
        if not isinstance(value, dict):
            yield inp.problem(f"not a JSON object: got {_json_type(value)}", index)
            continue
        for key in mapper.unmapped(value):
            if key not in warned:  # once per file: a 40,000-record dump must not print 40,000 lines
                warned.add(key)
                where = inp.file + (f":{inp.member}" if inp.member else "")
                mapper.warn(f"{where}: field {key!r} is not mapped to any article field and is left out "
                            f"(first seen at record {index}; --map {key}=FIELD to keep it)")
        provenance = Provenance(file=inp.file, line=index, member=inp.member, reader=reader)
        result = mapper.article(mapper.fields(value), provenance)
        yield inp.problem(result, index) if isinstance(result, str) else result


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _read_json(inp: Input, head: bytes, mapper: RecordMapper) -> Iterator[Article | ReadProblem]:
    encoding = detect_encoding(head, complete=len(head) < SNIFF_BYTES)
    if encoding is None:
        yield inp.problem("cannot decode the text: not UTF-8, UTF-16 or a known Arabic/Western code page")
        return
    with inp.open() as f:
        yield from _records(inp, iter_json(TextChunks(f, encoding)), mapper, "json")


def _read_jsonl(inp: Input, head: bytes, mapper: RecordMapper) -> Iterator[Article | ReadProblem]:
    encoding = detect_line_encoding(head, complete=len(head) < SNIFF_BYTES)
    if encoding is None:
        yield inp.problem("cannot decode the text: not UTF-8, UTF-16 or a known Arabic/Western code page")
        return
    seen = 0
    with inp.open() as f:
        for result in _records(inp, iter_jsonl(f, encoding), mapper, "jsonl"):
            seen += 1
            yield result
    if not seen:
        yield inp.problem("empty file")


# --- estimating -------------------------------------------------------------------------------

def estimate(paths: Iterable[str | os.PathLike[str]]) -> int | None:
    total = 0
    known = False
    for item in inputs(paths):
        if isinstance(item, ReadProblem):
            continue
        try:
            n = _estimate(item, 0)
        except Exception:
            n = None
        if n is not None:
            total += n
            known = True
    return total if known else None


def _estimate(inp: Input, depth: int) -> int | None:
    with inp.open() as f:
        head = f.read(SNIFF_BYTES)
    if not head:
        return 0
    kind, detail = sniff(inp.name, head)
    if kind == "unsupported":
        return 0
    if kind == "text":
        return 1
    if kind == "compressed":
        return _estimate(_decompressed(inp, detail), depth + 1) if depth < _MAX_DEPTH else None
    if kind == "zip":
        if depth >= _MAX_DEPTH:
            return None
        with inp.open() as f, zipfile.ZipFile(f) as zf:
            parts = [_estimate(Input(inp.file, i.filename, i.filename, lambda i=i: zf.open(i), None, i.file_size),
                               depth + 1)
                     for i in zf.infolist() if not i.is_dir() and not _hidden(PurePosixPath(i.filename).name)]
        return sum(p for p in parts if p is not None)
    complete = len(head) < SNIFF_BYTES
    if kind == "jsonl":
        if complete:
            encoding = detect_line_encoding(head) or "utf-8"
            return sum(1 for line in head.decode(encoding, errors="replace").split("\n") if line.strip())
        with inp.open() as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    encoding = detect_encoding(head, complete=complete) or "utf-8"
    count, first_key = _count_json(head, encoding)
    if complete:
        return count
    if first_key is None or encoding in WIDE:
        return round(inp.size * count / len(head)) if inp.size and count else None
    # Count the first key of the first record through the whole stream: one per record in
    # arrays of flat objects (a key inside a JSON string would read \"key\" and not match).
    pattern = re.compile(b'"' + re.escape(first_key.encode(encoding)) + rb'"\s*:')
    total = 0
    tail = b""
    with inp.open() as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            data = tail + chunk
            cut = max(0, len(data) - 256)
            total += len(pattern.findall(data, 0, cut))
            tail = data[cut:]
    return total + len(pattern.findall(tail))


def _count_json(head: bytes, encoding: str) -> tuple[int, str | None]:
    """Complete array elements (or top-level values) in the first bytes, and the first key of the first."""
    chunks = TextChunks(io.BytesIO(head), encoding)
    chunks.decoder = codecs.getincrementaldecoder(encoding)("ignore")
    counted = 0
    first_key = None
    for item in iter_json(chunks):
        if isinstance(item, JSONError):
            break
        counted, value = item
        if counted == 1 and isinstance(value, dict) and value:
            first_key = next(iter(value))
    return counted, first_key
