"""The index terms of one title or abstract, straight from its text (the match path).

Why a second way to the terms that :func:`presearcher._field_terms` reads off a
:class:`~.normalize.FieldTokens`: deciding which stored queries a paper may match needs
only the *set* of its terms, not the per-word lists that highlights and phrase checks
read, and building those lists is most of what analysing a paper costs. For ASCII text
(nearly every title and abstract; other text takes the :class:`FieldTokens` way),
:func:`text_terms` gets the very same set with a fixed, small number of C-level passes
over the text's whitespace-separated *chunks* ("model", "pre-training", "(llms),"):

1. one ``str.split()`` of the lower-cased text (about a third of a regex split's cost);
2. the terms inside each chunk (its words' keys, the ``*``-beginnings of them the index
   holds, hyphen compounds, bigrams within it) are :func:`ascii_field_terms` of the chunk
   alone, worked out once per vocabulary (:class:`FieldVocab`), as chunks recur from
   paper to paper: one memo lookup per chunk for its first term (most chunks have just
   one: a set of those costs less than deduplicating the chunks first), and one per
   chunk that has more (marked in its code) for the others;
3. one memo lookup per chunk for its *code* (may its first / last word join a
   space-separated neighbour; does its last word's key start a bigram the index holds;
   is its first word's key ending inside a compound unsure, see
   :func:`normalize.compound_keys`; has it more than one term; may a glued term that
   the index can ask for start with its last word, end with its first word's key
   ending: see :class:`FieldVocab`);
4. the compounds and bigrams *between* chunks, for all boundaries at once, by integer bit
   operations on those codes packed into one ``int`` (a byte per chunk), and one memo
   lookup per chosen chunk for the word (or key, or key ending) that the compound or
   bigram needs.

Between two chunks the gap is whitespace (a compound joins the two words if both may
join and no punctuation stands between them); within a chunk it is punctuation (only a
single hyphen joins). A chunk without any word ("-", "--", ">") is glued onto the next
chunk, where it closes the gap. The tests compare the result with the token path on
real and generated text.
"""

from __future__ import annotations

import bisect
import itertools
import operator

from .normalize import (
    _ASCII_SPLIT_RE,
    _HYPHEN,
    _JOINABLE,
    _KEY,
    _SEP_KIND,
    _TAIL,
    _WHOLE_WORD_ENDINGS,
    Memo,
    compound_keys,
    hyphen_chains,
)
from .query_analyzer import PREFIX_MAX, PREFIX_MIN, PREFIX_NS

_chain, _compress, _add = itertools.chain.from_iterable, itertools.compress, operator.add

__all__ = [
    "FieldVocab",
    "ascii_field_terms",
    "ascii_split",
    "gap_kinds_of",
    "hyphen_compounds",
    "prefix_terms",
    "text_terms",
]

_VOCAB_MEMO_MAX = 100_000
_JOIN, _STARTS_BIGRAM = 1, 2  # bits of a word's code
#: bits of a chunk's code: its first word may join a space-separated word before it, its
#: last word one after it, its last word's key starts a bigram held, its first word's key
#: ending in a compound is unsure (:func:`normalize.compound_keys`), its first word's key
#: ends a bigram held (a chunk without any word has code 0, and first term "")
_JOIN_LEFT, _JOIN_RIGHT, _CHUNK_STARTS_BIGRAM, _UNSURE_TAIL, _ENDS_BIGRAM = 1, 2, 4, 8, 16
#: one more bit of a chunk's code: it has more than one term (see :func:`text_terms`)
_MORE_TERMS = 32
#: the last two bits of a chunk's code: some glued term held may begin with its last word,
#: some may end with its first word's key ending (see :class:`FieldVocab`, ``glued``)
_HELD_HEAD, _HELD_TAIL = 64, 128
#: what a vocabulary entry of a term that two glued words could make starts with (the
#: term follows), and that of its reversed spelling; the first alone marks a vocabulary
#: that has these entries for every such term (see :func:`glued_entries`)
GLUED, GLUED_REVERSED = "\x01", "\x02"
#: the shortest term two glued words can make (3 letters, and at least one more)
_GLUED_MIN = 4


