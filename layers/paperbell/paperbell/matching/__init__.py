"""Query language and stored-query matching (Lucene Monitor style).

Split by algorithm so each piece can be read and tested alone:

* :mod:`.normalize` — text -> normalized word keys with char spans (+ compounds);
* :mod:`.query_parser` — query text -> syntax tree, precise :class:`QueryError` s;
* :mod:`.query_analyzer` — which index terms a query is filed under;
* :mod:`.presearcher` — :class:`MatchIndex`: term -> queries index, candidates, snapshots;
* :mod:`.matcher` — verify one query against one paper, highlights, snippets;
* :mod:`.verifier` — a query compiled to a fast yes/no check for candidates;
* :mod:`.naive` — every query against every paper (reference + benchmark baseline);
* :mod:`.benchmark` — deterministic query/paper generator and the benchmark runner.

The language is specified in docs/query-syntax.md.
"""

from __future__ import annotations

from .matcher import Highlights, QueryHit, match_queries, match_query, snippet
from .presearcher import MatchIndex
from .query_parser import Query, parse_query

__all__ = [
    "Highlights",
    "MatchIndex",
    "Query",
    "QueryHit",
    "match_queries",
    "match_query",
    "parse_query",
    "snippet",
]
