"""End-to-end benchmark: one day of the local pipeline at N subscribers, stage by stage.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py [--subscribers 300,1000]
[--papers 20,40] [--write-counts]``

What runs: ``paperbell_dev.local.pipeline.LocalPipeline`` (the template deployed on
in-process moto, the real handlers driven through their event sources) with time frozen
at 06:31 UTC. The scrape reads ``bundled:seed`` (20 real papers) plus a generated JSON
Feed of P papers (the embedded sample papers under fresh arXiv ids); N generated
subscribers each hold one two-word query taken from a sample paper's title, with
delivery hours and time zones spread over the day, so almost every subscriber gets a
digest. Then the stream is drained into MatchFunction (the match index cache is reset
before each invocation: the worst case, a fresh container per batch) and the planner
ticks through the next 24 hours, each tick followed by a drain of the digest queue.

What is measured, per stage (scrape, match, plan, mail):
- wall time of the stage (moto-bound: every AWS call is an in-process moto call, so
  these are NOT Lambda timings), and the time spent inside the handlers;
- mails per second of the mail stage;
- every AWS API call by (service, operation), DynamoDB write/read units
  (``paperbell_dev.cost.meter.UsageMeter``), handler invocations, log and EMF bytes;
- after the day: item counts and average item sizes per table (storage).

``--write-counts`` stores the two runs in ``paperbell/cost/measured_counts.json``, the
input of ``paperbell cost``. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COUNTS_PATH = ROOT / "dev" / "paperbell_dev" / "cost" / "measured_counts.json"
SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)
TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles")
STAGES = ("scrape", "match", "plan", "mail")
#: The trending day's stages (trending-only subscribers, see trending_day).
TRENDING_STAGES = ("trending_refresh", "trending_plan", "trending_mail")
#: The recommendation day's stages (likes-only subscribers, see recommend_day): profile
#: updates by IndexFunction, candidate writes by MatchFunction, the planner and mailer.
RECOMMEND_STAGES = ("rec_index", "rec_match", "rec_plan", "rec_mail")
NAMED_STAGES = (*TRENDING_STAGES, *RECOMMEND_STAGES)
#: Profile changes (a like or a vote) measured per recommendation day, one IndexFunction
#: invocation each (deployed, changes within 20 s share one).
PROFILE_CHANGES = 4
FUNCTION_STAGE = {
    "ScrapeFunction": "scrape",
    "MatchFunction": "match",
    "PlanFunction": "plan",
    "MailFunction": "mail",
}
WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
STOP = frozenset(
    [
        "with",
        "from",
        "that",
        "this",
        "their",
        "over",
        "into",
        "via",
        "using",
        "towards",
        "beyond",
        "under",
    ]
)


def _env_setup() -> None:

    import moto  # noqa: F401 - before any boto3 client exists

    from paperbell_dev.local.pipeline import isolate_from_real_aws

    isolate_from_real_aws()

    _speed_up_moto_partition_query()


def _speed_up_moto_partition_query() -> None:
    """moto answers a base-table Query by sorting the WHOLE table and filtering it by
    the partition key (O(table) per query, so a day at 10k subscribers is quadratic).
    DynamoDB reads one partition. For the benchmark only, hand moto's query just the
    queried partition: the same items, filtered and sorted by the same moto code, so
    results are identical. GSI queries and everything else are untouched."""
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "_paperbell_partition", False):
        return
    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            items: list[Any] = []
        elif self.range_key_attr:
            items = list(partition.values())
        else:
            items = [partition]
        self.all_items = lambda: sorted(
            items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key
        )
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    query._paperbell_partition = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]


def generated_feed(count: int) -> dict[str, Any]:
    """A JSON Feed of ``count`` papers: the sample papers under fresh arXiv ids."""
    from paperbell_dev.bench.match_benchmark import sample_papers

    samples = sample_papers()
    items = []
    for n in range(count):
        paper = samples[n % len(samples)]
        items.append(
            {
                "id": f"https://arxiv.org/abs/2611.{n:05d}v1",
                "url": f"https://arxiv.org/abs/2611.{n:05d}",
                "title": f"{paper.title} ({n})",
                "content_text": paper.abstract,
                "date_published": "2026-11-27T00:00:00Z",
                "authors": [{"name": a} for a in paper.authors],
                "tags": list(paper.categories),
            }
        )
    return {"version": "https://jsonfeed.org/version/1.1", "title": "bench", "items": items}


def generated_subscribers(count: int, seed: int = 7) -> list[Any]:
    """Subscribers with one two-word query from a sample paper's title each."""
    from paperbell.services.subscriptions import new_subscriber
    from paperbell_dev.bench.match_benchmark import sample_papers

    rng = random.Random(seed)
    titles = []
    for paper in sample_papers():
        words = [w for w in WORD_RE.findall(paper.title) if w.lower() not in STOP]
        if len(words) >= 2:
            titles.append(words)
    subscribers = []
    for n in range(count):
        words = rng.choice(titles)
        query = " ".join(rng.sample(words, 2))
        subscribers.append(
            new_subscriber(
                f"reader{n:06d}@example.org",
                [query],
                delivery_hour=rng.randrange(24),
                timezone=rng.choice(TIMEZONES),
            )
        )
    return subscribers


