"""The profile index: which subscribers' profiles a new paper resembles, without all-pairs.

Why an inverted index: a day of 500 papers against a million profiles is 500 million
cosines if every paper meets every profile. Like the stored-query presearcher
(:mod:`paperbell.matching.presearcher`), each profile is filed under its distinctive
terms (``Profile.index_terms``). Scoring a paper walks the postings of the paper's own
terms only, accumulating dot products for the profiles those terms reach. When a
profile is filed under all of its stored terms (the default), that sum is the exact
cosine and nothing is rescored. A profile filed under fewer terms is rescored exactly
against its whole stored vector when its partial sum reaches ``floor * prefilter``;
such a profile can be missed if it shares none of its indexed terms with the paper. Only
profiles at or above the ``floor`` are returned. The benchmark compares this path with
brute-force cosine over the same vectors (``benchmarks/bench_recommend.py``).

Memory layout (as the presearcher's: no Python object per profile, a snapshot that is
the arrays back to back):

* profile ids in one UTF-8 blob with ``array('I')`` offsets;
* profile vectors as CSR: ``vec_off`` per profile, ``vec_terms`` (term numbers into one
  vocabulary) and ``vec_w`` (``float32`` weights);
* the liked (and disliked) papers per profile, for explanations and exclusion: ids,
  titles and each liked paper's own heaviest terms;
* postings as CSR over the vocabulary: ``post_off`` per term, ``post_slots`` and
  ``post_w`` (the profile's weight of that term);
* the document frequencies (:class:`~paperbell.recommend.terms.DocumentFrequencies`)
  that the vectors were weighed with, so a cold container weighs new papers the same way.

Changes after a build or load go to an overlay (postings dict + deleted set) that
:meth:`ProfileIndex.compact` folds into the arrays (``to_snapshot`` calls it).
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import mul

from paperbell.matching.normalize import tokenize
from paperbell.snapshot_reader import SnapshotReader, live_slots

from .profile import LikedPaper, Profile
from .terms import DEFAULT_SETTINGS, DocumentFrequencies, TermVector, VectorSettings, vectorize

__all__ = ["DEFAULT_FLOOR", "Candidate", "Explanation", "ProfileIndex"]

#: Cosine a paper needs with a profile to become a candidate recommendation (tuned on
#: the evaluation's tuning split; docs/recommendations.md).
DEFAULT_FLOOR = 0.10
#: Partial (indexed-terms-only) score, as a share of the floor, that earns an exact rescore.
DEFAULT_PREFILTER = 0.2

_MAGIC = b"PBREC\x00\x00\x01"
# magic, byte order, profiles, vector entries, likes, like terms, vocabulary terms,
# postings, df terms, df papers, then the byte lengths of the 5 blobs.
_HEADER = struct.Struct("<8sB7IQ5I")
_LIKE, _DISLIKE = 1, 0
_DELETED = 1


@dataclass(frozen=True, slots=True)
class Candidate:
    """A profile a paper passed the floor for."""

    profile_id: str
    score: float
    slot: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a paper was recommended: the liked paper it resembles most, the shared terms
    (as written in the paper, heaviest first) and their spans for highlighting."""

    similar_to: LikedPaper | None
    terms: tuple[str, ...]
    keys: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "similar_to": (
                {"id": self.similar_to.id, "title": self.similar_to.title}
                if self.similar_to
                else None
            ),
            "terms": list(self.terms),
        }


