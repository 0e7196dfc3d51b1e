"""Token filters, each a ``str -> str | None`` function (None removes the token, keeping its position).

Every function mirrors the Lucene filter Elasticsearch/OpenSearch use for the
same name, on a single term. They run inside the per-word cache of
:class:`arshif.analysis.Analyzer`, so clarity beats micro-speed here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from .errors import AnalysisConfigError
from .porter import porter_stem

__all__ = [
    "ENGLISH_STOP_WORDS",
    "FilterFn",
    "arabic_normalize",
    "arabic_stem",
    "build_filter",
    "decimal_digit",
    "english_possessive",
    "lowercase",
    "porter_stem",
]

FilterFn = Callable[[str], "str | None"]


class KeywordTerm(str):
    """A term a filter has marked as a keyword (Lucene's KeywordAttribute): stemmers leave it alone.

    Only ``stemmer_override`` makes these; the analyzer turns them back into plain ``str``
    once the chain has run.
    """

    __slots__ = ()

# Lucene EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (Elasticsearch "_english_").
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)


# -- lowercase: Java Character.toLowerCase per code point (simple case mapping) ----------------------
def lowercase(term: str) -> str:
    if "\u0130" in term or "\u03a3" in term:
        # Python's str.lower uses full case mapping here (İ -> i̇, final-sigma context);
        # Lucene maps code point by code point.
        return "".join("i" if c == "\u0130" else ("\u03c3" if c == "\u03a3" else c.lower()) for c in term)
    return term.lower()


# -- decimal_digit: every Unicode Nd digit -> ASCII 0-9 ---------------------------------------------
class _DigitTable(dict):
    """Lazy str.translate table: Nd code points map to ASCII digits, everything else to itself."""

    def __missing__(self, cp: int) -> int:
        ch = chr(cp)
        value = 0x30 + unicodedata.decimal(ch) if cp > 0x7F and unicodedata.category(ch) == "Nd" else cp
        self[cp] = value  # non-digits map to themselves
        return value


_DIGITS = _DigitTable()


def decimal_digit(term: str) -> str:
    if term.isascii():
        return term
    return term.translate(_DIGITS)


# -- arabic_normalization: Lucene ArabicNormalizer ---------------------------------------------------
_ARABIC_NORM = str.maketrans(
    {
        "\u0622": "\u0627",  # alef madda -> alef
        "\u0623": "\u0627",  # alef hamza above -> alef
        "\u0625": "\u0627",  # alef hamza below -> alef
        "\u0649": "\u064a",  # alef maksura (dotless yeh) -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0640": None,  # tatweel
        **{chr(c): None for c in range(0x064B, 0x0653)},  # fathatan .. sukun
    }
)


def arabic_normalize(term: str) -> str:
    if term.isascii():
        return term
    return term.translate(_ARABIC_NORM)


# -- arabic_stem: Lucene ArabicStemmer (Larkey et al. "light10") ---------------------------------------
_AR_PREFIXES = ("\u0627\u0644", "\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644",
                "\u0641\u0627\u0644", "\u0644\u0644", "\u0648")  # ال وال بال كال فال لل و
_AR_SUFFIXES = ("\u0647\u0627", "\u0627\u0646", "\u0627\u062a", "\u0648\u0646", "\u064a\u0646",
                "\u064a\u0647", "\u064a\u0629", "\u0647", "\u0629", "\u064a")  # ها ان ات ون ين يه ية ه ة ي


# (affix, its length, the shortest word it is taken from): lengths computed once, not per word
_AR_PREFIX_RULES = tuple((p, len(p), 4 if len(p) == 1 else len(p) + 2) for p in _AR_PREFIXES)
_AR_SUFFIX_RULES = tuple((s, len(s), len(s) + 2) for s in _AR_SUFFIXES)


def arabic_stem(term: str) -> str:
    if term.isascii() or term.__class__ is KeywordTerm:
        return term
    n = len(term)
    for p, lp, shortest in _AR_PREFIX_RULES:  # at most one prefix: the first that fits
        if n >= shortest and term.startswith(p):
            term = term[lp:]
            n -= lp
            break
    for s, ls, shortest in _AR_SUFFIX_RULES:  # every suffix in turn, each on the already shortened word
        if n >= shortest and term.endswith(s):
            term = term[:-ls]
            n -= ls
    return term


# -- stemmer language possessive_english: Lucene EnglishPossessiveFilter -----------------------------
def english_possessive(term: str) -> str:
    if term.__class__ is KeywordTerm:
        return term
    if len(term) >= 2 and term[-1] in "sS" and term[-2] in "'\u2019\uff07":
        return term[:-2]
    return term


# -- stop ------------------------------------------------------------------------------------------
def _make_stop(name: str, definition: dict[str, Any]) -> FilterFn:
    if "stopwords_path" in definition:
        raise AnalysisConfigError(f"filter [{name}]: stopwords_path is not supported; list the words inline")
    words = definition.get("stopwords", "_english_")
    if isinstance(words, str):
        if words == "_english_":
            words = sorted(ENGLISH_STOP_WORDS)
        elif words == "_none_":
            words = []
        else:
            raise AnalysisConfigError(
                f"filter [{name}]: predefined stopword set {words!r} is not supported "
                "(only _english_ and _none_); list the words inline"
            )
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise AnalysisConfigError(f"filter [{name}]: stopwords must be a list of strings")
    if definition.get("remove_trailing", True) is not True:
        raise AnalysisConfigError(f"filter [{name}]: remove_trailing=false is not supported")
    ignore_case = bool(definition.get("ignore_case", False))
    if ignore_case:
        stop = frozenset(lowercase(w) for w in words)

        def stop_filter(term: str) -> str | None:
            return None if lowercase(term) in stop else term
    else:
        stop = frozenset(words)

        def stop_filter(term: str) -> str | None:
            return None if term in stop else term

    stop_filter.stopwords = stop  # type: ignore[attr-defined]
    return stop_filter


# -- stemmer_override: Lucene StemmerOverrideFilter ----------------------------------------------
def _make_stemmer_override(name: str, definition: dict[str, Any]) -> FilterFn:
    """``"form, form => term"`` rules: a listed form becomes ``term``, marked so no stemmer touches it.

    mappings/articles.json uses it to keep known names (الرياض, Riyadh) apart from words the light
    stemmer would join them with (الرياضة, sport)."""
    if "rules_path" in definition:
        raise AnalysisConfigError(f"filter [{name}]: rules_path is not supported; list the rules inline")
    rules = definition.get("rules")
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise AnalysisConfigError(f"filter [{name}]: rules must be a list of strings")
    table: dict[str, KeywordTerm] = {}
    for rule in rules:
        forms, arrow, target = rule.partition("=>")
        target = target.strip()
        if not arrow or not target:
            raise AnalysisConfigError(f"filter [{name}]: invalid rule {rule!r} (expected 'form, form => term')")
        for form in forms.split(","):
            form = form.strip()
            if form and form not in table:  # Lucene's builder keeps the first rule for a form
                table[form] = KeywordTerm(target)

    def stemmer_override(term: str) -> str:
        return table.get(term, term)

    stemmer_override.rules = table  # type: ignore[attr-defined]
    return stemmer_override


# -- pattern_replace -------------------------------------------------------------------------------
def _java_replacement(replacement: str, groups: int, name: str) -> Callable[[re.Match], str]:
    """A ``re.sub`` replacement function reading ``replacement`` as Java's ``Matcher.appendReplacement`` does:
    ``\\x`` is a literal x; ``$n`` the group n, with as many digits as still name a group (``$10`` is group 10
    only when there are ten groups, else group 1 then 0); any other ``$`` an error. Refused here, not at the
    first matching word: a group the pattern does not have."""
    parts: list[str | tuple[int]] = []  # literal text, or (a group's number,)
    text: list[str] = []
    i = 0
    while i < len(replacement):
        c = replacement[i]
        if c == "\\":
            if i + 1 >= len(replacement):
                raise AnalysisConfigError(f"filter [{name}]: replacement ends with a lone backslash")
            text.append(replacement[i + 1])
            i += 2
            continue
        if c != "$":
            text.append(c)
            i += 1
            continue
        if i + 1 < len(replacement) and replacement[i + 1] == "{":
            # (a named group is written (?<n>…) in Java and (?P<n>…) in Python: no pattern has one for both)
            raise AnalysisConfigError(f"filter [{name}]: named groups ('${{…}}') are not supported; use $1")
        elif i + 1 < len(replacement) and replacement[i + 1].isdigit() and replacement[i + 1].isascii():
            j = i + 2
            ref = int(replacement[i + 1])
            while j < len(replacement) and replacement[j].isascii() and replacement[j].isdigit() \
                    and ref * 10 + int(replacement[j]) <= groups:
                ref = ref * 10 + int(replacement[j])
                j += 1
            if ref > groups:
                raise AnalysisConfigError(f"filter [{name}]: replacement names group {ref}; the pattern has {groups}")
            i = j
        else:
            raise AnalysisConfigError(f"filter [{name}]: '$' in the replacement must name a group ($1); "
                                      "write \\$ for a dollar sign")
        parts.append("".join(text))
        text = []
        parts.append((ref,))
    parts.append("".join(text))

    def replace(m: re.Match) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p[0]) or "") for p in parts)

    return replace


def _setting_bool(value: Any, name: str, key: str) -> bool:
    """A boolean setting as Elasticsearch reads one: true/false, or the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise AnalysisConfigError(f"filter [{name}]: `{key}` must be true or false, not {value!r}")


#: Java's line terminators: its ``.`` matches none of them and its ``$`` matches before a final one.
_JAVA_LINE_END = "\\n\\r\\u0085\\u2028\\u2029"
#: Escapes that read the same in Java and in Python with re.ASCII (\\b is not one: Java 17's is Unicode).
_SAME_ESCAPES = set("dDsSwW") | set("\\.[](){}?*+|^$-/")


def _java_pattern(pattern: str, name: str) -> str:
    """``pattern`` as a Python pattern that matches what Java's matches, or :class:`AnalysisConfigError`.

    Only a grammar both read alike is taken: literals, classes without nesting or intersection, groups and
    ``(?:…)``, ``|``, greedy quantifiers, ``^`` and ``$``, and the escapes of :data:`_SAME_ESCAPES`. ``.`` and
    ``$`` are spelt out so that Java's line terminators count as they do in Java. Anything else (inline flags,
    lookarounds, back-references, lazy or possessive quantifiers, ``\\b``, ``\\p{…}``, a stray ``{``) is refused,
    as is a pattern that can match nothing at all (Java and Python step past an empty match differently)."""
    out: list[str] = []
    i, n = 0, len(pattern)

    def refuse(why: str) -> AnalysisConfigError:
        return AnalysisConfigError(f"filter [{name}]: pattern {pattern!r}: {why} (Java and Python read it "
                                   "differently; only plain patterns are supported)")

    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n or pattern[i + 1] not in _SAME_ESCAPES:
                raise refuse(f"escape {pattern[i:i + 2]!r}")
            out.append(pattern[i:i + 2])
            i += 2
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1  # a ] first in a class is literal in both
            while j < n and pattern[j] != "]":
                if pattern[j] == "[" or pattern[j:j + 2] == "&&":
                    raise refuse("a nested class or a class intersection")
                if pattern[j] == "\\":
                    if j + 1 >= n or pattern[j + 1] not in _SAME_ESCAPES:
                        raise refuse(f"escape {pattern[j:j + 2]!r} in a class")
                    j += 1
                j += 1
            if j >= n:
                raise refuse("an unclosed class")
            out.append(pattern[i:j + 1])
            i = j + 1
        elif c == "(":
            if pattern.startswith("(?:", i):
                out.append("(?:")
                i += 3
            elif i + 1 < n and pattern[i + 1] == "?":
                raise refuse("an inline flag, lookaround or named group")
            else:
                out.append("(")
                i += 1
        elif c == "{":
            m = re.match(r"\{[0-9]+(?:,[0-9]*)?\}", pattern[i:])
            if not m:
                raise refuse("a '{' that is no quantifier")
            out.append(m.group())
            i += len(m.group())
        elif c == ".":
            out.append(f"[^{_JAVA_LINE_END}]")
            i += 1
        elif c == "$":
            out.append(f"(?=(?:\\r\\n|[{_JAVA_LINE_END}])?\\Z)")
            i += 1
        else:
            out.append(c)
            i += 1
        if c in "?*+{" and i < n and pattern[i] in "?+":  # (a quantifier, then ? or +)
            raise refuse("a lazy or possessive quantifier")
    translated = "".join(out)
    try:
        compiled = re.compile(translated, re.ASCII)  # \d, \w, \s as Java reads them: ASCII only
    except re.error as exc:
        raise AnalysisConfigError(f"filter [{name}]: invalid pattern {pattern!r} ({exc})") from exc
    if compiled.search("") is not None:
        raise refuse("it can match nothing at all")
    return translated


def _make_pattern_replace(name: str, definition: dict[str, Any]) -> FilterFn:
    """Elasticsearch's ``pattern_replace`` token filter: the term with ``pattern`` replaced (every match, or
    the first with ``"all": false``), the replacement read as Java reads it (see :func:`_java_replacement`).

    Only patterns Java and Python read alike are taken (:func:`_java_pattern`); the shipped one and a set of
    replacements are checked against the nodes' own filter in the contract suite. A term keeps its keyword
    mark (Lucene's filter leaves the KeywordAttribute alone); a term the pattern empties stays, empty."""
    extra = set(definition) - {"type", "pattern", "replacement", "all"}
    if extra:
        raise AnalysisConfigError(f"filter [{name}]: options {sorted(extra)} are not supported")
    pattern, replacement = definition.get("pattern"), definition.get("replacement", "")
    if not isinstance(pattern, str) or not isinstance(replacement, str):
        raise AnalysisConfigError(f"filter [{name}]: `pattern` and `replacement` must be strings")
    compiled = re.compile(_java_pattern(pattern, name), re.ASCII)
    replace = _java_replacement(replacement, compiled.groups, name)
    count = 0 if _setting_bool(definition.get("all", True), name, "all") else 1

    def pattern_replace(term: str) -> str:
        out = compiled.sub(replace, term, count=count)
        return KeywordTerm(out) if term.__class__ is KeywordTerm else out

    return pattern_replace


def _porter_unless_keyword(term: str) -> str:
    return term if term.__class__ is KeywordTerm else porter_stem(term)


# -- registry --------------------------------------------------------------------------------------
_BUILTIN: dict[str, FilterFn] = {
    "lowercase": lowercase,
    "decimal_digit": decimal_digit,
    "arabic_normalization": arabic_normalize,
    "arabic_stem": arabic_stem,
    "porter_stem": _porter_unless_keyword,
}

# Elasticsearch "stemmer" filter: language (or name) -> function.
_STEMMER_LANGUAGES: dict[str, FilterFn] = {
    "possessive_english": english_possessive,
    "english": _porter_unless_keyword,
    "porter": _porter_unless_keyword,
    "arabic": arabic_stem,
}


def build_filter(name: str, custom: dict[str, Any]) -> FilterFn:
    """Resolve a filter name like Elasticsearch: a custom definition first, then a built-in name."""
    if name in custom:
        definition = custom[name]
        if not isinstance(definition, dict) or "type" not in definition:
            raise AnalysisConfigError(f"filter [{name}] must be an object with a `type`")
        ftype = definition["type"]
        if ftype == "stop":
            return _make_stop(name, definition)
        if ftype == "stemmer_override":
            return _make_stemmer_override(name, definition)
        if ftype == "pattern_replace":
            return _make_pattern_replace(name, definition)
        if ftype == "stemmer":
            language = definition.get("language", definition.get("name"))
            fn = _STEMMER_LANGUAGES.get(language) if isinstance(language, str) else None
            if fn is None:
                raise AnalysisConfigError(
                    f"filter [{name}]: stemmer language {language!r} is not supported "
                    f"(supported: {', '.join(sorted(_STEMMER_LANGUAGES))})"
                )
            return fn
        if ftype == "lowercase":
            if definition.get("language"):
                raise AnalysisConfigError(f"filter [{name}]: lowercase language variants are not supported")
            return lowercase
        if ftype in _BUILTIN:
            extra = set(definition) - {"type"}
            if extra:
                raise AnalysisConfigError(f"filter [{name}]: options {sorted(extra)} are not supported")
            return _BUILTIN[ftype]
        raise AnalysisConfigError(
            f"filter [{name}] has unknown type {ftype!r} "
            f"(supported: stop, stemmer, stemmer_override, pattern_replace, {', '.join(sorted(_BUILTIN))})"
        )
    if name == "stop":
        return _make_stop(name, {})
    fn = _BUILTIN.get(name)
    if fn is None:
        raise AnalysisConfigError(
            f"unknown token filter [{name}]: not defined in settings.analysis.filter and not a "
            f"supported built-in ({', '.join(sorted([*_BUILTIN, 'stop']))})"
        )
    return fn
