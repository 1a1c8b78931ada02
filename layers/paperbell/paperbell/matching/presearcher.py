"""The stored-query index (Lucene Monitor / Elasticsearch percolator style).

Why: with up to a million stored queries, checking each against every new paper is far too
slow. Each query is parsed once when stored, :mod:`query_analyzer` files it under a few
index terms, and a paper only meets the queries filed under terms it contains
(*candidates*). Candidates that are *exact* (the term proves the match) are reported
straight away; the rest are verified by a compiled check (:mod:`verifier`: mostly set
membership in the paper's term set), parsed and compiled on first sight and cached.
Highlights are not needed to decide a match, so :meth:`MatchIndex.match_ids` returns ids
only and :meth:`MatchIndex.match` returns hits whose highlights are computed when read.

Memory layout (the goals are <= 300 bytes per stored query and a snapshot that loads in
well under a second for 1M queries, inside a Lambda):

* query ids and query texts live in two UTF-8 blobs with ``array('I')`` offsets — no
  Python object per query. A query is parsed again only when it is a candidate that needs
  verification (with a bounded cache of parsed queries);
* postings are CSR arrays: ``terms`` (dict term -> term number), ``post_off`` /
  ``post_split`` / ``postings``; for term ``t`` the exact queries are
  ``postings[post_off[t]:post_split[t]]`` and those needing verification
  ``postings[post_split[t]:post_off[t+1]]``, so the hot loop splits them without looking
  at each query;
* changes after a build or load go to a small overlay (dict of lists) plus a deleted set,
  folded into the arrays by :meth:`MatchIndex.compact` (called by ``to_snapshot``).

The snapshot is these arrays written back to back (``array.tobytes``), so loading is a
few memory copies plus one dict of distinct terms.
"""

from __future__ import annotations

import itertools
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from paperbell.errors import QueryError
from paperbell.models import Paper
from paperbell.snapshot_reader import SnapshotReader

from .matcher import (
    EMPTY_HIGHLIGHTS,
    AnalyzedPaper,
    Highlights,
    QueryHit,
    evaluate,
    highlights_of,
)
from .normalize import BOUNDARY, FieldTokens, Memo
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
from .verifier import Check, check_from_spec, check_spec, compile_check

__all__ = ["MatchIndex", "paper_terms"]

_EXACT = 1
_DELETED = 2
_MAGIC = b"PBMIDX02"
# magic, byteorder, n, T, P, always, ids, texts, terms, specs
_HEADER = struct.Struct("<8sB3xQQQQQQQQ")
#: The format before check specs; still read, so a deploy does not strand the stored one.
_MAGIC_V1 = b"PBMIDX01"
_HEADER_V1 = struct.Struct("<8sB3xQQQQQQQ")
_PARSED_CACHE_MAX = 100_000


def _prefix_terms(surface: str) -> tuple[str, ...]:
    """``*`` + every beginning of 3..PREFIX_MAX letters of one word (memoized below)."""
    top = min(len(surface), PREFIX_MAX)
    return tuple(PREFIX_NS + surface[:k] for k in range(PREFIX_MIN, top + 1))


_PREFIX_TERMS: Memo[tuple[str, ...]] = Memo(_prefix_terms)


def _field_terms(ft: FieldTokens, out: set[str]) -> None:
    """Add one field's index terms to ``out`` (C-level ``map``/``update`` calls, except
    for the hyphen compounds' beginnings that run past their first word: "pre-training"
    -> ``*pret`` .. ``*pretrain``)."""
    keys = ft.keys
    out.update(keys)
    out.update(ft.comp_keys)
    out.update(map(" ".join, itertools.pairwise(keys)))
    out.update(itertools.chain.from_iterable(map(_PREFIX_TERMS.__getitem__, set(ft.surfaces))))
    if not ft.hyphen_comps:
        return
    surfaces, firsts, lasts = ft.surfaces, ft.comp_first, ft.comp_last
    for j in ft.hyphen_comps:
        first = firsts[j]
        head, joined = len(surfaces[first]), "".join(surfaces[first : lasts[j] + 1])
        if head < PREFIX_MAX:
            top = min(len(joined), PREFIX_MAX)
            out.update([PREFIX_NS + joined[:k] for k in range(max(head + 1, PREFIX_MIN), top + 1)])