def glued_entries(key: str) -> tuple[str, ...]:
    """The vocabulary entries of one index term (or key a check looks up) that two
    space-separated words glued together could make: itself and its reversed spelling,
    behind :data:`GLUED` / :data:`GLUED_REVERSED` (none for a bigram, a namespaced term,
    or a word too short to be made so)."""
    if len(key) < _GLUED_MIN or " " in key or not key[0].isalnum():
        return ()
    return GLUED + key, GLUED_REVERSED + key[::-1]


def _held_start(held: list[str], start: str) -> bool:
    """Does a string of the sorted ``held`` start with ``start`` and run longer?"""
    i = bisect.bisect_right(held, start)
    return i < len(held) and held[i].startswith(start)


def prefix_terms(surface: str) -> tuple[str, ...]:
    """``*`` + every beginning of 3..PREFIX_MAX letters of one word."""
    top = min(len(surface), PREFIX_MAX)
    return tuple(PREFIX_NS + surface[:k] for k in range(PREFIX_MIN, top + 1))


_PREFIX_TERMS: Memo[tuple[str, ...]] = Memo(prefix_terms)
_HEAD: Memo[str] = Memo(lambda surface: PREFIX_NS + surface[:PREFIX_MIN])  # "*" + 3 letters


class FieldVocab:
    """Which bigrams and ``*``-beginnings one namespace (text or author) of an index holds.

    Why: a paper has ~200 adjacent word pairs and ~800 word beginnings, but an index only
    holds the few that its queries use (filed under, or tested by a check). Emitting only
    those keeps a paper's term set at its words and compounds plus a handful, which is
    most of the cost of analysing a paper. ``None`` for a set means "no filter" (emit all).

    Two memos per vocabulary serve :func:`ascii_field_terms`: ``codes`` (surface -> bit 1
    if it may join a space-separated neighbour, bit 2 if its key starts a bigram held
    here) and ``word_terms`` (surface -> its key and the beginnings of it held here); more
    serve :func:`text_terms`: ``chunk_terms`` (chunk -> every term inside it, sorted),
    split into ``chunk_first`` (its first term) and ``chunk_more`` (the others), and
    ``chunk_codes`` (chunk -> its code, see there).

    ``seconds`` holds the second keys of the bigrams held (``None``: any): a bigram is
    made only between a chunk whose last key starts one and a chunk whose first key
    ends one (a paper at 10k stored queries made 24 and needed 3).

    ``glued`` (sorted) holds the terms an index can ask for that two space-separated words
    glued together could make ("downstream model" -> ``downstreammodel``), and
    ``glued_reversed`` the same spelled backwards; ``None`` for "any". Why: a paper has
    ~70 such pairs and an index asks for a few (1 at 1k stored queries, 3 at 10k), so a
    compound is made only if some held term starts with its first word and some ends with
    its second word's key ending (two bits of each chunk's code, worked out once per
    chunk; compounds whose ending is unsure are always made, see
    :func:`normalize.compound_keys`).
    """

    __slots__ = (
        "chunk_codes",
        "chunk_first",
        "chunk_more",
        "chunk_terms",
        "code_of",
        "codes",
        "first_of",
        "firsts",
        "glued",
        "glued_reversed",
        "glued_set",
        "heads",
        "hyphen_terms",
        "more_of",
        "prefixes",
        "seconds",
        "word_terms",
    )

    def __init__(
        self,
        firsts: set[str] | None,
        prefixes: set[str] | None,
        glued: list[str] | None = None,
        seconds: set[str] | None = None,
    ) -> None:
        self.firsts = firsts  # first keys of the bigrams held
        self.seconds = seconds  # their second keys (None: any)
        self.prefixes = prefixes  # the ``*``-beginnings held
        self.glued = None if glued is None else sorted(glued)
        self.glued_reversed = None if glued is None else sorted(g[::-1] for g in glued)
        self.glued_set: set[str] | None = None  # made by holds_glued
        # their first PREFIX_MIN letters: a word whose head is not here begins none of them
        self.heads = None if prefixes is None else {p[: PREFIX_MIN + 1] for p in prefixes}
        self.codes: Memo[int] = Memo(self._code, _VOCAB_MEMO_MAX)
        self.word_terms: Memo[tuple[str, ...]] = Memo(self._word_terms, _VOCAB_MEMO_MAX)
        self.hyphen_terms: Memo[tuple[str, ...]] = Memo(self._hyphen_terms, _VOCAB_MEMO_MAX)
        self.chunk_terms: Memo[tuple[str, ...]] = Memo(self._chunk_terms, _VOCAB_MEMO_MAX)
        self.chunk_codes: Memo[int] = Memo(self._chunk_code, _VOCAB_MEMO_MAX)
        # a chunk's first term ("" if none) and the others: most chunks have one term
        self.chunk_first: Memo[str] = Memo(self._chunk_first, _VOCAB_MEMO_MAX)
        self.chunk_more: Memo[tuple[str, ...]] = Memo(self._chunk_more, _VOCAB_MEMO_MAX)
        # their lookups, bound once (as the global memos' below)
        self.code_of = self.chunk_codes.__getitem__
        self.first_of = self.chunk_first.__getitem__
        self.more_of = self.chunk_more.__getitem__

    def holds_glued(self, names: list[str]) -> bool:
        """Are all of ``names`` that two glued words could make in ``glued`` (or is
        there no filter)? (C-level maps: an index asks this of its terms once per load.)"""
        if self.glued is None:
            return True
        held = self.glued_set
        if held is None:
            held = self.glued_set = set(self.glued)
        plain = list(_compress(names, map(str.isalnum, names)))  # no bigram, no namespace
        return held.issuperset(_compress(plain, map((_GLUED_MIN - 1).__lt__, map(len, plain))))

    def _chunk_terms(self, chunk: str) -> tuple[str, ...]:
        terms = ascii_field_terms(ascii_split(chunk), self)
        terms.discard("")
        return tuple(sorted(terms))  # sorted: chunk_first and chunk_more split it alike

    def _chunk_first(self, chunk: str) -> str:
        terms = self.chunk_terms[chunk]
        return terms[0] if terms else ""

    def _chunk_more(self, chunk: str) -> tuple[str, ...]:
        return self.chunk_terms[chunk][1:]

    def _chunk_code(self, chunk: str) -> int:
        parts = ascii_split(chunk)
        if len(parts) < 3:
            return 0  # no word: its first term is "" (see text_terms)
        first, last, firsts, seconds = parts[1], parts[-2], self.firsts, self.seconds
        code = _JOIN_LEFT if not parts[0] and _JOINABLE[first] else 0
        if not parts[-1] and _JOINABLE[last]:
            code |= _JOIN_RIGHT
        if firsts is None or _KEY[last] in firsts:
            code |= _CHUNK_STARTS_BIGRAM
        if not _TAIL[first] or first in _WHOLE_WORD_ENDINGS:
            code |= _UNSURE_TAIL
        if seconds is None or _KEY[first] in seconds:
            code |= _ENDS_BIGRAM
        if len(self.chunk_terms[chunk]) > 1:
            code |= _MORE_TERMS
        glued, backwards = self.glued, self.glued_reversed
        if glued is None or _held_start(glued, last):
            code |= _HELD_HEAD
        if backwards is None or _held_start(backwards, _TAIL[first][::-1]):
            code |= _HELD_TAIL
        return code

    def _code(self, surface: str) -> int:
        firsts = self.firsts
        starts = firsts is None or _KEY[surface] in firsts
        return (_JOIN if _JOINABLE[surface] else 0) | (_STARTS_BIGRAM if starts else 0)

    def _word_terms(self, surface: str) -> tuple[str, ...]:
        prefixes, heads = self.prefixes, self.heads
        if prefixes is None or heads is None:
            return (_KEY[surface], *_PREFIX_TERMS[surface])
        if _HEAD[surface] not in heads:
            return (_KEY[surface],)
        return (_KEY[surface], *filter(prefixes.__contains__, _PREFIX_TERMS[surface]))

    def _hyphen_terms(self, written: str) -> tuple[str, ...]:
        """Terms of a hyphen compound as written ("pre-training"): its key, and its
        beginnings that run past its first word (``*pret`` .. ``*pretrain``) if held."""
        words = written.split("-")
        joined = "".join(words)
        head, prefixes, heads = len(words[0]), self.prefixes, self.heads
        if head >= PREFIX_MAX or (prefixes is not None and not prefixes):
            return (_KEY[joined],)
        if heads is not None and PREFIX_NS + joined[:PREFIX_MIN] not in heads:
            return (_KEY[joined],)  # no held beginning starts like this compound
        top = min(len(joined), PREFIX_MAX)
        more = [PREFIX_NS + joined[:k] for k in range(max(head + 1, PREFIX_MIN), top + 1)]
        if prefixes is not None:
            more = list(filter(prefixes.__contains__, more))
        return (_KEY[joined], *more)


