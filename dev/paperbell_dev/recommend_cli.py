"""``paperbell recommend``: rank a source's papers by similarity to the papers you like.

    paperbell recommend SOURCE --like ID [--like ID ...] [--dislike ID ...] [--top N] [--json]

Liked and disliked papers are arXiv ids, arXiv/HF paper URLs or DOIs (``--likes-file``
also takes a BibTeX/Zotero export). They are looked up in SOURCE first; the rest are
fetched from the arXiv export API (batched ``id_list``, one request at a time, 3 s apart).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from paperbell.errors import PaperbellError

__all__ = ["cmd_recommend", "register"]


def _refs(values: list[str], files: list[str], what: str, known: Any) -> Any:
    """References from ``--like``/``--dislike`` values and files; problems to stderr."""
    from paperbell.recommend.lookup import references

    texts = list(values)
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                texts.append(handle.read())
        except OSError as exc:
            raise PaperbellError(f"cannot read {path}: {exc}") from None
    refs, problems = references(texts, known)
    for problem in problems:
        print(f"paperbell: {what}: {problem}", file=sys.stderr)
    return refs


def cmd_recommend(args: argparse.Namespace) -> int:
    from paperbell.recommend import DocumentFrequencies, build_profile
    from paperbell.recommend.lookup import resolve_papers
    from paperbell.recommend.ranking import rank_papers
    from paperbell.sources.fetcher import HttpFetcher
    from paperbell.sources.specs import ARXIV_API_URL
    from paperbell_dev.cli import _read

    papers = _read(args.source).papers
    known = {p.id: p for p in papers}
    like_refs = _refs(args.like or [], args.likes_file or [], "--like", known)
    dislike_refs = _refs(args.dislike or [], [], "--dislike", known)
    fetcher = None if args.no_fetch else HttpFetcher()
    api = args.arxiv_api or ARXIV_API_URL
    try:
        liked = resolve_papers(like_refs, known, fetcher, api_url=api)
        disliked = resolve_papers(dislike_refs, known, fetcher, api_url=api)
    finally:
        if fetcher is not None:
            fetcher.close()
    for problem in liked.problems + disliked.problems:
        print(f"paperbell: {problem}", file=sys.stderr)
    if not liked.papers:
        raise PaperbellError("none of the liked papers could be found; nothing to learn from")
    df = DocumentFrequencies.shipped()
    for paper in papers:
        df.observe_paper(paper.title, paper.abstract)
    profile = build_profile("cli", liked.papers, disliked.papers, df=df)
    # Ranking is the question here, so by default every paper with any similarity counts;
    # digests use the tuned floor (DEFAULT_FLOOR), which --floor reproduces.
    ranked = rank_papers(papers, profile, df, top=args.top, floor=max(args.floor, 1e-9))
    for rec in ranked:
        if args.json:
            print(json.dumps(rec.as_json(), ensure_ascii=False))
            continue
        print(f"{rec.score:.3f}  {rec.paper.id}  {rec.paper.title}")
        if rec.why.similar_to is not None:
            print(f"       similar to: {rec.why.similar_to.title}")
        if rec.why.terms:
            print(f"       shared terms: {', '.join(rec.why.terms)}")
    if not args.json:
        print(
            f"{len(ranked)} recommendation(s) from {len(papers)} paper(s); profile: "
            f"{', '.join(profile.top_terms(8))}",
            file=sys.stderr,
        )
    return 0


def register(sub: Any) -> None:
    """Add the ``recommend`` command to the ``paperbell`` parser."""
    from paperbell.recommend import DEFAULT_FLOOR
    from paperbell_dev.cli import _source_arg

    rec = sub.add_parser(
        "recommend",
        help="rank a feed's papers by similarity to papers you like",
        description="Rank the papers of SOURCE by tf-idf similarity to the liked papers "
        "(minus the disliked ones) and say why; see docs/recommendations.md.",
    )
    rec.add_argument("source", type=_source_arg, metavar="SOURCE")
    rec.add_argument("--like", action="append", metavar="ID",
                     help="a liked paper: arXiv id, arXiv/HF URL or DOI (repeatable)")
    rec.add_argument("--likes-file", action="append", metavar="FILE",
                     help="ids/URLs or a BibTeX/Zotero export of liked papers (repeatable)")
    rec.add_argument("--dislike", action="append", metavar="ID",
                     help="a paper you do not want more of (repeatable)")
    rec.add_argument("--top", type=int, default=10, metavar="N", help="default: 10")
    rec.add_argument("--floor", type=float, default=0.0, metavar="S",
                     help="minimum similarity (default: 0, rank everything; digests use "
                     f"{DEFAULT_FLOOR})")
    rec.add_argument("--no-fetch", action="store_true",
                     help="do not fetch liked papers missing from SOURCE from arXiv")
    rec.add_argument("--arxiv-api", metavar="URL", help=argparse.SUPPRESS)
    rec.add_argument("--json", action="store_true",
                     help="one JSON object per line: id, title, score, similar_to, terms")
    rec.set_defaults(func=cmd_recommend)
