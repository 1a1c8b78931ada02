"""Query language and stored-query matching (Lucene Monitor style).

Split by algorithm so each piece can be read and tested alone:

* :mod:`.normalize` — text -> normalized word keys with char spans (+ compounds);
* :mod:`.query_parser` — query text -> syntax tree, precise :class:`QueryError` s;
* :mod:`.query_analyzer` — which index terms a query is filed under;
* :mod:`.presearcher` — :class:`MatchIndex`: term -> queries index, candidates, snapshots;
* :mod:`.matcher` — verify one query against one paper, highlights, snippets;
* :mod:`.verifier` — a query compiled to a fast yes/no check for candidates;
* :mod:`.word_frequencies` — the shipped document-frequency table (``word_df.json``).

The naive reference evaluator and the benchmark live in the developer package
(:mod:`paperbell_dev.bench`), outside the Lambda layer.

The language is specified in docs/query-syntax.md.

Imported by services, delivery and web; imports only the top-level modules (models,
errors): no AWS, no I/O.
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
