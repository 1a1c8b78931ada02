"""Paper sources: read any feed format, name sources in configuration, fetch politely.

Public API::

    parse_feed(body, *, base_url=None, content_type=None) -> FeedResult
    parse_source_spec(text) -> SourceSpec
    read_source(spec, *, state=None, fetcher=None, max_items=None) -> SourceReadResult
    FeedResult, SourceSpec, SourceState, SourceReadResult, HttpFetcher

Why lazy attribute loading: a Lambda that only needs ``SourceState`` (to persist it) or
the JSON path should not pay for importing ``requests`` and ``lxml`` at cold start.

Imported by :mod:`paperbell.services.scrape` and the developer CLI; imports only the
top-level modules: parsers know nothing of DynamoDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperbell.lazy_packages import lazy_attributes

if TYPE_CHECKING:
    from .fetcher import HttpFetcher
    from .parse import parse_feed
    from .reader import read_source
    from .results import FeedResult, SourceReadResult, SourceState
    from .specs import SourceSpec, parse_source_spec

__all__ = [
    "FeedResult",
    "HttpFetcher",
    "SourceReadResult",
    "SourceSpec",
    "SourceState",
    "parse_feed",
    "parse_source_spec",
    "read_source",
]

_WHERE = {
    "FeedResult": "results",
    "SourceReadResult": "results",
    "SourceState": "results",
    "HttpFetcher": "fetcher",
    "parse_feed": "parse",
    "read_source": "reader",
    "SourceSpec": "specs",
    "parse_source_spec": "specs",
}


__getattr__ = lazy_attributes(__name__, _WHERE, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
