"""``make bench``: every benchmark in one run, then every ratio against its goal.

Run: ``.venv/bin/python benchmarks/run_all.py [--quick] [--skip NAME ...]
[--pipeline-subscribers 300,1000] [--match-queries 10000,100000,1000000]``

Each benchmark runs in its own fresh interpreter, one after the other (never in
parallel, so they do not disturb each other's timings), and prints its own report:
1. package sizes (``sam build`` into /tmp/pb-bench-build);
2. cold start: every handler's import time next to ``import boto3`` (dev venv, and the
   built layer with a runtime-like boto3);
3. feed parsers vs feedparser;
4. stored-query matcher vs the naive matcher, then vs tantivy (with paper analysis,
   snapshot load and warm ``/preview`` timings);
5. the local pipeline, one simulated day per size (moto-bound), which also rewrites
   ``paperbell/cost/measured_counts.json``;
6. the monthly bill at 1k / 10k / 100k / 1M subscribers from those counts.
The summary at the end lists every ratio with its goal. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
STEPS = ("size", "cold", "parsers", "match", "pipeline", "cost")


def machine() -> str:
    try:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in subprocess.run(
                    ["lscpu"], capture_output=True, text=True, check=False
                ).stdout.splitlines()
                if line.startswith("Model name")
            ),
            platform.processor(),
        )
    except OSError:
        cpu = platform.processor()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs ({cpu}), "
        f"{platform.machine()}, Python {platform.python_version()}, load {load:.1f}"
    )


def run(title: str, argv: list[str]) -> tuple[str, float]:
    """Run a benchmark script in a fresh interpreter, echo its output, return it."""
    print(f"\n=== {title}\n$ {' '.join(argv)}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if proc.wait() != 0:
        print(f"!!! {title} failed (exit {proc.returncode})", flush=True)
    elapsed = time.perf_counter() - started
    print(f"--- {title}: {elapsed:.0f} s", flush=True)
    return "".join(lines), elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="small sizes everywhere (a smoke run of a few minutes)"
    )
    ap.add_argument("--skip", action="append", default=[], choices=STEPS)
    ap.add_argument(
        "--pipeline-subscribers",
        default="300,1000",
        help="two sizes (the counts file needs two); 1000,10000 takes ~40 min",
    )
    ap.add_argument("--pipeline-papers", default="20,40")
    ap.add_argument("--match-queries", default="10000,100000")
    ap.add_argument(
        "--peer-queries",
        default="1000,10000,100000",
        help="sizes of the paperbell-vs-tantivy step; add 1000000 for the 1M row (~25 min)",
    )
    ap.add_argument("--parser-items", type=int, default=1000)
    ap.add_argument("--cold-repeat", type=int, default=9)
    ap.add_argument(
        "--no-write-counts",
        action="store_true",
        help="do not rewrite paperbell/cost/measured_counts.json",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.pipeline_subscribers, args.pipeline_papers = "100,300", "20,40"
        args.match_queries, args.parser_items, args.cold_repeat = "10000", 300, 3
        args.peer_queries = "1000"
    skip = set(args.skip)
    tmp = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    print(f"paperbell benchmarks - {machine()}")
    started = time.perf_counter()
    summary: list[str] = []
    durations: dict[str, float] = {}

    if "size" not in skip:
        out_json = tmp / "size.json"
        _, durations["size"] = run(
            "package size", ["benchmarks/bench_package_size.py", "--json", str(out_json)]
        )
        if out_json.exists():
            size = json.loads(out_json.read_text())
            layer = size["artifacts"]["PaperbellLayer"]["unzipped"] / 2**20
            summary.append(
                f"layer size: {layer:.1f} MiB unzipped "
                f"(goal <= 15): {'MET' if layer <= 15 else 'NOT MET'}"
            )
            failed = [what for what, ok in size.get("checks", {}).items() if not ok]
            summary.append(
                "  layer checks (.pyc, no developer code, nothing unused): "
                + ("all pass" if not failed else "FAILED: " + "; ".join(failed))
            )

    if "cold" not in skip:
        out_json = tmp / "cold.json"
        _, durations["cold"] = run(
            "cold start",
            [
                "benchmarks/bench_cold_start.py",
                "--repeat",
                str(args.cold_repeat),
                "--json",
                str(out_json),
            ],
        )
        if out_json.exists():
            cold = json.loads(out_json.read_text())
            for env in ("dev", "lambda-like"):
                rows = cold.get(env)
                if not rows:
                    continue
                worst = max((r["ratio"], n) for n, r in rows.items() if n != "boto3")
                ratios = ", ".join(
                    f"{n} {r['ratio']:.2f}x" for n, r in rows.items() if n != "boto3"
                )
                summary.append(
                    f"cold start ({env}, handler/boto3, goal <= 1.5): {ratios}; worst "
                    f"{worst[1]} {worst[0]:.2f}x: {'MET' if worst[0] <= 1.5 else 'NOT MET'}"
                )

    if "parsers" not in skip:
        out, durations["parsers"] = run(
            "feed parsers",
            ["benchmarks/bench_parsers.py", "--items", str(args.parser_items), "--repeat", "5"],
        )
        for label, best in re.findall(
            r"^(arXiv[^\n(]*?)\s*\([\d.]+ MB\).*?ratio: ([\d.]+)x", out, flags=re.M | re.S
        ):
            summary.append(f"parser vs feedparser, {label.strip()}: {best}x (best; goal >= 10)")

    if "match" not in skip:
        out_json = tmp / "match.json"
        out, durations["match"] = run(
            "stored-query matcher",
            [
                "benchmarks/bench_match.py",
                "--queries",
                args.match_queries,
                "--real-rate",
                "0.003",
                "--json",
            ],
        )
        try:
            start = re.search(r"^\[\s*$", out, flags=re.M)
            results = json.loads(out[start.start() :]) if start else []
        except ValueError:
            results = []
        for r in results:
            summary.append(
                f"matcher at {r['queries']:,} queries: {r['speedup_ids']}x / "
                f"{r['speedup_hl']}x faster than naive (ids / with highlights); match "
                f"{r['ids_over_tokenize']}x / {r['hl_over_tokenize']}x the cost of tokenizing "
                f"the paper; {r['match_hl_ms']} ms/paper, {r['bytes_per_query']} B/query, "
                f"{r['matches_per_paper']} matches/paper"
            )

    if "match" not in skip:
        out_json = tmp / "match-peer.json"
        _, durations["match-peer"] = run(
            "matcher vs tantivy, analysis, snapshot load, preview",
            [
                "benchmarks/bench_match_peer.py",
                "--queries",
                args.peer_queries,
                "--json",
                str(out_json),
            ],
        )
        if out_json.exists():
            peer = json.loads(out_json.read_text())
            for r in peer["results"]:
                summary.append(
                    f"paperbell vs tantivy, {r['workload']} workload, {r['queries']:,} queries: "
                    f"{r['speedup']}x (goal >= 1, and >= 10 at 1M); "
                    f"{r['matches_per_paper']} matches/paper"
                )
            a = peer.get("analysis")
            if a:
                summary.append(
                    f"paper analysis: {a['analysis_ms']} ms/paper (goal <= 0.15), "
                    f"re.findall floor {a['findall_ms']} ms"
                )
            if "snapshot_load_1m" in peer:
                summary.append(
                    f"snapshot load at 1M: {peer['snapshot_load_1m']:.3f} s (goal <= 0.2)"
                )
            if "preview" in peer:
                summary.append(
                    f"warm /preview over {peer['preview']['papers']:,} papers: "
                    f"{peer['preview']['warm_ms']:.0f} ms (goal <= 150)"
                )

    counts_path = ROOT / "dev/paperbell_dev/cost/measured_counts.json"
    if "pipeline" not in skip:
        out_json = tmp / "pipeline.json"
        argv_p = [
            "benchmarks/bench_pipeline.py",
            "--subscribers",
            args.pipeline_subscribers,
            "--papers",
            args.pipeline_papers,
            "--json",
            str(out_json),
        ]
        if not args.no_write_counts:
            argv_p.append("--write-counts")
        _, durations["pipeline"] = run("end-to-end pipeline (moto)", argv_p)
        if out_json.exists():
            for r in json.loads(out_json.read_text()):
                mail = r["stages"]["mail"]
                walls = ", ".join(
                    f"{s} {r['stages'][s]['wall_s']:.1f} s"
                    for s in ("scrape", "match", "plan", "mail")
                )
                rate = r["mails"] / mail["wall_s"] if mail["wall_s"] else 0
                summary.append(
                    f"pipeline day at {r['subscribers']:,} subscribers: {walls}; "
                    f"{rate:.1f} mails/s (moto-bound)"
                )

    if "cost" not in skip and counts_path.exists():
        out, durations["cost"] = run(
            "monthly bill", ["-m", "paperbell", "cost", "--subscribers", "1k,10k,100k,1M"]
        )
        share = re.search(r"share of SES.*", out)
        if share:
            summary.append(
                "everything except SES / SES (goal <= 20% at 10k and 1M): "
                + " | ".join(c.strip() for c in share.group(0).split("|")[1:-1])
            )

    total = time.perf_counter() - started
    print("\n=== SUMMARY (every ratio of this run)")
    for line in summary:
        print(f"- {line}")
    print(
        f"- wall time: {total / 60:.1f} min ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in durations.items())
        + ")"
    )
    print(f"- machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
