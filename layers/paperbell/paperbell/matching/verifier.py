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
from .query_parser import (
    And,
    Category,
    Node,
    Not,
    Or,
    Source,
    Term,
    Upvotes,
    parse_query,
)

__all__ = [
    "ABSTRACT_KEY",
    "TITLE_KEY",
    "UPVOTES_KEY",
    "Check",
    "atom_keys",
    "cached_check",
    "check_from_spec",
    "check_spec",
    "compile_check",
    "fallback_spec",
    "membership_groups",
    "spec_keys",
    "tree_keys",
    "upvotes_holds",
]

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

_GROUP_SEP, _ALT_SEP, _NEGATED, _ATOM = "\x1e", "\x1f", "\x1d", "\x1c"
#: Atom kinds after ``_ATOM`` (a group without it is a set of index terms, any of which
#: must be present): words of one field, a prefix, a phrase, an upvotes filter, and the
#: whole query text (parsed and compiled on first use: the fallback).
_TITLE_WORDS, _ABSTRACT_WORDS, _PREFIX, _PHRASE, _UPVOTES, _QUERY = "TAPFUQ"
_FIELD_WORD_KIND = {"title": _TITLE_WORDS, "abstract": _ABSTRACT_WORDS}


def _atom(node: Node) -> str | None:
    """One non-negated group of a spec for ``node``, if it has one (see :func:`check_spec`)."""
    keys = _keys(node)
    if keys is not None:
        return _ALT_SEP.join(keys)
    if isinstance(node, Term):
        if node.prefix:
            return f"{_ATOM}{_PREFIX}{node.field}{_ALT_SEP}{node.parts[0]}"
        kind = _FIELD_WORD_KIND.get(node.field)
        if kind is not None and len(node.parts) == 1:
            return _ATOM + kind + _ALT_SEP.join((node.parts[0], *node.joins))
        if node.joins:  # pragma: no cover - joins exist on single plain words only
            return None
        fields = (node.field, node.compound or "", *node.parts)
        return _ATOM + _PHRASE + _ALT_SEP.join(fields)
    if isinstance(node, Upvotes):
        return f"{_ATOM}{_UPVOTES}{node.op}{_ALT_SEP}{node.value}"
    if isinstance(node, Or):
        alts = [_keys(c) for c in node.children]
        if all(a is not None for a in alts):
            return _ALT_SEP.join(k for a in alts if a is not None for k in a)
        words = [_atom(c) or "" for c in node.children]
        heads = {w[:2] for w in words}
        head = heads.pop() if len(heads) == 1 else ""
        if head in (_ATOM + _TITLE_WORDS, _ATOM + _ABSTRACT_WORDS):
            return head + _ALT_SEP.join(w[2:] for w in words)  # title:(a OR b): any word
    return None


def _spec_groups(node: Node) -> list[tuple[bool, str]] | None:
    atom = _atom(node)
    if atom is not None:
        return [(False, atom)]
    if isinstance(node, Not):
        inner = _atom(node.child)
        return None if inner is None else [(True, inner)]
    if isinstance(node, And):
        out: list[tuple[bool, str]] = []
        for c in node.children:
            sub = _spec_groups(c)
            if sub is None:
                return None
            out += sub
        return out
    return None


def check_spec(node: Node) -> str:
    """The query as an AND of (possibly negated) groups, as one string.

    Why: a loaded index verifies a candidate by compiling its check on first sight, and
    a day's papers meet hundreds of thousands of distinct candidates at 1M stored
    queries; parsing a query costs ~0.1 ms, splitting this string a few µs. A group is
    either a set of index terms (any present) or an *atom* that needs the analyzed
    paper: ``title:``/``abstract:`` words, a ``prefix*`` the term set cannot decide, a
    phrase of 3+ words or in one field, an ``upvotes:`` filter. Queries whose spec is
    equal share one check (the index groups them). "" when the query needs the full
    evaluator (an OR mixing such atoms, a NOT of a group, nested NOTs): see
    :func:`fallback_spec`.
    """
    groups = _spec_groups(node)
    if groups is None:
        return ""
    return _GROUP_SEP.join((_NEGATED if neg else "") + atom for neg, atom in groups)


def fallback_spec(query_text: str) -> str:
    """The spec of a query that :func:`check_spec` cannot write: its text, parsed and
    compiled when first needed (equal texts still share one check)."""
    return _ATOM + _QUERY + query_text


