"""The reference evaluator: every stored query against every paper, no index.

Why keep it: it is the specification the index must agree with (the property tests
compare the two on generated queries and papers) and the baseline the benchmark divides
by. Queries are parsed once up front, as a fair naive system would.
"""

from __future__ import annotations

from collections.abc import Iterable

from paperbell.matching.matcher import AnalyzedPaper, QueryHit, evaluate, evaluate_bool
from paperbell.matching.query_parser import Query, parse_query
from paperbell.models import Paper

__all__ = ["NaiveMatcher"]


class NaiveMatcher:
    """A list of parsed queries, each evaluated against each paper."""

    def __init__(self, queries: Iterable[tuple[str, str | Query]]) -> None:
        self.queries: list[tuple[str, Query]] = [
            (qid, parse_query(q) if isinstance(q, str) else q) for qid, q in queries
        ]

    def match(self, paper: Paper | AnalyzedPaper) -> list[QueryHit]:
        """Every query that matches ``paper``, in the order given, with highlights."""
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        hits: list[QueryHit] = []
        for qid, q in self.queries:
            hl = evaluate(q.root, ap)
            if hl is not None:
                hits.append(QueryHit(qid, hl))
        return hits

    def match_ids(self, paper: Paper | AnalyzedPaper) -> list[str]:
        """Ids of every query that matches ``paper`` (the same evaluation, no highlights)."""
        ap = paper if isinstance(paper, AnalyzedPaper) else AnalyzedPaper(paper)
        return [qid for qid, q in self.queries if evaluate_bool(q.root, ap)]