def _gsi_keys(pipeline: Any) -> dict[str, list[set[str]]]:
    """Table name -> the key attributes of each of its global secondary indexes (moto)."""
    from paperbell import aws

    keys: dict[str, list[set[str]]] = {}
    client = aws.client("dynamodb")
    for name in client.list_tables()["TableNames"]:
        table = client.describe_table(TableName=name)["Table"]
        for index in table.get("GlobalSecondaryIndexes", []) or []:
            keys.setdefault(name, []).append({k["AttributeName"] for k in index["KeySchema"]})
    return keys


def _log_at_template_level(pipeline: Any) -> Any:
    """Log at INFO (the template's POWERTOOLS_LOG_LEVEL) into the invoker's captured
    output, so log bytes are measured; the local pipeline logs at WARNING to stdout."""
    from paperbell.observability import logger

    pipeline.invoker.extra_env["POWERTOOLS_LOG_LEVEL"] = "INFO"
    handler = logger.registered_handler
    saved_level, saved_stream = logger.log_level, getattr(handler, "stream", None)
    logger.setLevel("INFO")
    if hasattr(handler, "setStream"):
        handler.setStream(pipeline.invoker.output)

    def restore() -> None:
        logger.setLevel(saved_level)
        if saved_stream is not None and hasattr(handler, "setStream"):
            handler.setStream(saved_stream)

    return restore


def cold_start_metrics() -> list[list[str]]:
    """One ColdStart metric per function that captures it (each has its own dimension;
    in one local process Powertools emits only the first function's)."""
    out = []
    for handler in sorted((ROOT / "functions").glob("*/*_handler.py")):
        if "capture_cold_start_metric=True" in handler.read_text(encoding="utf-8"):
            name = handler.parent.name
            out.append(["paperbell", "ColdStart", f"function_name={name},service=paperbell"])
    return out


def _diff(after: Counter[Any], before: Counter[Any]) -> Counter[Any]:
    out: Counter[Any] = Counter()
    for key, value in after.items():
        delta = value - before.get(key, 0)
        if delta:
            out[key] = delta
    return out


