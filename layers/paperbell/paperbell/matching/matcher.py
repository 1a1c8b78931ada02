"""Verify one parsed query against one paper and say where it matched.

Why a separate "analyzed paper": a paper is tokenized once and then checked against many
queries (every candidate the presearcher finds), so all per-paper work — tokens, word
positions, compound tokens, and each distinct term's match result — is computed once and
cached on :class:`AnalyzedPaper`.

Highlights are char offsets into the ORIGINAL ``paper.title`` / ``paper.abstract``
strings (tokens keep their source spans), sorted and merged, for positive terms of the
satisfied parts of the query only (a term in a failed ``OR`` branch or under ``NOT`` is
never highlighted).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from paperbell.models import Paper

from .normalize import _ASCII_SPLIT_RE, _HYPHEN, _KEY, FieldTokens, Memo, tokenize
from .query_parser import And, Category, Node, Not, Or, Query, Source, Term, Upvotes, parse_query
from .text_terms import ascii_split, gap_kinds_of, hyphen_compounds

__all__ = [
    "AnalyzedPaper",
    "AnalyzedPapers",
    "Highlights",
    "QueryHit",
    "Span",
    "evaluate",
    "evaluate_bool",
    "highlights_of",
    "match_query",
    "merge_spans",
    "snippet",
]

Span = tuple[int, int]
_NO_SPANS: tuple[Span, ...] = ()


def merge_spans(spans: list[Span] | tuple[Span, ...]) -> tuple[Span, ...]:
    """Sort spans and merge overlapping or touching ones."""
    if not spans:
        return _NO_SPANS
    ordered = sorted(spans)
    out = [ordered[0]]
    for s, e in ordered[1:]:
        ls, le = out[-1]
        if s <= le:
            if e > le:
                out[-1] = (ls, e)
        else:
            out.append((s, e))
    return tuple(out)


@dataclass(frozen=True, slots=True, eq=False)
class Highlights(Mapping[str, list[Span]]):
    """Where a query matched: ``{"title": [(start, end), ...], "abstract": [...]}``.

    Immutable (one object is shared by every query that matched through the same term);
    reading a key returns a fresh list. Equality is mapping equality, so comparing with a
    plain dict works.
    """

    title: tuple[Span, ...] = ()
    abstract: tuple[Span, ...] = ()

    def __getitem__(self, key: str) -> list[Span]:
        if key == "title":
            return list(self.title)
        if key == "abstract":
            return list(self.abstract)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("title", "abstract"))

    def __len__(self) -> int:
        return 2

    def __bool__(self) -> bool:
        """True when anything is highlighted (a filter-only match highlights nothing)."""
        return bool(self.title or self.abstract)

    def as_dict(self) -> dict[str, list[Span]]:
        """Plain JSON-able form, e.g. for ``PendingMatch.highlights``."""
        return {"title": list(self.title), "abstract": list(self.abstract)}

    def union(self, other: Highlights) -> Highlights:
        """Both sets of spans, merged."""
        if not other:
            return self
        if not self:
            return other
        return Highlights(
            merge_spans(self.title + other.title), merge_spans(self.abstract + other.abstract)
        )


EMPTY_HIGHLIGHTS = Highlights()


class QueryHit:
    """One stored query that matched a paper: ``query_id`` and ``highlights``.

    Why lazy: computing highlights costs more than deciding the match itself, and a caller
    that only needs ids should not pay for them. :meth:`MatchIndex.match` therefore creates
    hits whose ``highlights`` are computed on first access (then kept) by a *source*
    callback ``source(slot) -> Highlights``; ``QueryHit(query_id, highlights)`` makes an
    ordinary eager hit. Either way two hits are equal when their ids and highlights are.
    """

    __slots__ = ("_hl", "_slot", "_source", "query_id")

    def __init__(
        self,
        query_id: str,
        highlights: Highlights | None = None,
        *,
        source: Callable[[int], Highlights] | None = None,
        slot: int = 0,
    ) -> None:
        if highlights is None and source is None:
            raise TypeError("QueryHit needs highlights or a source to compute them")
        self.query_id = query_id
        self._hl = highlights
        self._source = source
        self._slot = slot

    @property
    def highlights(self) -> Highlights:
        """Where the query matched (computed on first access for index hits)."""
        hl = self._hl
        if hl is None:
            assert self._source is not None
            hl = self._hl = self._source(self._slot)
            self._source = None
        return hl

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryHit):
            return NotImplemented
        return self.query_id == other.query_id and self.highlights == other.highlights

    def __hash__(self) -> int:
        return hash(self.query_id)

    def __repr__(self) -> str:
        hl = "<not computed>" if self._hl is None else repr(self._hl)
        return f"QueryHit(query_id={self.query_id!r}, highlights={hl})"


# ---------------------------------------------------------------------------------------
# Per-paper analysis
# ---------------------------------------------------------------------------------------

_TermResult = tuple[bool, tuple[Span, ...], tuple[Span, ...]]
#: author name -> its tokens. Why: names recur from paper to paper (prolific authors, a
#: lab's list), and a paper's tokens are only read, never changed, so pieces are shared.
_NAME_TOKENS: Memo[FieldTokens] = Memo(tokenize, max_size=20_000)


def _prefix_pattern(prefix: str) -> re.Pattern[str] | None:
    """A search, in lower-cased ASCII text, for a word or hyphen compound that starts
    with ``prefix`` (None if ``prefix`` is not ``[a-z0-9]+``: then no such text word can).

    The compounds are those :func:`text_terms.hyphen_compounds` makes: each pair of words
    joined by one hyphen, and each whole chain of them ("state-of-the-art"). So the
    prefix may run over one hyphen from any word, and over more only from a word that
    starts its chain (no word and one hyphen before it): ``pretrain`` finds
    "pre-training", ``stateofthe`` finds "state-of-the-art", ``oftheart`` does not."""
    if not _ASCII_SPLIT_RE.fullmatch(prefix):  # one lower-cased ASCII word
        return None
    letters = list(prefix)
    anywhere = "-?".join(letters)
    once = [prefix, *(f"{prefix[:k]}-{prefix[k:]}" for k in range(1, len(prefix)))]
    return re.compile(f"(?<![a-z0-9])(?:(?<![a-z0-9]-){anywhere}|{'|'.join(once)})")


#: prefix -> its :func:`_prefix_pattern` (long and field prefixes recur across papers)
_PREFIX_PATTERNS: Memo[re.Pattern[str] | None] = Memo(_prefix_pattern, max_size=20_000)


def _field_spans(ft: FieldTokens, term: Term) -> list[Span]:
    starts, ends = ft.starts, ft.ends
    if term.prefix:
        pre = term.parts[0]
        out = [(starts[i], ends[i]) for i, s in enumerate(ft.surfaces) if s.startswith(pre)]
        # A hyphenated compound counts only when the prefix runs past its first word
        # ("pretrain*" in "pre-training"); otherwise the word itself already matched.
        if ft.hyphen_comps:
            surfaces, joined, spans = ft.surfaces, ft.comp_surfaces, ft.comp_spans
            firsts = ft.comp_first
            out += [
                spans[j]
                for j in ft.hyphen_comps
                if joined[j].startswith(pre) and not surfaces[firsts[j]].startswith(pre)
            ]
        return out
    parts = term.parts
    pos = ft.positions
    if len(parts) == 1:
        k = parts[0]
        out = [(starts[i], ends[i]) for i in pos.get(k, ())]
        comps = ft.compounds
        out += comps.get(k, ())
        for j in term.joins:  # "fine" in `fine tuning` also counts as "finetuning"
            out += [(starts[i], ends[i]) for i in pos.get(j, ())]
            out += comps.get(j, ())
        return out
    keys = ft.keys
    n, total = len(parts), len(keys)
    out = []
    for i in pos.get(parts[0], ()):
        if i + n <= total and all(keys[i + j] == parts[j] for j in range(1, n)):
            out.append((starts[i], ends[i + n - 1]))
    c = term.compound
    if c is not None:
        out += [(starts[i], ends[i]) for i in pos.get(c, ())]
        out += ft.compounds.get(c, ())
    return out


class AnalyzedPaper:
    """A paper tokenized once, with a cache of per-term results for many queries."""

    __slots__ = (
        "_abstract",
        "_author",
        "_cache",
        "_field_keys",
        "_field_keys_for",
        "_field_words",
        "_prefix_texts",
        "_prefix_words",
        "_split",
        "_splittable",
        "_title",
        "categories",
        "index_terms",
        "paper",
        "source",
        "terms_for",
        "upvotes",
        "vocab_terms",
    )

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self._title: FieldTokens | None = None
        self._abstract: FieldTokens | None = None
        self._author: FieldTokens | None = None
        #: (title, abstract) split by :func:`text_terms.ascii_split` when both are ASCII
        #: (phrase and prefix checks then read them instead of the tokens); made on first
        #: use once the presearcher found both ASCII (``_splittable``)
        self._split: tuple[list[str], list[str]] | None = None
        self._splittable = False
        self._field_words: dict[int, list[str]] = {}  # 0/1 (title/abstract) -> word keys
        self.categories = frozenset(map(str.lower, paper.categories))
        self.source = (paper.source or "").lower()
        self.upvotes = paper.upvotes
        self._cache: dict[Term, _TermResult] = {}
        self._field_keys: tuple[set[str], set[str]] | None = None
        self._field_keys_for: object = None  # the vocabulary they were filtered for, if any
        self._prefix_words: dict[str, list[str]] = {}
        #: field -> its lower-cased ASCII text, with and without hyphens (has_prefix)
        self._prefix_texts: dict[str, tuple[str, str]] = {}
        #: the presearcher's index terms of this paper, once computed (``paper_terms``)
        self.index_terms: set[str] | None = None
        #: the terms one index asked for (``MatchIndex.paper_terms``), and for which
        #: vocabulary (an object of that index)
        self.vocab_terms: set[str] | None = None
        self.terms_for: object = None

    def title_tokens(self) -> FieldTokens:
        """The title's words (tokenized on first use: deciding most matches needs only
        the paper's term set, see :mod:`.text_terms`)."""
        ft = self._title
        if ft is None:
            ft = self._title = tokenize(self.paper.title or "")
        return ft

    def abstract_tokens(self) -> FieldTokens:
        """The abstract's words (tokenized on first use, like :meth:`title_tokens`)."""
        ft = self._abstract
        if ft is None:
            ft = self._abstract = tokenize(self.paper.abstract or "")
        return ft

    title = property(title_tokens)
    abstract = property(abstract_tokens)

    @property
    def author(self) -> FieldTokens:
        """The author names' words, a :data:`~.normalize.BOUNDARY` between two names
        (tokenized on first use: most queries never look at authors)."""
        ft = self._author
        if ft is None:
            names = self.paper.authors
            ft = self._author = FieldTokens.concat(list(map(_NAME_TOKENS.__getitem__, names)))
        return ft

    def field_keys(self) -> tuple[set[str], set[str]]:
        """(title, abstract): sets that hold every word key and compound key of each
        field (and possibly other index terms, which never look like a key: a bigram has
        a space, a beginning a ``*``), built on first use; or, after an index's
        :meth:`MatchIndex.paper_terms`, every word key and hyphen compound and those
        glued compounds that index can ask for (see :meth:`set_field_keys`)."""
        fk = self._field_keys
        if fk is None:
            fk = self._field_keys = (self.title.key_set, self.abstract.key_set)
        return fk

    def set_field_keys(
        self, title: set[str], abstract: set[str], ascii_text: bool = False, vocab: object = None
    ) -> None:
        """Keep the fields' index terms as :meth:`field_keys` unless it has them already
        (the presearcher computed them anyway; supersets of the keys are fine). With
        ``ascii_text`` (title and abstract are ASCII), phrase and prefix checks read the
        fields' :func:`text_terms.ascii_split` (made on first use) instead of tokens.

        ``vocab``: the sets hold only the glued compounds that this vocabulary's index
        can ask for (:class:`text_terms.FieldVocab`), so they replace any kept for
        another one; None: they hold every key, and are kept for good."""
        if self._field_keys is None or (
            self._field_keys_for is not None and self._field_keys_for is not vocab
        ):
            self._field_keys = (title, abstract)
            self._field_keys_for = vocab
            self._splittable = ascii_text

    def _split_fields(self, field: str) -> tuple[int, ...]:
        """Which of the ASCII splits (0 title, 1 abstract) hold ``field``; () if none."""
        if field == "author":
            return ()
        if self._split is None:
            if not self._splittable:
                return ()
            paper = self.paper
            self._split = (ascii_split(paper.title or ""), ascii_split(paper.abstract or ""))
        return (0, 1) if field == "text" else (0,) if field == "title" else (1,)

    def _word_keys(self, which: int) -> list[str]:
        keys = self._field_words.get(which)
        if keys is None:
            assert self._split is not None
            keys = self._field_words[which] = list(map(_KEY.__getitem__, self._split[which][1::2]))
        return keys

    def has_prefix(self, field: str, prefix: str) -> bool:
        """Does a word (or hyphenated word written as one) of ``field`` start with
        ``prefix``? The same answer as a ``prefix*`` term, by bisection in the field's
        sorted words (built once per field), without computing spans.

        Why the substring test first: a word that starts with ``prefix`` (or a hyphen
        compound that does, once its hyphens go) leaves ``prefix`` in the field's
        lower-cased text with its hyphens taken out, so a prefix not found there is no
        match. The check is asked only of papers that hold the prefix's first
        PREFIX_MAX letters or that are restricted to one field (long prefixes,
        ``title:``/``abstract:`` prefixes), and most fail this test, which costs a
        ``str.find`` instead of splitting and sorting the field's words. Those that
        pass are answered by one regular-expression search of the text
        (:func:`_prefix_pattern`), not by the sorted words.
        """
        words = self._prefix_words.get(field)
        if words is None and field != "author" and self._splittable:
            texts = self._prefix_texts.get(field)
            if texts is None:
                paper = self.paper
                title, abstract = paper.title or "", paper.abstract or ""
                if field == "text":
                    raw = f"{title}\n{abstract}"
                else:
                    raw = title if field == "title" else abstract
                lower = raw.lower()
                texts = self._prefix_texts[field] = (lower, lower.replace("-", ""))
            if prefix not in texts[1]:
                return False
            pattern = _PREFIX_PATTERNS[prefix]
            if pattern is not None:
                return pattern.search(texts[0]) is not None
        if words is None and self._split_fields(field):
            found: set[str] = set()
            for which in self._split_fields(field):
                parts = self._split[which]  # type: ignore[index]
                found.update(parts[1::2])
                kinds = gap_kinds_of(parts)
                if _HYPHEN in kinds:
                    written = hyphen_compounds(parts[1::2], kinds)
                    found.update(w.replace("-", "") for w in written)
            words = self._prefix_words[field] = sorted(found)
        if words is None:
            fts = {"text": (self.title, self.abstract), "title": (self.title,),
                   "abstract": (self.abstract,), "author": (self.author,)}[field]
            found = set()
            for ft in fts:
                found.update(ft.surfaces)
                if ft.hyphen_comps:  # only those compounds: no need for every comp surface
                    words, first, last = ft.surfaces, ft.comp_first, ft.comp_last
                    found.update("".join(words[first[j] : last[j] + 1]) for j in ft.hyphen_comps)
            words = self._prefix_words[field] = sorted(found)
        i = bisect.bisect_left(words, prefix)
        return i < len(words) and words[i].startswith(prefix)

    def has_phrase(self, field: str, parts: list[str], compound: str | None) -> bool:
        """Does the phrase (keys ``parts``, 2+ of them) match in ``field`` ("text", "title",
        "abstract" or "author")? The same answer as :meth:`term`, without spans."""
        split = self._split_fields(field)
        if split:
            field_keys = self.field_keys()
            for which in split:
                if compound is not None and compound in field_keys[which]:
                    return True
                keys, n = self._word_keys(which), len(parts)
                starts = itertools.compress(range(len(keys)), map(parts[0].__eq__, keys))
                if any(keys[i : i + n] == parts for i in starts):
                    return True
            return False
        if field == "author":
            fts: tuple[FieldTokens, ...] = (self.author,)
        elif field == "text":
            fts = (self.title, self.abstract)
        else:
            fts = (self.title,) if field == "title" else (self.abstract,)
        return any(ft.has_phrase(parts, compound) for ft in fts)

    def term(self, term: Term) -> _TermResult:
        """(matched, title spans, abstract spans) for one term, cached per paper."""
        hit = self._cache.get(term)
        if hit is not None:
            return hit
        f = term.field
        if f == "author":
            res: _TermResult = (bool(_field_spans(self.author, term)), _NO_SPANS, _NO_SPANS)
        else:
            t = merge_spans(_field_spans(self.title, term)) if f != "abstract" else _NO_SPANS
            a = merge_spans(_field_spans(self.abstract, term)) if f != "title" else _NO_SPANS
            res = (bool(t or a), t, a)
        self._cache[term] = res
        return res


