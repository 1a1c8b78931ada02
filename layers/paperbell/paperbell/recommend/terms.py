"""A paper's title and abstract -> a sparse, L2-normalized tf-idf vector of word keys.

Why lexical, and why these keys: a recommendation must be explainable ("you liked a
paper about *lottery tickets*") and must run in the lean Lambda layer, with no model to
download. The keys are exactly the matcher's (:func:`paperbell.matching.normalize.tokenize`:
NFKC, case folding, accents removed, plural folding), so ``Transformers`` and
``transformer`` are one dimension, and compound tokens (``fine-tuning``/``finetuning``,
``language model`` -> ``languagemodel``) add the phrases that make topics distinctive.

Document frequencies start from the shipped word table (:mod:`word_frequencies`) and are
updated from the papers the stack sees (:meth:`DocumentFrequencies.observe`), so a word
that floods this week's feeds stops looking distinctive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from paperbell.matching.normalize import tokenize
from paperbell.matching.word_frequencies import DATA_FILE

__all__ = [
    "DocumentFrequencies",
    "TermVector",
    "VectorSettings",
    "paper_counts",
    "vectorize",
]

#: Sparse vector: term key -> weight (unit L2 norm after :func:`vectorize`).
TermVector = dict[str, float]

# English function words and the boilerplate of abstracts. The df table would learn most
# of them from enough papers, but the shipped table is small, so they are dropped outright.
_STOPWORD_TEXT = """a about above across after again against all almost along already also although
    always am among an and another any are around as at be because been before being below
    between both but by can could did do does doing done down during each either else
    enough especially even ever every few for from further had has have having he her here
    hers how however i if in into is it its itself just least less like made make makes
    many may me might more most much must my neither no nor not now of off often on once
    one only or other others our ours out over own per quite rather same several she should
    since so some such than that the their theirs them themselves then there thereby
    therefore these they this those though through throughout thus to too toward towards
    under until up upon us use used uses using very via was we well were what whether when
    where which while who whom whose why will with within without would yet you your
    paper propose proposed present presents show shows shown demonstrate demonstrates
    result results approach approaches method methods novel new work based existing
    recent recently first second two three however furthermore moreover specifically
    respectively et al e g i e eg ie etc code available https http www com github org
    arxiv abs"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class VectorSettings:
    """The knobs of :func:`vectorize`, tuned on the evaluation's tuning split."""

    #: A title word counts this many times an abstract word.
    title_weight: float = 1.0
    #: Weight of compound tokens (joined neighbours) relative to single words.
    compound_weight: float = 0.0
    #: Keys shorter than this are dropped (``lp``, ``vp`` stay: 2).
    min_len: int = 2
    #: Keys in more than this share of documents are dropped (once the table is big).
    max_df: float = 0.5
    #: Keep only the heaviest terms of a paper's vector (bounds work per paper).
    max_terms: int = 96


DEFAULT_SETTINGS = VectorSettings()


def _keep(key: str, settings: VectorSettings) -> bool:
    return len(key) >= settings.min_len and key not in STOPWORDS and not key.isdigit()


def paper_counts(
    title: str, abstract: str, settings: VectorSettings = DEFAULT_SETTINGS
) -> dict[str, float]:
    """Weighted term counts of one paper (title words count ``title_weight`` times)."""
    counts: dict[str, float] = {}
    for text, weight in ((title, settings.title_weight), (abstract, 1.0)):
        if not text:
            continue
        ft = tokenize(text)
        for key in ft.keys:
            if _keep(key, settings):
                counts[key] = counts.get(key, 0.0) + weight
        cw = weight * settings.compound_weight
        if cw > 0:
            surfaces = ft.surfaces
            for key, first in zip(ft.comp_keys, ft.comp_first, strict=True):
                # A compound whose first or second word is a stopword ("of the") says nothing.
                second = first + 1
                if (
                    second < len(surfaces)
                    and surfaces[first] not in STOPWORDS
                    and surfaces[second] not in STOPWORDS
                    and _keep(key, settings)
                ):
                    counts[key] = counts.get(key, 0.0) + cw
    return counts


@dataclass(slots=True)
class DocumentFrequencies:
    """How many of ``papers`` documents contain each key; grows as papers are observed."""

    papers: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> DocumentFrequencies:
        """The table shipped with the layer (``word_df.json``), as counts."""
        import json

        with DATA_FILE.open(encoding="utf-8") as fh:
            data = json.load(fh)
        return cls(int(data["papers"]), {k: int(v) for k, v in data["counts"].items()})

    def observe(self, keys: Iterable[str]) -> None:
        """Count one more document containing ``keys`` (each key once)."""
        self.papers += 1
        counts = self.counts
        for key in set(keys):
            counts[key] = counts.get(key, 0) + 1

    def observe_paper(self, title: str, abstract: str) -> None:
        """Count one more paper (its title and abstract keys)."""
        self.observe(paper_counts(title, abstract))

    def idf(self, key: str) -> float:
        """Smoothed inverse document frequency; unseen keys get the highest value."""
        return math.log((1 + self.papers) / (1 + self.counts.get(key, 0))) + 1.0

    def too_common(self, key: str, max_df: float) -> bool:
        """True for a key in more than ``max_df`` of the documents (judged from 20 on)."""
        return self.papers >= 20 and self.counts.get(key, 0) > max_df * self.papers


def vectorize(
    title: str,
    abstract: str,
    df: DocumentFrequencies,
    settings: VectorSettings = DEFAULT_SETTINGS,
) -> TermVector:
    """The paper's unit-length tf-idf vector (sublinear tf: ``1 + log(count)``)."""
    return weigh(paper_counts(title, abstract, settings), df, settings)


def weigh(
    counts: Mapping[str, float],
    df: DocumentFrequencies,
    settings: VectorSettings = DEFAULT_SETTINGS,
) -> TermVector:
    """tf-idf weights of precomputed counts, heaviest ``max_terms`` kept, unit length."""
    weights = {
        key: (1.0 + math.log(count)) * df.idf(key) if count >= 1 else count * df.idf(key)
        for key, count in counts.items()
        if not df.too_common(key, settings.max_df)
    }
    if len(weights) > settings.max_terms:
        kept = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: settings.max_terms]
        weights = dict(kept)
    return normalized(weights)


def normalized(vector: Mapping[str, float]) -> TermVector:
    """``vector`` scaled to unit L2 length (empty stays empty)."""
    norm = math.sqrt(sum(w * w for w in vector.values()))
    if norm == 0:
        return {}
    return {k: w / norm for k, w in vector.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two sparse vectors (their cosine when both are unit length)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(k, 0.0) for k, w in a.items())
