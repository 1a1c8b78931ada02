"""Compile a query tree into a fast yes/no check for candidate verification.

Why: the presearcher already has the set of index terms a paper contains
(:func:`presearcher.paper_terms`: every title/abstract word key and compound key, every
adjacent word pair ``"a b"``, ``@``-author keys, ``#``-categories, ``!``-source). Most query
terms can therefore be decided by set membership alone — no span lists, no tree walk, no
hashing of :class:`Term` objects — and highlights (which do need spans) are computed only
when someone reads them (:class:`matcher.QueryHit`). A compiled check must give exactly
the answer of :func:`matcher.evaluate` being non-None; the property tests hold it to that.

Membership shortcuts (everything else falls back to ``ap.term(node)``, which is exact and
cached per paper):

* a word (title or abstract) with its ``joins``: any of its keys is in the term set;
* a ``prefix*`` of at most PREFIX_MAX letters (text or ``author:``): ``*`` + the prefix;
* an ``author:`` word: ``@`` + any of its keys;
* a two-word phrase (text or ``author:``): its bigram ``"a b"`` or its compound key (if
  it has one);
* a ``title:`` / ``abstract:`` word: any of its keys among that field's word and
  compound keys (:meth:`AnalyzedPaper.field_keys`, built once per paper);
* ``category:`` / ``source:``: their namespaced term; ``upvotes:`` compares the number;
* any other ``prefix*`` (longer than PREFIX_MAX, or ``title:``/``abstract:``): bisection
  in the field's sorted words (:meth:`AnalyzedPaper.has_prefix`).

Two-word ANDs and ORs of such terms become a single function over a tuple of key groups.
"""

from __future__ import annotations

from collections.abc import Callable

from .matcher import _OPS, AnalyzedPaper
from .query_analyzer import AUTHOR_NS, CATEGORY_NS, PREFIX_MAX, PREFIX_NS, SOURCE_NS
from .query_parser import And, Category, Node, Not, Or, Source, Term, Upvotes

__all__ = ["Check", "check_from_spec", "check_spec", "compile_check"]

#: ``check(paper_terms, analyzed_paper) -> matched?``
Check = Callable[[set[str], AnalyzedPaper], bool]



def _keys(node: Node) -> tuple[str, ...] | None:
    """The index terms whose presence is equivalent to ``node`` matching, if there are."""
    if isinstance(node, Term):
        if node.field not in ("text", "author"):
            return None
        ns = AUTHOR_NS if node.field == "author" else ""
        parts = node.parts
        if node.prefix:
            return (ns + PREFIX_NS + parts[0],) if len(parts[0]) <= PREFIX_MAX else None
        if len(parts) == 1:
            return (ns + parts[0], *(ns + j for j in node.joins))
        if len(parts) == 2:
            bigram = f"{ns}{parts[0]} {parts[1]}"
            return (bigram,) if node.compound is None else (bigram, ns + node.compound)
        return None
    if isinstance(node, Category):
        return (CATEGORY_NS + node.value,)
    if isinstance(node, Source):
        return (SOURCE_NS + node.value,)
    return None


def _any(keys: tuple[str, ...]) -> Check:
    if len(keys) == 1:
        (k,) = keys

        def one(terms: set[str], ap: AnalyzedPaper) -> bool:
            return k in terms

        return one

    def some(terms: set[str], ap: AnalyzedPaper) -> bool:
        return not terms.isdisjoint(keys)

    return some


