"""``paperbell demo``: one simulated day of the whole pipeline, mails to an outbox.

Besides the mail subscribers (bundled or from ``--subscribers``), the demo adds one
webhook subscriber whose endpoint is a receiver on loopback: its signed deliveries are
verified and written to ``outbox/webhooks/`` next to the ``.eml`` files.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from paperbell.services.subscriptions import load_subscribers_file, new_subscriber
from paperbell_dev.demo_data import demo_subscribers_path
from paperbell_dev.local.outbox import write_outbox
from paperbell_dev.local.pipeline import DaySummary, LocalPipeline
from paperbell_dev.local.webhook_receiver import running_receiver

DEMO_WEBHOOK_QUERIES = ["RoPE OR \"agentic search\" OR \"collaborative filtering\""]


def run_demo(
    *, feed: str | None = None, subscribers_file: str | None = None, outbox: str = "outbox"
) -> tuple[DaySummary, list[Path], list[Path]]:
    """Scrape the feed (default: the bundled feeds in events/scrape.json), match the
    subscribers (default: the bundled demo subscribers), deliver, write the outbox."""
    from paperbell.webhooks.signing import generate_secret

    subscribers = load_subscribers_file(subscribers_file or demo_subscribers_path())
    secret = generate_secret()
    previous_mode = os.environ.get("PAPERBELL_LOCAL_MODE")
    os.environ["PAPERBELL_LOCAL_MODE"] = "1"  # the receiver is plain http on loopback
    try:
        with running_receiver(secret) as receiver, LocalPipeline() as pipeline:
            hook = new_subscriber("webhook@paperbell.example", DEMO_WEBHOOK_QUERIES,
                                  mode="instant")
            pipeline.add_subscribers([*subscribers,
                                      replace(hook, webhook_url=receiver.url,
                                              webhook_secret=secret)])
            summary = pipeline.run_day([feed] if feed else None)
            written = write_outbox(pipeline.sent_mails(), Path(outbox))
            hooks = receiver.write(Path(outbox))
    finally:
        if previous_mode is None:
            os.environ.pop("PAPERBELL_LOCAL_MODE", None)
        else:
            os.environ["PAPERBELL_LOCAL_MODE"] = previous_mode
    return summary, written, hooks


def format_summary(summary: DaySummary, written: list[Path], hooks: list[Path],
                   outbox: str) -> str:
    lines = [
        f"papers fetched: {summary.papers_fetched} (new: {summary.papers_new}, "
        f"sources failed: {summary.sources_failed})",
        f"matches: {summary.matches}",
        f"digests planned: {summary.digests_planned} (+ instant notifications), "
        f"deliveries: {summary.deliveries}",
        f"outbox: {len(written)} .eml file(s) in {outbox}/ (open {outbox}/index.html), "
        f"{len(hooks)} signed webhook payload(s) in {outbox}/webhooks/",
    ]
    return "\n".join(lines)
