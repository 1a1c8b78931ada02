"""Text -> word tokens with character spans, shared by queries and papers.

Why one module: a query matches a paper only if both sides were reduced to *keys* by the
very same function. Everything that decides "are these the same word?" lives here:

* **Words** are maximal runs of letters/digits (combining accents stay inside the word).
  Everything else separates words, so LaTeX such as ``$\\alpha$-masses`` yields
  ``alpha`` and ``masses``, and ``RoPE`` is never found inside ``Europe``.
* **Normalization** of a word: Unicode NFKC, case folding, accents removed (``é`` -> ``e``),
  leftover non-alphanumerics dropped. The result is the word's *surface* form (used by
  ``prefix*`` searches).
* **Plural folding** (:func:`stem`) turns the surface into the *key* used for equality.
* **Compounds**: ``fine-tuning``, ``fine tuning`` and ``finetuning`` must find each other,
  so a text also yields *compound* tokens: every hyphen-joined pair and whole hyphen chain
  (``state-of-the-art`` -> ``stateoftheart``), and every pair of space-separated words
  that are both *joinable* (:func:`joinable`: at least 3 characters and not one of the
  common function words in :data:`JOIN_STOPWORDS`), so ``fine tuning`` -> ``finetuning``
  but "the rapist" never becomes ``therapist`` and "in form" never ``inform``. A writer
  who puts a hyphen between two words means them as one, so hyphen pairs always join.

Spans are offsets into the ORIGINAL string, so highlights can be drawn on the raw title.
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

__all__ = [
    "JOIN_STOPWORDS",
    "FieldTokens",
    "Memo",
    "compound_keys",
    "is_hyphen",
    "joinable",
    "normalize_word",
    "stem",
    "tokenize",
    "word_parts",
]

# A word: a letter/digit, then letters, digits or combining marks (decomposed accents).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
WORD_RE = re.compile(rf"[^\W_]+(?:[{_MARKS}]+[^\W_]*)*")
_SPLIT_RE = re.compile(f"({WORD_RE.pattern})")  # re.split keeps the separators too
#: The same split for lower-cased ASCII text, where a word is just ``[a-z0-9]+`` (the
#: Unicode classes and combining marks cannot occur): about twice as fast.
_ASCII_SPLIT_RE = re.compile("([a-z0-9]+)")
_HYPHENS = frozenset({"-", "\u2010", "\u2011"})
#: Space-separated neighbours are joined into a compound only if both are this long.
COMPOUND_MIN_LEN = 3
#: Function words that never join a space-separated neighbour into a compound. Why: they
#: sit next to almost every content word, so joining them makes false words out of
#: ordinary prose ("the rapist" -> ``therapist``, "for mat" -> ``format``, "our selves"
#: -> ``ourselves``, "and roid" -> ``androids``) while no real compound a reader would
#: search for starts or ends with one written apart. Words under 3 letters (``in``,
#: ``of``, ``a``, ``to`` ...) are excluded by :data:`COMPOUND_MIN_LEN` already.
JOIN_STOPWORDS = frozenset(
    [
        "the", "and", "for", "nor", "but", "yet", "not", "are", "was", "were", "has", "had",
        "have", "its", "our", "his", "her", "him", "she", "they", "them", "their", "theirs",
        "you", "your", "who", "whom", "whose", "what", "which", "that", "this", "these",
        "those", "than", "then", "there", "here", "when", "where", "why", "how", "all", "any",
        "each", "few", "more", "most", "some", "such", "can", "may", "might", "must", "shall",
        "should", "will", "would", "could", "did", "does", "done", "been", "being", "into",
        "onto", "upon", "with", "from", "over", "under", "via", "per", "out", "off", "also",
        "very", "just", "only", "both", "either", "neither", "about", "above", "after", "again",
        "against", "among", "before", "below", "between", "during", "through", "until", "while",
        "within", "without"
    ]
)

# ---------------------------------------------------------------------------------------
# Plural folding
# ---------------------------------------------------------------------------------------

# Singular words that end in "s" and must not lose it (else "bias" -> "bia" while
# "biases" -> "bias"). Words ending in -ss, -sis, -xis and long -us words are protected by
# rule; these are the rest that matter in research text.
_PROTECTED = frozenset(
    [
        "as",
        "is",
        "us",
        "its",
        "his",
        "has",
        "was",
        "this",
        "thus",
        "plus",
        "yes",
        "gas",
        "bus",
        "lens",
        "news",
        "series",
        "species",
        "bias",
        "alias",
        "atlas",
        "canvas",
        "whereas",
        "pancreas",
        "christmas",
        "texas",
        "kansas",
        "chaos",
        "cosmos",
        "kudos",
        "logos",
        "ethos",
        "pathos",
        "thermos",
        "iris",
        "tennis",
        "always",
        "perhaps",
        "sometimes",
        "nevertheless",
        "various",
        "numerous",
        "previous",
        "famous",
        "anonymous",
        "continuous",
        "ambiguous",
        "simultaneous",
    ]
)
# Irregular plurals common in papers (both sides map to the singular).
_IRREGULAR = {
    "analyses": "analysis",
    "hypotheses": "hypothesis",
    "theses": "thesis",
    "syntheses": "synthesis",
    "diagnoses": "diagnosis",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "appendices": "appendix",
    "criteria": "criterion",
    "phenomena": "phenomenon",
    "corpora": "corpus",
    "movies": "movie",
    "cookies": "cookie",
    "zombies": "zombie",
}
_SIBILANT_E = ("se", "xe", "ze", "che", "she")


def stem(word: str) -> str:
    """Fold an English plural to a deterministic key: ``tickets``/``ticket`` -> ``ticket``.

    The key need not be a real word; it only has to be the same for a singular and its
    plural, because queries and texts go through this same function. Rules, in order:

    1. irregular plurals map to their singular (``analyses`` -> ``analysis``);
    2. words of length <= 2, protected words (``bias``, ``series``, ...) and words ending in
       ``-ss``, ``-sis``, ``-xis`` or (length >= 5) ``-us`` are kept (``class``,
       ``analysis``, ``corpus``; but ``gpus`` -> ``gpu``);
    3. ``-ies`` (length > 4) -> ``-y`` (``studies`` -> ``study``); otherwise a final ``-s``
       is dropped (``llms`` -> ``llm``, ``classes`` -> ``classe``);
    4. a final ``e`` after ``s``, ``x``, ``z``, ``ch`` or ``sh`` is dropped when at least
       3 characters remain, on singulars too, so ``-es`` plurals fold:
       ``classe`` -> ``class``, ``approaches`` -> ``approach``, ``caches`` and ``cache``
       -> ``cach``, ``boxes`` -> ``box``.
    """
    irregular = _IRREGULAR.get(word)
    if irregular is not None:
        return irregular
    n = len(word)
    if n <= 2 or word in _PROTECTED:
        return word
    if word[-1] == "s":
        if word.endswith(("ss", "sis", "xis")) or (n >= 5 and word.endswith("us")):
            return word
        word = word[:-3] + "y" if n > 4 and word.endswith("ies") else word[:-1]
    if word.endswith(_SIBILANT_E) and len(word) >= 4:
        return word[:-1]
    return word


def is_hyphen(gap: str) -> bool:
    """Is the text between two words exactly one hyphen (``-``, U+2010 or U+2011)?"""
    return gap in _HYPHENS


def joinable(surface: str) -> bool:
    """May this word join a space-separated neighbour into a compound (module docstring)?"""
    return len(surface) >= COMPOUND_MIN_LEN and surface not in JOIN_STOPWORDS


# ---------------------------------------------------------------------------------------
# Word normalization (memoized: the same few thousand words recur in every abstract)
# ---------------------------------------------------------------------------------------

_T = TypeVar("_T")
_CACHE_MAX = 200_000


class Memo(dict[str, _T]):
    """A dict that computes a missing value with ``fn`` and keeps it (cleared when full).

    Why a dict subclass: ``list(map(memo.__getitem__, words))`` then runs in C for every
    word seen before and calls back into Python only for new ones, which is what makes
    analyzing a paper cost about as much as splitting it into words.
    """

    __slots__ = ("fn", "max_size")

    def __init__(self, fn: Callable[[str], _T], max_size: int = _CACHE_MAX) -> None:
        super().__init__()
        self.fn = fn
        self.max_size = max_size

    def __missing__(self, key: str) -> _T:
        if len(self) >= self.max_size:
            self.clear()
        value = self[key] = self.fn(key)
        return value


def _surface_of(raw: str) -> str:
    if raw.isascii():
        return raw.lower()
    text = unicodedata.normalize("NFKC", raw).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch.isalnum())


#: Words whose key :func:`stem` decides by the whole word, not by its ending.
_WHOLE_WORD_RULES = frozenset(_IRREGULAR) | _PROTECTED


def _tail_of(word: str) -> str:
    """What :func:`stem` makes of ``word`` at the end of a longer compound ("" if unsure).

    For a compound ``a + b`` with ``len(a) >= 3`` that is not itself an irregular or
    protected word, ``stem(a + b) == a + _tail_of(b)`` whenever the tail is not "": the rules of
    :func:`stem` then read only letters of ``b`` (its last four at most) and their length
    floors are met by any compound. That holds for every ``b`` of 4+ letters, for 3
    letters except ``hes`` (whose ``e`` rule looks one letter into ``a``), and for shorter
    ones that end in neither ``s`` nor ``e``. tests/unit/matching checks it exhaustively.
    """
    n = len(word)
    if n >= 4 or (n == 3 and word != "hes"):
        return stem("zzz" + word)[3:]
    return "" if word[-1:] in ("s", "e", "") else word


_SURFACE: Memo[str] = Memo(_surface_of)  # raw regex word -> surface
_KEY: Memo[str] = Memo(stem)  # surface -> key (also used for compound surfaces)
_TAIL: Memo[str] = Memo(_tail_of)  # surface -> its key ending inside a compound
_JOINABLE: Memo[bool] = Memo(joinable)  # surface -> may join across spaces


def normalize_word(raw: str) -> str:
    """The surface form of one word (NFKC, case-folded, accents removed)."""
    return _SURFACE[raw]


def word_parts(text: str) -> list[tuple[str, str, int, int]]:
    """Every word of ``text`` as (surface, key, start, end); used to read query terms."""
    out: list[tuple[str, str, int, int]] = []
    for m in WORD_RE.finditer(text):
        surface = _SURFACE[m.group()]
        if surface:
            out.append((surface, _KEY[surface], m.start(), m.end()))
    return out


#: Proper endings of the words :func:`stem` decides whole: a compound ending in one of
#: these might be such a word ("ana lyses" -> ``analysis``) and is stemmed in full.
_WHOLE_WORD_ENDINGS = frozenset(w[i:] for w in _WHOLE_WORD_RULES for i in range(1, len(w)))


def compound_keys(firsts: list[str], seconds: list[str]) -> list[str]:
    """``stem(a + b)`` for each pair of surfaces, mostly without calling :func:`stem`.

    Why: a paper has ~70 compounds and most pairs are new, so a memo of joined words
    would miss; the memoized ending of ``b`` (:func:`_tail_of`) gives the same key.
    """
    tails = list(map(_TAIL.__getitem__, seconds))
    keys = list(map(operator.add, firsts, tails))
    if (
        "" in tails
        or min(map(len, firsts), default=3) < 3
        or not _WHOLE_WORD_ENDINGS.isdisjoint(seconds)
    ):
        short = map((3).__gt__, map(len, firsts))
        odd = map(operator.or_, map(operator.not_, tails), short)
        unsure = map(operator.or_, odd, map(_WHOLE_WORD_ENDINGS.__contains__, seconds))
        for j in itertools.compress(range(len(keys)), unsure):
            a, b = firsts[j], seconds[j]
            if not tails[j] or len(a) < 3 or a + b in _WHOLE_WORD_RULES:
                keys[j] = _KEY[a + b]
    return keys


# ---------------------------------------------------------------------------------------
# Field tokenization
# ---------------------------------------------------------------------------------------

#: Key of the separator inserted between two author names; no query term can equal it.
BOUNDARY = "\x00"


class FieldTokens:
    """The words of one field, as parallel lists (cheaper than one object per word).

    ``keys``/``surfaces`` are per word; ``comp_keys``/``comp_first``/``comp_last`` describe
    the compound tokens of the module docstring (key, first and last word index), and
    ``hyphen_comps`` which of them were written with hyphens (``prefix*`` looks into those
    only: ``pretrain*`` finds "pre-training", never "pre training"). Character
    offsets (``starts``, ``ends``, ``comp_spans``) point into the ORIGINAL string; they,
    ``comp_surfaces``, ``positions`` and ``compounds`` are computed on first use, because
    deciding a match needs none of them, only highlights and phrase checks do.
    """

    __slots__ = (
        "_comp_index",
        "_comp_surfaces",
        "_ends",
        "_key_set",
        "_parts",
        "_pieces",
        "_positions",
        "_starts",
        "comp_first",
        "comp_keys",
        "comp_last",
        "hyphen_comps",
        "keys",
        "surfaces",
    )

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.surfaces: list[str] = []
        self.comp_keys: list[str] = []
        self.comp_first: list[int] = []
        self.comp_last: list[int] = []
        self.hyphen_comps: list[int] = []  # indices into the comp_* lists
        self._parts: list[str] | None = None  # [sep, word, sep, ..., word, sep]
        self._pieces: list[FieldTokens] = []  # the parts of a :meth:`concat`
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        self._comp_surfaces: list[str] | None = None
        self._positions: dict[str, list[int]] | None = None
        self._comp_index: dict[str, list[tuple[int, int]]] | None = None
        self._key_set: set[str] | None = None

    @property
    def key_set(self) -> set[str]:
        """Every word key and compound key, as a set (built on first use; read-only)."""
        ks = self._key_set
        if ks is None:
            ks = self._key_set = {*self.keys, *self.comp_keys}
        return ks

    def has_phrase(self, parts: list[str], compound: str | None) -> bool:
        """Do the keys ``parts`` occur consecutively, or ``compound`` as a word or compound
        token? The answer of the phrase's spans being non-empty, without the spans."""
        if compound is not None and compound in self.key_set:
            return True
        keys, n = self.keys, len(parts)
        return any(keys[i : i + n] == parts for i in self.positions.get(parts[0], ()))

    @classmethod
    def concat(cls, pieces: list[FieldTokens]) -> FieldTokens:
        """The pieces one after the other, a :data:`BOUNDARY` between them (author lists).

        Offsets of the result are those of each piece in its own string.
        """
        ft = cls()
        for piece in pieces:
            if ft.keys:
                ft.keys.append(BOUNDARY)
                ft.surfaces.append("")
            shift = len(ft.keys)
            ft.hyphen_comps += [j + len(ft.comp_keys) for j in piece.hyphen_comps]
            ft.keys += piece.keys
            ft.surfaces += piece.surfaces
            ft.comp_keys += piece.comp_keys
            ft.comp_first += [i + shift for i in piece.comp_first]
            ft.comp_last += [i + shift for i in piece.comp_last]
        ft._pieces = pieces
        return ft

    def _spans(self) -> None:
        if self._pieces:
            starts: list[int] = []
            ends: list[int] = []
            seen_words = False
            for piece in self._pieces:
                if seen_words:  # the BOUNDARY of concat()
                    starts.append(0)
                    ends.append(0)
                starts += piece.starts
                ends += piece.ends
                seen_words = seen_words or bool(piece.keys)
        else:
            bounds = list(itertools.accumulate(map(len, self._parts or ())))
            n = len(self.keys)
            starts, ends = bounds[0 : 2 * n : 2], bounds[1 : 2 * n : 2]
        self._starts, self._ends = starts, ends

    @property
    def starts(self) -> list[int]:
        """Start offset of each word in the original string."""
        if self._starts is None:
            self._spans()
        assert self._starts is not None
        return self._starts

    @property
    def ends(self) -> list[int]:
        """End offset of each word in the original string."""
        if self._ends is None:
            self._spans()
        assert self._ends is not None
        return self._ends

    @property
    def comp_surfaces(self) -> list[str]:
        """Surface of each compound: its words written together."""
        if self._comp_surfaces is None:
            surfaces = self.surfaces
            self._comp_surfaces = [
                "".join(surfaces[f : la + 1])
                for f, la in zip(self.comp_first, self.comp_last, strict=True)
            ]
        return self._comp_surfaces

    @property
    def comp_spans(self) -> list[tuple[int, int]]:
        """Char span of each compound (from its first word's start to its last's end)."""
        starts, ends = self.starts, self.ends
        pairs = zip(self.comp_first, self.comp_last, strict=True)
        return [(starts[f], ends[la]) for f, la in pairs]

    @property
    def positions(self) -> dict[str, list[int]]:
        """key -> word positions, built on first use (phrase checks need it)."""
        if self._positions is None:
            pos: dict[str, list[int]] = {}
            for i, k in enumerate(self.keys):
                pos.setdefault(k, []).append(i)
            self._positions = pos
        return self._positions

    @property
    def compounds(self) -> dict[str, list[tuple[int, int]]]:
        """compound key -> char spans, built on first use."""
        if self._comp_index is None:
            idx: dict[str, list[tuple[int, int]]] = {}
            for k, span in zip(self.comp_keys, self.comp_spans, strict=True):
                idx.setdefault(k, []).append(span)
            self._comp_index = idx
        return self._comp_index


