"""Monthly AWS bill of a paperbell deployment, from measured per-unit counts.

Where the numbers come from:
- ``measured_counts.json`` holds two simulated days of the local pipeline at different
  sizes (``benchmarks/bench_pipeline.py --write-counts``, run by ``make bench``): every
  AWS call by stage, service and operation, the DynamoDB write/read units they consumed,
  handler seconds, invocations, log bytes, custom metrics and average item sizes.
- Each quantity is a straight line through the two runs, ``a + b * driver``, where the
  driver is what the code says the quantity grows with (papers for the scrape, match
  items - (subscriber, stream batch) pairs with a match - for recording matches, mails
  for the digest path, subscribers x match invocations for the index scan; see
  :func:`driver_for`). The two runs give ``a`` and
  ``b``; nothing per unit is typed in by hand.
- ``prices_us_east_1.json``: on-demand list prices with their date and source pages.

Assumptions a reader should know (all are parameters):
- every subscriber gets one digest a day (``digest_share`` 1.0) with
  ``matches_per_subscriber`` papers (5); 30 days a month; no free tier;
- Lambda duration = paperbell's own share of the measured local handler time (the
  handler time minus the time inside AWS calls, which locally is moto's CPU) x
  ``duration_factor`` (3.5: a 512 MB function gets ~0.29 vCPU), plus a wait of
  ``CALL_LATENCY_S`` per AWS call the handler makes (in-region round trips), plus one
  cold start (INIT, billed since 2025-08) per scrape/plan/match invocation and per
  mail-poller hour. Counts measured before the meter clocked calls (no ``aws_s``)
  are billed the old way: the whole handler time x ``duration_factor``;
- X-Ray: every invocation is traced (an upper bound: the default sampling rule keeps
  one request a second and 5% of the rest);
- likes-only subscribers (issue 14) get ``recommendations_per_subscriber`` candidates a
  day (5: the long-tail workload of BENCHMARKS.md 4b passes the floor for ~1% of the
  profiles per paper, x 500 papers), and ``profile_change_share`` of them change their
  profile a day (a like or a vote: one IndexFunction run each, at most one per 5-minute
  batching window);
- storage at steady state: papers kept ``paper_retention_days`` (30), matches and
  candidates PENDING_DAYS (10), the delivery ledger 35 days, idempotency records 7 days,
  +100 bytes per item, and point-in-time recovery on the tables that enable it; and the
  reads of such a partition, which each digest's one query makes and the one measured
  day cannot show (:func:`history_rru_per_day`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

DAYS_PER_MONTH = 30
STAGES = ("scrape", "match", "plan", "mail")
SCALARS = ("handler_s", "aws_s", "invocations", "log_bytes")
DRIVERS = ("fixed", "papers", "subscribers", "matches", "mails", "subscriber_batches",
           "match_items",
           "trending_mails", "rec_digests", "rec_candidates", "rec_items", "profile_changes",
           "profile_work")
#: The trending day's stages (benchmarks/bench_pipeline.py trending_day): the popularity
#: re-reads (fixed per day) and the planner + mailer per trending digest.
TRENDING_STAGES = ("trending_refresh", "trending_plan", "trending_mail")
#: The recommendation day's stages (bench_pipeline.py recommend_day): profile updates,
#: candidate writes, the planner and the mailer for likes-only subscribers.
RECOMMEND_STAGES = ("rec_index", "rec_match", "rec_plan", "rec_mail")
REFRESHES_PER_DAY = 8
#: The IndexFunction's stream batching window (template MaximumBatchingWindowInSeconds):
#: profile changes closer together than this share one run.
INDEX_BATCHING_WINDOW_S = 300
INDEX_RUNS_PER_DAY_MAX = 86400 // INDEX_BATCHING_WINDOW_S
#: Seconds a handler waits per AWS call in the region (DynamoDB, SQS, S3: single-digit
#: milliseconds; SES SendEmail is slower). Assumptions, not measurements: moto answers
#: in-process, so the local run cannot measure a network round trip.
CALL_LATENCY_S = {"email": 0.05, "sesv2": 0.05, "ses": 0.05}
DEFAULT_CALL_LATENCY_S = 0.01
#: Calls the event source makes, not the handler (no handler waits on them).
POLLER_CALLS = frozenset({"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteMessageBatch"})
#: Bytes Lambda adds to the log per invocation (START, END and REPORT lines).
PLATFORM_LOG_BYTES = 300
#: DynamoDB bills 100 bytes of overhead per item (and per index entry).
ITEM_OVERHEAD = 100
LEDGER_DAYS = 35  # paperbell.services.digests.LEDGER_RETENTION (a test keeps them equal)
#: paperbell.storage.deliveries.PENDING_RETENTION (a test keeps them equal): how long a
#: match or candidate stays in its subscriber's partition, consumed or not.
PENDING_DAYS = 10
#: paperbell.storage.deliveries.CONSUMPTION_LOOKBACK: the ledger days a keyword-only
#: digest reads (trending and recommendation digests read all LEDGER_DAYS).
LOOKBACK_DAYS = 16
#: Bytes per read unit of an eventually consistent query (the mailer's state query).
EVENTUAL_READ_BYTES = 8192
IDEMPOTENCY_DAYS = 7  # paperbell.services.digests.IDEMPOTENCY_SECONDS
#: Lambda's SQS event source long-polls even when idle: 5 pollers x one 20 s poll each.
SQS_IDLE_RECEIVES_PER_MONTH = 5 * 3 * 60 * 24 * DAYS_PER_MONTH
#: EventBridge Scheduler invocations a day: the scrape, 24 planner ticks, the nightly
#: index rebuild and the 8 trending re-reads (TrendingRefreshSchedule, every 3 hours).
SCHEDULES_PER_DAY = 34
MATCH_BATCH = 1000  # template MatchBatchSize default (a test keeps them equal)
#: Share of a day's new papers that arrive after the daily scrape, in the popularity
#: re-reads (REFRESHES_PER_DAY stream batches of their own): papers added to Hugging
#: Face's daily list during the day. An assumption (about half of HF's ~50 a day of 500).
LATE_PAPER_SHARE = 0.05
MAIL_POLLERS = 5  # template MailFunction MaximumConcurrency
S3_GET_OPS = frozenset({"GetObject", "HeadObject", "SelectObjectContent"})
FREE_SERVICES = frozenset({"streams.dynamodb", "dynamodbstreams", "sts"})


def load_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("paperbell_dev.cost").joinpath(name).read_text(encoding="utf-8")
    )
    return data


def load_prices() -> dict[str, Any]:
    return load_json("prices_us_east_1.json")


def load_counts() -> dict[str, Any]:
    return load_json("measured_counts.json")


# -- workload ------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    subscribers: int
    papers_per_day: int = 500
    matches_per_paper: float | None = None
    matches_per_subscriber: float = 5.0
    digest_share: float = 1.0
    paper_retention_days: int = 30
    #: Share of subscribers whose mail is a trending digest (no keyword matches); the
    #: others are keyword subscribers as before. Trending is the subscribe page's default.
    trending_share: float = 0.0
    #: Share of subscribers with likes only (a "Recommended for you" digest, issue 14).
    recommend_share: float = 0.0
    recommendations_per_subscriber: float = 5.0
    profile_change_share: float = 0.01
    #: Papers-stream records per match invocation (template MatchBatchSize).
    match_batch_size: int = MATCH_BATCH
    late_paper_share: float = LATE_PAPER_SHARE

    @property
    def keyword_subscribers(self) -> float:
        return self.subscribers * (1.0 - self.trending_share - self.recommend_share)

    @property
    def recommend_subscribers(self) -> float:
        return self.subscribers * self.recommend_share

    @property
    def profile_changes_per_day(self) -> float:
        return min(self.recommend_subscribers * self.profile_change_share,
                   float(INDEX_RUNS_PER_DAY_MAX))

    @property
    def matches_per_day(self) -> float:
        if self.matches_per_paper is not None:
            return self.papers_per_day * self.matches_per_paper
        return self.keyword_subscribers * self.matches_per_subscriber

    @property
    def mails_per_day(self) -> float:
        """Keyword digests a day (trending digests are :attr:`trending_mails_per_day`)."""
        return self.keyword_subscribers * self.digest_share

    @property
    def trending_mails_per_day(self) -> float:
        return self.subscribers * self.trending_share

    @property
    def scrape_batches(self) -> int:
        """Stream batches of the daily scrape's papers."""
        early = self.papers_per_day * (1.0 - self.late_paper_share)
        return max(1, math.ceil(early / self.match_batch_size))

    @property
    def late_batches(self) -> int:
        return REFRESHES_PER_DAY if self.late_paper_share > 0 else 0

    @property
    def match_invocations(self) -> int:
        return self.scrape_batches + self.late_batches

    @property
    def match_items(self) -> float:
        """Pending-match items a day: one per (keyword subscriber, stream batch) in which
        something matched them (services/matching.py PaperMatcher.flush). A subscriber's
        matches fall into the batches in proportion to their papers (Poisson): the
        scrape's batches share 1 - ``late_paper_share`` of them, each re-read an equal
        part of the rest."""
        subscribers = max(self.keyword_subscribers, 0.0)
        return self._items_per_day(subscribers, self.matches_per_day / max(subscribers, 1.0))

    @property
    def rec_items(self) -> float:
        """Candidate items a day: one per (likes-only subscriber, stream batch) in which
        a paper passed their floor, as :attr:`match_items` for matches."""
        return self._items_per_day(self.recommend_subscribers,
                                   self.recommendations_per_subscriber)

    def _items_per_day(self, subscribers: float, per_subscriber: float) -> float:
        if subscribers <= 0:
            return 0.0
        parts = [((1.0 - self.late_paper_share) / self.scrape_batches, self.scrape_batches)]
        if self.late_batches:
            parts.append((self.late_paper_share / self.late_batches, self.late_batches))
        return subscribers * sum(n * (1.0 - math.exp(-per_subscriber * share))
                                 for share, n in parts)

    def drivers(self) -> dict[str, float]:
        return {
            "fixed": 1.0,
            "papers": float(self.papers_per_day),
            "subscribers": float(self.subscribers),
            "matches": self.matches_per_day,
            "mails": self.mails_per_day,
            "subscriber_batches": float(self.subscribers * self.match_invocations),
            "match_items": self.match_items,
            "trending_mails": self.trending_mails_per_day,
            "rec_digests": self.recommend_subscribers * self.digest_share,
            "rec_candidates": self.recommend_subscribers * self.recommendations_per_subscriber,
            "rec_items": self.rec_items,
            "profile_changes": self.profile_changes_per_day,
            "profile_work": self.profile_changes_per_day * self.recommend_subscribers,
        }


