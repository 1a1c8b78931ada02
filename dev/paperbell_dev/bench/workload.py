"""A realistic day of papers and stored queries, built from the real vocabulary.

Why a model and not just the sample papers: we hold 25 real papers, a day brings ~500,
and a query workload is only realistic if it *matches* like real subscriptions do — a
typical query a few papers a day, the heaviest dozens (issue 13). The sample papers'
abstracts give everything that must stay real: the sentence skeletons (function words,
punctuation, LaTeX, hyphens, lengths), the titles' shapes and the content vocabulary
(every content word of a title or abstract). What they cannot give is *topics*: which
content words occur together in one paper, and how popular each is. So:

* **Topics.** ``topics`` clusters (default 3,000) of ``topic_words`` content words each
  (default 40): ``real_words`` (10) from the real vocabulary with a popularity bias (word
  rank ^ -0.3), the rest from a long tail of 50,000 synthetic names spliced from real
  words (``diffu`` + ``former``: the model, method and dataset names a field has and 25
  papers cannot show), plus 6 two-word *terms* per topic (a pair of its words that
  papers write side by side, like "lottery ticket"). Topic popularity is Zipf
  (rank ^ -0.8): the top topic gets ~5% of a day's papers, the median one almost none.
* **Papers.** Two topics (70% of the words from the first); the abstract is
  7 real sentences whose content words are each replaced by a topic word (Zipf within the
  topic), or by one of its terms (15%); the title is a real title treated the same way.
  Authors come from a pool of 5,000 names (real first names x real surnames, Zipf),
  categories from the topic, source ``hf`` (40%, with lognormal upvotes) or ``arxiv``.
* **Queries.** A topic by the same popularity, then the documented mix from its words:
  35% one word, 25% two words (AND), 15% a term as a phrase, 10% ``a OR b``, 10%
  ``a -b`` (b from another topic), 5% ``prefix*``; independently 10% get a field
  (``title:``, ``abstract:``, ``author:``, ``category:``, ``source:``, ``upvotes:``).

Everything is seeded and deterministic. The benchmark prints what this yields (matches
per paper, per query: median, 90th percentile, max) next to its timings.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from paperbell.matching.normalize import JOIN_STOPWORDS
from paperbell.models import Paper

from .match_benchmark import CATEGORIES, STOPWORDS, sample_papers

__all__ = ["DayModel", "realistic_queries"]

_TOKEN_RE = re.compile(r"([A-Za-z][A-Za-z]+)")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_FIRST_NAMES = [
    *("Alice", "Bo", "Carlos", "Dana", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jun"),
    *("Karim", "Lena", "Mei", "Nikolai", "Omar", "Priya", "Qiang", "Rosa", "Sven", "Tara"),
    *("Umar", "Vera", "Wei", "Xin", "Yara", "Zoe", "Ana", "Ben", "Chen", "Diego", "Emma"),
    *("Felix", "Hana", "Ivan", "Jia", "Kofi", "Lucas", "Maria", "Noah", "Olga", "Pedro"),
    *("Ravi", "Sara", "Tom", "Uma", "Victor", "Yuki"),
]


def _content(word: str) -> bool:
    return len(word) >= 3 and word not in STOPWORDS and word not in JOIN_STOPWORDS


def _zipf_cum(n: int, s: float) -> list[float]:
    return list(itertools.accumulate((k + 1) ** -s for k in range(n)))


def _pick(rng: random.Random, items: Sequence[str], cum: list[float]) -> str:
    return items[bisect.bisect_left(cum, rng.random() * cum[-1])]


def _long_tail(rng: random.Random, words: Sequence[str], n: int) -> list[str]:
    """``n`` synthetic topic words (model, method and dataset names) spliced from real ones.

    Why: research vocabulary is far larger than the 25 sample papers' ~3,500 content
    words; without a tail every word would occur in a dozen papers a day.
    """
    real = set(words)
    pool: set[str] = set()
    while len(pool) < n:
        a, b = rng.choice(words), rng.choice(words)
        w = a[: max(3, len(a) // 2 + rng.randint(-1, 1))] + b[len(b) // 2 :]
        if w not in real and len(w) >= 5 and _content(w):
            pool.add(w)
    return sorted(pool)


@dataclass(frozen=True)
class _Topic:
    words: tuple[str, ...]
    terms: tuple[tuple[str, str], ...]
    category: str


class DayModel:
    """The topic model above; :meth:`papers` and :func:`realistic_queries` sample it."""

    def __init__(
        self,
        *,
        seed: int = 13,
        topics: int = 3000,
        topic_words: int = 40,
        real_words: int = 10,
        tail_words: int = 50_000,
    ) -> None:
        rng = self.rng = random.Random(seed)
        real = sample_papers()
        counts: dict[str, int] = {}
        self.sentences: list[str] = []
        for p in real:
            self.sentences += [s for s in _SENTENCE_RE.split(p.abstract) if len(s) > 40]
            for w in _TOKEN_RE.findall(f"{p.title} {p.abstract}"):
                lw = w.lower()
                if _content(lw):
                    counts[lw] = counts.get(lw, 0) + 1
        self.titles = [p.title for p in real]
        # popularity of a word across topics: its rank in the real corpus
        self.vocabulary = sorted(counts, key=lambda w: (-counts[w], w))
        word_cum = _zipf_cum(len(self.vocabulary), 0.3)
        self.tail = _long_tail(rng, self.vocabulary, tail_words)
        self.topics: list[_Topic] = []
        for t in range(topics):
            words: dict[str, None] = {}
            while len(words) < real_words:
                words[_pick(rng, self.vocabulary, word_cum)] = None
            while len(words) < topic_words:
                words[rng.choice(self.tail)] = None
            ws = list(words)
            rng.shuffle(ws)
            terms = tuple((ws[i], ws[i + 1]) for i in range(0, 12, 2))
            self.topics.append(_Topic(tuple(ws), terms, CATEGORIES[t % len(CATEGORIES)]))
        self.topic_cum = _zipf_cum(topics, 0.8)
        self.in_topic_cum = _zipf_cum(topic_words, 1.0)
        surnames = sorted(
            {name.split()[-1] for p in real for name in p.authors if name.split()}
            | {w.capitalize() for w in rng.sample(self.tail, 300)}
        )
        names = [f"{f} {s}" for f, s in itertools.product(_FIRST_NAMES, surnames)]
        rng.shuffle(names)
        self.authors = names[:5000]
        self.author_cum = _zipf_cum(len(self.authors), 1.1)

    # -- sampling helpers --------------------------------------------------------------
    def topic(self) -> _Topic:
        cum = self.topic_cum
        return self.topics[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def word(self, topic: _Topic) -> str:
        return _pick(self.rng, topic.words, self.in_topic_cum)

    def _rewrite(self, text: str, topics: Sequence[_Topic]) -> str:
        """``text`` with every content word replaced by a topic word or term."""
        rng = self.rng
        out = []
        for i, part in enumerate(_TOKEN_RE.split(text)):
            if i % 2 == 0 or not _content(part.lower()):
                out.append(part)
                continue
            topic = topics[0] if len(topics) == 1 or rng.random() < 0.7 else topics[1]
            if rng.random() < 0.15:
                a, b = rng.choice(topic.terms)
                new = f"{a} {b}" if rng.random() < 0.7 else f"{a}-{b}"
            else:
                new = self.word(topic)
            out.append(new.capitalize() if part[0].isupper() else new)
        return "".join(out)

    def papers(self, n: int = 500, *, day: datetime | None = None) -> list[Paper]:
        """One day's ``n`` papers (deterministic for a given model seed and call order)."""
        rng = self.rng
        start = day or datetime(2026, 11, 30, tzinfo=UTC)
        out = []
        for i in range(n):
            topics = [self.topic(), self.topic()]
            abstract = " ".join(rng.sample(self.sentences, 7))
            authors = {
                _pick(rng, self.authors, self.author_cum): None
                for _ in range(rng.randint(2, 6))
            }
            hf = rng.random() < 0.4
            cats = tuple(dict.fromkeys(t.category for t in topics))
            out.append(
                Paper(
                    id=f"day{i:04d}",
                    title=self._rewrite(rng.choice(self.titles), topics),
                    abstract=self._rewrite(abstract, topics),
                    authors=tuple(authors),
                    categories=cats,
                    source="hf" if hf else "arxiv",
                    upvotes=int(math.exp(rng.gauss(1.5, 1.3))) if hf else None,
                    published=start + timedelta(minutes=i),
                )
            )
        return out


