"""paperbell vs tantivy on a day of papers, plus analysis, snapshot-load and preview timings.

Run: ``python benchmarks/bench_match_peer.py --queries 1k,10k,100k,1M [--json FILE]``.
Method and results: benchmarks/RESULTS-match.md; goals: issue 13 (and issue 12's
snapshot load).

For each workload (``realistic``: :mod:`.workload`; ``old``: the real-rate 0.003
generator of :mod:`.match_benchmark`) and each number of stored queries, in one process:

* **paperbell**, as the match function runs it: ``MatchIndex.from_snapshot`` (the
  snapshot was built beforehand, as the index function does) and then
  ``match_slot_array(paper)`` for each of the day's papers: the numbers of the matching
  stored queries, each once, as tantivy hands out document numbers, in an
  ``array('I')`` (tantivy's answers, one list per query, carry no order across queries
  either; ``match_slots`` sorts). A warm round of ``match_slot_set`` (the same numbers
  in a Python set) is shown beside it.
  *Setup* is the index build (done offline, once per change of the queries); the
  timed part is load + match. The
  table also shows the first round (it compiles every check it meets; later rounds, like
  a container that reloads a changed index, find them compiled, as tantivy's rounds
  reuse its queries parsed in advance) and a warm round of ``match_ids`` (the ids as
  strings, what the match function writes).
* **tantivy**, the obvious way (:mod:`.tantivy_peer`): queries translated and parsed in
  advance (*setup*); the timed part is indexing the day's papers in RAM + one search per
  stored query.
* Rounds alternate between the two (paperbell, tantivy, paperbell, ...) and the best
  round of each counts, so that both see the same machine load.
* Memory: paperbell, the Python heap the loaded index holds (``tracemalloc``, which
  sees all of it: flat arrays and blobs); tantivy, the growth of the process' resident
  set (``VmRSS``) while its parsed queries and index are built (its memory is Rust's, which
  ``tracemalloc`` cannot see).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from paperbell.matching import MatchIndex, parse_query, verifier
from paperbell.matching.matcher import AnalyzedPaper
from paperbell.matching.normalize import WORD_RE
from paperbell.matching.presearcher import paper_terms
from paperbell.models import Paper

from .match_benchmark import QueryGenerator, _sizes, sample_papers
from .naive import NaiveMatcher
from .workload import DayModel, realistic_queries

__all__ = ["PeerResult", "analysis_timing", "main", "run_size"]

#: issue 13: analysing a paper costs at most this (ms, CPU) on average
ANALYSIS_GOAL_MS = 0.15


def _rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover


def _say(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


@dataclass
class PeerResult:
    workload: str
    queries: int
    papers: int
    pb_build_s: float
    pb_snapshot_bytes: int
    pb_load_s: float
    pb_match_s: float
    pb_total_s: float
    pb_first_round_s: float
    pb_with_ids_s: float
    pb_as_sets_s: float
    pb_load_memory_bytes: int
    pb_memory_bytes: int
    tv_setup_s: float
    tv_index_s: float
    tv_search_s: float
    tv_total_s: float
    tv_memory_bytes: int
    speedup: float
    pb_pairs_per_s: float
    tv_pairs_per_s: float
    matches_per_paper: float
    matches_per_query_mean: float
    matches_per_query_median: float
    matches_per_query_p90: int
    matches_per_query_max: int
    queries_matching_nothing: float
    analysis: dict[str, float] = field(default_factory=dict)
    naive_agree: bool | None = None
    snapshot_load_s: float | None = None
    snapshot_load_cpu_s: float | None = None
    tantivy: dict[str, Any] = field(default_factory=dict)


def _queries(workload: str, n: int, model: DayModel) -> list[tuple[str, str]]:
    if workload == "realistic":
        return realistic_queries(model, n)
    return QueryGenerator(sample_papers(), real_rate=0.003).queries(n)


def run_size(
    workload: str,
    n: int,
    papers: Sequence[Paper],
    model: DayModel,
    *,
    rounds: int = 3,
    explain_upto: int = 100_000,
    naive_upto: int = 10_000,
) -> PeerResult:
    """One workload at one size: both engines, interleaved rounds, agreement checks."""
    from .tantivy_peer import TantivyPeer, explain_disagreements

    queries = _queries(workload, n, model)
    gc.collect()
    t0 = time.perf_counter()
    built = MatchIndex.build(queries)
    pb_build = time.perf_counter() - t0
    snapshot = built.to_snapshot()
    del built
    gc.collect()
    _say(f"[{workload} {n}] paperbell built in {pb_build:.1f} s")

    # tantivy setup: parse + translate every query once (memoized by text, as anyone
    # holding a million stored queries would), against the schema of an index.
    rss0 = _rss()
    t0 = time.perf_counter()
    peer = TantivyPeer(papers)
    parsed_by_text: dict[str, Any] = {}
    tv_queries = []
    for _, text in queries:
        q = parsed_by_text.get(text)
        if q is None:
            q = parsed_by_text[text] = peer.translate(parse_query(text))
        tv_queries.append(q)
    tv_setup = time.perf_counter() - t0
    tv_mem = _rss() - rss0
    _say(f"[{workload} {n}] tantivy queries parsed in {tv_setup:.1f} s")

    def paperbell_round() -> tuple[float, float, list[Sequence[int]], MatchIndex]:
        gc.collect()
        t0 = time.perf_counter()
        index = MatchIndex.from_snapshot(snapshot)
        t1 = time.perf_counter()
        slots: list[Sequence[int]] = [index.match_slot_array(p) for p in papers]
        return t1 - t0, time.perf_counter() - t1, slots, index

    def tantivy_round() -> tuple[float, float, list[list[int]]]:
        gc.collect()
        t0 = time.perf_counter()
        fresh = TantivyPeer(papers)
        t1 = time.perf_counter()
        docs = fresh.match_all(tv_queries)
        return t1 - t0, time.perf_counter() - t1, docs

    pb_best = (float("inf"), 0.0)
    tv_best = (float("inf"), 0.0)
    pb_first = 0.0
    pb_slots: list[Sequence[int]] = []
    tv_docs: list[list[int]] = []
    for r in range(rounds):
        load, match, pb_slots, last = paperbell_round()
        pb_first = pb_first or load + match
        if load + match < sum(pb_best):
            pb_best = (load, match)
        index_s, search_s, tv_docs = tantivy_round()
        if index_s + search_s < sum(tv_best):
            tv_best = (index_s, search_s)
        _say(
            f"[{workload} {n}] round {r + 1}: paperbell {load + match:.3f} s, "
            f"tantivy {index_s + search_s:.3f} s"
        )
    # the ids, as the match function wants them: the same warm round with match_ids
    gc.collect()
    t0 = time.perf_counter()
    fresh_index = MatchIndex.from_snapshot(snapshot)
    pb_ids = [fresh_index.match_ids(p) for p in papers]
    pb_with_ids = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    fresh_index = MatchIndex.from_snapshot(snapshot)
    pb_as_sets = [fresh_index.match_slot_set(p) for p in papers]
    pb_as_sets_s = time.perf_counter() - t0
    assert pb_as_sets == [set(s) for s in pb_slots]
    del pb_as_sets
    assert pb_ids == [last.query_ids(sorted(s)) for s in pb_slots]
    del fresh_index, last
    gc.collect()
    verifier._CHECKS.clear()  # so that the compiled checks count too
    tracemalloc.start()
    held = MatchIndex.from_snapshot(snapshot)
    pb_load_mem = tracemalloc.get_traced_memory()[0]
    for p in papers:
        held.match_ids(p)
    gc.collect()
    pb_mem = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    analysis = analysis_timing([*papers, *sample_papers()], held, passes=5)
    del held

    slot = {qid: i for i, (qid, _) in enumerate(queries)}
    per_query = [0] * n
    pb_sets: list[set[int]] = [set() for _ in range(n)]
    for d, ids in enumerate(pb_ids):
        for qid in ids:
            per_query[slot[qid]] += 1
            pb_sets[slot[qid]].add(d)
    ordered = sorted(per_query)
    pb_total, tv_total = sum(pb_best), sum(tv_best)
    pairs = len(papers) * n
    result = PeerResult(
        workload=workload,
        queries=n,
        papers=len(papers),
        pb_build_s=round(pb_build, 2),
        pb_snapshot_bytes=len(snapshot),
        pb_load_s=round(pb_best[0], 4),
        pb_match_s=round(pb_best[1], 4),
        pb_total_s=round(pb_total, 4),
        pb_first_round_s=round(pb_first, 4),
        pb_with_ids_s=round(pb_with_ids, 4),
        pb_as_sets_s=round(pb_as_sets_s, 4),
        pb_load_memory_bytes=pb_load_mem,
        pb_memory_bytes=pb_mem,
        tv_setup_s=round(tv_setup, 2),
        tv_index_s=round(tv_best[0], 4),
        tv_search_s=round(tv_best[1], 4),
        tv_total_s=round(tv_total, 4),
        tv_memory_bytes=tv_mem,
        speedup=round(tv_total / pb_total, 2),
        pb_pairs_per_s=round(pairs / pb_total),
        tv_pairs_per_s=round(pairs / tv_total),
        matches_per_paper=round(sum(per_query) / len(papers), 1),
        matches_per_query_mean=round(statistics.mean(per_query), 2),
        matches_per_query_median=statistics.median(per_query),
        matches_per_query_p90=ordered[int(0.9 * (n - 1))],
        matches_per_query_max=ordered[-1],
        queries_matching_nothing=round(sum(1 for c in per_query if c == 0) / n, 3),
        analysis=analysis,
    )
    if n <= naive_upto:
        sample = list(papers[:40])
        naive = NaiveMatcher(queries)
        index = MatchIndex.from_snapshot(snapshot)
        result.naive_agree = all(naive.match_ids(p) == index.match_ids(p) for p in sample)
    if n <= explain_upto:
        parsed = [parse_query(t) for _, t in queries]
        dis = explain_disagreements(peer, papers, parsed, pb_sets, tv_docs)
        result.tantivy = {
            "compared_pairs": dis.compared_pairs,
            "paperbell_only": dis.paperbell_only,
            "tantivy_only": dis.tantivy_only,
            "classes": dict(dis.classes.most_common()),
            "examples": dis.examples,
        }
    _say(f"[{workload} {n}] paperbell {pb_total:.3f} s, tantivy {tv_total:.3f} s")
    if n >= 1_000_000:
        result.snapshot_load_s = round(snapshot_load(snapshot), 4)
        result.snapshot_load_cpu_s = round(snapshot_load(snapshot, clock=time.process_time), 4)
    return result


# ---------------------------------------------------------------------------------------
# Paper analysis, snapshot load, preview
# ---------------------------------------------------------------------------------------


def _best_per_paper(
    call: Callable[[Paper], object],
    papers: Sequence[Paper],
    passes: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    best = float("inf")
    for _ in range(passes):
        t0 = clock()
        for p in papers:
            call(p)
        best = min(best, (clock() - t0) / len(papers))
    return best


def analysis_timing(
    papers: Sequence[Paper], index: MatchIndex | None = None, passes: int = 7
) -> dict[str, float]:
    """ms per paper: paperbell's analysis (AnalyzedPaper + presearch terms) vs findall.

    With ``index``, the terms are those that index asks for (``index.paper_terms``);
    without, every term a paper has (``presearcher.paper_terms``). The first pass runs
    before anything else touched these papers' words when called first (fresh memos:
    the cost of a cold container); then passes alternate with the floor, a bare
    ``re.findall`` of the same word pattern over title and abstract.
    Each is timed in wall-clock time and in the process' CPU time (on a shared machine
    the wall clock also counts the time other processes held the CPU).
    """
    findall = WORD_RE.findall

    def floor(p: Paper) -> object:
        return findall(p.title), findall(p.abstract)

    terms_of = paper_terms if index is None else index.paper_terms

    def analyze(p: Paper) -> object:
        return terms_of(AnalyzedPaper(p))

    first = _best_per_paper(analyze, papers, 1)
    best_a = best_f = float("inf")
    cpu_a: list[float] = []
    cpu_f: list[float] = []
    cpu = time.process_time
    for _ in range(passes):
        best_a = min(best_a, _best_per_paper(analyze, papers, 1))
        best_f = min(best_f, _best_per_paper(floor, papers, 1))
        cpu_a.append(_best_per_paper(analyze, papers, 1, cpu))
        cpu_f.append(_best_per_paper(floor, papers, 1, cpu))
    words = statistics.mean(len(findall(f"{p.title} {p.abstract}")) for p in papers)
    return {
        "papers": len(papers),
        "words_per_paper": round(words, 1),
        "analysis_first_pass_ms": round(first * 1e3, 4),
        "analysis_ms": round(best_a * 1e3, 4),
        "findall_ms": round(best_f * 1e3, 4),
        "ratio": round(best_a / best_f, 2),
        # CPU time of the process: what a loaded machine cannot inflate by descheduling
        # (best pass, and the median pass)
        "analysis_cpu_ms": round(min(cpu_a) * 1e3, 4),
        "findall_cpu_ms": round(min(cpu_f) * 1e3, 4),
        "analysis_cpu_median_ms": round(statistics.median(cpu_a) * 1e3, 4),
        "findall_cpu_median_ms": round(statistics.median(cpu_f) * 1e3, 4),
    }


def snapshot_load(
    snapshot: bytes, repeat: int = 5, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best of ``repeat`` ``MatchIndex.from_snapshot`` calls, seconds of ``clock``."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = clock()
        MatchIndex.from_snapshot(snapshot)
        best = min(best, clock() - t0)
    return best


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def markdown(results: Sequence[PeerResult], extra: dict[str, Any]) -> str:
    """The comparison table, the agreement table and the side measurements."""
    lines = [
        "| workload | stored queries | matches/paper | matches/query (mean / median / p90 / max)"
        " | paperbell load + match (first round; as sets; with ids) | tantivy index + search"
        " | paperbell ÷ tantivy"
        " | papers×queries/s (pb / tv) | setup (pb build / tv parse)"
        " | memory (pb loaded / after the day; tv)"
        " | analysis ms/paper wall / CPU (findall CPU) |",
        "|---|---:|---:|---|---:|---:|---:|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.workload} | {r.queries:,} | {r.matches_per_paper} | "
            f"{r.matches_per_query_mean} / {r.matches_per_query_median} / "
            f"{r.matches_per_query_p90} / {r.matches_per_query_max} | "
            f"{r.pb_total_s:.3f} s ({r.pb_load_s:.3f} + {r.pb_match_s:.3f}; "
            f"{r.pb_first_round_s:.3f} s; {r.pb_as_sets_s:.3f} s; {r.pb_with_ids_s:.3f} s) | "
            f"{r.tv_total_s:.3f} s ({r.tv_index_s:.3f} + {r.tv_search_s:.3f}) | "
            f"**{r.speedup}× {'faster' if r.speedup >= 1 else 'slower'}** | "
            f"{r.pb_pairs_per_s:,.0f} / {r.tv_pairs_per_s:,.0f} | "
            f"{r.pb_build_s} s / {r.tv_setup_s} s | "
            f"{_mb(r.pb_load_memory_bytes)} / {_mb(r.pb_memory_bytes)}; {_mb(r.tv_memory_bytes)} | "
            f"{r.analysis.get('analysis_ms', 0):.3f} / {r.analysis.get('analysis_cpu_ms', 0):.3f}"
            f" ({r.analysis.get('findall_cpu_ms', 0):.3f}) |"
        )
    agree = [r for r in results if r.tantivy]
    if agree:
        lines += [
            "",
            "| workload | queries | (query, paper) pairs matched by either | paperbell only"
            " | tantivy only | classes (count) | index == naive |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
        for r in agree:
            t = r.tantivy
            classes = "; ".join(f"{k}: {v}" for k, v in t["classes"].items()) or "none"
            naive = {True: "yes", False: "**no**", None: "not run"}[r.naive_agree]
            lines.append(
                f"| {r.workload} | {r.queries:,} | {t['compared_pairs']:,} | "
                f"{t['paperbell_only']:,} | {t['tantivy_only']:,} | {classes} | {naive} |"
            )
    lines += [
        "",
        f"Paper analysis (issue 13: ≤ {ANALYSIS_GOAL_MS} ms a paper), with each index's own terms,"
        " CPU ms/paper, best / median pass, beside a bare `re.findall` of the same text:",
        "",
        "| workload | stored queries | analysis CPU (best / median) | `re.findall` CPU"
        " (best / median) | analysis ÷ findall | ≤ goal? |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        best = r.analysis.get("analysis_cpu_ms", 0)
        lines.append(
            f"| {r.workload} | {r.queries:,} | **{best:.3f}** / "
            f"{r.analysis.get('analysis_cpu_median_ms', 0):.3f} | "
            f"{r.analysis.get('findall_cpu_ms', 0):.3f} / "
            f"{r.analysis.get('findall_cpu_median_ms', 0):.3f} | "
            f"{best / max(r.analysis.get('findall_cpu_ms', 0), 1e-9):.2f}× | "
            f"{'yes' if best <= ANALYSIS_GOAL_MS else 'no'} |"
        )
    a = extra.get("analysis")
    if a:
        lines += [
            "",
            f"Paper analysis, every term ({a['papers']} papers, {a['words_per_paper']} words): "
            f"**{a['analysis_ms']} ms/paper** (first pass, fresh memos: "
            f"{a['analysis_first_pass_ms']} ms); bare `re.findall` over the same text "
            f"{a['findall_ms']} ms; ratio {a['ratio']}×. In CPU time: "
            f"{a['analysis_cpu_ms']} ms vs {a['findall_cpu_ms']} ms.",
        ]
    for r in results:
        if r.snapshot_load_s is not None:
            lines.append(
                f"Snapshot load at {r.queries:,} queries ({r.workload}): "
                f"**{r.snapshot_load_s:.3f} s** wall, {r.snapshot_load_cpu_s:.3f} s CPU "
                f"(best of 5; snapshot {_mb(r.pb_snapshot_bytes)})."
            )
    if "preview" in extra:
        p = extra["preview"]
        lines.append(
            f"Warm `/preview` over {p['papers']:,} recent papers: **{p['warm_ms']:.0f} ms** "
            f"handler time (cold: {p['cold_ms']:.0f} ms)."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench match-peer", description=__doc__.split("\n")[0])
    ap.add_argument("--queries", action="append", default=[], help="e.g. 1k,10k,100k,1M")
    ap.add_argument("--papers", type=int, default=500)
    ap.add_argument("--workload", action="append", choices=["realistic", "old"], default=[])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-preview", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    sizes = _sizes(args.queries) or [1000, 10_000, 100_000]
    workloads = args.workload or ["realistic", "old"]
    model = DayModel()
    papers = model.papers(args.papers)
    extra: dict[str, Any] = {"analysis": analysis_timing([*papers, *sample_papers()])}
    results = [
        run_size(w, n, papers, model, rounds=args.rounds if n < 1_000_000 else 2)
        for w in workloads
        for n in sizes
    ]
    loads = [r.snapshot_load_s for r in results if r.snapshot_load_s is not None]
    if loads:
        extra["snapshot_load_1m"] = max(loads)
    if not args.no_preview:
        from .preview_bench import preview_timing

        extra["preview"] = preview_timing()
    print(markdown(results, extra))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"results": [asdict(r) for r in results], **extra}, fh, indent=2)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
