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
  (``state-of-the-art`` -> ``stateoftheart``), and every pair of space-separated words that
  are both at least 3 characters long (``fine tuning`` -> ``finetuning``; the length floor
  keeps ``in form`` from turning into ``inform``).

Spans are offsets into the ORIGINAL string, so highlights can be drawn on the raw title.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "FieldTokens",
    "normalize_word",
    "stem",
    "tokenize",
    "word_parts",
]

# A word: a letter/digit, then letters, digits or combining marks (decomposed accents).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
WORD_RE = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*")
_HYPHENS = frozenset({"-", "\u2010", "\u2011"})
#: Space-separated neighbours are joined into a compound only if both are this long.
COMPOUND_MIN_LEN = 3

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


# ---------------------------------------------------------------------------------------
# Word normalization (cached: the same few thousand words recur in every abstract)
# ---------------------------------------------------------------------------------------

_CACHE: dict[str, tuple[str, str]] = {}
_CACHE_MAX = 200_000


def _slow_surface(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch.isalnum())


def _surface_key(raw: str) -> tuple[str, str]:
    """(surface, key) of one raw regex word, memoized."""
    hit = _CACHE.get(raw)
    if hit is not None:
        return hit
    surface = raw.lower() if raw.isascii() else _slow_surface(raw)
    pair = (surface, stem(surface))
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[raw] = pair
    return pair


_STEMS: dict[str, str] = {}


def _stem_cached(word: str) -> str:
    """:func:`stem` memoized (compound words recur across papers too)."""
    hit = _STEMS.get(word)
    if hit is None:
        hit = stem(word)
        if len(_STEMS) >= _CACHE_MAX:
            _STEMS.clear()
        _STEMS[word] = hit
    return hit


def normalize_word(raw: str) -> str:
    """The surface form of one word (NFKC, case-folded, accents removed)."""
    return _surface_key(raw)[0]


def word_parts(text: str) -> list[tuple[str, str, int, int]]:
    """Every word of ``text`` as (surface, key, start, end); used to read query terms."""
    out: list[tuple[str, str, int, int]] = []
    for m in WORD_RE.finditer(text):
        surface, key = _surface_key(m.group())
        if surface:
            out.append((surface, key, m.start(), m.end()))
    return out


# ---------------------------------------------------------------------------------------
# Field tokenization
# ---------------------------------------------------------------------------------------

#: Key of the separator inserted between two author names; no query term can equal it.
BOUNDARY = "\x00"


@dataclass(slots=True)
class FieldTokens:
    """The words of one field, as parallel lists (cheaper than one object per word).

    ``comp_keys``/``comp_surfaces``/``comp_spans`` hold the compound tokens described in
    the module docstring; their spans cover the joined words in the original string.
    """

    keys: list[str] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    comp_keys: list[str] = field(default_factory=list)
    comp_surfaces: list[str] = field(default_factory=list)
    comp_spans: list[tuple[int, int]] = field(default_factory=list)
    comp_first: list[int] = field(default_factory=list)  # index of a compound's first word
    _positions: dict[str, list[int]] | None = None
    _comp_index: dict[str, list[tuple[int, int]]] | None = None

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

    def extend(self, other: FieldTokens) -> None:
        """Append another field's tokens after a :data:`BOUNDARY` (used for author lists)."""
        if self.keys:
            self.keys.append(BOUNDARY)
            self.surfaces.append("")
            self.starts.append(0)
            self.ends.append(0)
        self.keys += other.keys
        self.surfaces += other.surfaces
        self.starts += other.starts
        self.ends += other.ends
        shift = len(self.keys) - len(other.keys)
        self.comp_first += [i + shift for i in other.comp_first]
        self.comp_keys += other.comp_keys
        self.comp_surfaces += other.comp_surfaces
        self.comp_spans += other.comp_spans


def tokenize(text: str) -> FieldTokens:
    """Split ``text`` into normalized words plus compound tokens (see module docstring)."""
    ft = FieldTokens()
    keys, surfaces, starts, ends = ft.keys, ft.surfaces, ft.starts, ft.ends
    sk = _surface_key
    for m in WORD_RE.finditer(text):
        surface, key = sk(m.group())
        if not surface:
            continue
        keys.append(key)
        surfaces.append(surface)
        starts.append(m.start())
        ends.append(m.end())
    n = len(keys)
    if n < 2:
        return ft
    comp_keys, comp_surfaces, comp_spans = ft.comp_keys, ft.comp_surfaces, ft.comp_spans
    comp_first = ft.comp_first
    chain_start = -1  # first word of the current hyphen chain
    for i in range(1, n + 1):
        hyphen = False
        if i < n:
            gap = text[ends[i - 1] : starts[i]]
            hyphen = gap in _HYPHENS
            if hyphen or (
                len(surfaces[i - 1]) >= COMPOUND_MIN_LEN
                and len(surfaces[i]) >= COMPOUND_MIN_LEN
                and gap.isspace()
            ):
                joined = surfaces[i - 1] + surfaces[i]
                comp_surfaces.append(joined)
                comp_keys.append(_stem_cached(joined))
                comp_spans.append((starts[i - 1], ends[i]))
                comp_first.append(i - 1)
        if hyphen:
            if chain_start < 0:
                chain_start = i - 1
        else:
            if chain_start >= 0 and i - 1 - chain_start >= 2:  # chain of 3+ words
                joined = "".join(surfaces[chain_start:i])
                comp_surfaces.append(joined)
                comp_keys.append(_stem_cached(joined))
                comp_spans.append((starts[chain_start], ends[i - 1]))
                comp_first.append(chain_start)
            chain_start = -1
    return ft