def spec_keys(spec: str) -> list[str]:
    """Every index term a spec's membership groups test, and every key its atoms look up
    in a field's keys (``title:``/``abstract:`` words, a phrase's compound): the index
    must let papers emit them (see ``MatchIndex``'s vocabulary: papers make only the
    glued compounds it holds, and :meth:`AnalyzedPaper.field_keys` holds the same)."""
    out: list[str] = []
    for group in spec.split(_GROUP_SEP):
        group = group.removeprefix(_NEGATED)
        if not group.startswith(_ATOM):
            out += group.split(_ALT_SEP)
        elif group[1] in (_TITLE_WORDS, _ABSTRACT_WORDS):
            out += group[2:].split(_ALT_SEP)
        elif group[1] == _PHRASE:
            out.append(group[2:].split(_ALT_SEP)[1])  # field, compound ("" if none), parts
    return out


def tree_keys(node: Node) -> list[str]:
    """Every index term a compiled check of ``node`` may test by membership, and every key
    it may look up in a field's keys (see :func:`spec_keys`)."""
    if isinstance(node, And | Or):
        return [k for c in node.children for k in tree_keys(c)]
    if isinstance(node, Not):
        return tree_keys(node.child)
    if isinstance(node, Term) and node.field in _FIELD_WORD_KIND and len(node.parts) == 1:
        return [node.parts[0], *node.joins]  # a field_word check (or a prefix: harmless)
    return list(_keys(node) or ())


def _atom_check(atom: str) -> Check:
    if not atom.startswith(_ATOM):
        return _any(tuple(atom.split(_ALT_SEP)))
    kind, payload = atom[1], atom[2:]
    if kind == _QUERY:
        return compile_check(parse_query(payload).root)
    values = payload.split(_ALT_SEP)
    if kind in (_TITLE_WORDS, _ABSTRACT_WORDS):
        which, words = (0 if kind == _TITLE_WORDS else 1), tuple(values)

        def field_word(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not ap.field_keys()[which].isdisjoint(words)

        return field_word
    if kind == _PREFIX:
        field, prefix = values

        def prefix_check(terms: set[str], ap: AnalyzedPaper) -> bool:
            return ap.has_prefix(field, prefix)

        return prefix_check
    if kind == _PHRASE:
        field, compound, *parts = values
        joined = compound or None

        def phrase(terms: set[str], ap: AnalyzedPaper) -> bool:
            return ap.has_phrase(field, parts, joined)

        return phrase
    if kind == _UPVOTES:
        op, value = _OPS[values[0]], int(values[1])

        def upvotes(terms: set[str], ap: AnalyzedPaper) -> bool:
            up = ap.upvotes
            return up is not None and op(up, value)

        return upvotes
    raise ValueError(f"unknown check atom {kind!r}")


def membership_groups(
    spec: str, *, field_atoms: bool = False
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]] | None:
    """``(positive, negative)`` groups of index terms if the spec has no atoms (a term of
    each positive group present, none of any negative group); else None. The
    presearcher decides these by set operations instead of calling their checks
    (``MatchIndex``'s term plans, written at build time).

    With ``field_atoms``, ``title:``/``abstract:`` word atoms and ``upvotes:`` atoms are
    groups too, of *atom keys* (:func:`atom_keys`: the presearcher adds those a paper
    shows to its terms); other atoms still give None."""
    positive: list[tuple[str, ...]] = []
    negative: list[tuple[str, ...]] = []
    for group in spec.split(_GROUP_SEP):
        neg = group.startswith(_NEGATED)
        if neg:
            group = group[1:]
        if group.startswith(_ATOM):
            if not field_atoms or group[1:2] not in _KEYED_ATOMS:
                return None
            keys = atom_keys(group)
        else:
            keys = tuple(group.split(_ALT_SEP))
        (negative if neg else positive).append(keys)
    return positive, negative


#: atoms that :func:`membership_groups` turns into groups of atom keys
_KEYED_ATOMS = (_TITLE_WORDS, _ABSTRACT_WORDS, _UPVOTES)
#: the atom keys of ``title:`` / ``abstract:`` words start with these (and an
#: ``upvotes:`` atom, its own key, with UPVOTES_KEY)
TITLE_KEY, ABSTRACT_KEY = _ATOM + _TITLE_WORDS, _ATOM + _ABSTRACT_WORDS
UPVOTES_KEY = _ATOM + _UPVOTES


def atom_keys(atom: str) -> tuple[str, ...]:
    """The atom keys of a ``title:``/``abstract:`` words atom (one per word: the field
    prefix and the word) or of an ``upvotes:`` atom (the atom itself)."""
    if atom[1] == _UPVOTES:
        return (atom,)
    head = atom[:2]
    return tuple(map(head.__add__, atom[2:].split(_ALT_SEP)))


