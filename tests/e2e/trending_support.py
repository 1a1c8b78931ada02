"""Hugging Face daily-papers lists written to files, and a clock the test moves.

Why files: the scraper reads them through the same source path as any feed (format
detected from content), so a test can change upvotes between two scrapes by writing
the list again, with no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mail_support import mails_to as mails_to  # re-exported for the e2e tests
from mail_support import plain_text as plain_text
from paperbell import aws
from paperbell.models import Subscriber


@dataclass
class Listed:
    id: str
    title: str
    upvotes: int
    listed: datetime
    comments: int = 0
    abstract: str = "We study things."


def hf_list(papers: list[Listed]) -> list[dict[str, Any]]:
    """The /api/daily_papers JSON shape (2026) for ``papers``."""
    return [
        {
            "paper": {
                "id": p.id,
                "title": p.title,
                "summary": p.abstract,
                "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
                "upvotes": p.upvotes,
                "publishedAt": p.listed.isoformat().replace("+00:00", "Z"),
                "submittedOnDailyAt": p.listed.isoformat().replace("+00:00", "Z"),
                "ai_summary": f"AI summary of {p.title}.",
            },
            "numComments": p.comments,
            "title": p.title,
        }
        for p in papers
    ]


def write_list(path: Path, papers: list[Listed]) -> str:
    path.write_text(json.dumps(hf_list(papers), indent=1), encoding="utf-8")
    return str(path)


@contextmanager
def frozen_clock(monkeypatch: pytest.MonkeyPatch, start: datetime) -> Iterator[list[datetime]]:
    """``paperbell.clock.now`` returns ``moment[0]``; assign to move time."""
    moment = [start]
    monkeypatch.setattr("paperbell.clock.now", lambda: moment[0])
    yield moment


def trending_subscriber(email_: str, top: int = 3, **kw: Any) -> Subscriber:
    from paperbell.services.subscriptions import new_subscriber

    return new_subscriber(email_, kw.pop("queries", []), trending_top=top, **kw)


def ledger(pipeline: Any, subscriber_id: str) -> list[dict[str, Any]]:
    table = aws.table(pipeline.table_name("DeliveriesTable"))
    items = table.scan().get("Items", [])
    return sorted(
        (i for i in items
         if i["subscriber_id"] == subscriber_id and str(i["sk"]).startswith("digest#")),
        key=lambda i: str(i["sk"]),
    )
