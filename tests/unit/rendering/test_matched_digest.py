"""The real matcher's highlights over seed papers, rendered end to end as MIME.

The other rendering tests highlight with a stand-in (``find_spans``); this one builds
the digest entries from :func:`paperbell.matching.match_queries`, as the mailer does,
so the spans the matcher gives are the ones the mail marks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import lxml.html
from rendering_support import parse, parts

from paperbell.delivery.digest_model import Digest, DigestEntry, MailSettings, SubscriberLinks
from paperbell.delivery.mime import build_digest_message
from paperbell.matching import match_queries, parse_query
from paperbell.models import Paper, Subscriber


def matched_digest(papers: Sequence[Paper], queries: Sequence[str], settings: MailSettings,
                   digest_date: date) -> Digest:
    """Every paper that matches at least one query, with all its queries and highlights."""
    parsed = [parse_query(query) for query in queries]
    entries = []
    for paper in papers:
        matched, highlights = match_queries(parsed, paper)
        if matched:
            entries.append(DigestEntry(paper, tuple(matched), highlights.as_dict()))
    site = settings.site_url.rstrip("/")
    links = SubscriberLinks(f"{site}/unsubscribe", f"{site}/manage", site)
    subscriber = Subscriber(id="preview", email="preview@example.invalid",
                            queries=tuple(queries))
    return Digest(subscriber, entries, digest_date, links)


def test_matched_seed_papers_are_marked_in_the_mail(seed_papers, settings):
    digest = matched_digest(seed_papers, ["lottery tickets", "RoPE"], settings,
                            date(2026, 5, 8))
    ids = [e.paper.id for e in digest.ranked()]
    assert seed_papers[0].id in ids and seed_papers[5].id in ids
    rope = next(e for e in digest.entries if e.paper is seed_papers[5])
    assert rope.queries == ("RoPE",)
    assert rope.highlights["title"]

    msg = parse(build_digest_message(digest, settings))
    assert msg["Subject"].startswith(f"{len(ids)} new paper")
    assert msg["X-Paperbell-Digest"] == "preview/2026-05-08"
    _, html = parts(msg)
    marks = {m.text_content().lower() for m in lxml.html.document_fromstring(html).iter("mark")}
    assert "rope" in marks


def test_no_match_is_the_empty_note(seed_papers, settings):
    digest = matched_digest(seed_papers, ["zebrafish"], settings, date(2026, 5, 8))
    assert digest.is_empty and not digest.entries
