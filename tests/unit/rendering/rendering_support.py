"""Helpers for the digest rendering tests: realistic papers from the trending-papers page
capture and the 2026 HF daily-papers API response, and message parsing."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from paperbell.delivery.digest_model import DigestEntry
from paperbell.models import Paper

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rendering"
DIGEST_DATE = date(2026, 5, 8)


def find_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Case-insensitive occurrences of ``term`` (a stand-in for the matcher's highlights)."""
    return [m.span() for m in re.finditer(re.escape(term), text, re.IGNORECASE)]


def entry_for(paper: Paper, *terms: str) -> DigestEntry:
    """A digest entry whose queries are ``terms``, highlighted wherever they occur."""
    title = [s for t in terms for s in find_spans(paper.title, t)]
    abstract = [s for t in terms for s in find_spans(paper.abstract, t)]
    return DigestEntry(paper, tuple(terms), {"title": title, "abstract": abstract})


def load_seed_papers() -> list[Paper]:
    lines = (FIXTURES / "trending-papers-page.txt").read_text(encoding="utf-8").splitlines()
    body = lines[2:]
    body[0] = body[0].removeprefix("Subscribe")
    papers = []
    base = datetime(2026, 5, 7, 18, tzinfo=UTC)
    for i in range(0, len(body) - 1, 2):
        n = i // 2
        papers.append(
            Paper(
                id=f"2605.{10000 + n}",
                title=body[i].strip(),
                abstract=body[i + 1].strip(),
                authors=tuple(f"Author {chr(65 + k)}{n}" for k in range(1 + n % 5)),
                url=f"https://huggingface.co/papers/2605.{10000 + n}",
                published=base - timedelta(hours=n),
                source="hf",
                categories=("cs.LG",) if n % 2 else ("cs.CL", "cs.AI"),
                upvotes=None if n % 7 == 6 else 100 - 3 * n,
            )
        )
    return papers


def load_hf_papers() -> list[Paper]:
    items = json.loads((FIXTURES / "hf_daily_papers_api_2026.json").read_text(encoding="utf-8"))
    papers = []
    for item in items:
        p = item["paper"]
        papers.append(
            Paper(
                id=p["id"],
                title=p["title"],
                abstract=p["summary"],
                authors=tuple(a["name"] for a in p["authors"]),
                url=f"https://huggingface.co/papers/{p['id']}",
                published=datetime.fromisoformat(p["publishedAt"].replace("Z", "+00:00")),
                source="hf",
                upvotes=p.get("upvotes"),
                extra={
                    "github_repo": p.get("githubRepo"),
                    "github_stars": p.get("githubStars"),
                    "num_comments": item.get("numComments"),
                    "ai_keywords": tuple(p.get("ai_keywords", ())),
                },
            )
        )
    return papers


def parse(msg: EmailMessage) -> EmailMessage:
    """What a receiving client sees: the serialized bytes parsed back."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(msg: EmailMessage) -> tuple[str, str]:
    """(text, html) bodies of a parsed message."""
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    return text_part.get_content(), html_part.get_content()