def _bytes_int(values: bytes) -> int:
    return int.from_bytes(values, "little")


class _Ones(dict[int, int]):
    """n -> n bytes of 0x01, as an int (a dict subclass: ``_ONES[n]`` is one C-level
    lookup for every length seen before)."""

    def __missing__(self, n: int) -> int:
        if len(self) > 4096:
            self.clear()
        ones = self[n] = _bytes_int(b"\x01" * n)
        return ones


_ONES = _Ones()
#: gap kind (a byte) -> 1 for a hyphen, else 0 (``bytes.translate`` table)
_HYPHEN_GAPS = bytes(1 if i == _HYPHEN else 0 for i in range(256))


def _ones(n: int) -> int:
    return _ONES[n]


def _first_word(chunk: str) -> str:
    return _ASCII_SPLIT_RE.split(chunk, 1)[1]


def _last_word(chunk: str) -> str:
    return _ASCII_SPLIT_RE.split(chunk)[-2]


_FIRST_WORD: Memo[str] = Memo(_first_word)  # chunk -> its first word (it has one)
_LAST_WORD: Memo[str] = Memo(_last_word)  # chunk -> its last word
_FIRST_KEY: Memo[str] = Memo(lambda chunk: _KEY[_first_word(chunk)])
#: chunk -> its last word's key and a space: a bigram's first half
_LAST_KEY_SPACE: Memo[str] = Memo(lambda chunk: _KEY[_last_word(chunk)] + " ")
#: chunk -> what its first word's key becomes at the end of a compound (:func:`_tail_of`)
_FIRST_TAIL: Memo[str] = Memo(lambda chunk: _TAIL[_first_word(chunk)])
# the memos' lookups, bound once: ``map`` calls them for every chunk chosen, and binding
# ``memo.__getitem__`` anew makes (and frees) a method object on every paper
_last_word_of = _LAST_WORD.__getitem__
_first_tail_of = _FIRST_TAIL.__getitem__
_first_key_of = _FIRST_KEY.__getitem__
_last_key_space_of = _LAST_KEY_SPACE.__getitem__