def rec_run_drivers(run: Mapping[str, Any]) -> dict[str, float]:
    """The drivers' values in one measured recommendation day."""
    changes = float(run.get("profile_changes", 0))
    return {
        "fixed": 1.0,
        "rec_digests": float(run.get("digests_planned", run["mails"])),
        "rec_candidates": float(run["candidates"]),
        # Counts measured before the batch items recorded one item per candidate.
        "rec_items": float(run.get("rec_items", run["candidates"])),
        "profile_changes": changes,
        "profile_work": changes * float(run["profiles"]),
    }


def run_drivers(run: Mapping[str, Any]) -> dict[str, float]:
    """The drivers' values in one measured run."""
    invocations = int(run["stages"]["match"].get("invocations", 1)) or 1
    return {
        "fixed": 1.0,
        "papers": float(run["papers_new"]),
        "subscribers": float(run["subscribers"]),
        "matches": float(run["matches"]),
        "mails": float(run["mails"]),
        "subscriber_batches": float(run["subscribers"] * invocations),
        # Counts measured before the batch items recorded one item per match.
        "match_items": float(run.get("match_items", run["matches"])),
    }


def driver_for(stage: str, quantity: str, key: str = "") -> str:
    """What a measured quantity grows with, from reading the code of each stage."""
    if stage == "trending_refresh" or (stage == "trending_plan" and quantity == "invocations"):
        return "fixed"  # the re-reads and the 24 ticks do not grow with subscribers
    if stage in TRENDING_STAGES:
        return "trending_mails"  # one tick, one job, one mail per trending subscriber
    if stage == "rec_index":  # one run per profile change; its time grows with profiles
        return "profile_work" if quantity in {"handler_s", "aws_s"} else "profile_changes"
    if stage in RECOMMEND_STAGES:
        if stage == "rec_mail" and quantity == "invocations":
            return "rec_digests"
        if quantity == "invocations" or key.startswith("s3:"):
            return "fixed"  # the match and plan runs are there anyway; one snapshot check
        if stage == "rec_match":
            # A candidate item per (subscriber, stream batch) with a candidate, its marker
            # check and marker (per item: an upper bound); the scoring time per candidate.
            return "rec_items" if key else "rec_candidates"
        return "rec_digests"  # one plan job and one digest each
    if stage == "scrape":
        return "fixed" if quantity == "invocations" else "papers"
    if stage == "match":
        if key.endswith(":Scan") or quantity == "invocations":
            return "subscriber_batches" if key else "papers"
        # One item per (subscriber, stream batch) with a match, a due-marker check for
        # each, a marker per (subscriber, slot) - at most one per item, so billed per item
        # (an upper bound) - and the matched subscribers' reads.
        return "match_items"
    if stage == "plan":
        if quantity == "invocations":
            return "fixed"  # 24 ticks a day
        return "mails"  # the due-slot index holds one marker per due subscriber
    # mail: one job per mail; the ledger item consumes its matches (no write per match)
    return "mails"


