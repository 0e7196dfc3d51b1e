"""Streaming JSON: the elements of a top-level array (or a sequence of top-level values)
one at a time, with ``json.JSONDecoder.raw_decode`` over a sliding text buffer, so a
large file or zip member is never held in memory whole. And JSON Lines, line by line.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from .encoding import WIDE, describe

CHUNK_BYTES = 1 << 16
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass
class JSONError:
    """A value that could not be read; ``fatal`` when the rest of the file cannot be read either."""

    index: int  # 1-based element number (JSON) or line number (JSONL)
    reason: str
    fatal: bool = False


class TextChunks:
    """Decodes a binary stream chunk by chunk (strict), remembering how many bytes were read."""

    def __init__(self, stream: BinaryIO, encoding: str):
        self.stream = stream
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.bytes_read = 0
        self.done = False

    def read(self, size: int = CHUNK_BYTES) -> str:
        while not self.done:
            data = self.stream.read(size)
            if not data:
                self.done = True
                return self.decoder.decode(b"", final=True)
            self.bytes_read += len(data)
            out = self.decoder.decode(data)
            if out:
                return out
        return ""


class _Buffer:
    def __init__(self, chunks: TextChunks):
        self.chunks = chunks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines in the text already dropped from the buffer

    def more(self, size: int = CHUNK_BYTES) -> bool:
        if self.eof:
            return False
        chunk = self.chunks.read(size)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.lines_before += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        else:
            self.buf += chunk
        return True

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def value(self) -> object:
        size = CHUNK_BYTES
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # Cut off by the end of the buffer (not a real error yet)? Read more and retry.
                cut = e.msg.startswith("Unterminated string") or len(self.buf) - e.pos <= 16
                if cut and self.more(size):
                    size = min(size * 2, 1 << 24)
                    continue
                raise
            if end == len(self.buf) and self.more():  # a number or literal may go on
                continue
            self.pos = end
            return value

    def where(self, e: json.JSONDecodeError) -> str:
        return f"(line {self.lines_before + e.lineno} column {e.colno})"


def iter_json(chunks: TextChunks) -> Iterator[tuple[int, object] | JSONError]:
    """(element number, value) for each element of a top-level array, or each top-level value."""
    buf = _Buffer(chunks)
    index = 0
    try:
        first = buf.peek()
        if first == "":
            yield JSONError(0, "empty file", fatal=True)
            return
        if first != "[":
            while buf.peek():  # one object, or several objects one after another
                index += 1
                try:
                    yield index, buf.value()
                except json.JSONDecodeError as e:
                    yield JSONError(index, f"bad JSON: {e.msg} {buf.where(e)}; the rest of the file was not read", True)
                    return
            return
        buf.pos += 1
        if buf.peek() == "]":
            buf.pos += 1
            yield JSONError(0, "no records: the JSON array is empty", fatal=True)
        else:
            while True:
                index += 1
                try:
                    yield index, buf.value()
                except json.JSONDecodeError as e:
                    yield JSONError(index, f"bad JSON in element {index}: {e.msg} {buf.where(e)}; "
                                           "the rest of the file was not read", True)
                    return
                c = buf.peek()
                if c == ",":
                    buf.pos += 1
                    if buf.peek() == "]":  # tolerate a trailing comma
                        buf.pos += 1
                        break
                    continue
                if c == "]":
                    buf.pos += 1
                    break
                what = "the file ends" if c == "" else f"found {c!r}"
                yield JSONError(index, f"bad JSON after element {index}: expected ',' or ']' but {what}", True)
                return
        if buf.peek():
            yield JSONError(index, "extra data after the JSON array was not read", True)
    except UnicodeDecodeError as e:
        yield JSONError(index, f"cannot decode the text as {describe(chunks.encoding)} "
                               f"(near byte {max(1, chunks.bytes_read - len(e.object) + e.start + 1)}): "
                               "the rest of the file was not read", True)


def iter_jsonl(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, object] | JSONError]:
    """(line number, value) for each non-blank line; a bad line is a JSONError for that line only."""
    if encoding in WIDE:
        yield from _iter_wide_lines(stream, encoding)
        return
    line_encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    for lineno, raw in enumerate(stream, 1):
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        raw = raw.strip(b" \t\r\n")
        if not raw:
            continue
        try:
            line = raw.decode(line_encoding)
        except UnicodeDecodeError as e:
            yield JSONError(lineno, f"cannot decode the line as {describe(line_encoding)}: "
                                    f"bad byte {e.object[e.start:e.start + 1]!r} at column {e.start + 1}")
            continue
        yield _loads(lineno, line)


def _iter_wide_lines(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, object] | JSONError]:
    lines = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline=None)  # type: ignore[arg-type]
    lineno = 0
    try:
        for lineno, line in enumerate(lines, 1):
            line = line.strip().lstrip("\ufeff")
            if line:
                yield _loads(lineno, line)
    except UnicodeDecodeError as e:
        yield JSONError(lineno + 1, f"cannot decode the text as {describe(encoding)}: {e.reason}; "
                                    "the rest of the file was not read", True)
    finally:
        lines.detach()


def _loads(lineno: int, line: str) -> tuple[int, object] | JSONError:
    try:
        return lineno, json.loads(line)
    except json.JSONDecodeError as e:
        return JSONError(lineno, f"bad JSON: {e.msg} (column {e.colno})")
    except RecursionError:
        return JSONError(lineno, "bad JSON: nested too deeply")