def _drop_empty(parts: list[str], surfaces: list[str]) -> list[str]:
    """``parts`` with every word that normalizes to nothing folded into the separators."""
    out = [parts[0]]
    for j, surface in enumerate(surfaces):
        if surface:
            out += (parts[2 * j + 1], parts[2 * j + 2])
        else:
            out[-1] += parts[2 * j + 1] + parts[2 * j + 2]
    return out


#: Gap kinds, as bits: a gap joins its words if ``kind & (2 | both_joinable)`` (a hyphen
#: always, spaces when both words may join, anything else never).
_OTHER, _SPACE, _HYPHEN = 0, 1, 3


def _sep_kind(sep: str) -> int:
    return _HYPHEN if sep in _HYPHENS else _SPACE if sep.isspace() else _OTHER


_SEP_KIND: Memo[int] = Memo(_sep_kind)  # separator text -> _OTHER / _SPACE / _HYPHEN


def hyphen_chains(hyphen_gaps: list[int]) -> list[tuple[int, int]]:
    """(first word, last word) of every hyphen chain of 3+ words ("state-of-the-art").

    ``hyphen_gaps`` are the (sorted) indices ``i`` whose gap to word ``i + 1`` is a hyphen.
    """
    chains = []
    run_start = prev = hyphen_gaps[0]
    for i in [*hyphen_gaps[1:], -2]:  # -2: a sentinel that ends the last run
        if i == prev + 1:
            prev = i
            continue
        if prev > run_start:  # 2+ hyphens in a row: words run_start .. prev + 1
            chains.append((run_start, prev + 1))
        run_start = prev = i
    return chains


