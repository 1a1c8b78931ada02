"""Recommendation quality: precision@3 of "like two papers of a topic, get the rest".

For every topic with at least three papers and every pair of its papers, a profile is
built from the pair and every other paper of the pool is ranked by the profile index
(the shipped path: indexed terms, then exact cosine). Precision@3 counts how many of
the top three are papers of the same topic, divided by ``min(3, papers left in the
topic)``. The topics are split in two: the settings (title weight, compound weight,
profile length, indexed terms, floor) are chosen on the *tuning* topics and reported on
the *held-out* topics, so the reported number is not the one that was optimized.

The floor is chosen on the tuning split as the lowest value that lets at most 2% of the
papers of other topics through, and reported as the share of same-topic and of other
papers that pass it.

Run: ``python benchmarks/bench_recommend.py --quality`` (part of ``make bench``).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from paperbell.recommend import DEFAULT_FLOOR, DocumentFrequencies, ProfileIndex, build_profile
from paperbell.recommend.profile import ProfileSettings
from paperbell.recommend.terms import VectorSettings, paper_counts

from .corpus import PAPERS
from .recommend_eval_data import REAL_TOPICS, WRITTEN

__all__ = ["EvalPaper", "evaluate", "labelled_pool", "main", "tune"]


@dataclass(frozen=True, slots=True)
class EvalPaper:
    id: str
    title: str
    abstract: str
    topic: str  # "" for distractors


def labelled_pool() -> list[EvalPaper]:
    """Real corpus papers (topic-labelled or distractors) plus the written ones."""
    pool: list[EvalPaper] = []
    seen: set[str] = set()
    for title, abstract, *_ in PAPERS:
        if title in seen or not abstract:
            continue
        seen.add(title)
        pool.append(EvalPaper(f"real-{len(pool)}", title, abstract, REAL_TOPICS.get(title, "")))
    for i, (topic, title, abstract) in enumerate(WRITTEN):
        pool.append(EvalPaper(f"written-{i}", title, abstract, topic))
    return pool


def split_topics(pool: list[EvalPaper]) -> tuple[list[str], list[str]]:
    """(tuning topics, held-out topics): alternate sorted topics with >= 3 papers."""
    counts: dict[str, int] = {}
    for p in pool:
        if p.topic:
            counts[p.topic] = counts.get(p.topic, 0) + 1
    topics = sorted(t for t, c in counts.items() if c >= 3)
    return topics[0::2], topics[1::2]


def _df(pool: list[EvalPaper], vs: VectorSettings) -> DocumentFrequencies:
    """Shipped table updated with every pool paper, as the stack updates it."""
    df = DocumentFrequencies.shipped()
    for p in pool:
        df.observe(paper_counts(p.title, p.abstract, vs))
    return df


@dataclass(frozen=True, slots=True)
class Quality:
    precision_at_3: float
    cases: int
    same_topic_pass: float  # share of same-topic papers at or above the floor
    other_pass: float  # share of other papers at or above the floor
    floor: float


def evaluate(
    pool: list[EvalPaper], topics: list[str], settings: ProfileSettings, floor: float
) -> Quality:
    """precision@3 over every liked pair of every topic in ``topics``."""
    df = _df(pool, settings.vectors)
    index = ProfileIndex(df, vector_settings=settings.vectors)
    vectors = {p.id: index.vectorize(p.title, p.abstract) for p in pool}
    precisions: list[float] = []
    same_pass = same_all = other_pass = other_all = 0
    for topic in topics:
        members = [p for p in pool if p.topic == topic]
        for a, b in itertools.combinations(members, 2):
            profile = build_profile(f"{a.id}+{b.id}", [a, b], df=df, settings=settings)
            single = ProfileIndex(df, vector_settings=settings.vectors)
            single.add(profile)
            scored = []
            for p in pool:
                if p.id in (a.id, b.id):
                    continue
                hits = single.score(vectors[p.id], floor=1e-9, prefilter=0.0)
                score = hits[0].score if hits else 0.0
                scored.append((score, p.id, p.topic == topic))
                if p.topic == topic:
                    same_all += 1
                    same_pass += score >= floor
                else:
                    other_all += 1
                    other_pass += score >= floor
            scored.sort(key=lambda s: (-s[0], s[1]))
            rest = len(members) - 2
            k = min(3, rest)
            precisions.append(sum(1 for s in scored[:3] if s[2] and s[0] > 0) / k)
    return Quality(
        statistics.fmean(precisions) if precisions else 0.0,
        len(precisions),
        same_pass / max(1, same_all),
        other_pass / max(1, other_all),
        floor,
    )


#: (title weight, compound weight, profile terms) tried on the tuning split.
GRID = tuple(itertools.product((1.0, 2.0, 3.0), (0.0, 0.5, 1.0), (16, 32, 64)))


def tune(pool: list[EvalPaper], topics: list[str]) -> tuple[ProfileSettings, Quality]:
    """The grid point with the best tuning-split precision@3 (ties: the smaller profile)."""
    best: tuple[float, int, ProfileSettings] | None = None
    for tw, cw, mt in GRID:
        vs = VectorSettings(title_weight=tw, compound_weight=cw)
        settings = ProfileSettings(max_terms=mt, indexed_terms=mt, vectors=vs)
        q = evaluate(pool, topics, settings, 0.0)
        key = (round(q.precision_at_3, 4), -mt)
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], settings)
    assert best is not None
    settings = best[2]
    return settings, _tune_floor(pool, topics, settings)


def _tune_floor(pool: list[EvalPaper], topics: list[str], settings: ProfileSettings) -> Quality:
    """The lowest floor that lets at most 2% of other-topic papers through."""
    q = evaluate(pool, topics, settings, 0.0)
    for floor in FLOORS:
        q = evaluate(pool, topics, settings, floor)
        if q.other_pass <= 0.02:
            break
    return q


FLOORS = (0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.2)


def main() -> str:
    """Tune on one split, report both; returns the markdown table."""
    pool = labelled_pool()
    tune_topics, held_out = split_topics(pool)
    settings, tuned = tune(pool, tune_topics)
    report = evaluate(pool, held_out, settings, tuned.floor)
    default = evaluate(pool, held_out, ProfileSettings(), DEFAULT_FLOOR)
    lines = [
        f"pool: {len(pool)} papers ({sum(1 for p in pool if p.id.startswith('real'))} real, "
        f"{sum(1 for p in pool if p.topic == '')} of them unlabelled distractors), "
        f"tuning topics {', '.join(tune_topics)}; held-out topics {', '.join(held_out)}",
        f"chosen: title_weight {settings.vectors.title_weight}, compound_weight "
        f"{settings.vectors.compound_weight}, profile terms {settings.max_terms}, indexed "
        f"{settings.indexed_terms}, floor {tuned.floor}",
        "",
        "| split | liked pairs | precision@3 | same-topic papers over the floor | "
        "other papers over the floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, q in (("tuning", tuned), ("held-out (reported)", report),
                    ("held-out, shipped defaults", default)):
        lines.append(
            f"| {name} | {q.cases} | {q.precision_at_3:.2f} | {q.same_topic_pass:.0%} | "
            f"{q.other_pass:.0%} |"
        )
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
