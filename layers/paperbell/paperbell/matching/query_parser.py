"""Query text -> syntax tree, with a precise error for every malformed query.

Why a hand-written lexer + recursive-descent parser: subscribers type these queries into a
mail or a form, so every mistake must come back as one :class:`QueryError` whose
``position`` points at the offending character (unclosed quote, dangling ``OR``, typo in a
field name ...). The grammar (see docs/query-syntax.md)::

    query   := and_expr EOF
    and_expr:= or_expr ( ["AND"] or_expr )*        # juxtaposition = AND
    or_expr := unary ( "OR" unary )*                # OR binds tighter than AND (Google-style)
    unary   := "-" unary | "NOT" unary | primary
    primary := FIELD ":" primary | "(" and_expr ")" | PHRASE | WORD | "upvotes:" CMP INT

Terms are normalized here (via :mod:`normalize`) so the tree holds comparison keys, not
raw text, and matching never re-normalizes a query.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
from dataclasses import dataclass
from typing import Literal, cast

from paperbell.errors import QueryError

from .normalize import is_hyphen, joinable, stem, word_parts

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "And",
    "Category",
    "Node",
    "Not",
    "Or",
    "Query",
    "Source",
    "Term",
    "Upvotes",
    "parse_query",
]

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 50
MIN_PREFIX_CHARS = 3
SOURCES = ("hf", "arxiv", "feed")
TEXT_FIELDS = ("title", "abstract", "author")
FIELDS = ("title", "abstract", "author", "category", "source", "upvotes")

TextField = Literal["text", "title", "abstract", "author"]


# ---------------------------------------------------------------------------------------
# Syntax tree
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or prefix searched in text fields.

    ``field`` is ``"text"`` (title or abstract), ``"title"``, ``"abstract"`` or
    ``"author"``. ``parts`` are plural-folded keys (one for a word, several for a phrase or
    a hyphenated word); ``compound`` is the key of all parts written as one word
    (``fine tuning`` -> ``finetuning``) so either spelling matches, or None where the words
    may not be written together (``"in form"``; see :func:`_compound`). For a prefix search
    ``parts`` is the single un-stemmed surface prefix.

    ``joins`` (single plain words only) are compound keys this word may also be found as:
    in the unquoted query ``fine tuning`` the word ``fine`` has ``joins=("finetuning",)``
    and so has ``tuning``, so the AND also matches a paper that only says "finetuning"
    (see ``_Parser.join_adjacent``). A term with joins matches when its word *or* any join
    key occurs, and highlights all of them — exactly like ``(fine OR finetuning)``.
    """

    field: TextField
    parts: tuple[str, ...]
    compound: str | None = None
    prefix: bool = False
    pos: int = dataclasses.field(default=0, compare=False)
    joins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Category:
    """``category:cs.LG`` — exact, case-insensitive match on one of paper.categories."""

    value: str
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Source:
    """``source:hf`` — paper.source equals the value."""

    value: str
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Upvotes:
    """``upvotes:>=N``; a paper without an upvote count never satisfies it."""

    op: str
    value: int
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """``-x`` / ``NOT x``: matches what ``child`` does not."""

    child: Node
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    """Every child must match (adjacent terms, or ``AND``)."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one child must match (``OR``)."""

    children: tuple[Node, ...]


