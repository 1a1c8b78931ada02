"""Run one simulated day on the local pipeline and summarize its end state, so a run
with faults can be compared with a fault-free run of the same input."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from paperbell import aws, clock
from paperbell.models import Subscriber
from paperbell_dev.local.pipeline import LocalPipeline

ROOT = Path(__file__).resolve().parents[2]
SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)
BUNDLED = ["bundled:seed", "bundled:hf-daily", "bundled:arxiv-cs.LG"]


@dataclass
class DayResult:
    papers: set[str]
    mails: Counter[tuple[str, str]]  # (recipient, subject) -> times sent
    webhooks: Counter[str] = field(default_factory=Counter)  # webhook-id -> times
    scrape_reports: list[dict[str, Any]] = field(default_factory=list)
    pipeline: Any = None


def mail_key(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return str(message["To"]), str(message["Subject"])


def run_day(
    subscribers: list[Subscriber],
    *,
    sources: list[str] | None = None,
    faults: Callable[[], AbstractContextManager[Any]] = nullcontext,
    after_scrape: Callable[[LocalPipeline], None] | None = None,
    drive_stream: Callable[[LocalPipeline], None] | None = None,
    scrapes: int = 1,
    monkeypatch: Any = None,
) -> DayResult:
    """Scrape, match, then 24 planner ticks with mail after each; faults active inside."""
    moment = [SCRAPED_AT]
    original_now = clock.now
    clock.now = lambda: moment[0]
    try:
        with LocalPipeline(ROOT / "template.yaml") as pipeline:
            pipeline.add_subscribers(subscribers)
            reports = []
            with faults():
                for _ in range(scrapes):
                    reports.append(pipeline.scrape(sources or BUNDLED))
                if after_scrape:
                    after_scrape(pipeline)
                if drive_stream:
                    drive_stream(pipeline)
                else:
                    pipeline.match()
                for hour in range(1, 25):
                    tick = SCRAPED_AT.replace(minute=0) + timedelta(hours=hour)
                    moment[0] = tick
                    pipeline.plan(tick)
                    pipeline.mail()
            papers = {
                str(i["paper_id"])
                for i in aws.table(pipeline.table_name("PapersTable")).scan()["Items"]
            }
            mails = Counter(mail_key(m.raw) for m in pipeline.sent_mails())
            return DayResult(papers, mails, scrape_reports=reports, pipeline=None)
    finally:
        clock.now = original_now


def compare(baseline: DayResult, faulted: DayResult) -> tuple[int, int, int]:
    """(papers lost, mails lost, duplicate mails) of the faulted run vs the baseline."""
    papers_lost = len(baseline.papers - faulted.papers)
    mails_lost = sum((baseline.mails - faulted.mails).values())
    duplicates = sum((faulted.mails - baseline.mails).values())
    return papers_lost, mails_lost, duplicates


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
