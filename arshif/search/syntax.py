"""The one simple query syntax users and scripts type, parsed into data.

Syntax (documented in the README and the API docs)::

    word word          every word must match (stemmed, diacritics ignored)
    "exact phrase"     the words in this order, unstemmed
    -word  -"phrase"   leave out articles that match
    a OR b             either side may match (binds tighter than the implicit AND)
    ( … )              grouping
    field:value        filter on source, author, lang, tag, site, person, place, org or id (the record's own id;
                       value may be "quoted")

User text never reaches an engine's own query-string parser: each engine
compiles the tree below into its query DSL. Malformed input raises
:class:`QuerySyntaxError` saying what is wrong and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arshif.fields import FILTER_NAMES

#: Every name a filter field goes by in ``field:value`` → its canonical name (from the field table).
FIELD_ALIASES = {name: field.name for name, field in FILTER_NAMES.items()}
MAX_CLAUSES = 64


class QuerySyntaxError(ValueError):
    """A query the simple syntax cannot read; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        where = f" (at character {position + 1})" if position is not None else ""
        super().__init__(message + where)


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Free words: each must match (analysed with the search analyzer)."""
    text: str


@dataclass(frozen=True)
class Phrase:
    """An exact phrase: unstemmed words in order."""
    text: str


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class BestMatch:
    """Free words of which as many, and as informative, as possible should match; at least one must.

    The parser never makes this node: the query planner (:func:`arshif.engines.base.relax`) turns
    a plain multi-word query into it when too few articles contain every word, so a question typed
    in full still finds the articles that answer it. Engines rank it by how many of the words an
    article contains and how rare they are (BM25 summed over the words). In a translated
    alternative the children are its parts: a word, a phrase, or the OR of one word's forms.
    """
    children: tuple[Node, ...]


Node = Words | Phrase | Not | And | Or | BestMatch


@dataclass
class ParsedQuery:
    """A parsed query: the text part (or None for 'everything') and the field filters."""

    text: Node | None
    filters: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)


# --- the lexer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE FIELD MINUS LPAREN RPAREN OR
    value: str
    pos: int
    field: str = ""


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace() or (not c.isprintable()):
            i += 1
            continue
        if c in "\"“”«»":
            j = _closing_quote(q, i)
            toks.append(_Tok("PHRASE", q[i + 1:j], i))
            i = j + 1
            continue
        if c == "(":
            toks.append(_Tok("LPAREN", c, i)); i += 1; continue
        if c == ")":
            toks.append(_Tok("RPAREN", c, i)); i += 1; continue
        if c == "-" and (i + 1 < n and not q[i + 1].isspace()) and (i == 0 or q[i - 1].isspace() or q[i - 1] == "("):
            toks.append(_Tok("MINUS", c, i)); i += 1; continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in "()\"“”«»":
            j += 1
        word = q[i:j]
        name, sep, value = word.partition(":")
        if sep and name.lower() in FIELD_ALIASES:
            fname = FIELD_ALIASES[name.lower()]
            if not value and j < n and q[j] in "\"“”«»":
                k = _closing_quote(q, j)
                value, j = q[j + 1:k], k + 1
            if not value.strip():
                raise QuerySyntaxError(f"'{name}:' needs a value, e.g. {name}:something", i)
            toks.append(_Tok("FIELD", value.strip(), i, fname))
        elif word == "OR":
            toks.append(_Tok("OR", word, i))
        else:
            toks.append(_Tok("WORD", word, i))
        i = j
    return toks


def _closing_quote(q: str, start: int) -> int:
    opener = q[start]
    closers = {"\"": "\"", "“": "”", "”": "”", "«": "»", "»": "»"}[opener]
    j = q.find(closers, start + 1)
    if j < 0 and closers != "\"":
        j = q.find("\"", start + 1)
    if j < 0:
        raise QuerySyntaxError("unclosed quote: add the closing \" or remove the opening one", start)
    return j


# --- the parser -----------------------------------------------------------------------------


class _Parser:
    def __init__(self, q: str):
        self.q = q
        self.toks = _lex(q)
        self.i = 0
        self.filters: dict[str, list[str]] = {}
        self.excluded: dict[str, list[str]] = {}
        self.clauses = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> ParsedQuery:
        node = self.parse_and(top=True)
        if self.peek() is not None:
            tok = self.peek()
            raise QuerySyntaxError("unbalanced ')': there is no '(' before it", tok.pos)
        return ParsedQuery(node, self.filters, self.excluded)

    def parse_and(self, top: bool = False) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind != "RPAREN":
            if tok.kind == "OR":
                raise QuerySyntaxError("'OR' needs something on both sides", tok.pos)
            node = self.parse_or(top)
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_or(self, top: bool) -> Node | None:
        first_tok = self.peek()
        left = self.parse_unary(top)
        alternatives = [left]
        field_alts: list[_Tok] = [first_tok] if first_tok.kind == "FIELD" else []
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "RPAREN"):
                raise QuerySyntaxError("'OR' needs something on both sides", tok.pos)
            if nxt.kind == "FIELD":
                field_alts.append(nxt)
            alternatives.append(self.parse_unary(top))
        if len(alternatives) == 1:
            return left
        if field_alts:
            # 'source:a OR source:b' is a multi-select filter; mixing fields with text under OR is not supported.
            if len(field_alts) != len(alternatives) or len({t.field for t in field_alts}) != 1 or not top:
                raise QuerySyntaxError(
                    "field filters can only be OR-ed with the same field (source:a OR source:b)", field_alts[0].pos)
            return None
        if any(a is None for a in alternatives):
            raise QuerySyntaxError("'OR' needs a search term on both sides", first_tok.pos)
        return Or(tuple(alternatives))  # type: ignore[arg-type]

    def parse_unary(self, top: bool) -> Node | None:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("the query ends too early", len(self.q))
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QuerySyntaxError(f"too many terms: at most {MAX_CLAUSES} words, phrases and filters", tok.pos)
        if tok.kind == "MINUS":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "RPAREN", "MINUS"):
                raise QuerySyntaxError("'-' must be followed by the word or phrase to leave out", tok.pos)
            if nxt.kind == "FIELD":
                self.i += 1
                self._field(nxt, self.excluded, top)
                return None
            child = self.parse_unary(top)
            return Not(child) if child is not None else None
        self.i += 1
        if tok.kind == "WORD":
            return Words(tok.value)
        if tok.kind == "PHRASE":
            return Phrase(tok.value) if tok.value.strip() else None
        if tok.kind == "FIELD":
            self._field(tok, self.filters, top)
            # Later 'OR field:…' alternatives of the same field are collected here too.
            while (o := self.peek()) is not None and o.kind == "OR" and self.i + 1 < len(self.toks) \
                    and self.toks[self.i + 1].kind == "FIELD" and self.toks[self.i + 1].field == tok.field:
                self.i += 2
                self._field(self.toks[self.i - 1], self.filters, top)
            return None
        if tok.kind == "LPAREN":
            inner = self.parse_and()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QuerySyntaxError("unbalanced '(': add the closing ')'", tok.pos)
            self.i += 1
            return inner
        if tok.kind == "RPAREN":
            raise QuerySyntaxError("unbalanced ')': there is no '(' before it", tok.pos)
        raise QuerySyntaxError(f"unexpected '{tok.value}'", tok.pos)  # pragma: no cover - lexer makes no other kinds

    def _field(self, tok: _Tok, into: dict[str, list[str]], top: bool) -> None:
        if not top:
            raise QuerySyntaxError(f"'{tok.field}:' filters cannot stand inside parentheses", tok.pos)
        into.setdefault(tok.field, [])
        if tok.value not in into[tok.field]:
            into[tok.field].append(tok.value)


def parse_query(q: str) -> ParsedQuery:
    """Parse ``q``; an empty or blank query means 'every article'."""
    return _Parser(q or "").parse()
