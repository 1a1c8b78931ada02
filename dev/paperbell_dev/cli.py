"""The ``paperbell`` command line.

Contract (outside checks rely on these exact forms):
  paperbell fetch SOURCE [--json]
  paperbell match SOURCE (--query Q ... | --queries-file FILE) [--json]
  paperbell recommend SOURCE --like ID [--like ID ...] [--dislike ID ...] [--top N] [--json]
  paperbell demo [--feed SOURCE ...] [--subscribers FILE] [--outbox DIR] [--site-url URL]
Errors are one clear line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from paperbell import __version__
from paperbell.errors import ConfigError, PaperbellError, QueryError, RequestError

EXIT_USAGE = 2
EXIT_ERROR = 1


def _source_arg(value: str) -> str:
    """A file path on the command line is made absolute; names and URLs pass through."""
    return os.path.abspath(value) if os.path.exists(value) else value


def _read(source: str) -> Any:
    from paperbell.sources import read_source
    from paperbell_dev.demo_data import resolve_bundled

    return read_source(resolve_bundled(source))


def cmd_fetch(args: argparse.Namespace) -> int:
    result = _read(args.source)
    for paper in result.papers:
        if args.json:
            print(json.dumps(paper.as_json(), ensure_ascii=False))
        else:
            extra = f" ▲{paper.upvotes}" if paper.upvotes is not None else ""
            print(f"{paper.id}  {paper.title}{extra}")
    if result.skipped:
        # Every skipped item has its reason in ``errors`` (broken, or a repeat of an id).
        reasons = "; ".join(result.errors[:3]) or "no reason was recorded"
        print(f"paperbell: skipped {result.skipped} item(s): {reasons}", file=sys.stderr)
    if not args.json:
        print(f"{len(result.papers)} paper(s)", file=sys.stderr)
    return 0


def cmd_trending(args: argparse.Namespace) -> int:
    """The ranked list a source gives now: what a trending section would hold."""
    from datetime import UTC, datetime, timedelta

    from paperbell.matching import parse_query
    from paperbell.trending.ranking import rank_trending
    from paperbell.trending.snapshot import KEEP_DAYS, merge_sightings
    from paperbell.validation import validate_trending

    top = validate_trending(str(args.top)) or 10
    query = parse_query(args.filter) if args.filter else None
    result = _read(args.source)
    now = datetime.now(UTC)
    snapshot = merge_sightings(None, result.papers, now=now)
    if not snapshot.has_signal:
        raise ConfigError(
            f"{args.source} carries no popularity signal (no upvotes); trending needs a "
            "Hugging Face list such as hf:daily or hf:trending"
        )
    # The source is the window: everything it lists now, ranked as a digest ranks.
    ranked = rank_trending(
        snapshot.entries.values(), now=now + timedelta(seconds=1),
        window=timedelta(days=KEEP_DAYS + 1), top=top, query=query,
    )
    for item in ranked:
        if args.json:
            print(json.dumps(item.as_json(), ensure_ascii=False))
        else:
            comments = f" 💬{item.entry.comments}" if item.entry.comments else ""
            print(f"#{item.rank:<3} ▲{item.entry.upvotes:<5}{comments}  {item.paper_id}  "
                  f"{item.entry.paper.title}")
    if not args.json:
        narrowed = f" matching {args.filter!r}" if args.filter else ""
        print(f"{len(ranked)} trending paper(s){narrowed}", file=sys.stderr)
    return 0


def _match_queries(args: argparse.Namespace) -> list[str]:
    """The ``--query`` values, then the lines of ``--queries-file`` (blank and ``#`` lines
    skipped). Every invalid query is reported with its line before anything is matched."""
    texts = list(args.query or [])
    origins = [f"--query {i + 1}" for i in range(len(texts))]
    if args.queries_file:
        try:
            with open(args.queries_file, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError as exc:
            raise PaperbellError(f"cannot read {args.queries_file}: {exc.strerror}") from exc
        for n, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                texts.append(line.strip())
                origins.append(f"{args.queries_file}:{n}")
    if not texts:
        raise PaperbellError("no query: give --query Q or --queries-file FILE")
    from paperbell.matching import parse_query

    errors = []
    for origin, text in zip(origins, texts, strict=True):
        try:
            parse_query(text)
        except QueryError as exc:
            if not args.queries_file:
                raise  # the one-query contract: "bad query 'Q': message (at position N)"
            errors.append(f"{origin}: {exc.message} (at position {exc.position}) in {text!r}")
    if errors:
        more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise QueryError("; ".join(errors[:5]) + more)
    return texts


def cmd_match(args: argparse.Namespace) -> int:
    """Match a feed against a list of queries (one index, as the match function does)."""
    from datetime import UTC, datetime

    from paperbell.matching import Highlights, MatchIndex, snippet
    from paperbell.matching.scoring import score_match

    texts = _match_queries(args)
    index = MatchIndex.build((str(i), text) for i, text in enumerate(texts))
    result = _read(args.source)
    now = datetime.now(UTC)
    found = []
    for paper in result.papers:
        hits = index.match(paper)
        if not hits:
            continue
        highlights = Highlights()
        for hit in hits:
            highlights = highlights.union(hit.highlights)
        matched = list(dict.fromkeys(texts[int(hit.query_id)] for hit in hits))
        found.append((score_match(paper, highlights, now), paper, matched, highlights))
    found.sort(key=lambda f: -f[0].total)  # best first; ties keep the feed's order
    for score, paper, matched, highlights in found:
        merged = {"title": [], "abstract": [], **highlights.as_dict()}
        if args.json:
            print(
                json.dumps(
                    {
                        "id": paper.id,
                        "title": paper.title,
                        "queries": matched,
                        "highlights": merged,
                        "score": score.as_json(),
                    },
                    ensure_ascii=False,
                )
            )
            continue
        print(f"{paper.id}  {_marked(paper.title, merged.get('title', []))}  "
              f"(score {score.total:.2f})")
        for text in matched:
            print(f"  matched: {text}")
        if merged.get("abstract"):
            window, rebased = snippet(paper.abstract, merged["abstract"])
            print(f"  {_marked(window, rebased)}")
    if not args.json:
        print(f"{len(found)} of {len(result.papers)} paper(s) matched", file=sys.stderr)
    return 0


def _marked(text: str, spans: Sequence[Sequence[int]]) -> str:
    """Terminal highlight: **term** (plain text, works in any terminal and in pipes)."""
    out, pos = [], 0
    for start, end in sorted((int(s[0]), int(s[1])) for s in spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(f"**{text[start:end]}**")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _site_url_arg(value: str) -> str:
    """``--site-url``: an absolute http(s) URL, as the SiteUrl template parameter takes."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def cmd_demo(args: argparse.Namespace) -> int:
    from paperbell_dev.local.demo import format_summary, run_demo

    summary, written, hooks, own = run_demo(
        feeds=[_source_arg(feed) for feed in args.feed or []],
        subscribers_file=args.subscribers,
        outbox=args.outbox,
        site_url=args.site_url,
    )
    print(format_summary(summary, written, hooks, args.outbox, own))
    return 0