class _StageRecorder:
    """Attributes calls, units, handler time and log bytes to the current stage."""

    def __init__(self, pipeline: Any, meter: Any) -> None:
        self.pipeline = pipeline
        self.meter = meter
        self.stage = "setup"
        self.data: dict[str, dict[str, Any]] = {
            s: {
                "calls": Counter(),
                "wru": Counter(),
                "rru": Counter(),
                "wall_s": 0.0,
                "handler_s": 0.0,
                "aws_s": 0.0,
                "invocations": 0,
                "log_bytes": 0,
                "durations": [],
            }
            for s in (*STAGES, *NAMED_STAGES)
        }
        self.metrics: set[tuple[str, str, str]] = set()
        invoker = pipeline.invoker
        original = invoker.invoke

        def timed_invoke(logical_id: str, event: dict[str, Any]) -> Any:
            if logical_id == "MatchFunction":
                from paperbell.services.matching import reset_index_cache
                from paperbell.services.recommending import reset_profile_cache

                reset_index_cache()  # worst case: every batch in a fresh container
                reset_profile_cache()
            start_out = invoker.output.tell()
            in_aws = meter.call_seconds
            started = time.perf_counter()
            try:
                return original(logical_id, event)
            finally:
                elapsed = time.perf_counter() - started
                named = self.stage if self.stage in NAMED_STAGES else None
                stage = self.data[named or FUNCTION_STAGE.get(logical_id, self.stage)]
                stage["handler_s"] += elapsed
                stage["aws_s"] += meter.call_seconds - in_aws
                stage["invocations"] += 1
                stage["durations"].append(elapsed)
                invoker.output.seek(start_out)
                written = invoker.output.read()
                stage["log_bytes"] += len(written.encode("utf-8"))
                self._collect_metrics(written)

        invoker.invoke = timed_invoke

    def _collect_metrics(self, text: str) -> None:
        for line in text.splitlines():
            if '"_aws"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
                for dims in directive.get("Dimensions", []):
                    dim = ",".join(f"{d}={record.get(d)}" for d in sorted(dims))
                    for metric in directive.get("Metrics", []):
                        self.metrics.add((directive.get("Namespace", ""), metric["Name"], dim))

    def run(self, stage: str, func: Any, *args: Any) -> Any:
        before = (Counter(self.meter.calls), Counter(self.meter.wru), Counter(self.meter.rru))
        self.stage = stage
        started = time.perf_counter()
        try:
            return func(*args)
        finally:
            data = self.data[stage]
            data["wall_s"] += time.perf_counter() - started
            data["calls"] += _diff(self.meter.calls, before[0])
            data["wru"] += _diff(self.meter.wru, before[1])
            data["rru"] += _diff(self.meter.rru, before[2])


def _stage_summaries(rec: _StageRecorder, names: tuple[str, ...]) -> dict[str, Any]:
    """The recorded stages as JSON: times, invocations, log bytes, calls and units."""
    out = {}
    for name in names:
        data = rec.data[name]
        out[name] = {
            "wall_s": round(data["wall_s"], 3),
            "handler_s": round(data["handler_s"], 3),
            "aws_s": round(data["aws_s"], 3),
            "invocations": data["invocations"],
            "log_bytes": data["log_bytes"],
            "calls": {f"{s}:{o}": n for (s, o), n in sorted(data["calls"].items())},
            "wru": {f"{s}:{o}": n for (s, o), n in sorted(data["wru"].items())},
            "rru": {f"{s}:{o}": n for (s, o), n in sorted(data["rru"].items())},
        }
    return out


def _storage(pipeline: Any) -> dict[str, dict[str, float]]:
    """Item counts and average sizes by kind, for the storage part of the bill."""
    from paperbell import aws
    from paperbell.storage import paging
    from paperbell_dev.cost.meter import item_size

    kinds: dict[str, list[int]] = {}
    listed: dict[str, list[tuple[int, float]]] = {}  # batch items: (papers, bytes/paper)
    for logical in ("PapersTable", "SubscribersTable", "DeliveriesTable", "IdempotencyTable"):
        try:
            name = pipeline.table_name(logical)
        except KeyError:
            continue
        for item in paging.items(aws.table(name).scan):
            kind = logical
            if logical == "DeliveriesTable":
                # Due markers are keyed (~due#<slot>, subscriber id), the rest by sk kind.
                marker = str(item["subscriber_id"]).startswith("~due#")
                kind += ":due" if marker else ":" + str(item["sk"]).split("#")[0]
            kinds.setdefault(kind, []).append(item_size(item))
            if kind in ("DeliveriesTable:matches", "DeliveriesTable:recs") and item.get("papers"):
                bare = item_size({**item, "papers": {}})
                listed.setdefault(kind, []).append(
                    (len(item["papers"]), (item_size(item) - bare) / len(item["papers"])))
    out: dict[str, dict[str, float]] = {
        k: {"items": len(v), "avg_bytes": round(statistics.mean(v), 1)} for k, v in kinds.items()
    }
    for kind, rows in listed.items():  # the cost model sizes items at other papers/item
        out[kind]["avg_papers"] = round(statistics.mean(n for n, _ in rows), 2)
        out[kind]["papers"] = sum(n for n, _ in rows)
        out[kind]["paper_bytes"] = round(sum(n * b for n, b in rows) / out[kind]["papers"], 1)
    return out


