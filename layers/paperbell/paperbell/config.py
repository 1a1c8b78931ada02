"""Settings read once from the environment the template sets (Globals.Environment).

Why one frozen object: handlers read configuration at cold start only, and tests can
build a Settings by hand instead of patching os.environ in many places.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from paperbell.errors import ConfigError


def _split_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """The stack's configuration: table, queue and bucket names, sender, site URL and
    tunables, from the template's variables (:func:`settings`) or built by a test."""

    papers_table: str = "papers"
    subscribers_table: str = "subscribers"
    deliveries_table: str = "deliveries"
    sources_table: str = "sources"
    idempotency_table: str = "idempotency"
    digest_queue_url: str = ""
    #: Where a permanently rejected digest and a repeatedly failing source are reported
    #: (one message each; FailureReportAlarm watches the queue's free AWS/SQS metric).
    failure_report_queue_url: str = ""
    sender_address: str = "papers@example.org"
    sender_name: str = "paperbell"
    reply_to_address: str | None = None
    site_url: str = "https://paperbell.example.org"
    sources: tuple[str, ...] = field(default_factory=tuple)
    paper_retention_days: int = 30
    match_index_ttl_seconds: int = 60
    plan_lookback_hours: int = 24
    configuration_set: str | None = None
    index_bucket: str = ""
    #: Trending candidates: papers on Hugging Face's lists this many days before the
    #: send time (template parameter TrendingWindowDays; a weekly digest uses 7).
    trending_window_days: float = 2.0
    #: Local runs only: the folder ``bundled:NAME`` sources read (never set when deployed).
    local_feeds_dir: str | None = None
    #: Where liked papers paperbell does not have are fetched: None is the arXiv export
    #: API itself (deployed stacks; not a template variable), "" fetches nothing (local
    #: runs: the demo never touches the network), a URL a test's loopback server.
    arxiv_api_url: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read the variables the template defines; missing table names are an error."""
        env = dict(os.environ if env is None else env)
        required = ("PAPERS_TABLE", "SUBSCRIBERS_TABLE", "DELIVERIES_TABLE")
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        try:
            return cls(
                papers_table=env["PAPERS_TABLE"],
                subscribers_table=env["SUBSCRIBERS_TABLE"],
                deliveries_table=env["DELIVERIES_TABLE"],
                sources_table=env.get("SOURCES_TABLE", "sources"),
                idempotency_table=env.get("IDEMPOTENCY_TABLE", "idempotency"),
                digest_queue_url=env.get("DIGEST_QUEUE_URL", ""),
                failure_report_queue_url=env.get("FAILURE_REPORT_QUEUE_URL", ""),
                sender_address=env.get("SENDER_ADDRESS", cls.sender_address),
                sender_name=env.get("SENDER_NAME", cls.sender_name),
                reply_to_address=env.get("REPLY_TO_ADDRESS") or None,
                site_url=env.get("SITE_URL", cls.site_url).rstrip("/"),
                sources=_split_list(env.get("SOURCES", "")),
                paper_retention_days=int(env.get("PAPER_RETENTION_DAYS", "30")),
                match_index_ttl_seconds=int(env.get("MATCH_INDEX_TTL_SECONDS", "60")),
                plan_lookback_hours=int(env.get("PLAN_LOOKBACK_HOURS", "24")),
                configuration_set=env.get("SES_CONFIGURATION_SET") or None,
                index_bucket=env.get("INDEX_BUCKET", ""),
                trending_window_days=float(env.get("TRENDING_WINDOW_DAYS", "2")),
                local_feeds_dir=env.get("PAPERBELL_LOCAL_FEEDS") or None,
                arxiv_api_url=env["ARXIV_API_URL"].strip() if "ARXIV_API_URL" in env else None,
            )
        except ValueError as exc:
            raise ConfigError(f"bad numeric setting: {exc}") from exc


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (cached: read once per Lambda container)."""
    return Settings.from_env()