def _all_groups(groups: tuple[tuple[str, ...], ...]) -> Check:
    if len(groups) == 2:  # the common two-word AND
        g0, g1 = groups

        def pair(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not terms.isdisjoint(g0) and not terms.isdisjoint(g1)

        return pair

    def every(terms: set[str], ap: AnalyzedPaper) -> bool:
        return all(not terms.isdisjoint(g) for g in groups)

    return every


def compile_check(node: Node) -> Check:
    """A function equivalent to "``node`` matches the paper" (see module docstring)."""
    keys = _keys(node)
    if keys is not None:
        return _any(keys)
    if (
        isinstance(node, Term)
        and node.field in ("title", "abstract")
        and not node.prefix
        and len(node.parts) == 1
    ):
        words = (node.parts[0], *node.joins)
        which = 0 if node.field == "title" else 1

        def field_word(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not ap.field_keys()[which].isdisjoint(words)

        return field_word
    if isinstance(node, Term) and node.prefix:
        field, prefix = node.field, node.parts[0]

        def prefix_check(terms: set[str], ap: AnalyzedPaper) -> bool:
            return ap.has_prefix(field, prefix)

        return prefix_check
    if isinstance(node, Term):

        def term(terms: set[str], ap: AnalyzedPaper) -> bool:
            return ap.term(node)[0]

        return term
    if isinstance(node, Upvotes):
        op, value = _OPS[node.op], node.value

        def upvotes(terms: set[str], ap: AnalyzedPaper) -> bool:
            up = ap.upvotes
            return up is not None and op(up, value)

        return upvotes
    if isinstance(node, Not):
        inner = compile_check(node.child)

        def negate(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not inner(terms, ap)

        return negate
    if isinstance(node, And):
        groups = [_keys(c) for c in node.children]
        if all(g is not None for g in groups):
            return _all_groups(tuple(g for g in groups if g is not None))
        # membership checks first: cheap, and usually the ones that fail
        order = sorted(node.children, key=lambda c: _keys(c) is None)
        checks = tuple(compile_check(c) for c in order)
        if len(checks) == 2:
            first, second = checks

            def both(terms: set[str], ap: AnalyzedPaper) -> bool:
                return first(terms, ap) and second(terms, ap)

            return both

        def conj(terms: set[str], ap: AnalyzedPaper) -> bool:
            return all(c(terms, ap) for c in checks)

        return conj
    if isinstance(node, Or):
        groups = [_keys(c) for c in node.children]
        if all(g is not None for g in groups):
            return _any(tuple(k for g in groups if g is not None for k in g))
        order = sorted(node.children, key=lambda c: _keys(c) is None)
        alts = tuple(compile_check(c) for c in order)

        def disj(terms: set[str], ap: AnalyzedPaper) -> bool:
            return any(c(terms, ap) for c in alts)

        return disj
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Check specs: a compiled check written down, so a loaded index needs no parser for it
# ---------------------------------------------------------------------------------------

_GROUP_SEP, _ALT_SEP, _NEGATED = "\x1e", "\x1f", "\x1d"


def _spec_groups(node: Node) -> list[tuple[bool, tuple[str, ...]]] | None:
    keys = _keys(node)
    if keys is not None:
        return [(False, keys)]
    if isinstance(node, Or):
        alts = [_keys(c) for c in node.children]
        if all(a is not None for a in alts):
            return [(False, tuple(k for a in alts if a is not None for k in a))]
        return None
    if isinstance(node, Not):
        inner = _keys(node.child)
        return None if inner is None else [(True, inner)]
    if isinstance(node, And):
        out: list[tuple[bool, tuple[str, ...]]] = []
        for c in node.children:
            sub = _spec_groups(c)
            if sub is None:
                return None
            out += sub
        return out
    return None


def check_spec(node: Node) -> str:
    """The query as an AND of (possibly negated) groups of index terms, as one string.

    Why: a loaded index verifies a candidate by parsing and compiling its text on first
    sight (~0.1 ms each), and a day's papers meet tens of thousands of distinct candidates
    at 100k+ stored queries. Most queries (two-word ANDs, ``a -b``, ORs of words) are such
    a conjunction of membership tests, so the index stores this string at build time and
    :func:`check_from_spec` turns it into the same check with two ``str.split`` calls.
    "" when the query needs the full evaluator (fields, prefixes over 8 letters, upvotes,
    nested NOTs, 3+-word phrases).
    """
    groups = _spec_groups(node)
    if groups is None:
        return ""
    return _GROUP_SEP.join((_NEGATED if neg else "") + _ALT_SEP.join(keys) for neg, keys in groups)


def check_from_spec(spec: str) -> Check:
    """The check written by :func:`check_spec` (equal to ``compile_check`` of the query)."""
    positive: list[tuple[str, ...]] = []
    negative: list[tuple[str, ...]] = []
    for group in spec.split(_GROUP_SEP):
        if group.startswith(_NEGATED):
            negative.append(tuple(group[1:].split(_ALT_SEP)))
        else:
            positive.append(tuple(group.split(_ALT_SEP)))
    pos = tuple(positive)
    if not negative:
        return _any(pos[0]) if len(pos) == 1 else _all_groups(pos)
    neg = tuple(negative)

    def with_not(terms: set[str], ap: AnalyzedPaper) -> bool:
        return all(not terms.isdisjoint(g) for g in pos) and all(terms.isdisjoint(g) for g in neg)

    return with_not