@contextmanager
def _simulated_day(papers: int) -> Iterator[tuple[Any, Path, list[datetime]]]:
    """The local pipeline on moto with the clock frozen at SCRAPED_AT (``moment[0]``
    moves it), logging at the template's level, and a generated feed of ``papers``."""
    _env_setup()
    from paperbell import clock
    from paperbell_dev.local.pipeline import LocalPipeline

    moment = [SCRAPED_AT]
    saved_now = clock.now
    clock.now = lambda: moment[0]  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp, LocalPipeline(ROOT / "template.yaml") as pipe:
            feed = Path(tmp) / "generated.json"
            feed.write_text(json.dumps(generated_feed(papers)), encoding="utf-8")
            restore_logs = _log_at_template_level(pipe)
            try:
                yield pipe, feed, moment
            finally:
                restore_logs()
    finally:
        clock.now = saved_now  # type: ignore[assignment]


def run_day(subscribers: int, papers: int, *, seed: int = 7, log: Any = print) -> dict[str, Any]:
    """One simulated day at ``subscribers`` and ``papers`` generated papers."""
    from paperbell_dev.cost.meter import UsageMeter

    with _simulated_day(papers) as (pipe, feed, moment):
        started = time.perf_counter()
        subs = generated_subscribers(subscribers, seed)
        pipe.add_subscribers(subs)
        setup_s = time.perf_counter() - started
        log(f"  {subscribers} subscribers loaded in {setup_s:.1f} s (not part of the day)")
        with UsageMeter(_gsi_keys(pipe)) as meter:
            rec = _StageRecorder(pipe, meter)
            scraped = rec.run("scrape", pipe.scrape, ["bundled:seed", str(feed)])
            rec.run("match", pipe.match)
            digests = mails = 0
            tick0 = SCRAPED_AT.replace(minute=0)
            for hour in range(1, 25):
                tick = tick0 + timedelta(hours=hour)
                moment[0] = tick
                planned = rec.run("plan", pipe.plan, tick)
                digests += int(planned.get("digests_planned", 0))
                mails += rec.run("mail", pipe.mail)
        sent = len(pipe.sent_mails())
        storage = _storage(pipe)
        metrics = sorted(m for m in rec.metrics if m[1] != "ColdStart")
        metrics += [tuple(m) for m in cold_start_metrics()]  # type: ignore[misc]
    batch_items = storage.get("DeliveriesTable:matches", {})
    matches = int(storage.get("DeliveriesTable:match", {}).get("items", 0)) + int(
        batch_items.get("papers", 0))
    stages = _stage_summaries(rec, STAGES)
    return {
        "subscribers": subscribers,
        "papers_fetched": int(scraped.get("papers_fetched", 0)),
        "papers_new": int(scraped.get("papers_new", 0)),
        "matches": matches,
        "match_items": int(batch_items.get("items", 0))
        + int(storage.get("DeliveriesTable:match", {}).get("items", 0)),
        "digests_planned": digests,
        "mails": sent,
        "stages": stages,
        "storage": storage,
        "custom_metrics": [list(m) for m in metrics],
        "add_subscribers_s": round(setup_s, 2),
    }


REFRESHES_PER_DAY = 8  # template TrendingRefreshSchedule default: every 3 hours


def generated_hf_list(count: int, day: datetime, bump: int = 0) -> list[dict[str, Any]]:
    """An HF daily-papers list of ``count`` papers; ``bump`` moves some upvote counts (a
    re-read later in the day sees a few papers gain votes, most unchanged)."""
    from paperbell_dev.bench.match_benchmark import sample_papers

    samples = sample_papers()
    out = []
    for n in range(count):
        paper = samples[n % len(samples)]
        votes = 200 - n * 3 + (bump * (n % 5 == 0))
        out.append({
            "paper": {"id": f"2611.{90000 + n:05d}", "title": f"{paper.title} ({n})",
                      "summary": paper.abstract, "authors": [{"name": a} for a in paper.authors],
                      "upvotes": max(votes, 0),
                      "submittedOnDailyAt": day.isoformat().replace("+00:00", "Z")},
            "numComments": n % 7,
        })
    return out