def _hyphen_chains(ft: FieldTokens, hyphen_gaps: list[int]) -> None:
    """Add the compound of every hyphen chain of 3+ words (:func:`hyphen_chains`)."""
    surfaces = ft.surfaces
    for first, last in hyphen_chains(hyphen_gaps):
        ft.hyphen_comps.append(len(ft.comp_keys))
        ft.comp_keys.append(_KEY["".join(surfaces[first : last + 1])])
        ft.comp_first.append(first)
        ft.comp_last.append(last)


def tokenize(text: str) -> FieldTokens:
    """Split ``text`` into normalized words plus compound tokens (see module docstring).

    One ``re.split`` yields words and the separators between them (an ASCII text is
    lower-cased first, which is then its words' whole normalization); every per-word step
    is a C-level ``map`` over a memo (see :class:`Memo`), and compounds are made only for
    the pairs the rule allows.
    """
    ft = FieldTokens()
    if text.isascii():
        parts = _ASCII_SPLIT_RE.split(text.lower())
        surfaces = parts[1::2]
    else:
        parts = _SPLIT_RE.split(text)
        surfaces = list(map(_SURFACE.__getitem__, parts[1::2]))
        if "" in surfaces:
            parts = _drop_empty(parts, surfaces)
            surfaces = [s for s in surfaces if s]
    ft._parts = parts
    ft.surfaces = surfaces
    ft.keys = list(map(_KEY.__getitem__, surfaces))
    n = len(surfaces)
    if n < 2:
        return ft
    kinds = list(map(_SEP_KIND.__getitem__, parts[2 : 2 * n : 2]))  # gap after word i
    join = list(map(_JOINABLE.__getitem__, surfaces))
    both = map(operator.or_, map(operator.and_, join, join[1:]), itertools.repeat(2))
    pairs = list(itertools.compress(range(n - 1), map(operator.and_, kinds, both)))
    if pairs:
        lasts = list(map((1).__add__, pairs))
        firsts = list(map(surfaces.__getitem__, pairs))
        ft.comp_keys = compound_keys(firsts, list(map(surfaces.__getitem__, lasts)))
        ft.comp_first = pairs
        ft.comp_last = lasts
    if _HYPHEN in kinds:
        ft.hyphen_comps = [j for j, i in enumerate(pairs) if kinds[i] == _HYPHEN]
        _hyphen_chains(ft, list(itertools.compress(range(n - 1), map(_HYPHEN.__eq__, kinds))))
    return ft