def _glue_wordless(chunks: list[str], firsts: list[str]) -> list[str]:
    """``chunks`` without the wordless ones ("-", "--", ">": first term ""), each glued
    onto the next chunk as a comma: the gap it sat in is no space (no compound joins
    across it), and a bigram still joins the words on either side of it."""
    out: list[str] = []
    glue = False
    for chunk, first in zip(chunks, firsts, strict=True):
        if not first:
            glue = True
        else:
            out.append("," + chunk if glue else chunk)
            glue = False
    return out


def text_terms(text: str, vocab: FieldVocab) -> set[str]:
    """The index terms of one ASCII title or abstract for ``vocab``: what
    :func:`presearcher._field_terms` adds for :func:`normalize.tokenize` of the text
    (see module docstring; ``""`` never among them)."""
    chunks = text.lower().split()
    n = len(chunks)
    if n < 2:
        return set(vocab.chunk_terms[chunks[0]]) if n else set()
    # every chunk's first term, then the other terms of the few chunks that have more
    out = set(map(vocab.first_of, chunks))
    codes = bytes(map(vocab.code_of, chunks))
    packed, ones = int.from_bytes(codes, "little"), _ONES[n]
    more = (packed >> 5) & ones
    if more:
        out.update(_chain(map(vocab.more_of, _compress(chunks, more.to_bytes(n, "little")))))
    if "" in out:  # the first term of a chunk without any word
        out.discard("")
        chunks = _glue_wordless(chunks, list(map(vocab.first_of, chunks)))
        n = len(chunks)
        if n < 2:
            return out
        codes = bytes(map(vocab.code_of, chunks))
        packed, ones = int.from_bytes(codes, "little"), _ONES[n]
    seconds = chunks[1:]
    # byte i != 0: chunk i ends with a word that may join, chunk i + 1 starts with one
    joins = (packed >> 1) & (packed >> 8) & ones
    if joins:
        # the second word's key ending is "" or it may end a word stem() decides whole
        # ("ana lyses"): compound_keys looks at those
        unsure = joins & (packed >> 11)
        # the others only where a glued term held may start with the first word and
        # end with the second word's key ending
        joins &= (packed >> 6) & (packed >> 15)
        if unsure:
            joins &= ~unsure
            at = unsure.to_bytes(n, "little")
            firsts = list(map(_last_word_of, _compress(chunks, at)))
            lasts = list(map(_FIRST_WORD.__getitem__, _compress(seconds, at)))
            out.update(compound_keys(firsts, lasts))
        # the rest: the first word + the key ending of the second (as compound_keys would)
        at = joins.to_bytes(n, "little")
        heads = map(_last_word_of, _compress(chunks, at))
        out.update(map(_add, heads, map(_first_tail_of, _compress(seconds, at))))
    # byte i != 0: chunk i's last key starts a bigram held, chunk i + 1's first key ends one
    starts = (packed >> 2) & (packed >> 12) & ones
    if starts:
        at = starts.to_bytes(n, "little")
        # "key " + key: one concatenation a bigram; map stops at the shorter, as a last
        # chunk that starts a bigram has no next chunk
        firsts_keys = map(_last_key_space_of, _compress(chunks, at))
        out.update(map(_add, firsts_keys, map(_first_key_of, _compress(seconds, at))))
    return out