def trending_subscribers(count: int, seed: int = 11) -> list[Any]:
    """Trending-only subscribers (top 10), hours and zones spread over the day."""
    from paperbell.services.subscriptions import new_subscriber

    rng = random.Random(seed)
    return [
        new_subscriber(f"trend{n:06d}@example.org", [], trending_top=10,
                       delivery_hour=rng.randrange(24), timezone=rng.choice(TIMEZONES))
        for n in range(count)
    ]


def trending_day(subscribers: int, *, papers: int = 50, log: Any = print) -> dict[str, Any]:
    """One day of trending-only subscribers: the day's HF list, REFRESHES_PER_DAY re-reads
    (some counts moved), then 24 planner ticks each followed by the mailer. Counts every
    AWS call per stage, so the cost per trending digest is measured, not assumed."""
    _env_setup()
    from paperbell import clock
    from paperbell_dev.cost.meter import UsageMeter
    from paperbell_dev.local.pipeline import LocalPipeline

    moment = [SCRAPED_AT]
    saved_now = clock.now
    clock.now = lambda: moment[0]  # type: ignore[assignment]
    listed = SCRAPED_AT - timedelta(hours=1)
    try:
        with tempfile.TemporaryDirectory() as tmp, LocalPipeline(
            ROOT / "template.yaml", parameters={"Sources": str(Path(tmp) / "hf.json")}
        ) as pipe:
            hf = Path(tmp) / "hf.json"
            hf.write_text(json.dumps(generated_hf_list(papers, listed)), encoding="utf-8")
            restore_logs = _log_at_template_level(pipe)
            pipe.add_subscribers(trending_subscribers(subscribers))
            pipe.scrape([str(hf)])
            with UsageMeter(_gsi_keys(pipe)) as meter:
                rec = _StageRecorder(pipe, meter)
                refresh = {"refresh": "trending"}
                tick0 = SCRAPED_AT.replace(minute=0)
                for hour in range(1, 25):
                    tick = tick0 + timedelta(hours=hour)
                    moment[0] = tick
                    if hour % (24 // REFRESHES_PER_DAY) == 0:
                        hf.write_text(json.dumps(generated_hf_list(papers, listed, hour)),
                                      encoding="utf-8")
                        rec.run("trending_refresh", pipe.invoker.invoke, "ScrapeFunction",
                                refresh)
                    rec.run("trending_plan", pipe.plan, tick)
                    rec.run("trending_mail", pipe.mail)
            restore_logs()
            sent = len(pipe.sent_mails())
    finally:
        clock.now = saved_now  # type: ignore[assignment]
    stages = _stage_summaries(rec, TRENDING_STAGES)
    log(f"  {subscribers} trending subscribers: {sent} mails")
    return {"subscribers": subscribers, "mails": sent, "papers": papers, "stages": stages}


def recommend_subscribers(count: int, seed: int = 13) -> list[Any]:
    """Likes-only subscribers: each likes two of the sample papers (which the generated
    feed repeats under fresh ids), hours and zones spread over the day."""
    from dataclasses import replace

    from paperbell.models import PaperText
    from paperbell.services.subscriptions import new_subscriber
    from paperbell_dev.bench.match_benchmark import sample_papers

    rng = random.Random(seed)
    samples = sample_papers()
    out = []
    for n in range(count):
        base = new_subscriber(f"likes{n:06d}@example.org", ["placeholder"],
                              delivery_hour=rng.randrange(24), timezone=rng.choice(TIMEZONES))
        liked = rng.sample(samples, 2)
        out.append(replace(base, queries=(), likes=tuple(
            PaperText(f"2610.{samples.index(p):05d}", p.title, p.abstract) for p in liked)))
    return out


def _candidates(pipeline: Any) -> tuple[int, int]:
    """(candidates, the items holding them): a ``rec#`` item holds one, a ``recs#`` item
    (one per subscriber and stream batch) the papers it lists."""
    from paperbell import aws
    from paperbell.storage import paging

    table = aws.table(pipeline.table_name("DeliveriesTable"))
    found = items = 0
    for item in paging.items(table.scan):
        sk = str(item["sk"])
        if sk.startswith(("rec#", "recs#")):
            items += 1
            found += len(item.get("papers") or ()) if sk.startswith("recs#") else 1
    return found, items


def recommend_day(subscribers: int, papers: int, *, log: Any = print) -> dict[str, Any]:
    """One day of likes-only subscribers: PROFILE_CHANGES profile updates (each one
    IndexFunction run rewriting the profile snapshot), the scrape's papers scored
    against the profiles (a candidate per (subscriber, paper) above the floor), then 24
    planner ticks each followed by the mailer. Every AWS call is counted per stage."""
    from dataclasses import replace

    from paperbell.models import PaperText
    from paperbell.storage.subscribers import SubscriberRepository
    from paperbell_dev.bench.match_benchmark import sample_papers
    from paperbell_dev.cost.meter import UsageMeter

    with _simulated_day(papers) as (pipe, feed, moment):
        subs = recommend_subscribers(subscribers)
        pipe.add_subscribers(subs)
        pipe.subscriber_changes.drain()  # the sign-ups: the first profile snapshot
        pipe.scrape([str(feed)])  # the keyword day measures the scrape
        repo = SubscriberRepository(pipe.table_name("SubscribersTable"))
        extra = sample_papers()[-1]
        with UsageMeter(_gsi_keys(pipe)) as meter:
            rec = _StageRecorder(pipe, meter)
            for n in range(PROFILE_CHANGES):  # a like or a vote changes a profile
                changed = subs[n * max(1, subscribers // PROFILE_CHANGES)]
                repo.put(replace(changed, likes=(*changed.likes, PaperText(
                    "2610.99999", extra.title, extra.abstract))))
                rec.run("rec_index", pipe.subscriber_changes.drain)
            rec.run("rec_match", pipe.match)
            candidates, rec_items = _candidates(pipe)
            tick0 = SCRAPED_AT.replace(minute=0)
            planned = 0
            for hour in range(1, 25):
                tick = tick0 + timedelta(hours=hour)
                moment[0] = tick
                planned += int(rec.run("rec_plan", pipe.plan, tick)["digests_planned"])
                rec.run("rec_mail", pipe.mail)
        sent = len(pipe.sent_mails())
        storage = _storage(pipe)
    stages = _stage_summaries(rec, RECOMMEND_STAGES)
    log(f"  {subscribers} likes-only subscribers: {candidates} candidates, {sent} mails")
    return {"subscribers": subscribers, "profiles": subscribers, "papers_new": papers,
            "candidates": candidates, "rec_items": rec_items,
            "profile_changes": PROFILE_CHANGES, "mails": sent,
            "digests_planned": planned,
            "stages": stages, "storage": storage}


def recommend_report(run: dict[str, Any], keyword: dict[str, Any] | None) -> str:
    """Calls per recommendation digest (match candidates + plan + mail) and per profile
    change, against the keyword digest of the same benchmark (the named baseline)."""
    mails = max(run["mails"], 1)
    unit = "recommendation digest"
    if not run["mails"]:  # the mail section is not built yet: per planned digest
        mails, unit = max(run.get("digests_planned", 0), 1), "planned digest (no mail yet)"
    per: Counter[str] = Counter()
    for name in ("rec_match", "rec_plan", "rec_mail"):
        for key, n in run["stages"][name]["calls"].items():
            if not key.startswith(("streams.", "dynamodbstreams")):
                per[key] += n
    lines = [f"### {run['subscribers']:,} likes-only subscribers, {run['candidates']:,} "
             f"candidates ({run['candidates'] / max(run['subscribers'], 1):.1f} per "
             f"subscriber), {run['mails']:,} mails", "",
             f"| AWS call | per {unit} |", "|---|---:|"]
    lines += [f"| {k} | {v / mails:.2f} |" for k, v in sorted(per.items())]
    total = sum(per.values()) / mails
    wru = sum(sum(run["stages"][n]["wru"].values()) for n in ("rec_match", "rec_mail"))
    lines.append(f"| **all** | **{total:.2f}** |")
    lines.append(f"| write units (candidates + mail) | {wru / mails:.2f} |")
    index = run["stages"]["rec_index"]
    changes = max(run["profile_changes"], 1)
    lines += ["", f"per profile change (one IndexFunction run at {run['profiles']:,} profiles): "
              + ", ".join(f"{k} {v / changes:.1f}" for k, v in sorted(index["calls"].items())
                          if not k.startswith(("streams.", "dynamodbstreams")))
              + f"; {index['handler_s'] / changes:.3f} s in the handler"]
    if keyword is not None and keyword["mails"]:
        base = sum(
            n for name in ("match", "plan", "mail")
            for k, n in keyword["stages"][name]["calls"].items()
            if not k.startswith(("streams.", "dynamodbstreams"))
        ) / keyword["mails"]
        lines.append(f"keyword digest (baseline, same run, match + plan + mail): {base:.2f} "
                     f"calls; recommendation / keyword = {total / base:.2f}x")
    return "\n".join(lines)


def trending_report(run: dict[str, Any], keyword: dict[str, Any] | None) -> str:
    """Calls per trending digest (plan + mail), by operation, against the keyword digest
    of the same benchmark (the named baseline), as a ratio."""
    mails = max(run["mails"], 1)
    per: Counter[str] = Counter()
    for name in ("trending_plan", "trending_mail"):
        for key, n in run["stages"][name]["calls"].items():
            per[key] += n
    lines = [f"### {run['subscribers']:,} trending subscribers, {run['mails']:,} mails",
             "", "| AWS call | per trending digest |", "|---|---:|"]
    lines += [f"| {k} | {v / mails:.2f} |" for k, v in sorted(per.items())]
    total = sum(per.values()) / mails
    lines.append(f"| **all** | **{total:.2f}** |")
    refresh = run["stages"]["trending_refresh"]
    lines.append("")
    lines.append(
        f"{REFRESHES_PER_DAY} re-reads a day: {sum(refresh['calls'].values())} AWS calls, "
        f"{sum(refresh['wru'].values())} WRU in all (only moved counts are written)"
    )
    if keyword is not None and keyword["mails"]:
        base = sum(
            n for name in ("plan", "mail") for n in keyword["stages"][name]["calls"].values()
        ) / keyword["mails"]
        lines.append(f"keyword digest (baseline, same run): {base:.2f} calls; "
                     f"trending / keyword = {total / base:.2f}x")
    return "\n".join(lines)


def report(run: dict[str, Any]) -> str:
    mail = run["stages"]["mail"]
    lines = [
        f"### {run['subscribers']:,} subscribers, {run['papers_new']} new papers, "
        f"{run['matches']:,} matches, {run['mails']:,} mails",
        "",
        "| stage | wall s | in handlers s | of it in AWS calls (moto) s | invocations | "
        "AWS calls | WRU | RRU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in STAGES:
        s = run["stages"][name]
        lines.append(
            f"| {name} | {s['wall_s']:.2f} | {s['handler_s']:.2f} | {s.get('aws_s', 0):.2f} | "
            f"{s['invocations']} | "
            f"{sum(s['calls'].values()):,} | {sum(s['wru'].values()):,} | "
            f"{sum(s['rru'].values()):,.1f} |"
        )
    total = sum(run["stages"][n]["wall_s"] for n in STAGES)
    rate = run["mails"] / mail["wall_s"] if mail["wall_s"] else 0.0
    lines += [
        "",
        f"day total {total:.1f} s wall; mail stage {rate:.1f} mails/s "
        f"({run['mails']:,} mails in {mail['wall_s']:.1f} s, moto-bound)",
    ]
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            mult = 1000 if part.endswith("k") else 1
            out.append(int(float(part.rstrip("k")) * mult))
    return out


def published_metrics() -> list[list[str]]:
    """The metrics the template publishes with its defaults (``PublishedMetrics``): each
    is billed as a custom metric from the first data point, whether or not this day
    emitted one (a failure is what they count)."""
    from paperbell.observability import published_metrics as names
    from paperbell_dev.local.template import load_template

    default = load_template(ROOT / "template.yaml")["Parameters"]["PublishedMetrics"]["Default"]
    chosen = names(str(default))
    if chosen is None:
        raise SystemExit("PublishedMetrics=all: list the names to price them")
    return [["paperbell", name, "service=paperbell"] for name in sorted(chosen)]


def deployed_alarms() -> int:
    """CloudWatch alarms a deploy with the template's defaults creates (conditions
    evaluated, e.g. FunctionErrorAlarms=false leaves the per-function alarms out)."""
    from paperbell_dev.local.stack import LocalStack

    stack = LocalStack(ROOT / "template.yaml", parameters={"SenderAddress": "a@example.org"})
    return sum(
        1 for r in stack.template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and ("Condition" not in r or stack.resolve({"Condition": r["Condition"]}))
    )


def write_counts(runs: list[dict[str, Any]], path: Path = COUNTS_PATH,
                 trending_runs: list[dict[str, Any]] | None = None,
                 recommend_runs: list[dict[str, Any]] | None = None) -> None:
    data = {
        "schema": 1,
        "generated": datetime.now(UTC).date().isoformat(),
        "generator": "benchmarks/bench_pipeline.py --write-counts (make bench)",
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "note": "AWS calls and capacity units of one simulated day on moto; handler "
        "seconds are local, moto-bound timings (the cost model scales them, see "
        "paperbell/cost/model.py).",
        "alarms": deployed_alarms(),
        "kms_keys": (ROOT / "template.yaml").read_text("utf-8").count("Type: AWS::KMS::Key"),
        "published_metrics": published_metrics(),
        "runs": runs,
        "trending_runs": trending_runs or [],
        "recommend_runs": recommend_runs or [],
    }
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscribers", default="300,1000", help="comma list (1k suffix ok)")
    ap.add_argument("--papers", default="20,40", help="generated papers per run (comma list)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--trending", default="100,300",
                    help="trending-only subscribers of the trending day (comma list)")
    ap.add_argument("--recommend", default="100,300",
                    help="likes-only subscribers of the recommendation day (comma list)")
    ap.add_argument("--only-trending", action="store_true",
                    help="run only the trending days; with --write-counts, replace just the "
                    "trending runs in the counts file")
    ap.add_argument("--only-recommend", action="store_true",
                    help="run only the recommendation days; with --write-counts, replace "
                    "just the recommendation runs in the counts file")
    ap.add_argument("--write-counts", action="store_true", help=f"write {COUNTS_PATH.name}")
    ap.add_argument("--json", metavar="FILE", help="also write the raw runs as JSON")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    only = args.only_trending or args.only_recommend
    sizes = [] if only else _sizes(args.subscribers)
    papers = _sizes(args.papers)
    papers += [papers[-1]] * (len(sizes) - len(papers))
    runs = []
    for n, p in zip(sizes, papers, strict=False):
        print(
            f"pipeline day: {n:,} subscribers, {p} generated papers + bundled:seed ...", flush=True
        )
        run = run_day(n, p, seed=args.seed)
        runs.append(run)
        print(report(run), flush=True)
    trending_runs = []
    for n in [] if args.only_recommend else _sizes(args.trending):
        print(f"trending day: {n:,} trending-only subscribers, 50-paper HF list ...", flush=True)
        trending_runs.append(trending_day(n))
        print(trending_report(trending_runs[-1], runs[-1] if runs else None), flush=True)
    recommend_runs = []
    for n in [] if args.only_trending else _sizes(args.recommend):
        print(f"recommendation day: {n:,} likes-only subscribers, {papers[-1]} generated "
              "papers ...", flush=True)
        recommend_runs.append(recommend_day(n, papers[-1]))
        print(recommend_report(recommend_runs[-1], runs[-1] if runs else None), flush=True)
    if args.write_counts:
        two = [r for r in (runs, trending_runs, recommend_runs) if r]
        if any(len(r) < 2 for r in two) or not two:
            print("--write-counts needs two runs of different sizes", file=sys.stderr)
            return 2
        old = json.loads(COUNTS_PATH.read_text(encoding="utf-8")) if only else {}
        write_counts(
            [runs[0], runs[-1]] if runs else old["runs"],
            trending_runs=[trending_runs[0], trending_runs[-1]] if trending_runs
            else old.get("trending_runs", []),
            recommend_runs=[recommend_runs[0], recommend_runs[-1]] if recommend_runs
            else old.get("recommend_runs", []),
        )
        print(f"wrote {COUNTS_PATH.relative_to(ROOT)}")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