@dataclass(frozen=True)
class Line:
    """``intercept + slope * driver``: one quantity of one stage, per day."""

    driver: str
    intercept: float
    slope: float

    def at(self, drivers: Mapping[str, float]) -> float:
        return self.intercept + self.slope * drivers[self.driver]


def fit_line(driver: str, points: Sequence[tuple[float, float]]) -> Line:
    """The line through two (driver, value) points; never negative at 0 or beyond."""
    if driver == "fixed" or len(points) < 2:
        return Line(driver, sum(y for _, y in points) / max(len(points), 1), 0.0)
    (x1, y1), (x2, y2) = sorted(points)[0], sorted(points)[-1]
    if x2 == x1:
        return Line(driver, 0.0, (y1 + y2) / 2 / x1 if x1 else 0.0)
    slope = (y2 - y1) / (x2 - x1)
    intercept = y1 - slope * x1
    if slope < 0:
        return Line(driver, max(y1, y2), 0.0)
    if intercept < 0:
        return Line(driver, 0.0, y2 / x2)
    return Line(driver, intercept, slope)


@dataclass
class Model:
    """Per-stage lines for every measured quantity, plus what the runs saw."""

    lines: dict[tuple[str, str, str], Line] = field(default_factory=dict)
    storage: dict[str, dict[str, float]] = field(default_factory=dict)
    custom_metrics: int = 0
    alarms: int = 0
    kms_keys: int = 0
    generated: str = ""

    @classmethod
    def from_counts(cls, counts: Mapping[str, Any]) -> Model:
        runs = list(counts["runs"])
        if len(runs) < 2:
            raise ValueError("measured counts need two runs of different sizes")
        drivers = [run_drivers(r) for r in runs]
        model = cls(generated=str(counts.get("generated", "")))
        for stage in STAGES:
            for quantity in ("calls", "wru", "rru"):
                keys = sorted({k for r in runs for k in r["stages"][stage][quantity]})
                for key in keys:
                    driver = driver_for(stage, quantity, key)
                    points = [
                        (d[driver], float(r["stages"][stage][quantity].get(key, 0)))
                        for r, d in zip(runs, drivers, strict=True)
                    ]
                    model.lines[(stage, quantity, key)] = fit_line(driver, points)
            for quantity in SCALARS:
                driver = driver_for(stage, quantity)
                points = [
                    (d[driver], float(r["stages"][stage].get(quantity, 0)))
                    for r, d in zip(runs, drivers, strict=True)
                ]
                model.lines[(stage, quantity, "")] = fit_line(driver, points)
        trending = list(counts.get("trending_runs") or [])
        model._fit_named(trending, TRENDING_STAGES,
                         lambda r: {"fixed": 1.0, "trending_mails": float(r["mails"])})
        model._fit_named(list(counts.get("recommend_runs") or []), RECOMMEND_STAGES,
                         rec_run_drivers)
        biggest = max(runs, key=lambda r: r["subscribers"])
        model.storage = {k: dict(v) for k, v in biggest.get("storage", {}).items()}
        # Candidate items are only in the recommendation day (its biggest run).
        rec_runs = list(counts.get("recommend_runs") or [])
        if rec_runs:
            rec_storage = max(rec_runs, key=lambda r: r["subscribers"]).get("storage", {})
            for kind in ("DeliveriesTable:rec", "DeliveriesTable:recs"):
                if kind in rec_storage:
                    model.storage[kind] = dict(rec_storage[kind])
        # Billed from the first data point: what the runs emitted, and what the template
        # publishes by default (a failure count need not occur on the measured day).
        seen = {tuple(m) for r in runs for m in r.get("custom_metrics", [])}
        seen |= {tuple(m) for m in counts.get("published_metrics", [])}
        model.custom_metrics = len(seen)
        model.alarms = int(counts.get("alarms", 0))
        model.kms_keys = int(counts.get("kms_keys", 0))
        return model

    @property
    def has_trending(self) -> bool:
        return any(stage in TRENDING_STAGES for stage, _, _ in self.lines)

    @property
    def has_recommendations(self) -> bool:
        return any(stage in RECOMMEND_STAGES for stage, _, _ in self.lines)

    def _fit_named(
        self,
        runs: list[Mapping[str, Any]],
        stages: tuple[str, ...],
        drivers_of: Callable[[Mapping[str, Any]], dict[str, float]],
    ) -> None:
        """Lines for one kind of subscriber from its benchmark days (two sizes): the
        trending day (per trending mail; the re-reads and ticks fixed) or the
        recommendation day (per candidate, per digest, per profile change)."""
        if len(runs) < 2:
            return
        drivers = [drivers_of(r) for r in runs]
        for stage in stages:
            for quantity in ("calls", "wru", "rru"):
                keys = sorted({k for r in runs for k in r["stages"][stage][quantity]})
                for key in keys:
                    driver = driver_for(stage, quantity, key)
                    points = [(d[driver], float(r["stages"][stage][quantity].get(key, 0)))
                              for r, d in zip(runs, drivers, strict=True)]
                    self.lines[(stage, quantity, key)] = fit_line(driver, points)
            for quantity in SCALARS:
                driver = driver_for(stage, quantity)
                points = [(d[driver], float(r["stages"][stage].get(quantity, 0)))
                          for r, d in zip(runs, drivers, strict=True)]
                self.lines[(stage, quantity, "")] = fit_line(driver, points)

    def daily(self, workload: Workload) -> dict[tuple[str, str, str], float]:
        drivers = workload.drivers()
        return {key: max(0.0, line.at(drivers)) for key, line in self.lines.items()}


