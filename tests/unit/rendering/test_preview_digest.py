"""preview_digest: the real matcher over seed papers, rendered end to end."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest
from rendering_support import parse, parts

from paperbell.delivery.mime import build_digest_message
from paperbell.delivery.preview import preview_digest
from paperbell.errors import QueryError


def test_preview_of_seed_papers(seed_papers, settings):
    digest = preview_digest(
        seed_papers, ["lottery tickets", "RoPE"], settings, digest_date=date(2026, 5, 8)
    )
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


def test_preview_without_matches_is_the_empty_note(seed_papers, settings):
    digest = preview_digest(seed_papers, ["zebrafish"], settings)
    assert digest.is_empty and not digest.entries


def test_preview_reports_bad_queries(seed_papers, settings):
    with pytest.raises(QueryError):
        preview_digest(seed_papers, ['"unclosed'], settings)