def cmd_preview_mail(args: argparse.Namespace) -> int:
    """Render one subscriber's next mail (all its sections) to an HTML and a text file."""
    from pathlib import Path

    from paperbell_dev.demo_data import demo_subscribers_path
    from paperbell_dev.local.demo import load_demo_subscribers, local_mode
    from paperbell_dev.local.next_mail import next_mail_for

    with local_mode():  # the same reading of the file as `paperbell demo --subscribers`
        subscribers, _ = load_demo_subscribers(args.subscribers or demo_subscribers_path())
    chosen = [s for s in subscribers if args.subscriber in (None, s.email, s.id)]
    if not chosen:
        raise PaperbellError(f"no subscriber {args.subscriber!r} in the subscribers file")
    feeds = args.feed or ["bundled:seed", "bundled:hf-daily", "bundled:arxiv-cs.LG"]
    mail = next_mail_for(chosen[0], feeds)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(mail.html, encoding="utf-8")
    text_copy = out.with_suffix(".txt")
    text_copy.write_text(mail.text, encoding="utf-8")
    print(f"{mail.summary()}: {out} (and {text_copy})")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.what == "match":
        from paperbell_dev.bench.match_benchmark import main as bench_match

        argv: list[str] = []
        for n in args.queries or []:
            argv += ["--queries", n]
        return int(bench_match(argv + list(args.extra)))
    raise PaperbellError(f"unknown benchmark {args.what!r}")  # pragma: no cover - argparse