def highlight_spans(text: str, keys: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` whose word (or compound) key is one of ``keys``."""
    wanted = set(keys)
    if not wanted or not text:
        return []
    ft = tokenize(text)
    spans = [(s, e) for k, s, e in zip(ft.keys, ft.starts, ft.ends, strict=True) if k in wanted]
    spans += [span for k, span in zip(ft.comp_keys, ft.comp_spans, strict=True) if k in wanted]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


class ProfileIndex:
    """Profiles filed under their distinctive terms; see the module docstring."""

    def __init__(
        self,
        df: DocumentFrequencies | None = None,
        *,
        vector_settings: VectorSettings = DEFAULT_SETTINGS,
    ) -> None:
        self.df = df if df is not None else DocumentFrequencies.shipped()
        self.vector_settings = vector_settings
        self._ids = bytearray()
        self._ids_off = array("I", [0])
        self._flags = bytearray()
        self._indexed = bytearray()  # number of indexed terms per profile (<= 255)
        self._vec_off = array("I", [0])
        self._vec_terms = array("I")
        self._vec_w = array("f")
        self._like_off = array("I", [0])
        self._like_kind = bytearray()
        self._like_ids = bytearray()
        self._like_ids_off = array("I", [0])
        self._like_titles = bytearray()
        self._like_titles_off = array("I", [0])
        self._like_terms_off = array("I", [0])
        self._like_terms = array("I")
        self._vocab: list[str] = []
        self._tid: dict[str, int] = {}
        self._post_off = array("I", [0])
        self._post_slots = array("I")
        self._post_w = array("f")
        # overlay postings (since the last compact), as parallel arrays
        self._d_terms = array("I")
        self._d_slots = array("I")
        self._d_w = array("f")
        self._d_lookup: dict[int, list[int]] | None = None
        self._deleted: set[int] = set()
        self._slot_of: dict[str, int] | None = None

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def build(
        cls, profiles: Iterable[Profile], *, df: DocumentFrequencies | None = None
    ) -> ProfileIndex:
        """Index ``profiles`` (a repeated id keeps its last profile)."""
        index = cls(df)
        for profile in profiles:
            index.add(profile)
        index.compact()
        return index

    def _term(self, key: str) -> int:
        tid = self._tid.get(key)
        if tid is None:
            tid = len(self._vocab)
            self._vocab.append(key)
            self._tid[key] = tid
        return tid

    def _slots(self) -> dict[str, int]:
        if self._slot_of is None:
            self._slot_of = live_slots(bytes(self._ids), self._ids_off, self._flags, _DELETED)
        return self._slot_of

    def add(self, profile: Profile) -> None:
        """Store (or replace) one profile."""
        self.remove(profile.id)
        slot = len(self._flags)
        self._ids += profile.id.encode()
        self._ids_off.append(len(self._ids))
        self._flags.append(0)
        indexed = set(profile.index_terms()[:255])
        self._indexed.append(len(indexed))
        # Indexed terms first in the stored vector, so a profile can be read back whole.
        ordered = sorted(profile.vector.items(),
                         key=lambda kv: (kv[0] not in indexed, -abs(kv[1]), kv[0]))
        for key, w in ordered:
            tid = self._term(key)
            self._vec_terms.append(tid)
            self._vec_w.append(w)
            if key in indexed:
                self._d_terms.append(tid)
                self._d_slots.append(slot)
                self._d_w.append(w)
        self._d_lookup = None
        self._vec_off.append(len(self._vec_terms))
        for like in profile.likes:
            self._add_like(_LIKE, like.id, like.title, like.terms)
        for paper_id in profile.dislikes:
            self._add_like(_DISLIKE, paper_id, "", ())
        self._like_off.append(len(self._like_kind))
        self._slots()[profile.id] = slot

    def _add_like(self, kind: int, paper_id: str, title: str, terms: Iterable[str]) -> None:
        self._like_kind.append(kind)
        self._like_ids += paper_id.encode()
        self._like_ids_off.append(len(self._like_ids))
        self._like_titles += title.encode()
        self._like_titles_off.append(len(self._like_titles))
        self._like_terms.extend(self._term(t) for t in terms)
        self._like_terms_off.append(len(self._like_terms))

    def remove(self, profile_id: str) -> bool:
        """Forget a profile; False if it was not stored."""
        slot = self._slots().pop(profile_id, None)
        if slot is None:
            return False
        self._flags[slot] |= _DELETED
        self._deleted.add(slot)
        return True

    def compact(self) -> None:
        """Fold the overlay and deletions into the flat arrays (renumbering the slots).

        A counting sort over parallel arrays: no Python object per posting, so building
        a million profiles stays within a few hundred MB.
        """
        if not self._d_terms and not self._deleted and len(self._post_off) == len(self._vocab) + 1:
            return
        remap = self._drop_deleted() if self._deleted else None
        off = self._post_off
        terms = array("I")
        for t in range(len(off) - 1):
            width = off[t + 1] - off[t]
            if width:
                terms.extend(array("I", [t]) * width)
        terms += self._d_terms
        slots = self._post_slots + self._d_slots
        weights = self._post_w + self._d_w
        if remap is not None:
            keep = [i for i, s in enumerate(slots) if remap[s] >= 0]
            terms = array("I", (terms[i] for i in keep))
            weights = array("f", (weights[i] for i in keep))
            slots = array("I", (remap[slots[i]] for i in keep))
        n_terms = len(self._vocab)
        post_off = array("I", bytes(4 * (n_terms + 1)))
        for t in terms:
            post_off[t + 1] += 1
        for t in range(n_terms):
            post_off[t + 1] += post_off[t]
        fill = array("I", post_off[:-1])
        post_slots = array("I", bytes(4 * len(terms)))
        post_w = array("f", bytes(4 * len(terms)))
        for t, slot, w in zip(terms, slots, weights, strict=True):
            p = fill[t]
            post_slots[p] = slot
            post_w[p] = w
            fill[t] = p + 1
        self._post_off, self._post_slots, self._post_w = post_off, post_slots, post_w
        self._d_terms, self._d_slots, self._d_w = array("I"), array("I"), array("f")
        self._d_lookup = None

    def _drop_deleted(self) -> array[int]:
        """Copy the live profiles into fresh arrays; old slot -> new slot (-1: deleted)."""
        remap = array("i", [-1]) * len(self._flags)
        ids, ids_off, indexed = bytearray(), array("I", [0]), bytearray()
        vec_off, vec_terms, vec_w = array("I", [0]), array("I"), array("f")
        like_off, kind = array("I", [0]), bytearray()
        lids, lids_off = bytearray(), array("I", [0])
        ltitles, ltitles_off = bytearray(), array("I", [0])
        lterms, lterms_off = array("I"), array("I", [0])
        io, to, mo = self._like_ids_off, self._like_titles_off, self._like_terms_off
        for slot, flag in enumerate(self._flags):
            if flag & _DELETED:
                continue
            remap[slot] = len(indexed)
            ids += self._ids[self._ids_off[slot] : self._ids_off[slot + 1]]
            ids_off.append(len(ids))
            indexed.append(self._indexed[slot])
            a, b = self._vec_off[slot], self._vec_off[slot + 1]
            vec_terms.extend(self._vec_terms[a:b])
            vec_w.extend(self._vec_w[a:b])
            vec_off.append(len(vec_terms))
            for j in range(self._like_off[slot], self._like_off[slot + 1]):
                kind.append(self._like_kind[j])
                lids += self._like_ids[io[j] : io[j + 1]]
                lids_off.append(len(lids))
                ltitles += self._like_titles[to[j] : to[j + 1]]
                ltitles_off.append(len(ltitles))
                lterms.extend(self._like_terms[mo[j] : mo[j + 1]])
                lterms_off.append(len(lterms))
            like_off.append(len(kind))
        self._ids, self._ids_off, self._indexed = ids, ids_off, indexed
        self._flags = bytearray(len(indexed))
        self._vec_off, self._vec_terms, self._vec_w = vec_off, vec_terms, vec_w
        self._like_off, self._like_kind = like_off, kind
        self._like_ids, self._like_ids_off = lids, lids_off
        self._like_titles, self._like_titles_off = ltitles, ltitles_off
        self._like_terms, self._like_terms_off = lterms, lterms_off
        self._deleted = set()
        self._slot_of = None
        return remap

    # -- introspection ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._flags) - len(self._deleted)

    def __contains__(self, profile_id: object) -> bool:
        return isinstance(profile_id, str) and profile_id in self._slots()

    def _id(self, slot: int) -> str:
        off = self._ids_off
        return self._ids[off[slot] : off[slot + 1]].decode()

    def _likes(self, slot: int) -> Iterator[tuple[int, str, str, tuple[str, ...]]]:
        vocab = self._vocab
        io, to, mo = self._like_ids_off, self._like_titles_off, self._like_terms_off
        for j in range(self._like_off[slot], self._like_off[slot + 1]):
            yield (
                self._like_kind[j],
                self._like_ids[io[j] : io[j + 1]].decode(),
                self._like_titles[to[j] : to[j + 1]].decode(),
                tuple(vocab[t] for t in self._like_terms[mo[j] : mo[j + 1]]),
            )

    def _profile(self, slot: int) -> Profile:
        a, b = self._vec_off[slot], self._vec_off[slot + 1]
        vocab = self._vocab
        vector = {
            vocab[t]: w for t, w in zip(self._vec_terms[a:b], self._vec_w[a:b], strict=True)
        }
        likes, dislikes = [], []
        for kind, paper_id, title, terms in self._likes(slot):
            if kind == _LIKE:
                likes.append(LikedPaper(paper_id, title, terms))
            else:
                dislikes.append(paper_id)
        return Profile(
            self._id(slot), vector, tuple(likes), tuple(dislikes), indexed=self._indexed[slot]
        )

    def profile(self, profile_id: str) -> Profile:
        """The stored profile (weights as stored: ``float32``). KeyError if unknown."""
        return self._profile(self._slots()[profile_id])

    def profiles(self) -> Iterator[Profile]:
        """Every stored profile, in slot order."""
        for slot, flag in enumerate(self._flags):
            if not flag & _DELETED:
                yield self._profile(slot)

    def stats(self) -> dict[str, int]:
        """Counts for benchmarks and logs."""
        return {
            "profiles": len(self),
            "terms": len(self._vocab),
            "vector_entries": len(self._vec_terms),
            "postings": len(self._post_slots) + len(self._d_slots),
            "likes": len(self._like_kind),
        }

    # -- scoring --------------------------------------------------------------------------------
    def vectorize(self, title: str, abstract: str) -> TermVector:
        """A paper's vector weighed with this index's document frequencies."""
        return vectorize(title, abstract, self.df, self.vector_settings)

    def _term_ids(self, vec: TermVector) -> dict[int, float]:
        tid = self._tid
        return {tid[k]: w for k, w in vec.items() if k in tid}

    def _exact(self, slot: int, pv: dict[int, float]) -> float:
        a, b = self._vec_off[slot], self._vec_off[slot + 1]
        # C-level iteration: pv.get(term, 0.0) for every stored term, times its weight.
        return sum(map(mul, map(pv.get, self._vec_terms[a:b], repeat(0.0, b - a)),
                       self._vec_w[a:b]))

    def _excluded(self, slot: int, paper_id: str) -> bool:
        if not paper_id:
            return False
        return any(pid == paper_id for _, pid, _, _ in self._likes(slot))

    def _accumulate(self, pv: dict[int, float]) -> dict[int, float]:
        acc: dict[int, float] = {}
        get = acc.get
        off, slots, weights = self._post_off, self._post_slots, self._post_w
        base_terms = len(off) - 1
        for t, w in pv.items():
            if t < base_terms:
                a, b = off[t], off[t + 1]
                if a != b:
                    for s, c in zip(slots[a:b], map(w.__mul__, weights[a:b]), strict=True):
                        acc[s] = get(s, 0.0) + c
        if self._d_terms:
            lookup = self._overlay()
            d_slots, d_w = self._d_slots, self._d_w
            for t, w in pv.items():
                for i in lookup.get(t, ()):
                    s = d_slots[i]
                    acc[s] = get(s, 0.0) + w * d_w[i]
        return acc

    def _overlay(self) -> dict[int, list[int]]:
        """term -> positions in the overlay arrays (built when first needed)."""
        if self._d_lookup is None:
            lookup: dict[int, list[int]] = {}
            for i, t in enumerate(self._d_terms):
                lookup.setdefault(t, []).append(i)
            self._d_lookup = lookup
        return self._d_lookup

    def score(
        self,
        vec: TermVector,
        *,
        floor: float = DEFAULT_FLOOR,
        paper_id: str = "",
        prefilter: float = DEFAULT_PREFILTER,
    ) -> list[Candidate]:
        """Profiles whose cosine with ``vec`` is at least ``floor``, best first.

        Only profiles reached through their indexed terms are considered (see the module
        docstring); a profile that liked or disliked ``paper_id`` is left out.
        """
        pv = self._term_ids(vec)
        if not pv:
            return []
        pre = floor * prefilter
        deleted = self._deleted
        out: list[Candidate] = []
        indexed, vec_off = self._indexed, self._vec_off
        for slot, partial in self._accumulate(pv).items():
            if partial < pre or slot in deleted:
                continue
            if indexed[slot] == vec_off[slot + 1] - vec_off[slot]:
                exact = partial  # every term is indexed: the sum is the cosine
            else:
                exact = self._exact(slot, pv)
            if exact >= floor and not self._excluded(slot, paper_id):
                out.append(Candidate(self._id(slot), exact, slot))
        out.sort(key=lambda c: (-c.score, c.slot))
        return out

    def score_brute_force(
        self, vec: TermVector, *, floor: float = DEFAULT_FLOOR, paper_id: str = ""
    ) -> list[Candidate]:
        """The same answer computed the slow way: the cosine with every stored profile
        (the baseline of the benchmark and of the recall measurement)."""
        pv = self._term_ids(vec)
        out: list[Candidate] = []
        if not pv:
            return out
        flags = self._flags
        for slot in range(len(flags)):
            if flags[slot] & _DELETED:
                continue
            exact = self._exact(slot, pv)
            if exact >= floor and not self._excluded(slot, paper_id):
                out.append(Candidate(self._id(slot), exact, slot))
        out.sort(key=lambda c: (-c.score, c.slot))
        return out

    def explain(self, profile_id: str, vec: TermVector, *, title: str = "",
                abstract: str = "", max_terms: int = 5) -> Explanation:
        """Why ``vec`` (a paper with ``title``/``abstract``) suits ``profile_id``.

        ``similar_to`` is the liked paper whose own heaviest terms carry the most of the
        paper's weight; ``terms`` are the shared profile terms with the largest
        contribution to the cosine, shown as the paper writes them.
        """
        profile = self.profile(profile_id)
        contrib = sorted(
            ((vec[k] * w, k) for k, w in profile.vector.items() if w > 0 and k in vec),
            reverse=True,
        )
        keys = tuple(k for _, k in contrib[:max_terms])
        best: LikedPaper | None = None
        best_score = 0.0
        for like in profile.likes:
            s = sum(vec.get(t, 0.0) for t in like.terms)
            if s > best_score:
                best, best_score = like, s
        if best is None and profile.likes:
            best = profile.likes[0]
        return Explanation(best, tuple(_display(k, title, abstract) for k in keys), keys)

    # -- snapshot -------------------------------------------------------------------------------
    def to_snapshot(self) -> bytes:
        """A compact binary image of the index (no pickle): header + flat arrays."""
        self.compact()
        vocab_blob = "\n".join(self._vocab).encode()
        df_terms = sorted(self.df.counts)
        df_blob = "\n".join(df_terms).encode()
        df_counts = array("I", (self.df.counts[k] for k in df_terms))
        n = len(self._flags)
        header = _HEADER.pack(
            _MAGIC,
            0 if sys.byteorder == "little" else 1,
            n,
            len(self._vec_terms),
            len(self._like_kind),
            len(self._like_terms),
            len(self._vocab),
            len(self._post_slots),
            len(df_terms),
            self.df.papers,
            len(self._ids),
            len(self._like_ids),
            len(self._like_titles),
            len(vocab_blob),
            len(df_blob),
        )
        parts: list[bytes] = [
            header,
            self._ids_off.tobytes(),
            bytes(self._ids),
            bytes(self._indexed),
            self._vec_off.tobytes(),
            self._vec_terms.tobytes(),
            self._vec_w.tobytes(),
            self._like_off.tobytes(),
            bytes(self._like_kind),
            self._like_ids_off.tobytes(),
            bytes(self._like_ids),
            self._like_titles_off.tobytes(),
            bytes(self._like_titles),
            self._like_terms_off.tobytes(),
            self._like_terms.tobytes(),
            vocab_blob,
            self._post_off.tobytes(),
            self._post_slots.tobytes(),
            self._post_w.tobytes(),
            df_blob,
            df_counts.tobytes(),
        ]
        return b"".join(parts)

    @classmethod
    def from_snapshot(cls, data: bytes) -> ProfileIndex:
        """Load an index written by :meth:`to_snapshot` (ValueError if it is not one)."""
        if len(data) < _HEADER.size:
            raise ValueError("not a paperbell profile-index snapshot (too short)")
        (magic, order, n, n_vec, n_likes, n_like_terms, n_vocab, n_post, n_df, df_papers,
         ids_len, like_ids_len, like_titles_len, vocab_len, df_len) = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a paperbell profile-index snapshot (bad magic)")
        reader = SnapshotReader(data, _HEADER.size, order, "profile-index")
        take, arr = reader.take, reader.arr

        def lines(blob: memoryview, count: int) -> list[str]:
            names = str(blob, "utf-8").split("\n") if count else []
            if len(names) != count:
                raise ValueError("corrupt profile-index snapshot (term count)")
            return names

        index = cls(DocumentFrequencies())
        index._ids_off = arr("I", n + 1)
        index._ids = bytearray(take(ids_len))
        index._indexed = bytearray(take(n))
        index._flags = bytearray(n)
        index._vec_off = arr("I", n + 1)
        index._vec_terms = arr("I", n_vec)
        index._vec_w = arr("f", n_vec)
        index._like_off = arr("I", n + 1)
        index._like_kind = bytearray(take(n_likes))
        index._like_ids_off = arr("I", n_likes + 1)
        index._like_ids = bytearray(take(like_ids_len))
        index._like_titles_off = arr("I", n_likes + 1)
        index._like_titles = bytearray(take(like_titles_len))
        index._like_terms_off = arr("I", n_likes + 1)
        index._like_terms = arr("I", n_like_terms)
        index._vocab = lines(take(vocab_len), n_vocab)
        index._tid = {k: i for i, k in enumerate(index._vocab)}
        index._post_off = arr("I", n_vocab + 1)
        index._post_slots = arr("I", n_post)
        index._post_w = arr("f", n_post)
        df_terms = lines(take(df_len), n_df)
        df_counts = arr("I", n_df)
        index.df = DocumentFrequencies(df_papers, dict(zip(df_terms, df_counts, strict=True)))
        reader.check_end()
        return index


def _display(key: str, title: str, abstract: str) -> str:
    """How the paper writes the term ``key`` (first occurrence), else the key itself."""
    for text in (title, abstract):
        spans = highlight_spans(text, (key,))
        if spans:
            s, e = spans[0]
            return " ".join(text[s:e].split())
    return key
