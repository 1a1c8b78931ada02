"""A digest for a list of papers and queries, without storage: for previews and demos."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from paperbell.delivery.digest_model import Digest, DigestEntry, MailSettings, SubscriberLinks
from paperbell.matching import match_queries, parse_query
from paperbell.models import Paper, Subscriber


def preview_digest(
    papers: Sequence[Paper],
    queries: Sequence[str],
    settings: MailSettings,
    *,
    email: str = "preview@example.invalid",
    digest_date: date | None = None,
) -> Digest:
    """Every paper that matches at least one query, with all its queries and highlights.

    Raises :class:`~paperbell.errors.QueryError` for an invalid query.
    """
    parsed = [parse_query(query) for query in queries]
    entries = []
    for paper in papers:
        matched, highlights = match_queries(parsed, paper)
        if matched:
            entries.append(DigestEntry(paper, tuple(matched), highlights.as_dict()))
    site = settings.site_url.rstrip("/")
    links = SubscriberLinks(
        unsubscribe_url=f"{site}/unsubscribe" if site else "",
        manage_url=f"{site}/manage" if site else "",
        full_list_url=site,
    )
    subscriber = Subscriber(id="preview", email=email, queries=tuple(queries))
    return Digest(subscriber, entries, digest_date or datetime.now(UTC).date(), links)
