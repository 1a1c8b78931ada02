"""Profile-index benchmark: a day of papers against N profiles, indexed vs brute force.

Why a generator: we have no million real reading profiles. Profiles and papers are made
from the real abstracts of :mod:`.corpus` and :mod:`.recommend_eval_data`, each with a
*topic*: a set of 12 synthetic "topic words" (two real words spliced, ``diffu`` +
``former``). A paper is four sentences drawn at random from all the real abstracts (so
real vocabulary is shared the way it is between real papers, without near-duplicates)
plus ten words of its topic; its title is two topic words and four real title words. A
profile likes 2-4 papers of one topic (20% also dislike one paper of another topic); a
day's paper belongs to a random topic. Topics number ``max(100, profiles / 500)``, so a
paper is near ~500 profiles at every size, plus whatever its real words reach. With only
~55 real abstracts to draw from, real words are shared far more than between real papers
(a paper reaches about a third of all profiles through them): a heavy case for the index.

Both paths score the same stored vectors: :meth:`ProfileIndex.score` (the postings of
the paper's terms; with every profile term indexed, the accumulated sum is the cosine)
and :meth:`ProfileIndex.score_brute_force` (the cosine with every profile). They are
timed paper by paper in turn, so both see the same machine load, and the ratio is over
the papers both scored: brute force runs on a sample of the day's papers at large sizes
(its time per paper is measured there, not extrapolated). Recall is the share of
subscribers whose top N over that sample is the same set in both paths.

Usage: ``python benchmarks/bench_recommend.py --profiles 10k,100k,1M [--json]``.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import itertools
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from paperbell.recommend import DEFAULT_FLOOR, ProfileIndex
from paperbell.recommend.profile import profile_from_vectors
from paperbell.recommend.terms import DocumentFrequencies, TermVector, paper_counts

from .corpus import PAPERS
from .recommend_eval_data import WRITTEN

__all__ = ["BenchResult", "Workload", "main", "run"]

TOPIC_WORDS = 12
LONG_TAIL_WORDS = 200_000
POOL_PER_TOPIC = 6


class Workload:
    """Deterministic topic-tagged papers over real abstracts (see the module docstring).

    ``long_tail``: the body is two real sentences plus 30 words drawn from a Zipf
    distribution over a 200k-word synthetic vocabulary, the way technical vocabulary is
    spread over real papers (each paper has its own rare words), instead of four real
    sentences from a pool that every paper shares.
    """

    def __init__(self, topics: int, seed: int = 7, *, long_tail: bool = False) -> None:
        self.rng = random.Random(seed)
        self.long_tail = long_tail
        bases = {t: a for t, a, *_ in PAPERS if a}
        bases.update({t: a for _, t, a in WRITTEN})
        self.bases = sorted(bases.items())
        self.sentences = sorted({
            s.strip() for _, a in self.bases for s in a.split(". ") if len(s.split()) >= 6
        })
        self.title_words = sorted({w for t, _ in self.bases for w in t.split() if len(w) > 3})
        words = sorted({w.lower() for _, a in self.bases for w in a.split() if w.isalpha()
                        and len(w) >= 5})
        self.topics = []
        for _ in range(topics):
            self.topics.append([
                self.rng.choice(words)[:4] + self.rng.choice(words)[-5:]
                for _ in range(TOPIC_WORDS)
            ])
        self.serial = 0
        if long_tail:
            self.vocab = [f"{self.rng.choice(words)[:3]}{i:x}{self.rng.choice(words)[-3:]}"
                          for i in range(LONG_TAIL_WORDS)]
            self.cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(LONG_TAIL_WORDS)))

    def paper(self, topic: int) -> tuple[str, str, str]:
        """(id, title, abstract) of a new paper of ``topic``."""
        self.serial += 1
        rng = self.rng
        words = self.topics[topic]
        if self.long_tail:
            tail = " ".join(rng.choices(self.vocab, cum_weights=self.cum, k=30))
            abstract = ". ".join(rng.sample(self.sentences, 2)) + ". " + tail
        else:
            abstract = ". ".join(rng.sample(self.sentences, 4))
        extra = " ".join(rng.choice(words) for _ in range(10))
        title = " ".join(rng.sample(words, 2) + rng.sample(self.title_words, 4))
        return f"syn-{self.serial}", title, f"{abstract}. {extra}."


@dataclass
class BenchResult:
    workload: str
    profiles: int
    papers: int
    brute_papers: int
    top_n: int
    floor: float
    build_s: float
    index_ms_per_paper: float
    brute_ms_per_paper: float
    speedup: float
    candidates_per_paper: float
    recommended_per_paper: float
    recall_top_n: float
    recall_cases: int
    snapshot_bytes: int
    snapshot_bytes_per_profile: float
    loaded_bytes_per_profile: float
    load_s: float


def _top_n(results: dict[str, list[tuple[float, int]]], pid: str, score: float, paper: int,
           n: int) -> None:
    heap = results.setdefault(pid, [])
    if len(heap) < n:
        heapq.heappush(heap, (score, -paper))
    elif (score, -paper) > heap[0]:
        heapq.heapreplace(heap, (score, -paper))


def run(profiles: int, *, papers: int = 500, brute_papers: int | None = None, top_n: int = 10,
        floor: float = DEFAULT_FLOOR, seed: int = 7, long_tail: bool = False) -> BenchResult:
    topics = max(100, profiles // 500)
    work = Workload(topics, seed, long_tail=long_tail)
    df = DocumentFrequencies.shipped()
    day = [work.paper(work.rng.randrange(topics)) for _ in range(papers)]
    pool = [[work.paper(t) for _ in range(POOL_PER_TOPIC)] for t in range(topics)]
    for _, title, abstract in day + [p for ps in pool for p in ps]:
        df.observe(paper_counts(title, abstract))
    index = ProfileIndex(df)
    pool_vecs: list[list[tuple[str, str, TermVector]]] = [
        [(pid, title, index.vectorize(title, abstract)) for pid, title, abstract in ps]
        for ps in pool
    ]
    started = time.perf_counter()
    rng = work.rng
    for i in range(profiles):
        topic = rng.randrange(topics)
        likes = rng.sample(pool_vecs[topic], rng.randint(2, 4))
        dislikes = []
        if rng.random() < 0.2:
            other = pool_vecs[rng.randrange(topics)][0]
            dislikes = [(other[0], other[2])]
        index.add(profile_from_vectors(f"sub-{i}", likes, dislikes))
    index.compact()
    build_s = time.perf_counter() - started

    snapshot = index.to_snapshot()
    del index
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    index = ProfileIndex.from_snapshot(snapshot)
    load_s = time.perf_counter() - started
    loaded = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    vectors = [index.vectorize(title, abstract) for _, title, abstract in day]
    brute_n = min(papers, brute_papers if brute_papers is not None
                  else max(10, 5_000_000 // max(1, profiles)))
    # Interleaved, paper by paper, so that both paths see the same machine load.
    fast: dict[str, list[tuple[float, int]]] = {}
    fast_sample: dict[str, list[tuple[float, int]]] = {}
    brute: dict[str, list[tuple[float, int]]] = {}
    candidates = recommended = 0
    index_s = index_sample_s = brute_s = 0.0
    clock = time.perf_counter
    for j, vec in enumerate(vectors):
        started = clock()
        hits = index.score(vec, floor=floor)
        elapsed = clock() - started
        index_s += elapsed
        recommended += len(hits)
        for hit in hits:
            _top_n(fast, hit.profile_id, hit.score, j, top_n)
        if j >= brute_n:
            continue
        index_sample_s += elapsed
        for hit in hits:
            _top_n(fast_sample, hit.profile_id, hit.score, j, top_n)
        started = clock()
        slow = index.score_brute_force(vec, floor=floor)
        brute_s += clock() - started
        for hit in slow:
            _top_n(brute, hit.profile_id, hit.score, j, top_n)
        candidates += len(index._accumulate(index._term_ids(vec)))
    cases = set(brute) | set(fast_sample)
    agree = sum(
        1 for pid in cases
        if {p for _, p in brute.get(pid, [])} == {p for _, p in fast_sample.get(pid, [])}
    )
    index_ms = 1000 * index_s / papers
    brute_ms = 1000 * brute_s / brute_n
    sample_ms = 1000 * index_sample_s / brute_n
    return BenchResult(
        workload="long-tail" if long_tail else "heavy",
        profiles=profiles,
        papers=papers,
        brute_papers=brute_n,
        top_n=top_n,
        floor=floor,
        build_s=round(build_s, 1),
        index_ms_per_paper=round(index_ms, 3),
        brute_ms_per_paper=round(brute_ms, 2),
        speedup=round(brute_ms / sample_ms, 1) if sample_ms else 0.0,
        candidates_per_paper=round(candidates / brute_n, 1),
        recommended_per_paper=round(recommended / papers, 1),
        recall_top_n=round(agree / len(cases), 4) if cases else 1.0,
        recall_cases=len(cases),
        snapshot_bytes=len(snapshot),
        snapshot_bytes_per_profile=round(len(snapshot) / profiles, 1),
        loaded_bytes_per_profile=round(loaded / profiles, 1),
        load_s=round(load_s, 2),
    )


def _sizes(values: Sequence[str]) -> list[int]:
    out = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            mult = 1_000_000 if part.endswith("m") else 1_000 if part.endswith("k") else 1
            out.append(int(float(part.rstrip("mk")) * mult))
    return out


def markdown(results: list[BenchResult]) -> str:
    lines = [
        "| workload | profiles | indexed ms/paper | brute force ms/paper | speedup | top-N recall "
        "(cases) | candidates/paper | recommended/paper | build s | snapshot | "
        "B/profile (snapshot / loaded) | load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.workload} | {r.profiles:,} | {r.index_ms_per_paper} | {r.brute_ms_per_paper} "
            f"({r.brute_papers} papers) | {r.speedup}x | {r.recall_top_n:.1%} "
            f"({r.recall_cases:,}) | {r.candidates_per_paper:,} | {r.recommended_per_paper} | "
            f"{r.build_s} | {r.snapshot_bytes / 2**20:.1f} MiB | "
            f"{r.snapshot_bytes_per_profile:.0f} / {r.loaded_bytes_per_profile:.0f} | "
            f"{r.load_s} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", action="append", default=None,
                    help="sizes (repeatable or comma list: 10k,100k,1M)")
    ap.add_argument("--papers", type=int, default=500)
    ap.add_argument("--brute-papers", type=int, default=None,
                    help="papers the brute-force baseline scores (default: all up to 10k "
                    "profiles, then fewer)")
    ap.add_argument("--top", type=int, default=10, help="top N per subscriber (default 10)")
    ap.add_argument("--workload", choices=("heavy", "long-tail", "both"), default="both",
                    help="paper bodies from shared real sentences (heavy), or with a Zipf "
                    "long tail of rare words (long-tail); default: both")
    ap.add_argument("--quality", action="store_true",
                    help="also run the precision@3 evaluation (recommend_eval)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = ap.parse_args(argv)
    sizes = _sizes(args.profiles or ["10k,100k"])
    results = []
    kinds = {"heavy": [False], "long-tail": [True], "both": [False, True]}[args.workload]
    for n, long_tail in itertools.product(sizes, kinds):
        r = run(n, papers=args.papers, brute_papers=args.brute_papers, top_n=args.top,
                long_tail=long_tail)
        results.append(r)
        print(
            f"{r.workload}, {n:,} profiles: indexed {r.index_ms_per_paper} ms/paper, brute force "
            f"{r.brute_ms_per_paper} ms/paper ({r.brute_papers} papers) -> ratio: "
            f"{r.speedup}x; top-{r.top_n} recall {r.recall_top_n:.1%} of {r.recall_cases:,} "
            f"subscribers; build {r.build_s} s; snapshot {r.snapshot_bytes / 2**20:.1f} MiB "
            f"({r.snapshot_bytes_per_profile:.0f} B/profile, {r.loaded_bytes_per_profile:.0f} "
            f"B/profile loaded, load {r.load_s} s)",
            flush=True,
        )
    print()
    print(markdown(results))
    if args.quality:
        from .recommend_eval import main as quality

        print()
        quality()
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
