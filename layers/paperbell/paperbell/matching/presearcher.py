"""The stored-query index (Lucene Monitor / Elasticsearch percolator style).

Why: with up to a million stored queries, checking each against every new paper is far too
slow. Each query is parsed once when stored, :mod:`query_analyzer` files it under a few
index terms, and a paper only meets the queries filed under terms it contains
(*candidates*). Candidates that are *exact* (the term proves the match) are reported
straight away; the rest are verified by a compiled check (:mod:`verifier`: mostly set
membership in the paper's term set). Equal checks are one *check group*, verified once
per paper however many subscribers stored that query; a check is compiled from its
stored spec on first sight (cached per process, :func:`verifier.cached_check`).
Highlights are not needed to decide a match, so :meth:`MatchIndex.match_slots` returns
query numbers (:meth:`MatchIndex.match_slot_array`: unsorted machine integers, the
cheapest), :meth:`MatchIndex.match_ids` ids, and :meth:`MatchIndex.match` hits whose
highlights are computed when read.

A paper is asked only for the terms this index can use (:meth:`MatchIndex.paper_terms`):
its words and hyphen compounds, categories and source, and of its ~200 word pairs, ~800
word beginnings and ~70 glued word pairs only those the index may ask for (the index's
*vocabulary*, kept in the snapshot).

Memory layout (the goals are <= 300 bytes per stored query and a snapshot that loads in
well under a second for 1M queries, inside a Lambda):

* query ids and query texts live in two UTF-8 blobs with ``array('I')`` offsets — no
  Python object per query until the ids are first needed (then one tuple of them). A
  query is parsed again only for highlights (with a bounded cache of parsed queries);
* postings are CSR arrays: the sorted term names (a term's number is its place: found
  by bisection, or by a dict in a small index), ``post_off`` / ``post_split`` /
  ``postings``; for term ``t`` the exact query slots are
  ``postings[post_off[t]:post_split[t]]`` (first those filed under no other term, up to
  ``post_once[t]``) and the check groups needing verification
  ``postings[post_split[t]:post_off[t+1]]`` (first those that call their checks, up to
  ``post_rest[t]``), so the hot loop splits them without looking at each query;
  ``group_off`` / ``group_slots`` give each group's slots and ``gspecs`` its check spec;
* changes after a build or load go to a small overlay (dict of lists, each new query's
  spec) plus a deleted set, folded into the arrays by :meth:`MatchIndex.compact` (called
  by ``to_snapshot``);
* term plans, written at build time (:meth:`MatchIndex._make_plans`): for each term, the
  verifying groups that are ANDs of (negated) groups of index terms, ``title:`` /
  ``abstract:`` words or ``upvotes:`` filters, as flat lists of (key, group) entries, so
  that a paper decides all of them by C-level set operations and calls checks only for
  the rest (prefixes the term set cannot decide, longer phrases, ORs of atoms).

The snapshot (``PBMIDX04``; ``PBMIDX01``/``02``/``03`` still load and get their plans
made then) is these arrays written back to back (``array.tobytes``), so loading is a few
memory copies plus one split of the term names (no dict of them, no hash of each: at a
million stored queries there are up to ~650,000).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal, TypeVar

from paperbell.errors import QueryError
from paperbell.models import Paper
from paperbell.snapshot_reader import SnapshotReader, live_slots

from .matcher import (
    EMPTY_HIGHLIGHTS,
    AnalyzedPaper,
    Highlights,
    QueryHit,
    evaluate,
    highlights_of,
)
from .normalize import FieldTokens, Memo, tokenize
from .query_analyzer import (
    AUTHOR_NS,
    CATEGORY_NS,
    PREFIX_MAX,
    PREFIX_MIN,
    PREFIX_NS,
    SOURCE_NS,
    IndexPlan,
    analyze,
)
from .query_parser import Query, Term, parse_query
from .text_terms import (
    _HEAD,
    _PREFIX_TERMS,
    GLUED,
    GLUED_REVERSED,
    FieldVocab,
    glued_entries,
    text_terms,
)
from .verifier import (
    ABSTRACT_KEY,
    TITLE_KEY,
    UPVOTES_KEY,
    Check,
    cached_check,
    check_spec,
    fallback_spec,
    membership_groups,
    spec_keys,
    tree_keys,
    upvotes_holds,
)

__all__ = ["MatchIndex", "paper_terms"]

_K = TypeVar("_K")
_V = TypeVar("_V")

_EXACT = 1
_DELETED = 2
_MAGIC = b"PBMIDX04"
# magic, byteorder, flags, n, T, P, always, groups, group slots, ids, texts, terms, specs,
# vocabulary, plan entries, plan keys, plan atoms
_HEADER = struct.Struct("<8sBB2xQQQQQQQQQQQQQQ")
#: PBMIDX03: the same without the term plans (made when such a snapshot is loaded)
_MAGIC_V3 = b"PBMIDX03"
_HEADER_V3 = struct.Struct("<8sBB2xQQQQQQQQQQQ")
_IDS_BY_LINE = 1  # header flag: the ids blob has a "\n" between ids (none contains one)
#: The formats before check groups (PBMIDX02: one check spec per query) and before check
#: specs (PBMIDX01); still read, so a deploy does not strand the stored snapshot.
_MAGIC_V2 = b"PBMIDX02"
_HEADER_V2 = struct.Struct("<8sB3xQQQQQQQQ")
_MAGIC_V1 = b"PBMIDX01"
_HEADER_V1 = struct.Struct("<8sB3xQQQQQQQ")
_PARSED_CACHE_MAX = 100_000
#: a loaded index with at most this many terms finds them in a dict (see _held)
_DICT_TERMS = 100_000
#: at most this many terms asked are remembered by an index without that dict (_held)
_MET_MAX = 300_000
#: In a term plan (see ``MatchIndex._make_plans``), with ``n`` check groups, an entry
#: with a key is ``g`` ("group g passes": its other positive group is present),
#: ``n + g`` ("group g is vetoed") or ``2 * n + (g << _FACT_SHIFT | j)`` ("positive
#: group j of group g is present", for groups of 3 to _MAX_POSITIVE positive groups).
_FACT_SHIFT = 3
_MAX_POSITIVE = 1 << _FACT_SHIFT
_FALLBACK = fallback_spec("")
#: what every atom key starts with (TITLE_KEY, ABSTRACT_KEY, UPVOTES_KEY)
_ATOM_START = TITLE_KEY[0]
#: the atom keys in a plan's "\n"-joined keys (see MatchIndex._term_parts)
_ATOM_KEYS_RE = re.compile(f"^{_ATOM_START}.*$", re.MULTILINE)


_ALL_TERMS = FieldVocab(None, None)


def _field_terms(ft: FieldTokens, out: set[str], vocab: FieldVocab = _ALL_TERMS) -> None:
    """Add one field's index terms to ``out`` (C-level ``map``/``update`` calls, except
    for the hyphen compounds' beginnings that run past their first word: "pre-training"
    -> ``*pret`` .. ``*pretrain``). With a ``vocab``, only the bigrams and beginnings it
    holds (plus, harmlessly, pairs whose first key starts a held bigram). The reference
    for :func:`text_terms.text_terms`, which gets the same terms from ASCII text
    without tokens; this one serves other text and author names."""
    keys = ft.keys
    out.update(keys)
    out.update(ft.comp_keys)
    firsts, prefixes = vocab.firsts, vocab.prefixes
    if firsts is None:
        out.update(map(" ".join, itertools.pairwise(keys)))
    elif firsts:
        starts = itertools.compress(range(len(keys) - 1), map(firsts.__contains__, keys))
        out.update([f"{keys[i]} {keys[i + 1]}" for i in starts])
    if prefixes is not None and not prefixes:
        return
    words = list(set(ft.surfaces))
    heads = vocab.heads
    if heads is not None:
        held = map(heads.__contains__, map(_HEAD.__getitem__, words))
        words = list(itertools.compress(words, held))
    begins = itertools.chain.from_iterable(map(_PREFIX_TERMS.__getitem__, words))
    out.update(begins if prefixes is None else prefixes.intersection(begins))
    if not ft.hyphen_comps:
        return
    surfaces, firsts_i, lasts = ft.surfaces, ft.comp_first, ft.comp_last
    for j in ft.hyphen_comps:
        first = firsts_i[j]
        head, joined = len(surfaces[first]), "".join(surfaces[first : lasts[j] + 1])
        if heads is not None and PREFIX_NS + joined[:PREFIX_MIN] not in heads:
            continue  # no held beginning starts like this compound
        if head < PREFIX_MAX:
            top = min(len(joined), PREFIX_MAX)
            more = [PREFIX_NS + joined[:k] for k in range(max(head + 1, PREFIX_MIN), top + 1)]
            out.update(more if prefixes is None else prefixes.intersection(more))


def _name_terms(name: str) -> frozenset[str]:
    """Every ``@``-term of one author name (a phrase never spans two names, so a paper's
    author terms are the union of its names' terms)."""
    found: set[str] = set()
    _field_terms(tokenize(name), found)
    found.discard("")
    return frozenset(map(AUTHOR_NS.__add__, found))


#: author name -> its terms. Why: names recur from paper to paper, and a paper's term
#: set may hold more terms than an index asks for (a term says what the paper contains),
#: so one memo of every term of a name serves every index.
_NAME_TERMS: Memo[frozenset[str]] = Memo(_name_terms, max_size=20_000)


def _text_terms(raw: str, tokens: Callable[[], FieldTokens], vocab: FieldVocab) -> set[str]:
    """One text field's terms: from the raw text if it is ASCII, else from its tokens."""
    if raw.isascii():
        return text_terms(raw, vocab)
    out: set[str] = set()
    _field_terms(tokens(), out, vocab)
    out.discard("")
    return out


def _analyzed_terms(ap: AnalyzedPaper, text: FieldVocab, authors: bool = True) -> set[str]:
    paper = ap.paper
    title_text, abstract_text = paper.title or "", paper.abstract or ""
    title = _text_terms(title_text, ap.title_tokens, text)
    abstract = _text_terms(abstract_text, ap.abstract_tokens, text)
    ascii_text = title_text.isascii() and abstract_text.isascii()
    # glued compounds filtered: the field keys hold only those this vocabulary's index asks
    ap.set_field_keys(title, abstract, ascii_text, None if text.glued is None else text)
    terms = abstract | title  # copies the big set in one go, then adds the few
    if authors and paper.authors:
        terms.update(*map(_NAME_TERMS.__getitem__, ap.paper.authors))
    terms.discard("")
    terms.update(map(CATEGORY_NS.__add__, ap.categories))
    if ap.source:
        terms.add(SOURCE_NS + ap.source)
    return terms


def paper_terms(ap: AnalyzedPaper) -> set[str]:
    """Every index term a paper contains (the query side is in :mod:`query_analyzer`).

    Computed once per analyzed paper and kept on it (read-only for callers): word keys,
    compound keys, adjacent key pairs ``"a b"``, ``*``-beginnings of title and abstract; the
    same with an ``@`` for authors; ``#``-categories and the ``!``-source. An index asks
    for fewer (:meth:`MatchIndex.paper_terms`: only the pairs and beginnings it holds).
    """
    terms = ap.index_terms
    if terms is None:
        terms = ap.index_terms = _analyzed_terms(ap, _ALL_TERMS)
    return terms


def _vocab_entries(keys: Iterable[str]) -> list[str]:
    """The vocabulary entries of index terms (and of the words checks look up in a field's
    keys): ``*``-beginnings as they are, bigrams as their first key and a space
    (``"lottery "``, ``"@geoffrey "``) and a text bigram also as a space and its second
    key (``" ticket"``), words that two glued words could make as their
    :func:`text_terms.glued_entries`; and :data:`text_terms.GLUED` alone, which says that
    the vocabulary has those for every such term (a vocabulary of an older snapshot has
    none: its papers then make every glued compound)."""
    out = [GLUED]
    for k in keys:
        if k.startswith((PREFIX_NS, AUTHOR_NS + PREFIX_NS)):
            out.append(k)
        elif " " in k:
            space = k.index(" ")
            out.append(k[: space + 1])
            if not k.startswith(AUTHOR_NS):  # and a space and its second key: " ticket"
                out.append(k[space:])
        else:
            out += glued_entries(k)
        if k.startswith(AUTHOR_NS):
            out.append(AUTHOR_NS)  # the index uses authors at all
    return out


#: above this many glued terms (about 150,000 stored queries) papers make every glued
#: compound: most pass the filter anyway, and its sorted lists would cost memory
_GLUED_MAX = 200_000


def _filters(entries: set[str], glued: list[str] | None) -> tuple[FieldVocab, bool]:
    """The filters of :func:`_field_vocabs`; ``glued`` None: a vocabulary without the
    glued terms' and bigram seconds' entries (every glued compound, any second key)."""
    firsts = {e[:-1] for e in entries if e.endswith(" ") and not e.startswith(AUTHOR_NS)}
    prefixes = {e for e in entries if e.startswith(PREFIX_NS)}
    # the bigram seconds are complete with the glued mark, or with the mark of a
    # vocabulary stored without the glued entries (see _stored_vocab)
    complete = glued is not None or GLUED_REVERSED in entries
    seconds = {e[1:] for e in entries if e.startswith(" ")} if complete else None
    if glued is not None and len(glued) > _GLUED_MAX:
        glued = None
    return FieldVocab(firsts, prefixes, glued, seconds), AUTHOR_NS in entries


def _stored_vocab(entries: set[str]) -> set[str]:
    """The vocabulary entries a snapshot stores: without the glued terms' entries (and
    their mark) if there are more than _GLUED_MAX, as a loaded index would not use them
    (its papers then make every glued compound). Why: at 1M stored queries they were
    ~480,000 entries, 10 MB of the snapshot that every load copied for nothing. A bare
    GLUED_REVERSED then says that the bigrams' second keys are still all there."""
    glued = sum(1 for e in entries if e[:1] == GLUED) - (GLUED in entries)
    if glued <= _GLUED_MAX:
        return entries
    return {e for e in entries if e[:1] not in (GLUED, GLUED_REVERSED)} | {GLUED_REVERSED}


def _field_vocabs(entries: set[str]) -> tuple[FieldVocab, bool]:
    """The text filter from vocabulary entries (see :func:`_vocab_entries`), and whether
    the index has any ``author:`` term (else authors are skipped). The glued compounds
    are filtered only if ``entries`` says it has the entries of every term glued words
    could make (:data:`text_terms.GLUED`)."""
    glued = None
    if GLUED in entries:
        glued = [e[1:] for e in entries if e.startswith(GLUED) and len(e) > 1]
    return _filters(entries, glued)


def _text_vocabs(text: str) -> tuple[FieldVocab, bool]:
    """:func:`_field_vocabs` of a vocabulary as a snapshot stores it ("\\n"-joined and
    sorted, so the glued terms' entries come first: they are sliced out, not hashed)."""
    lines = text.split("\n") if text else []
    if lines and lines[0] == GLUED:
        end = bisect.bisect_left(lines, GLUED_REVERSED)
        past = bisect.bisect_left(lines, chr(ord(GLUED_REVERSED) + 1), end)
        run = lines[:past]
        glued_lines = text.count("\n" + GLUED) + text.count("\n" + GLUED_REVERSED)
        if glued_lines == past - 1 and run == sorted(run):  # as to_snapshot writes it
            return _filters(set(lines[past:]), [e[1:] for e in lines[1:end]])
    return _field_vocabs(set(lines))


#: vocabulary (as loaded, one string) -> its filters, for the whole process. Why: the
#: word memos of a :class:`FieldVocab` make a paper's terms cheap, and a container reloads
#: the index whenever the stored queries change, which mostly leaves the vocabulary (the
#: bigrams' first words and the ``*``-beginnings) as it was.
_SHARED_VOCABS: Memo[tuple[FieldVocab, bool]] = Memo(_text_vocabs, max_size=4)


def _term_highlights(ap: AnalyzedPaper, term: str) -> Highlights:
    """Highlights proven by one index term of an exact query."""
    if term[0] in (AUTHOR_NS, CATEGORY_NS, SOURCE_NS):
        return EMPTY_HIGHLIGHTS
    if term[0] == PREFIX_NS:
        _, t, a = ap.term(Term("text", (term[1:],), None, True))
    else:
        _, t, a = ap.term(Term("text", tuple(term.split(" "))))
    return Highlights(t, a) if (t or a) else EMPTY_HIGHLIGHTS


#: (index term, slots of the exact queries filed under it) found in one paper
_ExactRecord = list[tuple[str, Iterable[int]]]

#: What matching reads of one base term, sliced out of the flat arrays once per index
#: (:meth:`MatchIndex._term_parts`): its exact postings filed under it alone (bytes, to
#: be joined), its other exact postings, the check groups that call their checks, its
#: plan's groups that pass unless vetoed, its plan's keyed entries, their keys, and the
#: atom keys among those.
_TermParts = tuple[bytes, "array[int]", "array[int]", "array[int]", "array[int]",
                   tuple[str, ...], tuple[str, ...]]  # fmt: skip
_ONCE, _SHARED, _CHECKS, _PASSES, _ENTRIES, _KEYS, _ATOMS = map(operator.itemgetter, range(7))


class _HitSource:
    """Computes the lazy highlights of the hits of one :meth:`MatchIndex.match` call.

    * An *exact* hit (see :mod:`query_analyzer`) is proven by the index terms it was found
      under, so its highlights are the union of those terms' highlights — computed once per
      term and shared by every query filed under it, with no query parsing. The term ->
      slots record is kept from the presearch and inverted on the first request.
    * Any other hit was parsed for verification; :func:`matcher.evaluate` gives its
      highlights. Slots are renumbered by :meth:`MatchIndex.compact`, so if a compaction
      happened since the match, the query text is read from the arrays kept here
      (appending queries never moves existing texts).
    """

    __slots__ = ("ap", "by_slot", "epoch", "exact", "index", "texts", "texts_off")

    def __init__(self, index: MatchIndex, ap: AnalyzedPaper, exact: _ExactRecord) -> None:
        self.index = index
        self.ap = ap
        self.exact = exact
        self.by_slot: dict[int, Highlights] | None = None
        self.epoch = index._epoch
        self.texts = index._texts
        self.texts_off = index._texts_off

    def _exact_highlights(self) -> dict[int, Highlights]:
        by_slot: dict[int, Highlights] = {}
        ap = self.ap
        for term, slots in self.exact:
            hl = _term_highlights(ap, term)
            for slot in slots:
                prev = by_slot.get(slot)
                by_slot[slot] = hl if prev is None else prev.union(hl)
        self.exact = []
        return by_slot

    def highlights(self, slot: int) -> Highlights:
        by_slot = self.by_slot
        if by_slot is None:
            by_slot = self.by_slot = self._exact_highlights()
        hl = by_slot.get(slot)
        if hl is not None:
            return hl
        index = self.index
        if index._epoch == self.epoch:
            root = index._entry(slot).root
        else:
            off = self.texts_off
            root = parse_query(self.texts[off[slot] : off[slot + 1]].decode()).root
        return highlights_of(root, self.ap)  # a hit: it matched, no need to re-check


class _Lazy(dict[_K, _V]):
    """key -> ``make(key)``, made on first use and kept. Why a dict subclass: the match
    loop looks many keys up in one C-level ``map`` (see :class:`normalize.Memo`)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[_K], _V]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self.make(key)
        return value


def _multi_from(several: bytes) -> int:
    """The first group with several slots, if those are all the groups from it on (as
    :meth:`MatchIndex.compact` numbers them: snapshots written before that was so may
    mix them), else -1. Why: a paper at 1M stored queries passes ~1,400 groups, and
    looking each one's size up in a 300 KB table costs more than comparing numbers."""
    first = several.find(1)
    if first < 0:
        return len(several)
    return first if several.find(0, first) < 0 else -1


def _ranges(off: array[int], items: Iterable[int]) -> Iterator[slice]:
    """``slice(off[i], off[i + 1])`` for each ``i`` (C-level maps: no Python loop)."""
    items = list(items)
    return map(slice, map(off.__getitem__, items), map(off.__getitem__, map((1).__add__, items)))


def _runs(values: array[int], off: array[int], items: Iterable[int]) -> Iterator[int]:
    """``values[off[i]:off[i + 1]]`` for each ``i``, one after the other (CSR rows)."""
    return itertools.chain.from_iterable(map(values.__getitem__, _ranges(off, items)))


class MatchIndex:
    """Stored queries, matched against papers through a term index. See module docstring.

    Verification works on *check groups*: the non-exact queries whose check specs
    (:func:`verifier.check_spec`) are equal form one group, compiled once and checked
    once per paper however many subscribers stored that query. The verifying part of a
    term's postings lists groups, and ``_group_off``/``_group_slots`` give each group's
    query slots.
    """

    def __init__(self, df: Mapping[str, float] | None = None) -> None:
        self._df = df
        self._id_blob: bytearray | None = bytearray()  # None: still to make (see _ids)
        self._ids_off = array("I", [0])
        self._texts = bytearray()
        self._texts_off = array("I", [0])
        self._flags = bytearray()
        # base (compacted) postings: exact slots, then the groups that need verification
        #: the base terms, sorted (a term's number is its place), and one "" after them
        #: (what a lookup past the last one finds: see :meth:`_held`); the dict of
        #: them is made only when needed (:attr:`_terms`)
        self._names: list[str] = [""]
        self._term_dict: dict[str, int] | None = {}
        #: without the dict, the terms asked so far: held (their numbers) or not (see _held)
        self._met_held: dict[str, int] = {}
        self._met_absent: set[str] = set()
        self._post_off = array("I", [0])
        self._post_split = array("I")
        self._postings = array("I")
        self._always = array("I")  # groups filed under no term
        # check groups
        self._group_off = array("I", [0])
        self._group_slots = array("I")
        self._gspecs = bytearray()
        self._gspecs_text: str | None = None  # decoded on first use (see _group_check)
        # per term: the end of its exact postings filed under no other term (see
        # _make_plans, _match_array)
        self._post_once = array("I")
        # per group: its first slot, and 1 if it has more (most passing groups have one)
        self._group_first = array("I")
        self._several = b""
        #: the first group of several slots if every group from it on has several and
        #: none before it does (as :meth:`compact` numbers them), else -1
        self._multi_from = 0
        self._gspecs_off = array("I", [0])
        # term plans (see _make_plans): per term, the end of the verifying groups that
        # call their checks; per group its number of positive groups (0: calls its
        # check); per term its plan: the groups that pass unless vetoed
        # (plan[plan_off[t]:plan_keyed[t]]), then the entries with a key
        # (plan[plan_keyed[t]:plan_off[t + 1]]), whose keys are "\n"-joined UTF-8
        # (plan_keys[plan_koff[t]:plan_koff[t + 1]])
        self._post_rest = array("I")
        self._arity = b""
        self._plan_off = array("I", [0])
        self._plan_keyed = array("I")
        self._plan = array("I")
        self._plan_koff = array("I", [0])
        self._plan_keys = b""
        #: the atom keys (:func:`verifier.atom_keys`) a paper must show for the plans:
        #: TITLE_KEY / ABSTRACT_KEY if any plan tests a field's words, and every
        #: ``upvotes:`` atom (see :meth:`_shown_atoms`)
        self._plan_atoms: tuple[str, ...] = ()
        #: term number -> its :data:`_TermParts`, sliced on first use (see _term_parts)
        self._parts: _Lazy[int, _TermParts] = _Lazy(self._term_parts)
        #: group number -> its slots after the first, as bytes (see _more_slots)
        self._more: _Lazy[int, bytes] = _Lazy(self._more_slots)
        # overlay: slots added since the last compact(); the non-exact ones with their specs
        self._delta: dict[str, list[int]] = {}
        self._delta_always: list[int] = []
        self._delta_specs: dict[int, str] = {}
        self._deleted: set[int] = set()
        self._slot_of: dict[str, int] | None = None
        self._parsed: dict[int, Query] = {}
        #: group -> its compiled check, compiled on first sight (:meth:`_group_check`)
        self._gchecks = self._check_memo()
        #: vocabulary entries (:func:`_vocab_entries`) of every term a paper must show to
        #: this index; None (snapshots before PBMIDX03) means "every term"
        self._vocab_set: set[str] | None = set()
        self._vocab_pending = False  # True: _vocab_set is still to be split from the text
        self._vocab_filters: tuple[FieldVocab, bool] | None = None
        #: the vocabulary as loaded, one string (None once it changed): equal vocabularies
        #: share their filters and word memos within the process (:data:`_SHARED_VOCABS`)
        self._vocab_text: str | None = None
        self._id_lines: bytes | None = None  # the snapshot's "\n"-separated ids, if any
        #: every slot's id, decoded on first match (a tuple of strings: the garbage
        #: collector stops tracking it, so it never walks a million ids)
        self._id_list: tuple[str, ...] | None = None
        self._epoch = 0  # bumped whenever compact() renumbers the slots
        #: (query_id, error) for queries skipped by ``build(..., on_error="skip")``.
        self.errors: list[tuple[str, QueryError]] = []

    @property
    def _vocab(self) -> set[str] | None:
        """The vocabulary entries (:func:`_vocab_entries`) of every term a paper must show
        to this index; None (snapshots before PBMIDX03) means "every term". A loaded
        index splits them from the snapshot's text on first use: matching needs only
        the filters made of them, which indexes of equal vocabularies share."""
        if self._vocab_pending:
            text = self._vocab_text or ""
            self._vocab_set = set(text.split("\n")) if text else set()
            self._vocab_pending = False
        return self._vocab_set

    @_vocab.setter
    def _vocab(self, value: set[str] | None) -> None:
        self._vocab_set, self._vocab_pending = value, False

    @property
    def _ids(self) -> bytearray:
        """Every slot's id, back to back (``_ids_off``). A loaded index makes it from the
        snapshot's ids by line on first use: matching reads those (:meth:`query_ids`)."""
        blob = self._id_blob
        if blob is None:
            blob = self._id_blob = bytearray((self._id_lines or b"").replace(b"\n", b""))
        return blob

    @_ids.setter
    def _ids(self, value: bytearray) -> None:
        self._id_blob = value

    @property
    def _terms(self) -> dict[str, int]:
        """Base term -> term number (made on first use: matching does not need it)."""
        terms = self._term_dict
        if terms is None:
            names = self._names
            terms = self._term_dict = dict(zip(names[:-1], range(len(names) - 1), strict=True))
        return terms

    @_terms.setter
    def _terms(self, value: dict[str, int]) -> None:
        """Set the base terms (numbered in sorted order, as :meth:`compact` makes them)."""
        self._term_dict, self._names = value, [*value, ""]
        self._met_held, self._met_absent = {}, set()

    def _held(self, terms: set[str]) -> tuple[list[str], list[int]]:
        """The base terms among ``terms``, and their numbers: from the dict of terms if
        there is one, else by a bisection each in the sorted names (C-level ``map``s).

        Why not always a dict: a snapshot of a million stored queries holds up to
        ~650,000 distinct terms, and hashing them all into a dict is most of what
        loading it costs (~0.3 s), while a day's papers look up a few hundred terms
        each. A snapshot of at most _DICT_TERMS terms is loaded with its dict (cheap to
        make, and cheaper to ask). A bigger one remembers every term it was asked
        (its number, or that it holds none): a day's papers share most of their terms,
        so each is bisected about once a day, not once a paper (at 1M stored queries the
        bisections cost ~0.6 ms a paper).
        """
        tmap = self._term_dict
        if tmap is not None:
            hit = list(terms & tmap.keys())
            return hit, list(map(tmap.__getitem__, hit))
        met, absent = self._met_held, self._met_absent
        # (the memos are large: each set operation here walks ``terms``, never them)
        hit = list(filter(met.__contains__, terms))
        new = terms.difference(met).difference(absent)
        if new:
            if len(met) + len(absent) + len(new) > _MET_MAX:
                met.clear()
                absent.clear()
                hit, new = [], set(terms)
            names = self._names
            asked = list(new)
            at = list(map(bisect.bisect_left, itertools.repeat(names), asked,
                          itertools.repeat(0), itertools.repeat(len(names) - 1)))  # fmt: skip
            held = list(map(operator.eq, map(names.__getitem__, at), asked))
            found = list(itertools.compress(asked, held))
            met.update(zip(found, itertools.compress(at, held), strict=True))
            absent.update(itertools.compress(asked, map(operator.not_, held)))
            hit += found
        return hit, list(map(met.__getitem__, hit))

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        queries: Iterable[tuple[str, str]],
        *,
        df: Mapping[str, float] | None = None,
        on_error: Literal["raise", "skip"] = "raise",
    ) -> MatchIndex:
        """Index ``(query_id, query_text)`` pairs; a repeated id keeps its last text.

        An invalid query raises :class:`QueryError` whose message starts with the query id,
        or, with ``on_error="skip"``, is left out and listed in :attr:`errors`.
        """
        index = cls(df)
        for qid, text in queries:
            try:
                index.add(qid, text)
            except QueryError as exc:
                if on_error == "raise":
                    raise
                index.errors.append((qid, exc))
        index.compact()
        return index

    def _slots(self) -> dict[str, int]:
        if self._slot_of is None:
            self._slot_of = live_slots(bytes(self._ids), self._ids_off, self._flags, _DELETED)
        return self._slot_of

    def add(self, query_id: str, query_text: str) -> None:
        """Store (or replace) one query. Raises :class:`QueryError` naming ``query_id``."""
        try:
            q = parse_query(query_text)
        except QueryError as exc:
            raise QueryError(f"query {query_id!r}: {exc.message}", exc.position, exc.query) from exc
        plan = analyze(q.root, self._df)
        self.remove(query_id)
        slot = len(self._flags)
        self._ids += query_id.encode()
        self._ids_off.append(len(self._ids))
        self._texts += query_text.encode()
        self._texts_off.append(len(self._texts))
        self._flags.append(_EXACT if plan.exact else 0)
        self._slots()[query_id] = slot
        self._id_lines = self._id_list = None  # decoded again from the blob when needed
        keys = list(plan.terms or ())
        if not plan.exact:
            spec = check_spec(q.root)
            keys += spec_keys(spec) if spec else tree_keys(q.root)
            self._delta_specs[slot] = spec or fallback_spec(query_text)
        self._learn(keys)
        self._file(slot, plan)

    def _learn(self, keys: Iterable[str]) -> None:
        """Add the vocabulary entries of ``keys`` (papers then emit those terms too)."""
        vocab = self._vocab
        if vocab is None:
            return
        new = set(_vocab_entries(keys)) - vocab
        if new:
            vocab |= new
            self._vocab_filters = self._vocab_text = None

    def _file(self, slot: int, plan: IndexPlan) -> None:
        if plan.terms is None:
            self._delta_always.append(slot)
            return
        delta = self._delta
        for t in plan.terms:
            lst = delta.get(t)
            if lst is None:
                delta[t] = [slot]
            else:
                lst.append(slot)

    def remove(self, query_id: str) -> bool:
        """Forget a query; False if it was not stored."""
        slot = self._slots().pop(query_id, None)
        if slot is None:
            return False
        self._flags[slot] |= _DELETED
        self._deleted.add(slot)
        self._parsed.pop(slot, None)
        self._delta_specs.pop(slot, None)
        return True

    def _slot_specs(self) -> dict[int, str]:
        """The check spec of every non-exact slot (base groups and overlay)."""
        specs: dict[int, str] = {}
        goff, gslots = self._group_off, self._group_slots
        soff, blob = self._gspecs_off, self._gspecs
        for g in range(len(goff) - 1):
            spec = blob[soff[g] : soff[g + 1]].decode()
            for slot in gslots[goff[g] : goff[g + 1]]:
                specs[slot] = spec
        specs.update(self._delta_specs)
        return specs

    def _group_members(self) -> list[array[int]]:
        goff, gslots = self._group_off, self._group_slots
        return [gslots[goff[g] : goff[g + 1]] for g in range(len(goff) - 1)]

    def compact(self) -> None:
        """Fold the overlay and deletions into the flat arrays (renumbering the slots and
        regrouping the checks)."""
        if not self._delta and not self._delta_always and not self._deleted:
            return
        flags = self._flags
        n = len(flags)
        old_specs = self._slot_specs()
        members = self._group_members()
        remap = array("I", bytes(4 * n))
        new_ids, new_ids_off = bytearray(), array("I", [0])
        new_texts, new_texts_off = bytearray(), array("I", [0])
        new_flags = bytearray()
        ids, ioff, texts, toff = self._ids, self._ids_off, self._texts, self._texts_off
        dead = _DELETED
        group_of_spec: dict[str, int] = {}
        group_slots: list[list[int]] = []
        for i in range(n):
            f = flags[i]
            if f & dead:
                continue
            new = remap[i] = len(new_flags)
            new_flags.append(f)
            new_ids += ids[ioff[i] : ioff[i + 1]]
            new_ids_off.append(len(new_ids))
            new_texts += texts[toff[i] : toff[i + 1]]
            new_texts_off.append(len(new_texts))
            if not f & _EXACT:
                spec = old_specs[i]
                g = group_of_spec.get(spec)
                if g is None:
                    g = group_of_spec[spec] = len(group_slots)
                    group_slots.append([])
                group_slots[g].append(new)
        # groups of one query first, so that a group number tells which have several
        # (see _multi_from); a stable order otherwise
        order = sorted(range(len(group_slots)), key=lambda g: len(group_slots[g]) > 1)
        specs_in_order = list(group_of_spec)
        group_of_spec = {specs_in_order[g]: i for i, g in enumerate(order)}
        group_slots = [group_slots[g] for g in order]
        new_group = [0] * len(new_flags)
        for g, slots in enumerate(group_slots):
            for slot in slots:
                new_group[slot] = g

        def regroup(old: Iterable[int], verify: Iterable[int]) -> tuple[list[int], list[int]]:
            """(exact new slots, verifying new groups) of old slots and old groups."""
            live = [remap[s] for s in old if not flags[s] & dead]
            live += [remap[s] for g in verify for s in members[g] if not flags[s] & dead]
            exact = sorted({s for s in live if new_flags[s] & _EXACT})
            return exact, sorted({new_group[s] for s in live if not new_flags[s] & _EXACT})

        merged: dict[str, tuple[list[int], list[int]]] = {}
        post, off, split = self._postings, self._post_off, self._post_split
        for t, ti in self._terms.items():
            merged[t] = (list(post[off[ti] : split[ti]]), list(post[split[ti] : off[ti + 1]]))
        for t, slots in self._delta.items():
            old = merged.get(t)
            if old is None:
                merged[t] = (slots, [])
            else:
                old[0].extend(slots)
        terms: dict[str, int] = {}
        post_off, post_split, postings = array("I", [0]), array("I"), array("I")
        for t in sorted(merged):
            exact, verify = regroup(*merged[t])
            if not exact and not verify:
                continue
            terms[t] = len(terms)
            postings.extend(exact)
            post_split.append(len(postings))
            postings.extend(verify)
            post_off.append(len(postings))
        _, always = regroup(self._delta_always, self._always)
        gspecs, gspecs_off = bytearray(), array("I", [0])
        for spec in group_of_spec:  # dicts keep insertion order: group number order
            gspecs += spec.encode()
            gspecs_off.append(len(gspecs))
        self._ids, self._ids_off, self._texts, self._texts_off = (
            new_ids,
            new_ids_off,
            new_texts,
            new_texts_off,
        )
        self._flags = new_flags
        self._terms, self._post_off, self._post_split, self._postings = (
            terms,
            post_off,
            post_split,
            postings,
        )
        self._always = array("I", always)
        self._group_off = array("I", itertools.accumulate(map(len, group_slots), initial=0))
        self._group_slots = array("I", itertools.chain.from_iterable(group_slots))
        self._gspecs, self._gspecs_off = gspecs, gspecs_off
        self._gspecs_text = None
        self._delta, self._delta_always, self._delta_specs, self._deleted = {}, [], {}, set()
        self._slot_of = None
        self._parsed = {}
        self._gchecks = self._check_memo()
        self._id_lines = self._id_list = None
        self._epoch += 1
        self._make_plans()

    # -- introspection ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._flags) - len(self._deleted)

    def __contains__(self, query_id: object) -> bool:
        return isinstance(query_id, str) and query_id in self._slots()

    def _id(self, slot: int) -> str:
        off = self._ids_off
        return self._ids[off[slot] : off[slot + 1]].decode()

    def _text(self, slot: int) -> str:
        off = self._texts_off
        return self._texts[off[slot] : off[slot + 1]].decode()

    def query_text(self, query_id: str) -> str:
        """The stored text of a query (KeyError if unknown)."""
        return self._text(self._slots()[query_id])

    def items(self) -> Iterator[tuple[str, str]]:
        """(query_id, query_text) of every stored query, in slot order."""
        for slot, f in enumerate(self._flags):
            if not f & _DELETED:
                yield self._id(slot), self._text(slot)

    def stats(self) -> dict[str, int]:
        """Counts for benchmarks and logs."""
        goff = self._group_off
        return {
            "queries": len(self),
            "terms": len(self._names) - 1 + len(self._delta),
            "postings": len(self._postings) + sum(map(len, self._delta.values())),
            "always_check": sum(goff[g + 1] - goff[g] for g in self._always)
            + len(self._delta_always),
            "exact": sum(1 for f in self._flags if f == _EXACT),
            "check_groups": len(self._group_off) - 1,
        }

    # -- matching -----------------------------------------------------------------------------
    def _entry(self, slot: int) -> Query:
        """The parsed query of ``slot`` (bounded cache; highlights need the tree)."""
        q = self._parsed.get(slot)
        if q is None:
            q = parse_query(self._text(slot))
            if len(self._parsed) >= _PARSED_CACHE_MAX:
                self._parsed.clear()
            self._parsed[slot] = q
        return q

    def _check_memo(self) -> _Lazy[int, Check]:
        """group -> its check, compiled on first sight."""
        return _Lazy(self._group_check)

    def _group_spec(self, group: int) -> str:
        """The stored check spec of a base group."""
        return next(self._group_specs((group,)))

    def _group_specs(self, groups: Iterable[int]) -> Iterator[str]:
        """The stored check specs of base groups (C-level maps over the spec blob)."""
        text = self._gspecs_text
        if text is None:  # all specs decoded at once; ASCII, so byte offsets = char offsets
            blob = bytes(self._gspecs)
            text = self._gspecs_text = blob.decode() if blob.isascii() else ""
        ranges = _ranges(self._gspecs_off, groups)
        if text:
            return map(text.__getitem__, ranges)
        return map(bytearray.decode, map(self._gspecs.__getitem__, ranges))

    def _group_check(self, group: int) -> Check:
        """The check of a base group, from its stored spec (cached)."""
        return cached_check(self._group_spec(group))

    def _make_plans(self) -> None:
        """Write every term's *plan* (at build time; a snapshot stores them).

        Why: at a million stored queries a paper meets ~2,800 verifying groups, ~85% of
        them ANDs of groups of index terms, some negated (``a b``, ``a -b``, ``a b c``,
        ``a b -c``). Those are decided for all of a paper's terms at once by C-level set
        operations (:meth:`_match_slots`) from each term's plan, instead of one check
        call each. For a group filed under a term (which is in one of its positive
        groups, so present when the plan is read), the plan lists:

        * ``a -b`` (one positive group): the group, which passes unless vetoed;
        * ``a b`` (two): the keys of the other group, with the group (passes if one is
          present);
        * three to _MAX_POSITIVE positive groups: the keys of every positive group, the
          term itself for its own, each with the fact "group j of g is present" (the
          group passes if all its facts are shown);
        * the keys of its negative groups, each vetoing the group.

        The verifying part of each term's postings is reordered: first the groups that
        call their checks, then the planned ones (``_post_rest`` marks the end of the
        first). ``title:``/``abstract:`` words and ``upvotes:`` filters are planned too,
        as groups of atom keys (which the paper shows: :meth:`_shown_atoms`); a group of
        them holds no term, so a term's "own" group may be none. Each group's first
        slot and whether it has more are kept too: most passing groups have one.
        """
        n_groups = len(self._group_off) - 1
        specs = self._group_specs(range(n_groups))
        shapes = [membership_groups(spec, field_atoms=True) for spec in specs]
        arity = bytearray(n_groups)
        atoms: set[str] = set()
        for g, shape in enumerate(shapes):
            if shape is not None and 0 < len(shape[0]) <= _MAX_POSITIVE:
                arity[g] = len(shape[0])
                for key in (grp[0] for grp in itertools.chain(*shape)):
                    if key.startswith((TITLE_KEY, ABSTRACT_KEY)):
                        atoms.add(key[: len(TITLE_KEY)])
                    elif key.startswith(UPVOTES_KEY):
                        atoms.add(key)
        post, off, split = self._postings, self._post_off, self._post_split
        post_rest = array("I", split)
        plan_off, plan_keyed, plan = array("I", [0]), array("I"), array("I")
        plan_koff, plan_keys = array("I", [0]), bytearray()
        veto, fact = n_groups, 2 * n_groups
        for ti, term in enumerate(self._names[:-1]):
            start, end = split[ti], off[ti + 1]
            groups = post[start:end]
            rest = [g for g in groups if not arity[g]]
            planned = [g for g in groups if arity[g]]
            post[start:end] = array("I", rest + planned)
            post_rest[ti] = start + len(rest)
            keys: list[str] = []
            entries: list[int] = []
            for g in planned:
                positive, negative = shapes[g] or ((), ())
                own = next((j for j, grp in enumerate(positive) if term in grp), -1)
                others = [grp for j, grp in enumerate(positive) if j != own]
                if not others:
                    plan.append(g)
                elif len(others) == 1:
                    keys += others[0]
                    entries += [g] * len(others[0])
                else:
                    for j, grp in enumerate(positive):
                        items = (term,) if j == own else grp
                        keys += items
                        entries += [fact + (g << _FACT_SHIFT | j)] * len(items)
                for grp in negative:
                    keys += grp
                    entries += [veto + g] * len(grp)
            plan_keyed.append(len(plan))
            plan.extend(entries)
            plan_off.append(len(plan))
            plan_keys += "\n".join(keys).encode()
            plan_koff.append(len(plan_keys))
        self._post_rest, self._arity = post_rest, bytes(arity)
        self._plan_off, self._plan_keyed, self._plan = plan_off, plan_keyed, plan
        self._plan_koff, self._plan_keys = plan_koff, bytes(plan_keys)
        self._plan_atoms = tuple(sorted(atoms))
        self._parts = _Lazy(self._term_parts)
        self._more = _Lazy(self._more_slots)
        # exact postings: first the queries filed under no other term (see _match_array)
        exacts = map(post.__getitem__, map(slice, off[:-1], split))
        filed = Counter(itertools.chain.from_iterable(exacts))
        post_once = array("I", off[:-1])
        for ti in range(len(split)):
            start, end = off[ti], split[ti]
            if start < end:
                exact = post[start:end]
                once = [s for s in exact if filed[s] == 1]
                post[start:end] = array("I", once + [s for s in exact if filed[s] > 1])
                post_once[ti] = start + len(once)
        self._post_once = post_once
        goff = self._group_off
        self._group_first = array("I", map(self._group_slots.__getitem__, goff[:-1]))
        self._several = bytes(map((1).__lt__, map(operator.sub, goff[1:], goff)))
        self._multi_from = _multi_from(self._several)

    @staticmethod
    def _shown_atoms(ap: AnalyzedPaper, atoms: Iterable[str]) -> set[str]:
        """The atom keys among ``atoms`` that the paper shows: a ``title:`` /
        ``abstract:`` word key (TITLE_KEY / ABSTRACT_KEY + the key) its field holds, or an
        ``upvotes:`` atom it passes.

        Why only the atoms asked: a paper's plans test a handful of them, while writing
        every title and abstract key out behind its field's atom prefix (~150 new
        strings) cost more than the rest of matching the paper at 1k stored queries."""
        fields = ap.field_keys()
        shown: set[str] = set()
        for atom in atoms:
            if atom.startswith(TITLE_KEY):
                if atom[len(TITLE_KEY) :] in fields[0]:
                    shown.add(atom)
            elif atom.startswith(ABSTRACT_KEY):
                if atom[len(ABSTRACT_KEY) :] in fields[1]:
                    shown.add(atom)
            elif upvotes_holds(atom, ap.upvotes):
                shown.add(atom)
        return shown

    def _term_parts(self, ti: int) -> _TermParts:
        """Term ``ti``'s :data:`_TermParts` (made on first use, then kept).

        Why: a day's papers meet the same terms again and again (a held term ~3.6 times
        a day of 500 papers at 10k stored queries, ~2.3 times at 1M), and a paper reads
        five runs of the flat arrays per term. Slicing them once per term leaves a paper one
        C-level map of an ``itemgetter`` per part, instead of several maps of
        offsets and a new array per run, most of them empty."""
        off, once, split, rest = self._post_off, self._post_once, self._post_split, self._post_rest
        poff, keyed, plan, post = self._plan_off, self._plan_keyed, self._plan, self._postings
        koff = self._plan_koff
        start, end = koff[ti], koff[ti + 1]
        keys: tuple[str, ...] = ()
        atoms: tuple[str, ...] = ()
        if start < end:  # the plan's keys, "\n"-joined, and the atom keys among them
            text = self._plan_keys[start:end].decode()
            keys = tuple(text.split("\n"))
            if _ATOM_START in text:
                atoms = tuple(set(_ATOM_KEYS_RE.findall(text)))
        return (
            post[off[ti] : once[ti]].tobytes(),
            post[once[ti] : split[ti]],
            post[split[ti] : rest[ti]],
            plan[poff[ti] : keyed[ti]],
            plan[keyed[ti] : poff[ti + 1]],
            keys,
            atoms,
        )

    def _more_slots(self, group: int) -> bytes:
        """The slots of a group of several after its first (made on first use, then
        kept). Why bytes kept per group: a paper at 1M stored queries passes ~230 groups
        of several slots, and a slice of the group slots for each made ~115,000 new
        objects a day of 500 papers, which the garbage collector tracks."""
        off = self._group_off
        return self._group_slots[off[group] + 1 : off[group + 1]].tobytes()

    def _overlay_check(self, slot: int) -> Check:
        """The check of a query added since the last compact()."""
        return cached_check(self._delta_specs[slot])

    def paper_terms(self, ap: AnalyzedPaper) -> set[str]:
        """The index terms of ``ap`` that this index can use: its words and hyphen
        compounds, categories and source, and only those bigrams, ``*``-beginnings and
        glued compounds ("downstream model" -> ``downstreammodel``) the index may ask for
        (:class:`text_terms.FieldVocab`): a subset of :func:`paper_terms`, which matches
        exactly the same queries of this index. Kept on the analyzed paper for this
        index's vocabulary; its fields' keys (:meth:`AnalyzedPaper.field_keys`) are
        filtered alike, for the words and phrase compounds its checks look up."""
        filters = self._vocab_filters
        if filters is None:
            text = self._vocab_text
            if text is not None:  # as loaded: shared with equal vocabularies
                filters = _SHARED_VOCABS[text]
            elif self._vocab is None:
                return paper_terms(ap)
            else:
                filters = _field_vocabs(self._vocab)
            if not filters[0].holds_glued(self._names[:-1]):
                # the mark without every term's entries: a vocabulary of an older
                # snapshot that learned new queries' entries (make every glued compound)
                filters = _filters(self._vocab or set(), None)
            self._vocab_filters = filters
        if ap.terms_for is filters and ap.vocab_terms is not None:
            return ap.vocab_terms
        terms = ap.vocab_terms = _analyzed_terms(ap, *filters)
        ap.terms_for = filters
        return terms

    def _presearch(
        self, terms: set[str], record: _ExactRecord | None = None
    ) -> tuple[set[int], set[int], list[int]]:
        """Slots proven by an exact index term, groups that need verification, and
        overlay slots that need verification.

        With ``record``, also appends (term, exact slots) for every exact posting found.
        """
        exact: set[int] = set()
        groups: set[int] = set(self._always)
        off, split, post = self._post_off, self._post_split, self._postings
        hit, numbers = self._held(terms)
        if record is None:  # every term's postings in C-level maps, no Python step per term
            starts, splits = map(off.__getitem__, numbers), map(split.__getitem__, numbers)
            ends = map(off.__getitem__, map((1).__add__, numbers))
            splits_list = list(splits)
            chunks = map(post.__getitem__, map(slice, starts, splits_list))
            exact.update(itertools.chain.from_iterable(chunks))
            rests = map(post.__getitem__, map(slice, splits_list, ends))
            groups.update(itertools.chain.from_iterable(rests))
        else:
            for t, ti in zip(hit, numbers, strict=True):
                a, s, b = off[ti], split[ti], off[ti + 1]
                if a < s:
                    chunk = post[a:s]
                    exact.update(chunk)
                    record.append((t, chunk))
                if s < b:
                    groups.update(post[s:b])
        return exact, groups, self._overlay_candidates(terms, exact, record)

    def candidates(self, ap: AnalyzedPaper) -> tuple[set[int], set[int]]:
        """Presearch: (slots matched by an exact term, slots that need verification)."""
        exact, groups, overlay = self._presearch(self.paper_terms(ap))
        verify = set(_runs(self._group_slots, self._group_off, groups))
        verify.update(overlay)
        if self._deleted:
            verify -= self._deleted
            exact -= self._deleted
        return exact, verify

    def _match_slots(self, ap: AnalyzedPaper, record: _ExactRecord | None = None) -> set[int]:
        """Every matching slot, as a set; with ``record``, also (term, exact slots) for
        every exact posting found (for highlights)."""
        if record is None:
            return set(self._match_array(ap))
        terms = self.paper_terms(ap)
        hit, numbers = self._held(terms)
        off, split, post = self._post_off, self._post_split, self._postings
        found: set[int] = set()
        for t, ti in zip(hit, numbers, strict=True):
            if off[ti] < split[ti]:
                chunk = post[off[ti] : split[ti]]
                found.update(chunk)
                record.append((t, chunk))
        passed = self._passed_groups(ap, terms, list(map(self._parts.__getitem__, numbers)))
        found.update(_runs(self._group_slots, self._group_off, passed))
        return self._with_overlay(ap, terms, found, record)

    def _match_array(self, ap: AnalyzedPaper) -> array[int]:
        """Every matching slot, once each, in no order, as machine integers.

        Why an array: at a million stored queries a paper matches ~11,000 of them, and
        putting each into a Python set costs more than finding them. Most need no
        set: a query filed under one term only (:meth:`_make_plans` puts those first in
        its exact postings, up to ``_post_once``) is found once, and a check group's
        slots belong to no other group and to no exact posting; their runs are copied
        as bytes. Only exact queries filed under several terms (``a OR b``, words with
        joins, phrases with a compound) go through a set.
        """
        terms = self.paper_terms(ap)
        parts = list(map(self._parts.__getitem__, self._held(terms)[1]))
        shared = set(itertools.chain.from_iterable(map(_SHARED, parts)))
        passed = self._passed_groups(ap, terms, parts)
        runs = [*map(_ONCE, parts)]
        # the rest of the groups of several slots, as bytes kept per group
        multi_from = self._multi_from
        if multi_from >= 0:  # by number: no look at the groups' sizes (cache misses)
            several = list(filter(multi_from.__le__, passed))
        else:
            several = list(itertools.compress(passed, map(self._several.__getitem__, passed)))
        runs += map(self._more.__getitem__, several)  # the first slots are below
        out = array("I", map(self._group_first.__getitem__, passed))
        out.frombytes(b"".join(runs))
        out.extend(shared)
        if self._delta or self._delta_always or self._deleted:
            found = self._with_overlay(ap, terms, set(out), None)
            out = array("I", found)
        return out

    def _passed_groups(
        self, ap: AnalyzedPaper, terms: set[str], parts: list[_TermParts]
    ) -> set[int]:
        """The check groups of the base index that pass, for the paper's terms' parts:
        those of the terms' plans decided by C-level set operations (see
        :meth:`_make_plans`), the rest by their checks."""
        check: set[int] = set(self._always)
        check.update(itertools.chain.from_iterable(map(_CHECKS, parts)))
        # groups with one positive group (the term's): pass unless vetoed
        passed = set(itertools.chain.from_iterable(map(_PASSES, parts)))
        entries = itertools.chain.from_iterable(map(_ENTRIES, parts))
        keys = list(itertools.chain.from_iterable(map(_KEYS, parts)))
        present = map(terms.__contains__, keys)
        if self._plan_atoms:
            atoms = set(itertools.chain.from_iterable(map(_ATOMS, parts)))
            shown_atoms = self._shown_atoms(ap, atoms) if atoms else None
            if shown_atoms and len(keys) < len(terms):
                # atom keys are never paper terms: a key is in either set (few keys: a
                # second lookup each is cheaper than a copy of the paper's terms)
                present = map(operator.or_, present, map(shown_atoms.__contains__, keys))
            elif shown_atoms:  # many keys (~4,000 a paper at 1M): one copy is cheaper
                present = map((terms | shown_atoms).__contains__, keys)
        shown = list(itertools.compress(entries, present))
        if shown:
            n_groups = len(self._arity)
            passed.update(filter(n_groups.__gt__, shown))  # ``a b``: the other one is present
            more = list(filter(n_groups.__le__, shown))
            if more:
                vetoes, fact = n_groups, 2 * n_groups
                facts = set(map(fact.__rsub__, filter(fact.__le__, more)))
                if facts:  # all positive groups present
                    counts = Counter(map(operator.rshift, facts, itertools.repeat(_FACT_SHIFT)))
                    full = map(operator.eq, counts.values(), map(self._arity.__getitem__, counts))
                    passed.update(itertools.compress(counts, full))
                passed.difference_update(map(vetoes.__rsub__, filter(fact.__gt__, more)))
        if check:
            # each group's check (compiled on first sight), called from a C-level map
            order = list(check)
            fns = map(self._gchecks.__getitem__, order)
            results = map(operator.call, fns, itertools.repeat(terms), itertools.repeat(ap))
            passed.update(itertools.compress(order, results))
        return passed

    def _with_overlay(
        self, ap: AnalyzedPaper, terms: set[str], found: set[int], record: _ExactRecord | None
    ) -> set[int]:
        """``found`` with the matching queries added since the last compact, less the
        removed ones."""
        overlay = self._overlay_candidates(terms, found, record)
        for slot in overlay:
            if self._overlay_check(slot)(terms, ap):
                found.add(slot)
        if self._deleted:
            found -= self._deleted
        return found

    def _overlay_candidates(
        self, terms: set[str], found: set[int], record: _ExactRecord | None
    ) -> list[int]:
        """Add the exact overlay slots of ``terms`` to ``found`` (and ``record``); return
        the overlay slots that need their checks (queries added since the last compact)."""
        delta = self._delta
        if not delta and not self._delta_always:
            return []
        flags = self._flags
        others: set[int] = set(self._delta_always)
        for t in terms & delta.keys():
            hits = [slot for slot in delta[t] if flags[slot] & _EXACT]
            found.update(hits)
            others.update(slot for slot in delta[t] if not flags[slot] & _EXACT)
            if record is not None and hits:
                record.append((t, hits))
        return sorted(others)

    def query_ids(self, slots: list[int]) -> list[str]:
        """The ids of the queries in ``slots`` (from :meth:`match_slots`), in that order.

        Every id is decoded once, on first use, and then kept.
        """
        id_list = self._id_list
        if id_list is None:
            if self._id_lines is not None:
                id_list = tuple(self._id_lines.decode().split("\n")) if self._flags else ()
            else:
                blob = bytes(self._ids)
                every = _ranges(self._ids_off, range(len(self._flags)))
                id_list = tuple(map(bytes.decode, map(blob.__getitem__, every)))
            self._id_list = id_list
        if len(slots) < 2:
            return [id_list[s] for s in slots]
        return list(operator.itemgetter(*slots)(id_list))

    def query_texts(self, slots: Iterable[int]) -> list[str]:
        """The stored texts of the queries in ``slots`` (from :meth:`match_slots`)."""
        return list(map(self._text, slots))

    def match_slots(self, paper: Paper | AnalyzedPaper) -> list[int]:
        """The slots (storage positions) of every stored query that matches ``paper``,
        ascending; :meth:`query_ids` turns them into ids.

        Why: at a million stored queries a paper matches thousands of them, and handing
        out numbers is cheaper than handing out strings when the caller groups, counts
        or stores them. Slots stay valid until the next :meth:`compact` (which
        :meth:`to_snapshot` and :meth:`build` call).
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return sorted(self._match_array(ap))

    def match_slot_set(self, paper: Paper | AnalyzedPaper) -> set[int]:
        """The slots of :meth:`match_slots` as a set, in no order (a new set: the
        caller's to keep or change).

        Why: at a million stored queries a paper matches ~11,000 of them, and sorting
        them is a large part of matching it; a caller that groups or counts the matches
        does not need storage order.
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return set(self._match_array(ap))

    def match_slot_array(self, paper: Paper | AnalyzedPaper) -> array[int]:
        """The slots of :meth:`match_slots` as an ``array('I')``, each once, in no order
        (a new array: the caller's).

        Why: the cheapest way out for many matches (~11,000 a paper at a million stored
        queries): most are copied as runs of machine integers, with no Python object
        per match (see :meth:`_match_array`), as a search engine hands out a doc set.
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return self._match_array(ap)

    def match_ids(self, paper: Paper | AnalyzedPaper) -> list[str]:
        """Ids of every stored query that matches ``paper``, in storage order.

        The cheapest way to ask "who matched": no highlights, no :class:`QueryHit` objects.
        """
        return self.query_ids(self.match_slots(paper))

    def match(self, paper: Paper | AnalyzedPaper) -> list[QueryHit]:
        """Every stored query that matches ``paper``, in storage order.

        Each hit's ``highlights`` are computed when first read (then kept), so they cost
        nothing for hits nobody looks at; the values are exactly those of
        :func:`matcher.evaluate` for the query text stored at the time of this call.
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        record: _ExactRecord = []
        slots = sorted(self._match_slots(ap, record))
        source = _HitSource(self, ap, record).highlights
        return [
            QueryHit(qid, source=source, slot=s)
            for qid, s in zip(self.query_ids(slots), slots, strict=True)
        ]

    def highlight(self, query_id: str, paper: Paper | AnalyzedPaper) -> Highlights | None:
        """Highlights of one stored query in ``paper``; None if it does not match (or is
        not stored)."""
        slot = self._slots().get(query_id)
        if slot is None:
            return None
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return evaluate(self._entry(slot).root, ap)

    def _vocab_of_queries(self) -> set[str]:
        """The vocabulary of every stored query: their terms and their checks' keys."""
        keys = self._names[:-1]
        off, blob = self._gspecs_off, self._gspecs
        for g in range(len(off) - 1):
            spec = blob[off[g] : off[g + 1]].decode()
            if spec.startswith(_FALLBACK):
                keys += tree_keys(parse_query(spec[len(_FALLBACK) :]).root)
            else:
                keys += spec_keys(spec)
        return set(_vocab_entries(keys))

    # -- snapshot -------------------------------------------------------------------------------
    def to_snapshot(self) -> bytes:
        """A compact binary image of the index (no pickle): header + flat arrays."""
        self.compact()
        if self._vocab is None:  # loaded from an old format: learn it now
            self._vocab = self._vocab_of_queries()
        terms_blob = "\n".join(self._names[:-1]).encode()
        vocab_blob = "\n".join(sorted(_stored_vocab(self._vocab or set()))).encode()
        atoms_blob = "\n".join(self._plan_atoms).encode()
        ids = bytes(self._ids)
        flags = 0
        if b"\n" not in ids:  # then the ids split by line in one call at load
            off = self._ids_off
            ids = b"\n".join(map(ids.__getitem__, _ranges(off, range(len(self._flags)))))
            flags |= _IDS_BY_LINE
        parts = [
            _HEADER.pack(
                _MAGIC,
                0 if sys.byteorder == "little" else 1,
                flags,
                len(self._flags),
                len(self._names) - 1,
                len(self._postings),
                len(self._always),
                len(self._group_off) - 1,
                len(self._group_slots),
                len(ids),
                len(self._texts),
                len(terms_blob),
                len(self._gspecs),
                len(vocab_blob),
                len(self._plan),
                len(self._plan_keys),
                len(atoms_blob),
            ),
            self._ids_off.tobytes(),
            ids,
            self._texts_off.tobytes(),
            bytes(self._texts),
            bytes(self._flags),
            terms_blob,
            self._post_off.tobytes(),
            self._post_split.tobytes(),
            self._postings.tobytes(),
            self._always.tobytes(),
            self._group_off.tobytes(),
            self._group_slots.tobytes(),
            self._gspecs_off.tobytes(),
            bytes(self._gspecs),
            vocab_blob,
            self._post_rest.tobytes(),
            self._arity,
            self._plan_off.tobytes(),
            self._plan_keyed.tobytes(),
            self._plan.tobytes(),
            self._plan_koff.tobytes(),
            self._plan_keys,
            atoms_blob,
            self._post_once.tobytes(),
            self._group_first.tobytes(),
            self._several,
        ]
        return b"".join(parts)

    @classmethod
    def from_snapshot(cls, data: bytes, *, df: Mapping[str, float] | None = None) -> MatchIndex:
        """Load an index written by :meth:`to_snapshot` (ValueError if it is not one)."""
        magic = data[:8]
        if magic in (_MAGIC_V1, _MAGIC_V2):
            return cls._from_old_snapshot(data, df)
        planned = magic == _MAGIC
        header = _HEADER if planned else _HEADER_V3
        if len(data) < header.size:
            raise ValueError("not a paperbell match-index snapshot (too short)")
        (magic, order, flags, n, n_terms, n_post, n_always, n_groups, n_gslots, n_ids,
         n_texts, n_tblob, n_specs, n_vocab, *n_plan) = header.unpack_from(data)  # fmt: skip
        if magic not in (_MAGIC, _MAGIC_V3):
            raise ValueError("not a paperbell match-index snapshot (bad magic)")
        reader = SnapshotReader(data, header.size, order, "match-index")
        take = reader.take

        def arr(count: int) -> array[int]:
            return reader.arr("I", count)

        index = cls(df)
        index._ids_off = arr(n + 1)
        if flags & _IDS_BY_LINE:
            index._id_lines = bytes(take(n_ids))
            index._id_blob = None
            n_id_bytes = n_ids - max(n - 1, 0)  # less the "\n" between them
        else:
            index._ids = bytearray(take(n_ids))
            n_id_bytes = n_ids
        index._texts_off = arr(n + 1)
        index._texts = bytearray(take(n_texts))
        index._flags = bytearray(take(n))
        index._names = _term_names(take(n_tblob), n_terms, check_order=not planned)
        index._term_dict = None  # made on first use, or now for a small index:
        if n_terms <= _DICT_TERMS:
            index._terms  # noqa: B018 - the property makes the dict
        index._post_off = arr(n_terms + 1)
        index._post_split = arr(n_terms)
        index._postings = arr(n_post)
        index._always = arr(n_always)
        index._group_off = arr(n_groups + 1)
        index._group_slots = arr(n_gslots)
        index._gspecs_off = arr(n_groups + 1)
        index._gspecs = bytearray(take(n_specs))
        index._vocab_text = str(take(n_vocab), "utf-8")
        index._vocab_pending = True
        if planned:
            n_facts, n_keys, n_atoms = n_plan
            index._post_rest = arr(n_terms)
            index._arity = bytes(take(n_groups))
            index._plan_off = arr(n_terms + 1)
            index._plan_keyed = arr(n_terms)
            index._plan = arr(n_facts)
            index._plan_koff = arr(n_terms + 1)
            index._plan_keys = bytes(take(n_keys))
            atoms = str(take(n_atoms), "utf-8")
            index._plan_atoms = tuple(atoms.split("\n")) if atoms else ()
            index._post_once = arr(n_terms)
            index._group_first = arr(n_groups)
            index._several = bytes(take(n_groups))
            index._multi_from = _multi_from(index._several)
        reader.check_end()
        if n_id_bytes != index._ids_off[-1]:
            raise ValueError("corrupt match-index snapshot (ids)")
        if not planned:  # PBMIDX03: made now (written back as 04)
            index._make_plans()
        return index

    @classmethod
    def _from_old_snapshot(cls, data: bytes, df: Mapping[str, float] | None) -> MatchIndex:
        """Load PBMIDX01/02: one check group per non-exact query, every paper term."""
        v1 = data[:8] == _MAGIC_V1
        header_struct = _HEADER_V1 if v1 else _HEADER_V2
        if len(data) < header_struct.size:
            raise ValueError("not a paperbell match-index snapshot (too short)")
        header = header_struct.unpack_from(data)
        if v1:
            header = (*header, 0)
        _, order, n, n_terms, n_post, n_always, n_ids, n_texts, n_tblob, n_specs = header
        reader = SnapshotReader(data, header_struct.size, order, "match-index")
        take = reader.take

        def arr(count: int) -> array[int]:
            return reader.arr("I", count)

        index = cls(df)
        index._vocab = None
        index._ids_off = arr(n + 1)
        index._ids = bytearray(take(n_ids))
        index._texts_off = arr(n + 1)
        index._texts = bytearray(take(n_texts))
        if v1:  # no specs: every candidate is verified from its parsed text
            specs_off, specs = array("I", bytes(4 * (n + 1))), b""
        else:
            specs_off, specs = arr(n + 1), bytes(take(n_specs))
        index._flags = bytearray(take(n))
        index._names = _term_names(take(n_tblob), n_terms, check_order=True)
        index._term_dict = None
        index._post_off = arr(n_terms + 1)
        index._post_split = arr(n_terms)
        postings = arr(n_post)
        always = arr(n_always)
        reader.check_end()
        flags = index._flags
        others = [s for s in range(n) if not flags[s] & _EXACT]
        group_of = array("I", bytes(4 * n))
        gspecs, gspecs_off = bytearray(), array("I", [0])
        for g, slot in enumerate(others):
            group_of[slot] = g
            spec = specs[specs_off[slot] : specs_off[slot + 1]]
            gspecs += spec or fallback_spec(index._text(slot)).encode()
            gspecs_off.append(len(gspecs))
        off, split = index._post_off, index._post_split
        for ti in range(n_terms):
            for p in range(split[ti], off[ti + 1]):
                postings[p] = group_of[postings[p]]
        index._postings = postings
        index._always = array("I", [group_of[s] for s in always])
        index._group_off = array("I", range(len(others) + 1))
        index._group_slots = array("I", others)
        index._gspecs, index._gspecs_off = gspecs, gspecs_off
        index._make_plans()
        return index


def _term_names(blob: memoryview, count: int, *, check_order: bool) -> list[str]:
    """The snapshot's "\n"-separated term names (sorted: a term's number is its place),
    and "" after them (see ``MatchIndex._held``). With ``check_order`` (formats before
    PBMIDX04, which did not promise it), a list out of order is refused."""
    names = str(blob, "utf-8").split("\n") if count else []
    if len(names) != count:
        raise ValueError("corrupt match-index snapshot (term count)")
    if check_order and not all(map(operator.lt, names, itertools.islice(names, 1, None))):
        raise ValueError("match-index snapshot with unsorted terms (rebuild it)")
    names.append("")
    return names