def paper_terms(ap: AnalyzedPaper) -> set[str]:
    """Every index term a paper contains (the query side is in :mod:`query_analyzer`).

    Computed once per analyzed paper and kept on it (read-only for callers): word keys,
    compound keys, adjacent key pairs ``"a b"``, ``*``-beginnings of title and abstract; the
    same with an ``@`` for authors; ``#``-categories and the ``!``-source.
    """
    terms = ap.index_terms
    if terms is not None:
        return terms
    terms = set()
    _field_terms(ap.title, terms)
    _field_terms(ap.abstract, terms)
    if ap.author.keys:
        author: set[str] = set()
        _field_terms(ap.author, author)
        author.discard(BOUNDARY)
        terms.update(map(AUTHOR_NS.__add__, author))
    terms.discard("")
    terms.discard(AUTHOR_NS)
    terms.update(map(CATEGORY_NS.__add__, ap.categories))
    if ap.source:
        terms.add(SOURCE_NS + ap.source)
    ap.index_terms = terms
    return terms


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
            root = index._entry(slot)[0].root
        else:
            off = self.texts_off
            root = parse_query(self.texts[off[slot] : off[slot + 1]].decode()).root
        return highlights_of(root, self.ap)  # a hit: it matched, no need to re-check


class MatchIndex:
    """Stored queries, matched against papers through a term index. See module docstring."""

    def __init__(self, df: Mapping[str, float] | None = None) -> None:
        self._df = df
        self._ids = bytearray()
        self._ids_off = array("I", [0])
        self._texts = bytearray()
        self._texts_off = array("I", [0])
        self._specs = bytearray()  # verifier.check_spec of each query ("" for exact ones)
        self._specs_off = array("I", [0])
        self._flags = bytearray()
        # base (compacted) postings
        self._terms: dict[str, int] = {}
        self._post_off = array("I", [0])
        self._post_split = array("I")
        self._postings = array("I")
        self._always = array("I")
        # overlay
        self._delta: dict[str, list[int]] = {}
        self._delta_always: list[int] = []
        self._deleted: set[int] = set()
        self._slot_of: dict[str, int] | None = None
        self._parsed: dict[int, tuple[Query, Check]] = {}
        self._checks: dict[int, Check] = {}
        self._epoch = 0  # bumped whenever compact() renumbers the slots
        #: (query_id, error) for queries skipped by ``build(..., on_error="skip")``.
        self.errors: list[tuple[str, QueryError]] = []

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
            ids, off, flags = bytes(self._ids), self._ids_off, self._flags
            self._slot_of = {
                ids[off[i] : off[i + 1]].decode(): i
                for i in range(len(flags))
                if not flags[i] & _DELETED
            }
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
        if not plan.exact:
            self._specs += check_spec(q.root).encode()
        self._specs_off.append(len(self._specs))
        self._flags.append(_EXACT if plan.exact else 0)
        self._slots()[query_id] = slot
        self._file(slot, plan)

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
        self._checks.pop(slot, None)
        return True

    def compact(self) -> None:
        """Fold the overlay and deletions into the flat arrays (renumbering the slots)."""
        if not self._delta and not self._delta_always and not self._deleted:
            return
        flags = self._flags
        n = len(flags)
        remap = array("I", bytes(4 * n))
        new_ids, new_ids_off = bytearray(), array("I", [0])
        new_texts, new_texts_off = bytearray(), array("I", [0])
        new_specs, new_specs_off = bytearray(), array("I", [0])
        new_flags = bytearray()
        ids, ioff, texts, toff = self._ids, self._ids_off, self._texts, self._texts_off
        specs, soff = self._specs, self._specs_off
        dead = _DELETED
        for i in range(n):
            f = flags[i]
            if f & dead:
                continue
            remap[i] = len(new_flags)
            new_flags.append(f)
            new_ids += ids[ioff[i] : ioff[i + 1]]
            new_ids_off.append(len(new_ids))
            new_texts += texts[toff[i] : toff[i + 1]]
            new_texts_off.append(len(new_texts))
            new_specs += specs[soff[i] : soff[i + 1]]
            new_specs_off.append(len(new_specs))
        # merge postings: base + delta, dropping deleted slots, exact ones first
        merged: dict[str, list[int]] = {}
        post, off = self._postings, self._post_off
        for t, ti in self._terms.items():
            merged[t] = list(post[off[ti] : off[ti + 1]])
        for t, slots in self._delta.items():
            lst = merged.get(t)
            if lst is None:
                merged[t] = slots
            else:
                lst += slots
        terms: dict[str, int] = {}
        post_off, post_split, postings = array("I", [0]), array("I"), array("I")
        for t in sorted(merged):
            live = [remap[s] for s in merged[t] if not flags[s] & dead]
            if not live:
                continue
            exact = sorted(s for s in live if new_flags[s] & _EXACT)
            other = sorted(s for s in live if not new_flags[s] & _EXACT)
            terms[t] = len(terms)
            postings.extend(exact)
            post_split.append(len(postings))
            postings.extend(other)
            post_off.append(len(postings))
        always = array(
            "I",
            sorted(
                remap[s] for s in list(self._always) + self._delta_always if not flags[s] & dead
            ),
        )
        self._ids, self._ids_off, self._texts, self._texts_off = (
            new_ids,
            new_ids_off,
            new_texts,
            new_texts_off,
        )
        self._specs, self._specs_off = new_specs, new_specs_off
        self._flags = new_flags
        self._terms, self._post_off, self._post_split, self._postings = (
            terms,
            post_off,
            post_split,
            postings,
        )
        self._always = always
        self._delta, self._delta_always, self._deleted = {}, [], set()
        self._slot_of = None
        self._parsed = {}
        self._checks = {}
        self._epoch += 1

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
        return {
            "queries": len(self),
            "terms": len(self._terms) + len(self._delta),
            "postings": len(self._postings) + sum(map(len, self._delta.values())),
            "always_check": len(self._always) + len(self._delta_always),
            "exact": sum(1 for f in self._flags if f == _EXACT),
        }

    # -- matching -----------------------------------------------------------------------------
    def _entry(self, slot: int) -> tuple[Query, Check]:
        """The parsed query of ``slot`` and its compiled check (bounded cache)."""
        entry = self._parsed.get(slot)
        if entry is None:
            q = parse_query(self._text(slot))
            entry = (q, compile_check(q.root))
            if len(self._parsed) >= _PARSED_CACHE_MAX:
                self._parsed.clear()
            self._parsed[slot] = entry
        return entry

    def _check(self, slot: int) -> Check:
        """The verification check of ``slot``: from its stored spec when it has one (no
        parsing), else compiled from the parsed text (bounded cache)."""
        check = self._checks.get(slot)
        if check is None:
            off = self._specs_off
            spec = self._specs[off[slot] : off[slot + 1]]
            check = check_from_spec(spec.decode()) if spec else self._entry(slot)[1]
            if len(self._checks) >= _PARSED_CACHE_MAX:
                self._checks.clear()
            self._checks[slot] = check
        return check

    def _presearch(
        self, terms: set[str], record: _ExactRecord | None = None
    ) -> tuple[set[int], set[int]]:
        """Slots proven by an exact index term, and slots that need verification.

        With ``record``, also appends (term, exact slots) for every exact posting found.
        """
        exact: set[int] = set()
        verify: set[int] = set(self._always)
        tmap = self._terms
        off, split, post = self._post_off, self._post_split, self._postings
        for t in terms & tmap.keys():
            ti = tmap[t]
            a, s, b = off[ti], split[ti], off[ti + 1]
            if a < s:
                chunk = post[a:s]
                exact.update(chunk)
                if record is not None:
                    record.append((t, chunk))
            if s < b:
                verify.update(post[s:b])
        delta = self._delta
        if delta or self._delta_always:
            flags = self._flags
            for t in terms & delta.keys():
                hits = [slot for slot in delta[t] if flags[slot] & _EXACT]
                exact.update(hits)
                verify.update(slot for slot in delta[t] if not flags[slot] & _EXACT)
                if record is not None and hits:
                    record.append((t, hits))
            verify.update(self._delta_always)
        if self._deleted:
            verify -= self._deleted
            exact -= self._deleted
        return exact, verify

    def candidates(self, ap: AnalyzedPaper) -> tuple[set[int], set[int]]:
        """Presearch: (slots matched by an exact term, slots that need verification)."""
        return self._presearch(paper_terms(ap))

    def _match_slots(self, ap: AnalyzedPaper, record: _ExactRecord | None = None) -> list[int]:
        terms = paper_terms(ap)
        found, verify = self._presearch(terms, record)
        checks = self._checks
        for slot in verify:
            check = checks.get(slot)
            if check is None:
                check = self._check(slot)
            if check(terms, ap):
                found.add(slot)
        return sorted(found)

    def match_ids(self, paper: Paper | AnalyzedPaper) -> list[str]:
        """Ids of every stored query that matches ``paper``, in storage order.

        The cheapest way to ask "who matched": no highlights, no :class:`QueryHit` objects.
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        ids, off = self._ids, self._ids_off
        return [ids[off[s] : off[s + 1]].decode() for s in self._match_slots(ap)]

    def match(self, paper: Paper | AnalyzedPaper) -> list[QueryHit]:
        """Every stored query that matches ``paper``, in storage order.

        Each hit's ``highlights`` are computed when first read (then kept), so they cost
        nothing for hits nobody looks at; the values are exactly those of
        :func:`matcher.evaluate` for the query text stored at the time of this call.
        """
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        record: _ExactRecord = []
        slots = self._match_slots(ap, record)
        source = _HitSource(self, ap, record).highlights
        ids, off = self._ids, self._ids_off
        return [QueryHit(ids[off[s] : off[s + 1]].decode(), source=source, slot=s) for s in slots]

    def highlight(self, query_id: str, paper: Paper | AnalyzedPaper) -> Highlights | None:
        """Highlights of one stored query in ``paper``; None if it does not match (or is
        not stored)."""
        slot = self._slots().get(query_id)
        if slot is None:
            return None
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return evaluate(self._entry(slot)[0].root, ap)

    # -- snapshot -------------------------------------------------------------------------------
    def to_snapshot(self) -> bytes:
        """A compact binary image of the index (no pickle): header + flat arrays."""
        self.compact()
        terms_blob = "\n".join(self._terms).encode()
        parts = [
            _HEADER.pack(
                _MAGIC,
                0 if sys.byteorder == "little" else 1,
                len(self._flags),
                len(self._terms),
                len(self._postings),
                len(self._always),
                len(self._ids),
                len(self._texts),
                len(terms_blob),
                len(self._specs),
            ),
            self._ids_off.tobytes(),
            bytes(self._ids),
            self._texts_off.tobytes(),
            bytes(self._texts),
            self._specs_off.tobytes(),
            bytes(self._specs),
            bytes(self._flags),
            terms_blob,
            self._post_off.tobytes(),
            self._post_split.tobytes(),
            self._postings.tobytes(),
            self._always.tobytes(),
        ]
        return b"".join(parts)

    @classmethod
    def from_snapshot(cls, data: bytes, *, df: Mapping[str, float] | None = None) -> MatchIndex:
        """Load an index written by :meth:`to_snapshot` (ValueError if it is not one)."""
        v1 = data[:8] == _MAGIC_V1
        header_struct = _HEADER_V1 if v1 else _HEADER
        if len(data) < header_struct.size:
            raise ValueError("not a paperbell match-index snapshot (too short)")
        header = header_struct.unpack_from(data)
        if v1:
            header = (*header, 0)
        magic, order, n, n_terms, n_post, n_always, n_ids, n_texts, n_tblob, n_specs = header
        if magic not in (_MAGIC, _MAGIC_V1):
            raise ValueError("not a paperbell match-index snapshot (bad magic)")
        reader = SnapshotReader(data, header_struct.size, order, "match-index")
        take = reader.take

        def arr(count: int) -> array[int]:
            return reader.arr("I", count)

        index = cls(df)
        index._ids_off = arr(n + 1)
        index._ids = bytearray(take(n_ids))
        index._texts_off = arr(n + 1)
        index._texts = bytearray(take(n_texts))
        if v1:  # no specs: every candidate is verified from its parsed text
            index._specs_off = array("I", bytes(4 * (n + 1)))
        else:
            index._specs_off = arr(n + 1)
            index._specs = bytearray(take(n_specs))
        index._flags = bytearray(take(n))
        tblob = str(take(n_tblob), "utf-8")
        names = tblob.split("\n") if n_terms else []
        if len(names) != n_terms:
            raise ValueError("corrupt match-index snapshot (term count)")
        index._terms = dict(zip(names, range(n_terms), strict=True))
        index._post_off = arr(n_terms + 1)
        index._post_split = arr(n_terms)
        index._postings = arr(n_post)
        index._always = arr(n_always)
        reader.check_end()
        return index