def ascii_split(text: str) -> list[str]:
    """An ASCII text as [separator, word, separator, ..., word, separator], lower-cased:
    its words are then their own surfaces (see :func:`normalize.tokenize`)."""
    return _ASCII_SPLIT_RE.split(text.lower())


def ascii_field_terms(parts: list[str], vocab: FieldVocab) -> set[str]:
    """The index terms of one ASCII field, split by :func:`ascii_split`: what
    :func:`presearcher._field_terms` adds for :func:`normalize.tokenize` of the text
    (see module docstring)."""
    words = parts[1::2]
    n = len(words)
    out: set[str] = set()
    if not n:
        return out
    out.update(itertools.chain.from_iterable(map(vocab.word_terms.__getitem__, set(words))))
    if n < 2:
        return out
    codes = _bytes_int(bytes(map(vocab.codes.__getitem__, words)))
    gap_kinds = gap_kinds_of(parts)
    ones = _ones(n)
    joins = codes & ones
    seconds = words[1:]
    # byte i != 0: words i and i + 1 are joinable and the gap between them is a space
    # (or a hyphen, which the hyphen compounds below cover anyway)
    spaced = _bytes_int(gap_kinds) & joins & (joins >> 8)
    if spaced:
        at = spaced.to_bytes(n, "little")
        firsts = list(itertools.compress(words, at))
        out.update(compound_keys(firsts, list(itertools.compress(seconds, at))))
    starts = (codes >> 1) & ones
    if starts:
        at = starts.to_bytes(n, "little")
        key = _KEY.__getitem__
        firsts_keys = map(key, itertools.compress(words, at))
        seconds_keys = map(key, itertools.compress(seconds, at))
        # zip stops at the shorter: a last word that starts a bigram has no second word
        out.update(map(" ".join, zip(firsts_keys, seconds_keys, strict=False)))
    if _HYPHEN in gap_kinds:
        written = hyphen_compounds(words, gap_kinds)
        out.update(itertools.chain.from_iterable(map(vocab.hyphen_terms.__getitem__, written)))
    return out


def hyphen_compounds(words: list[str], gap_kinds: bytes) -> list[str]:
    """Every hyphen compound as written ("pre-training", "state-of-the-art"): each
    hyphen pair, and each chain of 3+ words joined by single hyphens."""
    at = gap_kinds.translate(_HYPHEN_GAPS)
    pairs = zip(itertools.compress(words, at), itertools.compress(words[1:], at), strict=True)
    out = list(map("-".join, pairs))
    if b"\x01\x01" in at:
        chains = hyphen_chains(list(itertools.compress(range(len(at)), at)))
        out += ["-".join(words[first : last + 1]) for first, last in chains]
    return out


def gap_kinds_of(parts: list[str]) -> bytes:
    """The kind of each gap between two words of a split (``parts``: sep, word, .., sep)."""
    return bytes(map(_SEP_KIND.__getitem__, parts[2:-1:2]))