Node = Term | Category | Source | Upvotes | Not | And | Or


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the original ``text`` and its syntax tree ``root``."""

    text: str
    root: Node

    def __str__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------------------

_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_UPVOTES_RE = re.compile(r"(>=|<=|>|<|=)(\d{1,9})")
_STOP = frozenset(' \t\r\n\f\v()"')


@dataclass(frozen=True, slots=True)
class _Tok:
    """One lexer token: its kind, its text and where it starts in the query."""

    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT NEG FIELD EOF
    text: str
    pos: int


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(q)
    attached = False  # the previous token (a FIELD or NEG) requires this one to touch it
    while i < n:
        ch = q[i]
        if ch.isspace():
            if attached:
                prev = toks[-1]
                what = f"field '{prev.text}:'" if prev.kind == "FIELD" else "'-'"
                raise QueryError(
                    f"{what} must be followed directly by a word, phrase or group (no space)",
                    i,
                    q,
                )
            i += 1
            continue
        attached = False
        if ch == "(":
            toks.append(_Tok("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            toks.append(_Tok("RPAREN", ch, i))
            i += 1
        elif ch == '"':
            end = q.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed quote: add the closing '\"'", i, q)
            toks.append(_Tok("PHRASE", q[i + 1 : end], i))
            i = end + 1
        elif ch == "-":
            toks.append(_Tok("NEG", ch, i))
            attached = True
            i += 1
        else:
            j = i
            while j < n and q[j] not in _STOP:
                j += 1
            word = q[i:j]
            m = _FIELD_RE.match(word)
            if word in ("AND", "OR", "NOT"):
                toks.append(_Tok(word, word, i))
                i = j
            elif m:
                toks.append(_Tok("FIELD", m.group(1), i))
                attached = True
                i += m.end()
            else:
                toks.append(_Tok("WORD", word, i))
                i = j
    if attached:
        prev = toks[-1]
        what = f"field '{prev.text}:'" if prev.kind == "FIELD" else "'-'"
        raise QueryError(f"{what} has nothing after it", n, q)
    toks.append(_Tok("EOF", "", n))
    return toks


# ---------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.q = text
        self.toks = _lex(text)
        self.i = 0
        self.leaves = 0
        self.positive = 0
        # id(Term) -> (that Term, its surface) for words that may join with a neighbour
        # (join_adjacent); the Term is kept so its id cannot be reused by another node.
        self.joinable: dict[int, tuple[Term, str]] = {}

    # -- helpers ------------------------------------------------------------------------
    def err(self, message: str, pos: int) -> QueryError:
        return QueryError(message, pos, self.q)

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def leaf(self, pos: int, negated: bool) -> None:
        self.leaves += 1
        if self.leaves > MAX_QUERY_TERMS:
            raise self.err(f"too many terms: at most {MAX_QUERY_TERMS} are allowed", pos)
        if not negated:
            self.positive += 1

    # -- grammar ------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.and_expr(None, False)
        if self.tok.kind == "RPAREN":
            raise self.err("unmatched ')': there is no '(' to close", self.tok.pos)
        if self.positive == 0:
            raise self.err(
                "the query only excludes things: add at least one word, phrase or filter "
                "that must appear",
                0,
            )
        return node

    def and_expr(self, fld: str | None, neg: bool) -> Node:
        children: list[Node] = []
        explicit: list[bool] = []  # children[i] was preceded by an explicit AND
        after_and = False
        while self.tok.kind not in ("EOF", "RPAREN"):
            t = self.tok
            if t.kind == "AND":
                nxt = self.toks[self.i + 1]
                if not children or nxt.kind in ("EOF", "RPAREN", "AND", "OR"):
                    raise self.err("dangling AND: it needs a term on both sides", t.pos)
                self.i += 1
                after_and = True
                continue
            if t.kind == "OR":
                raise self.err("dangling OR: it needs a term on both sides", t.pos)
            children.append(self.or_expr(fld, neg))
            explicit.append(after_and)
            after_and = False
        if len(children) == 1:
            return children[0]
        return And(self.join_adjacent(children, explicit))

    def join_adjacent(self, children: list[Node], explicit: list[bool]) -> tuple[Node, ...]:
        """Let adjacent plain words of an implicit AND also match as one compound word.

        Why: ``fine tuning`` must find a paper that only writes "finetuning" (the text side
        already turns "fine tuning" and "fine-tuning" into that compound). Two neighbouring
        children qualify when both are plain positive words (no quotes, hyphen, ``*`` or
        negation) of the same field, are juxtaposed (no explicit ``AND`` between them) and
        both are :func:`~.normalize.joinable` — the rule the text side uses for
        space-separated words, so ``in form`` never means ``inform`` and ``the rapist``
        never ``therapist``. Each word then gets the compound key(s) it forms with its
        left/right neighbour as ``joins``.
        """
        surfaces: list[str | None] = []
        for c in children:
            entry = self.joinable.get(id(c))
            surfaces.append(entry[1] if entry is not None and entry[0] is c else None)
        joins: list[list[str]] = [[] for _ in children]
        for i in range(len(children) - 1):
            a, b = surfaces[i], surfaces[i + 1]
            if a is None or b is None or explicit[i + 1]:
                continue
            left, right = children[i], children[i + 1]
            assert isinstance(left, Term) and isinstance(right, Term)
            if left.field != right.field:
                continue
            if not (joinable(a) and joinable(b)):
                continue
            key = stem(a + b)
            for j in (i, i + 1):
                if key not in joins[j]:
                    joins[j].append(key)
        out: list[Node] = []
        for c, js in zip(children, joins, strict=True):
            if js and isinstance(c, Term):
                c = dataclasses.replace(c, joins=tuple(js))
            out.append(c)
        return tuple(out)

    def or_expr(self, fld: str | None, neg: bool) -> Node:
        items = [self.unary(fld, neg)]
        while self.tok.kind == "OR":
            t = self.tok
            self.i += 1
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.err("dangling OR: it needs a term on both sides", t.pos)
            items.append(self.unary(fld, neg))
        if len(items) == 1:
            return items[0]
        return Or(tuple(items))

    def unary(self, fld: str | None, neg: bool) -> Node:
        t = self.tok
        if t.kind in ("NEG", "NOT"):
            self.i += 1
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.err(f"dangling {t.text}: say what to exclude after it", t.pos)
            return Not(self.unary(fld, not neg), t.pos)
        return self.primary(fld, neg)

    def primary(self, fld: str | None, neg: bool) -> Node:
        t = self.tok
        if t.kind == "FIELD":
            name = t.text.lower()
            if name not in FIELDS:
                close = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.6)
                hint = (
                    f" — did you mean '{close[0]}'?"
                    if close
                    else (f" — known fields: {', '.join(FIELDS)}")
                )
                raise self.err(f"unknown field '{t.text}'{hint}", t.pos)
            self.i += 1
            if name == "upvotes":
                return self.upvotes(t, neg)
            if self.tok.kind in ("NEG", "NOT"):
                raise self.err(
                    f"put the '{self.tok.text}' before the field, e.g. -{name}:word",
                    self.tok.pos,
                )
            return self.primary(name, neg)
        if t.kind == "LPAREN":
            self.i += 1
            if self.tok.kind == "RPAREN":
                raise self.err("empty group '()': put at least one term inside", t.pos)
            inner = self.and_expr(fld, neg)
            if self.tok.kind != "RPAREN":
                raise self.err("unclosed '(': add the matching ')'", t.pos)
            self.i += 1
            return inner
        if t.kind in ("WORD", "PHRASE"):
            self.i += 1
            node = self.term(fld, t, neg)
            self.leaf(t.pos, neg)
            return node
        if t.kind == "RPAREN":
            raise self.err("unmatched ')': there is no '(' to close", t.pos)
        if t.kind in ("OR", "AND"):
            raise self.err(f"dangling {t.kind}: it needs a term on both sides", t.pos)
        raise self.err("expected a word, phrase or group here", t.pos)  # pragma: no cover

    def upvotes(self, field_tok: _Tok, neg: bool) -> Node:
        t = self.tok
        m = _UPVOTES_RE.fullmatch(t.text) if t.kind == "WORD" else None
        if m is None:
            raise self.err(
                "bad upvotes filter: write upvotes:>=N (or >, <=, <, =) with a whole number N",
                t.pos,
            )
        self.i += 1
        self.leaf(field_tok.pos, neg)
        return Upvotes(m.group(1), int(m.group(2)), field_tok.pos)

    def term(self, fld: str | None, t: _Tok, neg: bool) -> Node:
        raw, pos = t.text, t.pos
        if fld == "category":
            value = raw.strip()
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-_]*", value):
                raise self.err("category: takes one exact category such as category:cs.LG", pos)
            return Category(value.lower(), pos)
        if fld == "source":
            value = raw.strip().lower()
            if value not in SOURCES:
                close = difflib.get_close_matches(value, SOURCES, n=1, cutoff=0.5)
                hint = f" — did you mean '{close[0]}'?" if close else ""
                raise self.err(
                    f"unknown source '{raw}'{hint} (expected one of {', '.join(SOURCES)})",
                    pos,
                )
            return Source(value, pos)
        tfield = cast(TextField, "text" if fld is None else fld)
        if t.kind == "WORD" and "*" in raw:
            star = raw.index("*")
            if star != len(raw) - 1:
                raise self.err("'*' is only allowed at the end of a word (prefix*)", pos + star)
            parts = word_parts(raw[:-1])
            if len(parts) != 1:
                raise self.err("a prefix search works on one plain word, e.g. transform*", pos)
            surface = parts[0][0]
            if len(surface) < MIN_PREFIX_CHARS:
                raise self.err(
                    f"prefix '{raw}' is too short: use at least {MIN_PREFIX_CHARS} characters "
                    "before '*'",
                    pos,
                )
            return Term(tfield, (surface,), None, True, pos)
        parts = word_parts(raw)
        if not parts:
            what = "phrase" if t.kind == "PHRASE" else f"'{raw}'"
            raise self.err(f"{what} has no searchable letters or digits", pos)
        keys = tuple(p[1] for p in parts)
        compound = _compound(raw, parts)
        node = Term(tfield, keys, compound, False, pos)
        if t.kind == "WORD" and len(parts) == 1 and not neg:
            self.joinable[id(node)] = (node, parts[0][0])
        return node


def _compound(raw: str, parts: list[tuple[str, str, int, int]]) -> str | None:
    """The one-word key of a multi-word term, if its words may be written together.

    Why the same rule as the text side (:mod:`.normalize`): a phrase may match its words
    written as one word only where the text side would join them too — across a hyphen
    always (``fine-tuning``, ``state-of-the-art``), across spaces only between
    :func:`~.normalize.joinable` words (``"fine tuning"`` yes; ``"in form"`` is not
    ``inform``, ``"the rapist"`` is not ``therapist``). Any other separator (``a/b``,
    ``a, b``) keeps the words apart.
    """
    if len(parts) < 2:
        return None
    for (s0, _, _, e0), (s1, _, b1, _) in itertools.pairwise(parts):
        gap = raw[e0:b1]
        if is_hyphen(gap):
            continue
        if not (gap.isspace() and joinable(s0) and joinable(s1)):
            return None
    return stem("".join(p[0] for p in parts))


def parse_query(text: str) -> Query:
    """Parse ``text`` into a :class:`Query`; raise :class:`QueryError` if it is malformed."""
    if not isinstance(text, str):
        raise QueryError("a query must be a string", None, None)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query too long: {len(text)} characters, at most {MAX_QUERY_CHARS} are allowed",
            MAX_QUERY_CHARS,
            text,
        )
    if not text.strip():
        raise QueryError("empty query: type at least one word", 0, text)
    return Query(text, _Parser(text).parse())