def upvotes_holds(atom: str, upvotes: int | None) -> bool:
    """Whether a paper with ``upvotes`` passes an ``upvotes:`` atom."""
    op, value = atom[2:].split(_ALT_SEP)
    return upvotes is not None and _OPS[op](upvotes, int(value))


def _two_groups(spec: str) -> Check | None:
    """The check of a two-group spec, ``a b`` or ``a -b``, made with as few
    steps as possible (a loaded index compiles one per distinct candidate). None for any
    other spec."""
    groups = membership_groups(spec)
    if groups is None or len(groups[0]) + len(groups[1]) != 2 or not groups[0]:
        return None
    if groups[1]:
        (g0,), (g1,), neg = groups[0], groups[1], True
    else:
        (g0, g1), neg = groups[0], False
    if neg:
        if len(g0) == 1 and len(g1) == 1:
            (k0,), (k1,) = g0, g1

            def word_not_word(terms: set[str], ap: AnalyzedPaper) -> bool:
                return k0 in terms and k1 not in terms

            return word_not_word

        def any_not_any(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not terms.isdisjoint(g0) and terms.isdisjoint(g1)

        return any_not_any
    if len(g0) == 1 and len(g1) == 1:
        (k0,), (k1,) = g0, g1

        def word_and_word(terms: set[str], ap: AnalyzedPaper) -> bool:
            return k0 in terms and k1 in terms

        return word_and_word
    return _all_groups((g0, g1))


#: spec -> compiled check, for the whole process (see :func:`cached_check`)
_CHECKS: dict[str, Check] = {}
_CHECKS_MAX = 500_000


def cached_check(spec: str) -> Check:
    """:func:`check_from_spec`, compiled once per process and spec.

    Why: a check depends on its spec alone, and a container that reloads the index after
    the stored queries changed meets mostly the same specs again; compiling them is the
    largest cost of a freshly loaded index at a million stored queries (like parsing is
    for a search engine, which is why a search engine keeps its parsed queries).
    """
    check = _CHECKS.get(spec)
    if check is None:
        if len(_CHECKS) >= _CHECKS_MAX:
            _CHECKS.clear()
        check = _CHECKS[spec] = check_from_spec(spec)
    return check


def check_from_spec(spec: str) -> Check:
    """The check written by :func:`check_spec` or :func:`fallback_spec` (equal to
    ``compile_check`` of the query)."""
    fast = _two_groups(spec)
    if fast is not None:
        return fast
    positive: list[tuple[str, ...]] = []
    negative: list[tuple[str, ...]] = []
    atoms: list[tuple[bool, Check]] = []
    for group in spec.split(_GROUP_SEP):
        neg = group.startswith(_NEGATED)
        if neg:
            group = group[1:]
        if group.startswith(_ATOM):
            atoms.append((neg, _atom_check(group)))
        else:
            (negative if neg else positive).append(tuple(group.split(_ALT_SEP)))
    pos, neg_groups = tuple(positive), tuple(negative)
    if not atoms:
        if not neg_groups:
            return _any(pos[0]) if len(pos) == 1 else _all_groups(pos)
        if len(pos) == 1 and len(neg_groups) == 1:  # the common `a -b`
            (p0,), (n0,) = pos, neg_groups

            def one_not(terms: set[str], ap: AnalyzedPaper) -> bool:
                return not terms.isdisjoint(p0) and terms.isdisjoint(n0)

            return one_not

        def with_not(terms: set[str], ap: AnalyzedPaper) -> bool:
            return all(not terms.isdisjoint(g) for g in pos) and all(
                terms.isdisjoint(g) for g in neg_groups
            )

        return with_not
    if not pos and not neg_groups and len(atoms) == 1 and not atoms[0][0]:
        return atoms[0][1]
    if len(pos) == 1 and not neg_groups and len(atoms) == 1 and not atoms[0][0]:
        # the common ``long-prefix* category:x`` / ``author:``, ``source:``,
        # ``upvotes:``: no loops and no generator (an object the collector tracks) a call
        (p0,), test = pos, atoms[0][1]

        def group_and_atom(terms: set[str], ap: AnalyzedPaper) -> bool:
            return not terms.isdisjoint(p0) and test(terms, ap)

        return group_and_atom
    tests = tuple(atoms)

    def mixed(terms: set[str], ap: AnalyzedPaper) -> bool:
        # membership groups first: cheap, and usually the ones that fail
        for g in pos:
            if terms.isdisjoint(g):
                return False
        for g in neg_groups:
            if not terms.isdisjoint(g):
                return False
        for negated, test in tests:  # noqa: SIM110 - a loop: no generator object a call
            if test(terms, ap) == negated:
                return False
        return True

    return mixed
