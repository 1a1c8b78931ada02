"""``paperbell demo``: one simulated day of the whole pipeline, mails to an outbox."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from paperbell.demo_data import demo_subscribers_path
from paperbell.local.outbox import write_outbox
from paperbell.local.pipeline import DaySummary, LocalPipeline
from paperbell.services.subscriptions import load_subscribers_file


def run_demo(
    *, feed: str | None = None, subscribers_file: str | None = None, outbox: str = "outbox"
) -> tuple[DaySummary, list[Path]]:
    """Scrape the feed (default: the bundled feeds in events/scrape.json), match the
    subscribers (default: the bundled demo subscribers), mail, write the outbox."""
    subscribers = load_subscribers_file(subscribers_file or demo_subscribers_path())
    if feed and not feed.startswith(("bundled:", "http://", "https://")) and ":" not in feed[1:3]:
        feed = os.path.abspath(feed)
    with LocalPipeline() as pipeline:
        pipeline.add_subscribers(subscribers)
        summary = pipeline.run_day([feed] if feed else None)
        written = write_outbox(pipeline.sent_mails(), Path(outbox))
    return summary, written


def format_summary(summary: DaySummary, written: list[Path], outbox: str) -> str:
    data = asdict(summary)
    data.pop("outcomes", None)
    lines = [
        f"papers fetched: {summary.papers_fetched} (new: {summary.papers_new}, "
        f"sources failed: {summary.sources_failed})",
        f"matches: {summary.matches}",
        f"digests planned: {summary.digests_planned}, mails sent: {summary.mails_sent}",
        f"outbox: {len(written)} .eml file(s) in {outbox}/ (open {outbox}/index.html)",
    ]
    return "\n".join(lines)