def realistic_queries(model: DayModel, n: int, *, seed: int = 17) -> list[tuple[str, str]]:
    """``n`` stored queries ``(id, text)`` following the module docstring's mix."""
    rng = random.Random(seed)
    model.rng, saved = rng, model.rng
    try:
        out = []
        for i in range(n):
            topic = model.topic()
            r = rng.random()
            if r < 0.35:
                q = model.word(topic)
            elif r < 0.60:
                q = f"{model.word(topic)} {model.word(topic)}"
            elif r < 0.75:
                a, b = rng.choice(topic.terms)
                q = f'"{a} {b}"'
            elif r < 0.85:
                q = f"{model.word(topic)} OR {model.word(model.topic())}"
            elif r < 0.95:
                q = f"{model.word(topic)} -{model.word(model.topic())}"
            else:
                w = max((model.word(topic) for _ in range(3)), key=len)
                q = f"{w[: max(5, len(w) - 2)]}*"
            if rng.random() < 0.10:
                f = rng.randrange(6)
                if f == 0:
                    q = f"title:{q}" if " " not in q else f"title:({q})"
                elif f == 1:
                    q = f"abstract:({q})"
                elif f == 2:
                    name = _pick(rng, model.authors, model.author_cum)
                    q = f"{q} author:{name.split()[-1].lower()}"
                elif f == 3:
                    q = f"{q} category:{topic.category}"
                elif f == 4:
                    q = f"{q} source:{rng.choice(('hf', 'arxiv'))}"
                else:
                    q = f"{q} upvotes:>={rng.choice((2, 5, 10, 20))}"
            out.append((f"q{i}", q))
        return out
    finally:
        model.rng = saved
