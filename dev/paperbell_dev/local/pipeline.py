"""The whole pipeline on an embedded AWS: scrape -> stream -> match -> plan -> mail.

``LocalPipeline`` is a context manager: it starts moto in-process (or uses the AWS
endpoint in ``AWS_ENDPOINT_URL``, e.g. a moto server), deploys the template's
resources, and drives each function through the same event sources Lambda would.
The demo and the e2e tests both use it, so the demo is what the tests prove.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from paperbell import aws, clock
from paperbell.models import Subscriber
from paperbell.services.subscriptions import start_schedule
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell_dev.local.event_sources import DynamoStreamPoller, SqsPoller
from paperbell_dev.local.outbox import SentMail, sent_mails_from_server, sent_mails_in_process
from paperbell_dev.local.runtime import LocalInvoker
from paperbell_dev.local.stack import LocalStack

LOCAL_SENDER = "digest@paperbell.example"
LOCAL_SITE = "http://127.0.0.1:8000"
#: Credentials and region for an embedded or local AWS: never real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class DaySummary:
    papers_fetched: int = 0
    papers_new: int = 0
    sources_failed: int = 0
    matches: int = 0
    digests_planned: int = 0
    deliveries: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)


def isolate_from_real_aws(endpoint: str | None = None) -> None:
    """Point this process at fake credentials and (optionally) a local endpoint, and
    forget any profile or endpoint from the environment: tests, benchmarks and local
    tools must never reach a real account."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
    else:
        os.environ.pop("AWS_ENDPOINT_URL", None)


class LocalPipeline:
    """Deploys the template locally and runs the functions through their event sources."""

    def __init__(
        self,
        template_path: str | Path | None = None,
        *,
        parameters: dict[str, str] | None = None,
        quiet: bool = True,
    ):
        self.parameters = {
            "SenderAddress": LOCAL_SENDER,
            "SiteUrl": LOCAL_SITE,
            **(parameters or {}),
        }
        self.template_path = template_path
        self.quiet = quiet
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> LocalPipeline:
        env = dict(FAKE_CREDENTIALS)
        if self.quiet:
            env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
            # An idempotent replay publishes no metric; Powertools warns about that.
            warnings.filterwarnings("ignore", message="No application metrics to publish")
        for key, value in env.items():
            if key.startswith("AWS_") and os.environ.get("AWS_ENDPOINT_URL") and key in os.environ:
                continue  # a real endpoint was configured by the caller; keep its settings
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        self.endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if not self.endpoint:
            from moto import mock_aws

            self._mock = mock_aws()
            self._mock.start()
        aws.reset_clients()
        self._reset_match_cache()
        self.stack = LocalStack(self.template_path, parameters=self.parameters).deploy()
        extra = {k: os.environ[k] for k in ("POWERTOOLS_LOG_LEVEL",) if k in os.environ}
        self.invoker = LocalInvoker(self.stack, extra_env=extra, capture_output=self.quiet)
        self.stream = DynamoStreamPoller(self.stack, self.invoker, "MatchFunction")
        self.subscriber_changes = DynamoStreamPoller(self.stack, self.invoker, "IndexFunction")
        self.digest_queue = SqsPoller(self.stack, self.invoker, "MailFunction")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        aws.reset_clients()
        self._reset_match_cache()

    @staticmethod
    def _reset_match_cache() -> None:
        from paperbell.secrets import reset_secret_cache
        from paperbell.services.matching import reset_index_cache
        from paperbell.services.preview import reset_preview_cache
        from paperbell.services.recommending import reset_profile_cache

        reset_index_cache()
        reset_profile_cache()  # the profile snapshot is cached per bucket name, too
        reset_preview_cache()
        reset_secret_cache()  # a new embedded AWS has a new secret

    # -- data ------------------------------------------------------------------------
    def table_name(self, logical_id: str) -> str:
        return self.stack.physical[logical_id]["Ref"]

    def add_subscribers(self, subscribers: list[Subscriber]) -> None:
        repo = SubscriberRepository(self.table_name("SubscribersTable"))
        deliveries = DeliveryRepository(self.table_name("DeliveriesTable"))
        for subscriber in subscribers:
            repo.put(subscriber)
            start_schedule(subscriber, deliveries, now=clock.now())

    def event(self, name: str) -> dict[str, Any]:
        """A sample event from the repository's ``events/`` folder."""
        data: dict[str, Any] = json.loads((self.stack.root / "events" / name).read_text("utf-8"))
        return data

    # -- stages ----------------------------------------------------------------------
    def scrape(self, sources: list[str] | None = None) -> dict[str, Any]:
        event = self.event("scrape.json")
        if sources is not None:
            event["sources"] = sources
        result: dict[str, Any] = self.invoker.invoke("ScrapeFunction", event)
        return result

    def match(self) -> int:
        """Deliver new papers-stream records to MatchFunction; returns records delivered.

        Subscriber changes are delivered to IndexFunction first, as the subscribers
        stream would have done by the time a scrape's papers arrive."""
        seen = self.subscriber_changes.stats.records_read
        if self.subscriber_changes.drain().records_read != seen:
            # Deployed, a warm matcher notices the new snapshot within
            # MATCH_INDEX_TTL_SECONDS; locally no time passes, so look right away.
            self._reset_match_cache()
        before = self.stream.stats.records_read - self.stream.stats.records_filtered_out
        stats = self.stream.drain()
        return stats.records_read - stats.records_filtered_out - before

    def plan(self, at: datetime) -> dict[str, Any]:
        event = {"scheduled_time": at.astimezone(UTC).isoformat()}
        result: dict[str, Any] = self.invoker.invoke("PlanFunction", event)
        return result

    def mail(self) -> int:
        before = self.digest_queue.stats.succeeded
        return self.digest_queue.drain().succeeded - before

    def pending_match_count(self) -> int:
        return DeliveryRepository(self.table_name("DeliveriesTable")).pending_match_count()

    def run_day(
        self, sources: list[str] | None = None, *, start: datetime | None = None, hours: int = 24
    ) -> DaySummary:
        """Scrape, match, then tick the planner through the next ``hours`` hours so every
        subscriber's delivery hour comes round once (time is simulated, not waited)."""
        start = (start or datetime.now(UTC)).astimezone(UTC)
        summary = DaySummary()
        scraped = self.scrape(sources)
        summary.papers_fetched = int(scraped.get("papers_fetched", 0))
        summary.papers_new = int(scraped.get("papers_new", 0))
        summary.sources_failed = sum(
            1 for s in scraped.get("sources", []) if s["status"] == "failed"
        )
        self.match()
        summary.matches = self.pending_match_count()
        tick = start.replace(minute=0, second=0, microsecond=0)
        for hour in range(1, hours + 1):
            planned = self.plan(tick + timedelta(hours=hour))
            summary.digests_planned += int(planned.get("digests_planned", 0))
            summary.deliveries += self.mail()
        return summary

    def sent_mails(self) -> list[SentMail]:
        if self.endpoint:
            return sent_mails_from_server(self.endpoint, self.stack.region)
        return sent_mails_in_process(self.stack.region)