# ---------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------

_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
}


def _eval(node: Node, ap: AnalyzedPaper) -> bool:
    if isinstance(node, Term):
        return ap.term(node)[0]
    if isinstance(node, And):
        return all(_eval(c, ap) for c in node.children)
    if isinstance(node, Or):
        return any(_eval(c, ap) for c in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, ap)
    if isinstance(node, Category):
        return node.value in ap.categories
    if isinstance(node, Source):
        return ap.source == node.value
    if isinstance(node, Upvotes):
        up = ap.upvotes
        return up is not None and _OPS[node.op](up, node.value)
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def _collect(node: Node, ap: AnalyzedPaper, title: list[Span], abstract: list[Span]) -> None:
    """Add the spans of positive terms in satisfied parts of ``node`` (already true)."""
    if isinstance(node, Term):
        _, t, a = ap.term(node)
        title += t
        abstract += a
    elif isinstance(node, And):
        for c in node.children:
            _collect(c, ap, title, abstract)
    elif isinstance(node, Or):
        for c in node.children:
            if _eval(c, ap):
                _collect(c, ap, title, abstract)
    # Not, Category, Source, Upvotes: nothing to highlight.


def evaluate_bool(node: Node, ap: AnalyzedPaper) -> bool:
    """Does the query tree ``node`` match the analyzed paper (no highlights)?"""
    return _eval(node, ap)