# -- the bill ------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    service: str
    usd_month: float
    detail: str


@dataclass
class Estimate:
    workload: Workload
    items: list[Item]
    unpriced: list[str]

    @property
    def total(self) -> float:
        return sum(i.usd_month for i in self.items)

    @property
    def ses(self) -> float:
        return sum(i.usd_month for i in self.items if i.service == "SES")

    @property
    def not_ses(self) -> float:
        return self.total - self.ses

    @property
    def not_ses_share(self) -> float:
        return self.not_ses / self.ses if self.ses else math.inf


def _sum(daily: Mapping[tuple[str, str, str], float], quantity: str, service: str = "") -> float:
    return sum(
        v
        for (_, q, key), v in daily.items()
        if q == quantity and (not service or key.split(":")[0] == service)
    )


def _calls(daily: Mapping[tuple[str, str, str], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for (_, quantity, key), value in daily.items():
        if quantity == "calls":
            out[key] = out.get(key, 0.0) + value
    return out


def estimate(
    workload: Workload,
    model: Model,
    prices: Mapping[str, Any],
    *,
    memory_mb: int = 512,
    architecture: str = "arm64",
    duration_factor: float = 3.5,
    init_seconds: float = 1.0,
) -> Estimate:
    """The monthly bill at ``workload``, line by line."""
    daily = model.daily(workload)
    calls = _calls(daily)
    month = DAYS_PER_MONTH
    items: list[Item] = []
    priced: set[str] = set()

    # SES: one SendEmail per mail (measured), priced per 1,000.
    ses_calls = sum(v for k, v in calls.items() if k.split(":")[0] in {"email", "ses", "sesv2"})
    priced |= {k for k in calls if k.split(":")[0] in {"email", "ses", "sesv2"}}
    # Every planned digest with something in it is a mail; a kind whose mail the measured
    # day did not send yet (the recommendation section before it existed) still counts.
    expected = (workload.mails_per_day + workload.trending_mails_per_day
                + workload.recommend_subscribers * workload.digest_share)
    mails = max(ses_calls, expected)
    items.append(
        Item(
            "SES",
            mails * month / 1000 * prices["ses"]["per_thousand_emails"],
            f"{mails * month:,.0f} mails",
        )
    )

    # Lambda: requests, measured handler time scaled to a 512 MB share of a vCPU, INIT.
    lam = prices["lambda"]
    invocations = _sum(daily, "invocations")
    gb = memory_mb / 1024
    handler_s = billed_seconds(daily, duration_factor)
    refreshes = REFRESHES_PER_DAY if workload.trending_share else 0
    cold = 1 + refreshes + 24 + workload.match_invocations + MAIL_POLLERS * 24
    gb_s = (handler_s + cold * init_seconds) * gb * month
    items.append(
        Item(
            "Lambda requests",
            invocations * month / 1e6 * lam["requests_per_million"],
            f"{invocations * month:,.0f} invocations",
        )
    )
    items.append(
        Item(
            "Lambda compute",
            gb_s * lam[f"{architecture}_gb_second"],
            f"{gb_s:,.0f} GB-s ({memory_mb} MB {architecture})",
        )
    )

    # DynamoDB: request units (measured per call), storage at steady state.
    ddb = prices["dynamodb"]
    wru, rru = _sum(daily, "wru") * month, _sum(daily, "rru") * month
    rru += history_rru_per_day(workload, model.storage) * month
    priced |= {
        k for k in calls if k.startswith(("dynamodb:", "streams.dynamodb:", "dynamodbstreams:"))
    }
    items.append(
        Item(
            "DynamoDB writes", wru / 1e6 * ddb["write_request_unit_per_million"], f"{wru:,.0f} WRU"
        )
    )
    items.append(
        Item("DynamoDB reads", rru / 1e6 * ddb["read_request_unit_per_million"], f"{rru:,.0f} RRU")
    )
    stored_gb, pitr_gb = storage_gb(workload, model.storage)
    items.append(
        Item(
            "DynamoDB storage + PITR",
            stored_gb * ddb["storage_gb_month"] + pitr_gb * ddb["pitr_gb_month"],
            f"{stored_gb:,.2f} GB",
        )
    )

    # SQS: every request the functions and the event source make, plus idle polling.
    sqs = sum(v for k, v in calls.items() if k.startswith("sqs:")) * month
    priced |= {k for k in calls if k.startswith("sqs:")}
    sqs_total = sqs + SQS_IDLE_RECEIVES_PER_MONTH
    items.append(
        Item(
            "SQS",
            sqs_total / 1e6 * prices["sqs"]["standard_requests_per_million"],
            f"{sqs_total:,.0f} requests (incl. idle polling)",
        )
    )

    # S3 (the match-index snapshot, if the deployment uses one).
    s3_get = (
        sum(v for k, v in calls.items() if k.startswith("s3:") and k.split(":")[1] in S3_GET_OPS)
        * month
    )
    s3_put = sum(v for k, v in calls.items() if k.startswith("s3:")) * month - s3_get
    priced |= {k for k in calls if k.startswith("s3:")}
    if s3_get or s3_put:
        s3p = prices["s3"]
        items.append(
            Item(
                "S3",
                s3_get / 1000 * s3p["get_select_per_1k"]
                + s3_put / 1000 * s3p["put_copy_post_list_per_1k"],
                f"{s3_get + s3_put:,.0f} requests",
            )
        )

    # Secrets Manager: the link-signing key (cached 5 minutes per container).
    sm = prices["secretsmanager"]
    sm_calls = sum(v for k, v in calls.items() if k.startswith("secretsmanager:")) * month
    priced |= {k for k in calls if k.startswith("secretsmanager:")}
    items.append(
        Item(
            "Secrets Manager",
            sm["secret_month"] + sm_calls / 1e4 * sm["per_10k_api_calls"],
            f"1 secret, {sm_calls:,.0f} calls",
        )
    )

    # X-Ray (Tracing: Active on every function): an upper bound, every invocation traced.
    traces = invocations * month
    items.append(
        Item(
            "X-Ray traces",
            traces / 1e6 * prices["xray"]["traces_recorded_per_million"],
            f"{traces:,.0f} traces (at most one per invocation)",
        )
    )
    # KMS: the customer managed key the SNS topics are encrypted with.
    items.append(
        Item(
            "KMS key",
            model.kms_keys * prices["kms"]["key_month"],
            f"{model.kms_keys} customer managed key(s)",
        )
    )

    items.append(
        Item(
            "EventBridge Scheduler",
            SCHEDULES_PER_DAY * month / 1e6 * prices["scheduler"]["invocations_per_million"],
            f"{SCHEDULES_PER_DAY * month} invocations",
        )
    )

    cw = prices["cloudwatch"]
    log_gb = (_sum(daily, "log_bytes") + invocations * PLATFORM_LOG_BYTES) * month / 1e9
    items.append(
        Item(
            "CloudWatch Logs",
            log_gb * (cw["logs_ingest_gb"] + cw["logs_storage_gb_month"]),
            f"{log_gb:,.2f} GB ingested",
        )
    )
    items.append(
        Item(
            "CloudWatch metrics + alarms",
            model.custom_metrics * cw["custom_metric_month"]
            + model.alarms * cw["standard_alarm_month"],
            f"{model.custom_metrics} custom metrics (EMF), {model.alarms} alarms",
        )
    )

    unpriced = sorted(k for k in calls if k not in priced and k.split(":")[0] not in FREE_SERVICES)
    return Estimate(workload, items, unpriced)


def billed_seconds(daily: Mapping[tuple[str, str, str], float], duration_factor: float) -> float:
    """Lambda seconds a day: paperbell's own time scaled to the function's vCPU share,
    plus the wait per AWS call; without clocked calls, the whole handler time scaled."""
    total = 0.0
    stages = {stage for stage, _, _ in daily}
    for stage in stages:
        handler = daily.get((stage, "handler_s", ""), 0.0)
        in_aws = daily.get((stage, "aws_s", ""), 0.0)
        if in_aws <= 0:
            total += handler * duration_factor
            continue
        waits = sum(
            value * CALL_LATENCY_S.get(key.split(":")[0], DEFAULT_CALL_LATENCY_S)
            for (s, quantity, key), value in daily.items()
            if s == stage and quantity == "calls" and key not in POLLER_CALLS
            and key.split(":")[0] not in FREE_SERVICES
        )
        total += max(handler - in_aws, 0.0) * duration_factor + waits
    return total


def history_rru_per_day(workload: Workload, storage: Mapping[str, Mapping[str, float]]
                        ) -> float:
    """Read units a day that the measured day cannot show: each digest reads its
    subscriber's partition in one eventually consistent query, and at steady state that
    holds PENDING_DAYS of consumed matches or candidates and LEDGER_DAYS ledger items
    (a digest without trending reads LOOKBACK_DAYS of them), where the one measured day had
    at most one of each. Item sizes are the measured ones."""

    def size(kind: str, default: float) -> float:
        return float(storage.get(kind, {}).get("avg_bytes", default)) + ITEM_OVERHEAD

    ledger = (LEDGER_DAYS - 1) * size("DeliveriesTable:digest", 200)
    lookback = (LOOKBACK_DAYS - 1) * size("DeliveriesTable:digest", 200)
    keyword = lookback + (PENDING_DAYS - 1) * match_bytes_per_day(workload, storage) / max(
        workload.keyword_subscribers, 1.0)
    recs = lookback + (PENDING_DAYS - 1) * rec_bytes_per_day(workload, storage) / max(
        workload.recommend_subscribers, 1.0)
    return (
        workload.mails_per_day * keyword
        + workload.trending_mails_per_day * ledger
        + workload.recommend_subscribers * workload.digest_share * recs
    ) / EVENTUAL_READ_BYTES


def match_bytes_per_day(workload: Workload, storage: Mapping[str, Mapping[str, float]]
                        ) -> float:
    """Bytes of pending-match items written a day (with DynamoDB's 100 per item): one
    item per subscriber and stream batch (:attr:`Workload.match_items`), sized from
    the measured items - their fixed part plus the measured bytes per paper listed, at
    the workload's papers per item. Counts from before the batch items: per match."""
    return _pending_bytes(workload.match_items, workload.matches_per_day,
                          storage, "DeliveriesTable:matches", "DeliveriesTable:match", 300)


def rec_bytes_per_day(workload: Workload, storage: Mapping[str, Mapping[str, float]]
                      ) -> float:
    """The same for candidate items (:attr:`Workload.rec_items`)."""
    return _pending_bytes(workload.rec_items,
                          workload.recommend_subscribers * workload.recommendations_per_subscriber,
                          storage, "DeliveriesTable:recs", "DeliveriesTable:rec", 400)


def _pending_bytes(items: float, papers: float, storage: Mapping[str, Mapping[str, float]],
                   batch_kind: str, item_kind: str, default: float) -> float:
    batch = storage.get(batch_kind)
    if not batch or not items:
        per_paper = float(storage.get(item_kind, {}).get("avg_bytes", default))
        return papers * (per_paper + ITEM_OVERHEAD)
    per_item = papers / items
    size = float(batch["avg_bytes"]) + (per_item - float(batch.get("avg_papers", 1))) * float(
        batch.get("paper_bytes", 40))
    return items * (max(size, 0.0) + ITEM_OVERHEAD)


def storage_gb(
    workload: Workload, storage: Mapping[str, Mapping[str, float]]
) -> tuple[float, float]:
    """(all DynamoDB data, the part under point-in-time recovery) at steady state, GB."""

    def size(kind: str, default: float) -> float:
        return float(storage.get(kind, {}).get("avg_bytes", default)) + ITEM_OVERHEAD

    papers = workload.papers_per_day * workload.paper_retention_days * size("PapersTable", 2000)
    subscribers = workload.subscribers * (size("SubscribersTable", 300) + ITEM_OVERHEAD + 60)
    # A match or candidate is kept PENDING_RETENTION (storage/deliveries.py), consumed
    # or not: the ledger item that consumed it is the record, no write per match.
    match_days = PENDING_DAYS
    matches = match_days * match_bytes_per_day(workload, storage)
    matches += match_days * rec_bytes_per_day(workload, storage)
    digests = (workload.mails_per_day + workload.trending_mails_per_day
               + workload.recommend_subscribers * workload.digest_share)
    ledger = digests * LEDGER_DAYS * size("DeliveriesTable:digest", 200)
    # One due marker per digest, kept 2 days past its slot (MARKER_RETENTION).
    ledger += digests * 3 * size("DeliveriesTable:due", 80)
    # One tick item per trending subscriber keeps them on the planner's index.
    ticks = workload.subscribers * workload.trending_share * size("DeliveriesTable:tick", 60)
    idempotency = digests * IDEMPOTENCY_DAYS * size("IdempotencyTable", 300)
    pitr = papers + subscribers + matches + ledger + ticks  # the tables with PITR enabled
    return (pitr + idempotency) / 1e9, pitr / 1e9


# -- presentation --------------------------------------------------------------------
def _money(value: float) -> str:
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:,.3f}" if value >= 0.001 else "$0.000"


def table(estimates: Sequence[Estimate]) -> str:
    """A Markdown table: one column per workload."""
    head = (
        "| monthly, us-east-1 | "
        + " | ".join(f"{e.workload.subscribers:,} subscribers" for e in estimates)
        + " |"
    )
    lines = [head, "|---|" + "---:|" * len(estimates)]
    for index, item in enumerate(estimates[0].items):
        lines.append(
            f"| {item.service} | "
            + " | ".join(_money(e.items[index].usd_month) for e in estimates)
            + " |"
        )
    lines.append("| **total** | " + " | ".join(f"**{_money(e.total)}**" for e in estimates) + " |")
    lines.append(
        "| everything except SES | " + " | ".join(_money(e.not_ses) for e in estimates) + " |"
    )
    lines.append(
        "| ... as a share of SES (goal ≤ 20%) | "
        + " | ".join(f"{e.not_ses_share:.0%}" for e in estimates)
        + " |"
    )
    lines.append(
        "| per subscriber | "
        + " | ".join(f"${e.total / e.workload.subscribers:.4f}" for e in estimates)
        + " |"
    )
    return "\n".join(lines)


def describe(workload: Workload) -> str:
    trending = (f" + {workload.trending_mails_per_day:,.0f} trending digests/day "
                f"({workload.trending_share:.0%} of subscribers)" if workload.trending_share
                else "")
    if workload.recommend_share:
        trending += (
            f" + {workload.recommend_subscribers:,.0f} likes-only digests/day "
            f"({workload.recommend_share:.0%} of subscribers, "
            f"{workload.recommendations_per_subscriber:g} candidates each, "
            f"{workload.profile_changes_per_day:,.0f} profile changes)"
        )
    return (
        f"{workload.papers_per_day} new papers/day, {workload.matches_per_day:,.0f} matches/day "
        f"({workload.matches_per_day / max(workload.keyword_subscribers, 1):.1f} per keyword "
        f"subscriber), {workload.mails_per_day:,.0f} keyword mails/day{trending}, "
        f"{DAYS_PER_MONTH} days"
    )


def details(estimate_: Estimate) -> str:
    lines = [f"{i.service}: {i.detail}" for i in estimate_.items]
    if estimate_.unpriced:
        lines.append("unpriced calls (not in the price table): " + ", ".join(estimate_.unpriced))
    return "\n".join(lines)


def per_unit(model: Model) -> list[tuple[str, str, str, float, float]]:
    """(stage, quantity, key, per-day fixed part, per-driver-unit slope) rows."""
    return [
        (stage, q, key or "-", line.intercept, line.slope)
        for (stage, q, key), line in sorted(model.lines.items())
    ]


def parse_count(text: str) -> int:
    """``10000``, ``10k``, ``1M`` -> int."""
    value = text.strip().lower().replace(",", "").replace("_", "")
    scale = 1
    if value.endswith("k"):
        scale, value = 1000, value[:-1]
    elif value.endswith("m"):
        scale, value = 1_000_000, value[:-1]
    return int(float(value) * scale)


def parse_counts(values: Iterable[str]) -> list[int]:
    return [parse_count(part) for value in values for part in value.split(",") if part.strip()]
