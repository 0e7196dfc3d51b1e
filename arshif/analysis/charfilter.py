"""The ``mapping`` char filter, with Elasticsearch's rule syntax and Lucene's semantics.

Rules are parsed like Elasticsearch's ``MappingCharFilterFactory`` (``"a => b"``,
sides trimmed like Java ``String.trim``, backslash escapes ``\\\\ \\n \\t \\r \\b \\f
\\uXXXX``). Application follows Lucene's ``MappingCharFilter``: left to right,
longest matching key wins, and output offsets are mapped back to input offsets
the way ``BaseCharFilter.correct`` does.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .errors import AnalysisConfigError

__all__ = ["MappingCharFilter", "parse_mapping_rules"]

# Java: Pattern "(.*)\\s*=>\\s*(.*)\\s*$" with find(); Java's "." excludes line terminators and
# "\s" is ASCII whitespace only.
_JAVA_DOT = r"[^\n\r\u0085\u2028\u2029]"
_JAVA_WS = r"[ \t\n\x0b\f\r]"
_RULE = re.compile(rf"({_JAVA_DOT}*){_JAVA_WS}*=>{_JAVA_WS}*({_JAVA_DOT}*){_JAVA_WS}*$")
_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _java_trim(s: str) -> str:
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


def _parse_string(s: str, rule: str) -> str:
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        i += 1
        if c == "\\":
            if i >= n:
                raise AnalysisConfigError(f"invalid escaped char in mapping rule [{rule}]")
            c = s[i]
            i += 1
            if c == "u":
                if i + 3 >= n:
                    raise AnalysisConfigError(f"invalid escaped char in mapping rule [{rule}]")
                try:
                    c = chr(int(s[i : i + 4], 16))
                except ValueError as exc:
                    raise AnalysisConfigError(f"invalid \\u escape in mapping rule [{rule}]") from exc
                i += 4
            else:
                c = _ESCAPES.get(c, c)
        out.append(c)
    return "".join(out)


def parse_mapping_rules(rules: list[str]) -> dict[str, str]:
    """``["a => b", ...]`` → ``{"a": "b", ...}``; raises AnalysisConfigError on bad rules."""
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise AnalysisConfigError("mapping char filter needs `mappings`: a list of 'a => b' strings")
    mapping: dict[str, str] = {}
    for rule in rules:
        m = _RULE.search(rule)
        if m is None:
            raise AnalysisConfigError(f"invalid mapping rule [{rule}]")
        lhs = _parse_string(_java_trim(m.group(1)), rule)
        rhs = _parse_string(_java_trim(m.group(2)), rule)
        if not lhs:
            raise AnalysisConfigError(f"mapping rule [{rule}] cannot match the empty string")
        if lhs in mapping:
            raise AnalysisConfigError(f"mapping rule [{rule}]: {lhs!r} was already added")
        mapping[lhs] = rhs
    return mapping


class MappingCharFilter:
    """One parsed ``mapping`` char filter."""

    __slots__ = ("name", "mapping", "_single", "_table", "_multi_re")

    def __init__(self, name: str, mapping: dict[str, str]) -> None:
        self.name = name
        self.mapping = dict(mapping)
        self._single = all(len(k) == 1 for k in mapping)
        self._table = str.maketrans({k: v for k, v in mapping.items() if len(k) == 1})
        keys = sorted(mapping, key=len, reverse=True)  # regex alternation: longest first = longest match
        self._multi_re = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    @property
    def single_char_keys(self) -> bool:
        return self._single

    def translate(self, s: str) -> str:
        """Apply to a string without tracking offsets."""
        if self._single:
            return s.translate(self._table)
        if self._multi_re is None:
            return s
        return self._multi_re.sub(lambda m: self.mapping[m.group()], s)

    def apply(self, text: str) -> tuple[str, list[int], list[int]]:
        """Filter ``text``; return (output, correction offsets, cumulative diffs) like BaseCharFilter."""
        offs: list[int] = []
        diffs: list[int] = []
        if self._multi_re is None:
            return text, offs, diffs
        out: list[str] = []
        last = 0
        cum = 0
        mapping = self.mapping

        def add(off: int, diff: int) -> None:
            if offs and offs[-1] == off:
                diffs[-1] = diff
            else:
                offs.append(off)
                diffs.append(diff)

        for m in self._multi_re.finditer(text):
            start, end = m.span()
            out.append(text[last:start])
            repl = mapping[m.group()]
            out.append(repl)
            last = end
            diff = (end - start) - len(repl)
            if diff > 0:  # replacement shorter than the match
                add(end - diff - cum, cum + diff)
                cum += diff
            elif diff < 0:  # longer: extra output chars map back to the same input offset
                output_start = end - cum
                for extra in range(-diff):
                    add(output_start + extra, cum - extra - 1)
                cum += diff
        out.append(text[last:])
        return "".join(out), offs, diffs


def correct_offset(off: int, offs: list[int], diffs: list[int]) -> int:
    """Map an offset in filtered text back to the input (BaseCharFilter.correct)."""
    if not offs:
        return off
    i = bisect_right(offs, off) - 1
    return off if i < 0 else off + diffs[i]