def evaluate(node: Node, ap: AnalyzedPaper) -> Highlights | None:
    """Highlights if the query tree ``node`` matches the analyzed paper, else None."""
    if not _eval(node, ap):
        return None
    return highlights_of(node, ap)


def highlights_of(node: Node, ap: AnalyzedPaper) -> Highlights:
    """Highlights of a query tree already known to match (see :func:`evaluate`)."""
    if isinstance(node, Term):
        _, t, a = ap.term(node)
        return Highlights(t, a) if (t or a) else EMPTY_HIGHLIGHTS
    title: list[Span] = []
    abstract: list[Span] = []
    _collect(node, ap, title, abstract)
    if not title and not abstract:
        return EMPTY_HIGHLIGHTS
    return Highlights(merge_spans(title), merge_spans(abstract))


_last_paper: list[tuple[Paper, AnalyzedPaper]] = []


def analyze_paper(paper: Paper) -> AnalyzedPaper:
    """Tokenize ``paper``, reusing the last result when called again with the same object.

    Why: callers commonly loop ``for q in queries: match_query(q, paper)``; re-tokenizing
    the same abstract for every query would dominate the cost.
    """
    if _last_paper and _last_paper[0][0] is paper:
        return _last_paper[0][1]
    ap = AnalyzedPaper(paper)
    _last_paper[:] = [(paper, ap)]
    return ap


