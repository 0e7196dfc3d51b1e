"""Which text encoding a file is in, decided once per file.

Order of the decision: a byte-order mark (UTF-8 BOM is stripped, UTF-16/32 with
one), BOM-less UTF-16 (NUL in every other byte), then strict UTF-8, then
``charset_normalizer`` limited to the legacy code pages a news archive meets:
Windows-1256 (Arabic), ISO-8859-6 (Arabic) and Windows-1252 (Western).
``None`` means the bytes are not text in any of these.

Line-based files (JSONL) are decided by a vote of their lines, so that one
line with broken bytes in an otherwise UTF-8 file stays a problem of that line
instead of turning the whole file into CP1256 mojibake.
"""

from __future__ import annotations

import codecs

LEGACY_CANDIDATES = ("cp1256", "iso8859_6", "cp1252")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32")


def bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def is_utf8(data: bytes, *, complete: bool = True) -> bool:
    """Strict UTF-8 check; with ``complete=False`` a sequence cut at the end is fine."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit only in odd (even) bytes and the bytes decode so."""
    n = len(data) - len(data) % 2
    if n < 4:
        return None
    even_nul = data[0:n:2].count(0)
    odd_nul = data[1:n:2].count(0)
    half = n // 2
    for name, nul, other in (("utf-16-le", odd_nul, even_nul), ("utf-16-be", even_nul, odd_nul)):
        # ASCII (spaces, digits, JSON syntax) leaves a NUL in the high byte; Arabic letters do not.
        if nul >= 0.1 * half and other <= 0.01 * half:
            try:
                data[:n].decode(name)
            except UnicodeDecodeError:
                continue
            return name
    return None


def guess_legacy(data: bytes) -> str | None:
    """The most plausible legacy code page for ``data`` (never UTF-8), or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_CANDIDATES)).best()
    return best.encoding if best is not None else None


def detect_encoding(sample: bytes, *, complete: bool = True) -> str | None:
    """Encoding of a whole document (``complete``) or of the first bytes of a longer one."""
    if not sample:
        return "utf-8"
    bom = bom_encoding(sample)
    if bom:
        return bom
    wide = bomless_utf16(sample)  # before UTF-8: NUL bytes are valid UTF-8
    if wide:
        return wide
    if is_utf8(sample, complete=complete):
        return "utf-8"
    if not complete:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    return guess_legacy(sample)


def detect_line_encoding(sample: bytes, *, complete: bool = True) -> str | None:
    """Encoding of a line-based file from its first bytes: UTF-8 unless most non-ASCII lines say otherwise."""
    bom = bom_encoding(sample)
    if bom:
        return bom
    wide = bomless_utf16(sample)
    if wide:
        return wide
    lines = sample.split(b"\n")
    if not complete and len(lines) > 1:
        lines.pop()  # possibly cut in the middle
    good = 0
    bad: list[bytes] = []
    for line in lines:
        if line.isascii():
            continue
        if is_utf8(line):
            good += 1
        else:
            bad.append(line)
    if len(bad) <= good:
        return "utf-8"
    # Most text lines are not UTF-8: a legacy code page if one fits, else UTF-8
    # so that the good lines still come through and the bad ones are reported.
    return guess_legacy(b"\n".join(bad)) or "utf-8"


def describe(encoding: str) -> str:
    """Human name of a codec, as shown in problems."""
    names = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp1256": "Windows-1256", "cp1252": "Windows-1252",
             "iso8859_6": "ISO-8859-6", "utf-16": "UTF-16", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
             "utf-32": "UTF-32"}
    return names.get(encoding, encoding)
