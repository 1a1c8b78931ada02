"""Which index terms must a paper contain for a query to have a chance of matching?

Why (Lucene Monitor's QueryAnalyzer / TermFilteredPresearcher): instead of running every
stored query against every paper, each query is filed under a few *index terms* such that
**if the query matches a paper, the paper contains at least one of them**. A paper then
only needs checking against queries filed under its own terms.

Rules (``cost`` = estimated document frequency, lower is better):

* a word -> its key; a phrase/hyphenated word -> the rarest adjacent word pair as a
  *bigram term* ``"a b"`` plus its compound key if it has one (``fine tuning`` ->
  ``finetuning``; ``"in form"`` has none); a word
  with ``joins`` (unquoted ``fine tuning``) -> its key plus its join keys;
* ``prefix*`` -> ``*`` + the prefix, cut to :data:`PREFIX_MAX` characters (the paper emits
  ``*`` + every beginning of 3..PREFIX_MAX characters of each of its words and compounds);
* ``author:`` terms get an ``@`` namespace, ``category:cs.LG`` -> ``#cs.lg``,
  ``source:hf`` -> ``!hf``;
* AND -> the terms of its cheapest indexable child (one rare term is enough);
* OR -> the union of its children's terms (every branch must be covered);
* NOT and ``upvotes:`` filters -> nothing; an OR with such a branch, or an AND made only of
  them, cannot be indexed and goes to the "always check" list.

A query is *exact* when finding one of its index terms in a paper already proves the
match (a single word, a two-word phrase, a prefix of at most PREFIX_MAX letters,
``author:``/``category:``/``source:`` alone, or an OR of those): the presearcher then
skips verification and computes highlights from the term alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .query_parser import And, Category, Node, Not, Or, Source, Term, Upvotes
from .word_frequencies import builtin_df

__all__ = ["IndexPlan", "analyze", "builtin_df"]

AUTHOR_NS = "@"
CATEGORY_NS = "#"
SOURCE_NS = "!"
PREFIX_NS = "*"
#: A paper is indexed under every beginning of 3..PREFIX_MAX letters of each of its words
#: (and compounds); a ``prefix*`` query under its prefix cut to that length.
PREFIX_MIN = 3
PREFIX_MAX = 8
# Document-frequency guesses for terms the text table cannot know.
PREFIX_COST = 0.5
CATEGORY_COST = 0.3
SOURCE_COST = 0.6
AUTHOR_COST = 0.001


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """``terms`` to file the query under (None: always check it); ``exact``: see module."""

    terms: tuple[str, ...] | None
    exact: bool


def _term_terms(term: Term, df: Mapping[str, float]) -> tuple[frozenset[str], float]:
    ns = AUTHOR_NS if term.field == "author" else ""
    if term.prefix:
        return frozenset({ns + PREFIX_NS + term.parts[0][:PREFIX_MAX]}), PREFIX_COST
    parts = term.parts
    if len(parts) == 1:
        if term.joins:  # the word or any compound it forms with a neighbour
            keys = (parts[0], *term.joins)
            cost = AUTHOR_COST * len(keys) if ns else sum(df.get(k, 0.0) for k in keys)
            return frozenset(ns + k for k in keys), cost
        cost = AUTHOR_COST if ns else df.get(parts[0], 0.0)
        return frozenset({ns + parts[0]}), cost
    best_i, best_cost = 0, 2.0
    for i in range(len(parts) - 1):
        c = min(df.get(parts[i], 0.0), df.get(parts[i + 1], 0.0))
        if c < best_cost:
            best_i, best_cost = i, c
    bigram = f"{ns}{parts[best_i]} {parts[best_i + 1]}"
    if term.compound is None:  # words that may not be written as one (see query_parser)
        return frozenset({bigram}), best_cost
    cost = best_cost + (AUTHOR_COST if ns else df.get(term.compound, 0.0))
    return frozenset({bigram, ns + term.compound}), cost


def _terms(node: Node, df: Mapping[str, float]) -> tuple[frozenset[str], float] | None:
    if isinstance(node, Term):
        return _term_terms(node, df)
    if isinstance(node, Category):
        return frozenset({CATEGORY_NS + node.value}), CATEGORY_COST
    if isinstance(node, Source):
        return frozenset({SOURCE_NS + node.value}), SOURCE_COST
    if isinstance(node, Not | Upvotes):
        return None
    if isinstance(node, And):
        best: tuple[frozenset[str], float] | None = None
        for c in node.children:
            r = _terms(c, df)
            if r is not None and (best is None or r[1] < best[1]):
                best = r
        return best
    if isinstance(node, Or):
        union: set[str] = set()
        total = 0.0
        for c in node.children:
            r = _terms(c, df)
            if r is None:
                return None
            union |= r[0]
            total += r[1]
        return frozenset(union), total
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def _is_exact(node: Node) -> bool:
    if isinstance(node, Term):
        if node.field not in ("text", "author"):
            return False
        if node.prefix:
            return len(node.parts[0]) <= PREFIX_MAX
        return len(node.parts) <= 2
    if isinstance(node, Category | Source):
        return True
    if isinstance(node, Or):
        return all(_is_exact(c) for c in node.children)
    return False


def analyze(root: Node, df: Mapping[str, float] | None = None) -> IndexPlan:
    """The :class:`IndexPlan` of a parsed query tree (``df`` defaults to :func:`builtin_df`)."""
    r = _terms(root, builtin_df() if df is None else df)
    if r is None:
        return IndexPlan(None, False)
    return IndexPlan(tuple(sorted(r[0])), _is_exact(root))