def match_query(query: Query | str, paper: Paper) -> Highlights | None:
    """Does ``query`` match ``paper``? Highlights (possibly empty) if so, else None.

    A string is parsed first (raising :class:`~paperbell.errors.QueryError` if invalid).
    """
    q = parse_query(query) if isinstance(query, str) else query
    return evaluate(q.root, analyze_paper(paper))


class AnalyzedPapers:
    """A bounded per-container cache of :class:`AnalyzedPaper` by paper id.

    Why: the live preview matches the same ~2,000 recent papers on every keystroke burst;
    analyzing them is most of its cost, and they do not change between two keystrokes.
    A cached analysis is reused only for an equal :class:`Paper` (a re-scraped paper whose
    text changed is analyzed again).
    """

    def __init__(self, max_papers: int = 5000) -> None:
        self.max_papers = max_papers
        self._by_id: dict[str, AnalyzedPaper] = {}

    def get(self, paper: Paper) -> AnalyzedPaper:
        """The analysis of ``paper``, from the cache when it holds an equal paper."""
        hit = self._by_id.get(paper.id)
        if hit is not None and (hit.paper is paper or hit.paper == paper):
            return hit
        if len(self._by_id) >= self.max_papers:
            self._by_id.clear()
        ap = self._by_id[paper.id] = AnalyzedPaper(paper)
        return ap

    def clear(self) -> None:
        self._by_id.clear()