def cmd_cost(args: argparse.Namespace) -> int:
    from paperbell_dev.cost import model as cost

    try:
        sizes = cost.parse_counts(args.subscribers)
    except ValueError:
        raise PaperbellError(f"bad --subscribers {args.subscribers!r}") from None
    counts = None
    if args.counts:
        try:
            with open(args.counts, encoding="utf-8") as handle:
                counts = json.load(handle)
        except (OSError, ValueError) as exc:
            raise PaperbellError(f"cannot read counts {args.counts}: {exc}") from None
    fitted = cost.Model.from_counts(counts or cost.load_counts())
    if not 0.0 <= args.trending_share <= 1.0:
        raise PaperbellError("--trending-share is a share of subscribers, 0 to 1")
    if args.trending_share and not fitted.has_trending:
        raise PaperbellError("the measured counts have no trending day; run make bench")
    if not 0.0 <= args.recommend_share <= 1.0 - args.trending_share:
        raise PaperbellError("--recommend-share is a share of subscribers, 0 to 1 together "
                             "with --trending-share")
    if args.recommend_share and not fitted.has_recommendations:
        raise PaperbellError("the measured counts have no recommendation day; run make bench")
    prices = cost.load_prices()
    estimates = [
        cost.estimate(
            cost.Workload(
                subscribers=n,
                papers_per_day=args.papers,
                matches_per_paper=args.matches_per_paper,
                matches_per_subscriber=args.matches_per_subscriber,
                digest_share=args.digest_share,
                trending_share=args.trending_share,
                recommend_share=args.recommend_share,
                recommendations_per_subscriber=args.recommendations_per_subscriber,
                profile_change_share=args.profile_change_share,
            ),
            fitted,
            prices,
            memory_mb=args.memory,
            duration_factor=args.duration_factor,
        )
        for n in sizes
    ]
    if args.json:
        print(json.dumps([
            {"subscribers": e.workload.subscribers, "total": round(e.total, 4),
             "ses": round(e.ses, 4), "not_ses_share": round(e.not_ses_share, 4),
             "items": {i.service: round(i.usd_month, 4) for i in e.items}}
            for e in estimates
        ], indent=2))
        return 0
    print(cost.table(estimates))
    print()
    for e in estimates:
        print(f"{e.workload.subscribers:,} subscribers: {cost.describe(e.workload)}")
    print(cost.details(estimates[-1]))
    print(
        f"Prices: {prices['region']} on-demand list prices, {prices['retrieved']}; no free "
        f"tier. {prices['warning'].split('. ')[-1]}"
    )
    print(f"Per-unit counts measured {fitted.generated} (make bench).")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from paperbell_dev.local.server import serve

    feeds = [_source_arg(feed) for feed in args.feed or []]
    serve(args.host, args.port, args.outbox, seed=args.seed, feeds=feeds,
          subscribers_file=args.subscribers)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperbell",
        description="Trending research papers, matched to your queries, once a day.",
    )
    parser.add_argument("--version", action="version", version=f"paperbell {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    fetch = sub.add_parser(
        "fetch",
        help="read a feed and print its papers",
        description="Read SOURCE (a URL, a file path or a source name such "
        "as hf:daily, arxiv:cs.LG, bundled:seed) and print its papers; "
        "the format is detected from the content.",
    )
    fetch.add_argument("source", type=_source_arg, metavar="SOURCE")
    fetch.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line: id, title, abstract, authors, url, "
        "published, source, categories, upvotes",
    )
    fetch.set_defaults(func=cmd_fetch)

    trending = sub.add_parser(
        "trending",
        help="the ranked trending list a source gives now",
        description="Rank the papers SOURCE lists now (e.g. hf:daily) the way a trending "
        "section does: upvotes, then comments, then the later listing; optionally narrowed "
        "by a filter in the query language.",
    )
    trending.add_argument("source", type=_source_arg, metavar="SOURCE")
    trending.add_argument("--top", default="10", metavar="N", help="1-50 (default 10)")
    trending.add_argument("--filter", metavar="QUERY", help="only papers matching QUERY")
    trending.add_argument(
        "--json", action="store_true",
        help="one JSON object per line: the fetch keys plus rank, comments, listed_at, "
        "ai_summary",
    )
    trending.set_defaults(func=cmd_trending)

    match = sub.add_parser(
        "match",
        help="which papers of a feed match which queries",
        description="Match every paper of SOURCE against the queries.",
    )
    match.add_argument("source", type=_source_arg, metavar="SOURCE")
    match.add_argument(
        "--query",
        "-q",
        action="append",
        metavar="Q",
        help="a query (repeatable); see docs/query-syntax.md for the syntax",
    )
    match.add_argument(
        "--queries-file",
        metavar="FILE",
        help="more queries, one per line (blank lines and # comments are skipped)",
    )
    match.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per matching paper, best score first: id, title, queries, "
        "highlights, score (total and parts)",
    )
    match.set_defaults(func=cmd_match)

    demo = sub.add_parser(
        "demo",
        help="run the whole pipeline locally, mails to an outbox",
        description="Run scrape -> stream -> match -> plan -> mail on an "
        "embedded AWS (moto) and write the mails SES accepted to DIR.",
    )
    demo.add_argument(
        "--feed",
        metavar="SOURCE",
        action="append",
        help="feed to scrape (repeatable; default: the bundled feeds)",
    )
    demo.add_argument(
        "--subscribers",
        metavar="FILE",
        help='JSON array of {"email", "queries"} or {"webhook": URL, "webhook_secret", '
        '"queries"} (default: bundled demo subscribers)',
    )
    demo.add_argument("--outbox", metavar="DIR", default="outbox", help="default: ./outbox")
    demo.add_argument(
        "--site-url",
        metavar="URL",
        type=_site_url_arg,
        help="render links as a deployed stack at URL would (https brings the one-click "
        "List-Unsubscribe-Post header; default: the local server's http URL)",
    )
    demo.set_defaults(func=cmd_demo)

    preview = sub.add_parser(
        "preview-mail",
        help="render a digest to an HTML file",
        description="Render a subscriber's digest (bundled demo "
        "subscribers and feeds by default) to FILE.html and FILE.txt.",
    )
    preview.add_argument("--subscriber", metavar="EMAIL", help="default: the first subscriber")
    preview.add_argument("--subscribers", metavar="FILE", help="JSON array like for demo")
    preview.add_argument(
        "--feed",
        action="append",
        type=_source_arg,
        metavar="SOURCE",
        help="feed(s) to read (repeatable; default: the bundled feeds)",
    )
    preview.add_argument("--out", required=True, metavar="FILE.html")
    preview.set_defaults(func=cmd_preview_mail)

    bench = sub.add_parser(
        "bench",
        help="run a benchmark (see BENCHMARKS.md)",
        description="Run a benchmark and print its ratios.",
    )
    bench.add_argument("what", choices=["match"], help="match: stored-query matching vs naive")
    bench.add_argument(
        "--queries",
        action="append",
        metavar="N",
        help="stored queries (repeatable or comma list, e.g. 10k,100k,1M)",
    )
    bench.add_argument("extra", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    bench.set_defaults(func=cmd_bench)

    cost = sub.add_parser(
        "cost",
        help="estimate the monthly AWS bill from measured call counts",
        description="Monthly AWS bill (us-east-1 list prices) at N subscribers, from the "
        "per-unit AWS call counts measured by `make bench` (BENCHMARKS.md).",
    )
    cost.add_argument(
        "--subscribers", action="append", required=True, metavar="N",
        help="subscribers (repeatable or comma list, e.g. 1k,10k,100k,1M)",
    )
    cost.add_argument("--papers", type=int, default=500, metavar="P",
                      help="new papers a day (default: 500)")
    cost.add_argument("--matches-per-paper", type=float, metavar="M",
                      help="subscribers matching each paper (default: from "
                      "--matches-per-subscriber)")
    cost.add_argument("--matches-per-subscriber", type=float, default=5.0, metavar="K",
                      help="papers in each daily digest (default: 5)")
    cost.add_argument("--trending-share", type=float, default=0.0, metavar="T",
                      help="share of subscribers with a trending digest instead of keyword "
                      "matches (0-1, default 0); their cost is the measured trending day")
    cost.add_argument("--recommend-share", type=float, default=0.0, metavar="R",
                      help="share of subscribers with likes only (a recommendation digest; "
                      "0-1, default 0); their cost is the measured recommendation day")
    cost.add_argument("--recommendations-per-subscriber", type=float, default=5.0,
                      metavar="C", help="candidates above the floor per likes-only "
                      "subscriber a day (default: 5)")
    cost.add_argument("--profile-change-share", type=float, default=0.01, metavar="V",
                      help="share of likes-only subscribers whose profile changes a day "
                      "(a like or a vote; default: 0.01)")
    cost.add_argument("--digest-share", type=float, default=1.0, metavar="F",
                      help="share of subscribers mailed each day (default: 1.0)")
    cost.add_argument("--memory", type=int, default=512, metavar="MB",
                      help="Lambda memory (default: 512, the template's)")
    cost.add_argument("--duration-factor", type=float, default=3.5, metavar="X",
                      help="Lambda time / measured local handler time (default: 3.5)")
    cost.add_argument("--counts", metavar="FILE", help="measured counts (default: bundled)")
    cost.add_argument("--json", action="store_true", help="print JSON")
    cost.set_defaults(func=cmd_cost)

    serve = sub.add_parser(
        "serve",
        help="serve the subscriber pages and API locally",
        description="Serve the subscriber pages and API (the real ApiFunction handler) on "
        "loopback over the embedded AWS; mails land in the outbox as .eml files.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000 (0: any free)")
    serve.add_argument("--outbox", metavar="DIR", default="outbox", help="default: ./outbox")
    serve.add_argument(
        "--no-seed",
        dest="seed",
        action="store_false",
        help="do not load any papers at start",
    )
    serve.add_argument(
        "--feed",
        metavar="SOURCE",
        action="append",
        help="feed to load at start instead of the bundled ones (repeatable; a file, URL "
        "or name such as hf:daily, arxiv:cs.LG, bundled:seed)",
    )
    serve.add_argument(
        "--subscribers",
        metavar="FILE",
        help="subscribers (mail or your own loopback webhook, as for demo) added before "
        "the feeds load; their day is delivered at start",
    )
    serve.set_defaults(func=cmd_serve)

    from paperbell_dev import operator_cli

    operator_cli.register(sub)
    from paperbell_dev import ops_cli

    ops_cli.register(sub)
    from paperbell_dev import recommend_cli

    recommend_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except QueryError as exc:
        where = f" (at position {exc.position})" if exc.position is not None else ""
        shown = f" {exc.query!r}" if exc.query else ""
        print(f"paperbell: bad query{shown}: {exc.message}{where}", file=sys.stderr)
        return EXIT_USAGE
    except RequestError as exc:  # paperbell.validation's refusal: the web's message too
        if exc.query is not None:
            where = f" (at position {exc.position})" if exc.position is not None else ""
            print(f"paperbell: bad query: {exc.message}{where}", file=sys.stderr)
            return EXIT_USAGE
        print(f"paperbell: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except PaperbellError as exc:
        print(f"paperbell: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("PAPERBELL_DEBUG"):
            raise
        print(
            f"paperbell: internal error: {type(exc).__name__}: {exc} "
            "(set PAPERBELL_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