def match_queries(
    queries: Iterable[Query], paper: Paper | AnalyzedPaper
) -> tuple[list[str], Highlights]:
    """Which of ``queries`` match ``paper`` (their texts, in order) and why: the union of
    their highlights. One analysis of the paper serves every query (previews, digests
    and ``paperbell match`` all ask this for a handful of queries per paper)."""
    analyzed = paper if isinstance(paper, AnalyzedPaper) else analyze_paper(paper)
    matched: list[str] = []
    combined = Highlights()
    for query in queries:
        found = evaluate(query.root, analyzed)
        if found is not None:
            matched.append(query.text)
            combined = combined.union(found)
    return matched, combined


# ---------------------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------------------

ELLIPSIS = "…"


def snippet(
    text: str, spans: list[Span] | tuple[Span, ...], width: int = 240
) -> tuple[str, list[Span]]:
    """A window of at most ``width`` characters of ``text`` around the first span.

    Why: a mail shows a few lines of a long abstract, centred on the first match. The window
    starts about a third of the width before the first span, is moved to word boundaries,
    and gets "…" on each side where text was cut (the "…" count toward ``width``). Spans
    are clipped to the window and re-based to offsets into the returned string.
    """
    if width < 8:
        raise ValueError("width must be at least 8")
    n = len(text)
    ordered = merge_spans(list(spans))
    if n <= width:
        return text, [(s, e) for s, e in ordered if 0 <= s < e <= n]
    first_s = ordered[0][0] if ordered else 0
    budget = width - 2  # room for both ellipses
    start = max(0, first_s - budget // 3)
    end = min(n, start + budget)
    start = max(0, end - budget)
    if start > 0:  # move forward to the start of a word, without passing the first span
        cut = text.find(" ", start, first_s)
        if cut >= 0:
            start = cut + 1
    if end < n:  # move back to the end of a word
        cut = text.rfind(" ", max(start, first_s + 1), end)
        if cut > start:
            end = cut
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < n else ""
    body = text[start:end].strip()
    lead = len(text[start:end]) - len(text[start:end].lstrip())
    start += lead
    body_end = start + len(body)
    out: list[Span] = []
    shift = len(prefix) - start
    for s, e in ordered:
        s2, e2 = max(s, start), min(e, body_end)
        if s2 < e2:
            out.append((s2 + shift, e2 + shift))
    return prefix + body + suffix, out
