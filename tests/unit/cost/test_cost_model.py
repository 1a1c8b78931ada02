"""The cost model's arithmetic and the committed measured counts (no timings asserted)."""

from __future__ import annotations

import copy
import math

import pytest

from paperbell_dev.cost import model as cost
from paperbell_dev.cost.meter import item_size, read_units, write_units

PRICES = cost.load_prices()


def _run(n: int, papers: int, matches: int, mails: int) -> dict:
    """A synthetic measured day whose counts are exact linear functions of the drivers."""
    return {
        "subscribers": n,
        "papers_new": papers,
        "matches": matches,
        "mails": mails,
        "stages": {
            "scrape": {
                "calls": {"dynamodb:BatchGetItem": 1 + papers // 100},
                "wru": {"dynamodb:PutItem": papers},
                "rru": {},
                "handler_s": 0.01 * papers,
                "invocations": 1,
                "log_bytes": 1000,
            },
            "match": {
                "calls": {"dynamodb:PutItem": matches, "dynamodb:Scan": n // 1000,
                          "dynamodb:GetItem": n},
                "wru": {"dynamodb:PutItem": 2 * matches},
                "rru": {"dynamodb:Scan": n / 100},
                "handler_s": 0.001 * matches,
                "invocations": 1,
                "log_bytes": 10 * matches,
            },
            "plan": {
                "calls": {"sqs:SendMessageBatch": mails / 10, "dynamodb:Query": 24},
                "wru": {"dynamodb:PutItem": 24},
                "rru": {"dynamodb:Query": 24},
                "handler_s": 0.5,
                "invocations": 24,
                "log_bytes": 100 * 24,
            },
            "mail": {
                "calls": {
                    "sesv2:SendEmail": mails,
                    "dynamodb:UpdateItem": mails,
                    "sqs:ReceiveMessage": mails / 10,
                },
                "wru": {"dynamodb:PutItem": 3 * mails, "dynamodb:UpdateItem": mails},
                "rru": {"dynamodb:GetItem": 2 * mails},
                "handler_s": 0.02 * mails,
                "invocations": mails / 10,
                "log_bytes": 500 * mails,
            },
        },
        "storage": {
            "PapersTable": {"items": papers, "avg_bytes": 1900.0},
            "DeliveriesTable:match": {"items": matches, "avg_bytes": 400.0},
        },
        "custom_metrics": [
            ["paperbell", "DigestsSent", "service=paperbell"],
            ["paperbell", "Matches", "service=paperbell"],
        ],
    }


COUNTS = {
    "schema": 1,
    "generated": "test",
    "alarms": 3,
    "runs": [_run(1000, 40, 4000, 1000), _run(10000, 80, 40000, 10000)],
}


def test_a_line_through_two_points_and_its_clamps():
    line = cost.fit_line("mails", [(10, 25.0), (1, 7.0)])
    assert (line.intercept, line.slope) == pytest.approx((5.0, 2.0))
    assert line.at({"mails": 100}) == pytest.approx(205.0)
    # a negative intercept would make small deployments cost less than nothing
    assert cost.fit_line("mails", [(10, 10.0), (20, 30.0)]) == cost.Line("mails", 0.0, 1.5)
    assert cost.fit_line("mails", [(10, 10.0), (20, 5.0)]) == cost.Line("mails", 10.0, 0.0)
    assert cost.fit_line("fixed", [(1, 4.0), (1, 6.0)]) == cost.Line("fixed", 5.0, 0.0)


def test_per_unit_counts_come_from_the_two_runs():
    fitted = cost.Model.from_counts(COUNTS)
    assert fitted.lines[("mail", "calls", "sesv2:SendEmail")] == cost.Line("mails", 0.0, 1.0)
    # The ledger item consumes a digest's matches: the mail's writes grow with mails
    # (the idempotency record's update), not with matches.
    assert fitted.lines[("mail", "wru", "dynamodb:UpdateItem")] == cost.Line("mails", 0.0, 1.0)
    assert fitted.lines[("match", "calls", "dynamodb:Scan")].driver == "subscriber_batches"
    # One due-marker check per subscriber and stream batch with a match (these synthetic
    # counts predate the batch items: one item per match, the fallback).
    assert fitted.lines[("match", "calls", "dynamodb:GetItem")].driver == "match_items"
    assert fitted.lines[("plan", "invocations", "")] == cost.Line("fixed", 24.0, 0.0)
    assert fitted.custom_metrics == 2 and fitted.alarms == 3


def test_the_bill_is_the_counts_times_the_prices():
    fitted = cost.Model.from_counts(COUNTS)
    work = cost.Workload(subscribers=100_000, papers_per_day=500, matches_per_subscriber=4)
    bill = cost.estimate(work, fitted, PRICES, duration_factor=1.0, init_seconds=0.0)
    items = {i.service: i.usd_month for i in bill.items}
    month = cost.DAYS_PER_MONTH
    assert items["SES"] == pytest.approx(100_000 * month / 1000 * 0.10)
    # WRU per day: scrape 1/paper, match 2 per item (one per subscriber and stream batch
    # with a match), plan 24, mail 4/mail
    wru = 500 + 2 * work.match_items + 24 + 4 * 100_000
    assert items["DynamoDB writes"] == pytest.approx(wru * month / 1e6 * 0.625)
    sqs = (100_000 / 10 + 100_000 / 10) * month + cost.SQS_IDLE_RECEIVES_PER_MONTH
    assert items["SQS"] == pytest.approx(sqs / 1e6 * 0.40)
    assert items["CloudWatch metrics + alarms"] == pytest.approx(2 * 0.30 + 3 * 0.10)
    assert items["Secrets Manager"] == pytest.approx(0.40)
    assert bill.total == pytest.approx(sum(items.values()))
    assert bill.not_ses_share == pytest.approx((bill.total - items["SES"]) / items["SES"])
    assert bill.unpriced == []


def test_more_subscribers_never_cost_less():
    fitted = cost.Model.from_counts(COUNTS)
    totals = [
        cost.estimate(cost.Workload(subscribers=n), fitted, PRICES).total
        for n in (1_000, 10_000, 100_000, 1_000_000)
    ]
    assert totals == sorted(totals)


def test_one_run_is_not_enough():
    with pytest.raises(ValueError):
        cost.Model.from_counts({"runs": COUNTS["runs"][:1]})


def test_the_committed_counts_are_well_formed():
    counts = cost.load_counts()
    assert counts["schema"] == 1 and counts["generated"]
    runs = counts["runs"]
    assert len(runs) == 2
    assert runs[0]["subscribers"] != runs[1]["subscribers"]
    for run in runs:
        for key in ("subscribers", "papers_new", "matches", "mails"):
            assert isinstance(run[key], int) and run[key] > 0
        assert set(run["stages"]) == set(cost.STAGES)
        for stage in run["stages"].values():
            for quantity in ("calls", "wru", "rru"):
                for key, value in stage[quantity].items():
                    service, _, operation = key.partition(":")
                    assert service and operation[:1].isupper(), key
                    assert value >= 0
            for scalar in cost.SCALARS:
                assert stage[scalar] >= 0
        assert run["storage"] and all(v["avg_bytes"] > 0 for v in run["storage"].values())
    fitted = cost.Model.from_counts(counts)
    bill = cost.estimate(cost.Workload(subscribers=10_000), fitted, PRICES)
    assert bill.ses > 0 and math.isfinite(bill.total)


def test_the_price_table_says_where_and_when():
    assert PRICES["region"] == "us-east-1" and PRICES["retrieved"]
    assert all(url.startswith("https://aws.amazon.com/") for url in PRICES["sources"].values())
    assert PRICES["lambda"]["arm64_gb_second"] == pytest.approx(0.0000133334)


def test_capacity_units_follow_dynamodb_rounding():
    assert write_units(1) == write_units(1024) == 1 and write_units(1025) == 2
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(0, consistent=False) == 0.5
    typed = {"paper_id": {"S": "2401.00001"}, "upvotes": {"N": "12"}}
    assert item_size(typed) == item_size({"paper_id": "2401.00001", "upvotes": "12"})


def test_counts_accept_k_and_m_suffixes():
    assert cost.parse_counts(["1k,10k", "1M", "2500"]) == [1000, 10_000, 1_000_000, 2500]


def test_cost_command_prints_the_table(capsys):
    from paperbell_dev.cli import main

    assert main(["cost", "--subscribers", "10000"]) == 0
    out = capsys.readouterr().out
    assert "| 10,000 subscribers |" in out and "| SES |" in out and "share of SES" in out


def test_synthetic_counts_are_not_mutated():
    before = copy.deepcopy(COUNTS)
    cost.Model.from_counts(COUNTS)
    assert before == COUNTS


def test_retention_constants_follow_the_code():
    from paperbell.services.digests import IDEMPOTENCY_SECONDS, LEDGER_RETENTION
    from paperbell.storage.deliveries import (
        CONSUMPTION_LOOKBACK,
        PARKED_RETENTION,
        PENDING_RETENTION,
    )
    from paperbell_dev.cost import model

    assert LEDGER_RETENTION.days == model.LEDGER_DAYS
    assert model.IDEMPOTENCY_DAYS * 86400 == IDEMPOTENCY_SECONDS
    assert PENDING_RETENTION.days == model.PENDING_DAYS
    # The ledger outlives every match it consumed (storage/deliveries.py), also one a
    # last attempt kept for a redrive (which is consumed after it was kept).
    assert PENDING_RETENTION < LEDGER_RETENTION and PARKED_RETENTION < LEDGER_RETENTION
    # A keyword-only digest's ledger read covers every live match's consumer.
    assert max(PENDING_RETENTION, PARKED_RETENTION) < CONSUMPTION_LOOKBACK
    assert CONSUMPTION_LOOKBACK.days == model.LOOKBACK_DAYS


def test_history_reads_grow_with_the_ledger_and_the_kept_matches():
    """The one measured day cannot show a steady-state partition: its reads are added."""
    from paperbell_dev.cost import model

    storage = {"DeliveriesTable:digest": {"avg_bytes": 400},
               "DeliveriesTable:match": {"avg_bytes": 300}}
    keyword = model.history_rru_per_day(cost.Workload(subscribers=1000), storage)
    trending = model.history_rru_per_day(cost.Workload(subscribers=1000, trending_share=1),
                                         storage)
    assert trending == 1000 * (model.LEDGER_DAYS - 1) * 500 / model.EVENTUAL_READ_BYTES
    assert keyword == 1000 * ((model.LOOKBACK_DAYS - 1) * 500 + (model.PENDING_DAYS - 1) * 5
                              * 400) / model.EVENTUAL_READ_BYTES
    # ... and they are on the bill.
    fitted = cost.Model.from_counts(COUNTS)
    fitted.storage = storage
    work = cost.Workload(1000)
    bill = {i.service: i.usd_month for i in cost.estimate(work, fitted, PRICES).items}
    measured = sum(v for (_, q, _), v in fitted.daily(work).items() if q == "rru")
    assert bill["DynamoDB reads"] == pytest.approx(
        (measured + keyword) * cost.DAYS_PER_MONTH / 1e6
        * PRICES["dynamodb"]["read_request_unit_per_million"])


def _trending_run(mails: int) -> dict:
    """A synthetic trending day: per-mail calls exact, the re-reads fixed."""
    per_mail = {"dynamodb:Query": 2, "dynamodb:GetItem": 2, "dynamodb:PutItem": 3,
                "email:SendEmail": 1}
    return {
        "subscribers": mails, "mails": mails, "papers": 50,
        "stages": {
            "trending_refresh": {"calls": {"dynamodb:BatchGetItem": 8}, "wru": {}, "rru": {},
                                 "handler_s": 0.8, "invocations": 8, "log_bytes": 800},
            "trending_plan": {"calls": {"dynamodb:Query": 24 + mails // 10}, "wru": {},
                              "rru": {}, "handler_s": 0.1, "invocations": 24,
                              "log_bytes": 100},
            "trending_mail": {"calls": {k: v * mails for k, v in per_mail.items()},
                              "wru": {"dynamodb:PutItem": 3 * mails}, "rru": {},
                              "handler_s": 0.05 * mails, "invocations": mails // 10,
                              "log_bytes": 50 * mails},
        },
    }


def test_trending_subscribers_are_priced_from_the_trending_day():
    counts = copy.deepcopy(cost.load_counts())
    counts["trending_runs"] = [_trending_run(100), _trending_run(300)]
    model = cost.Model.from_counts(counts)
    assert model.has_trending
    line = model.lines[("trending_mail", "calls", "email:SendEmail")]
    assert (line.driver, line.slope) == ("trending_mails", 1.0)
    assert model.lines[("trending_refresh", "calls", "dynamodb:BatchGetItem")].driver == "fixed"
    keyword = cost.estimate(cost.Workload(10_000), model, PRICES)
    mixed = cost.estimate(cost.Workload(10_000, trending_share=0.5), model, PRICES)
    # The same number of mails either way: SES is the same bill.
    assert mixed.ses == pytest.approx(keyword.ses)
    daily = model.daily(cost.Workload(10_000, trending_share=0.5))
    assert daily[("trending_mail", "calls", "email:SendEmail")] == pytest.approx(5_000)


def test_the_committed_counts_measure_a_trending_day():
    counts = cost.load_counts()
    runs = counts["trending_runs"]
    assert len(runs) == 2 and runs[0]["mails"] < runs[1]["mails"]
    for run in runs:
        mail = run["stages"]["trending_mail"]["calls"]
        assert mail["email:SendEmail"] == run["mails"]  # one mail per trending digest
        # No pending match is ever written for a trending subscriber.
        assert "dynamodb:BatchWriteItem" not in mail


def test_the_committed_counts_measure_a_recommendation_day():
    counts = cost.load_counts()
    runs = counts["recommend_runs"]
    assert len(runs) == 2 and runs[0]["profiles"] < runs[1]["profiles"]
    for run in runs:
        assert run["candidates"] > 0 and run["profile_changes"] > 0
        # One item per subscriber and stream batch, not one per candidate, written 25
        # per BatchWriteItem (with the due markers).
        assert 0 < run["rec_items"] < run["candidates"]
        assert "dynamodb:PutItem" not in run["stages"]["rec_match"]["calls"]
        writes = run["stages"]["rec_match"]["calls"]["dynamodb:BatchWriteItem"]
        assert writes * 25 >= run["rec_items"]
    assert counts["alarms"] > 0
    # The default deploy publishes no custom metric (the alarms watch AWS/SQS metrics).
    assert counts["published_metrics"] == []


def test_cost_command_takes_a_trending_share(capsys):
    from paperbell_dev.cli import main

    assert main(["cost", "--subscribers", "10k", "--trending-share", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "trending digests/day (50% of subscribers)" in out
    assert main(["cost", "--subscribers", "10k", "--trending-share", "2"]) == 1


def _rec_run(subscribers: int, candidates: int) -> dict:
    """A synthetic recommendation day: a write per candidate, a mail per digest."""
    return {
        "subscribers": subscribers, "profiles": subscribers, "candidates": candidates,
        "mails": subscribers, "digests_planned": subscribers, "profile_changes": 4,
        "stages": {
            "rec_index": {"calls": {"s3:PutObject": 8}, "wru": {}, "rru": {},
                          "handler_s": 0.001 * 4 * subscribers, "aws_s": 0.0,
                          "invocations": 4, "log_bytes": 400},
            "rec_match": {"calls": {"dynamodb:PutItem": candidates}, "rru": {},
                          "wru": {"dynamodb:PutItem": 2 * candidates}, "handler_s": 1.0,
                          "aws_s": 0.5, "invocations": 1, "log_bytes": 100},
            "rec_plan": {"calls": {"dynamodb:Query": 24}, "wru": {}, "rru": {},
                         "handler_s": 0.1, "aws_s": 0.05, "invocations": 24,
                         "log_bytes": 100},
            "rec_mail": {"calls": {"email:SendEmail": subscribers,
                                   "dynamodb:UpdateItem": subscribers},
                         "wru": {"dynamodb:UpdateItem": subscribers}, "rru": {},
                         "handler_s": 0.05 * subscribers, "aws_s": 0.02 * subscribers,
                         "invocations": subscribers // 10, "log_bytes": 50 * subscribers},
        },
    }


def test_likes_only_subscribers_are_priced_from_the_recommendation_day():
    counts = copy.deepcopy(cost.load_counts())
    counts["recommend_runs"] = [_rec_run(100, 400), _rec_run(300, 1200)]
    model = cost.Model.from_counts(counts)
    assert model.has_recommendations
    # A write per candidate item (these synthetic counts predate the batch items: one
    # item per candidate, the fallback).
    assert model.lines[("rec_match", "wru", "dynamodb:PutItem")] == cost.Line(
        "rec_items", 0.0, 2.0)
    # The digest's ledger item consumes its candidates: no write per candidate.
    assert model.lines[("rec_mail", "calls", "dynamodb:UpdateItem")] == cost.Line(
        "rec_digests", 0.0, 1.0)
    assert model.lines[("rec_index", "handler_s", "")].driver == "profile_work"
    work = cost.Workload(10_000, recommend_share=0.5, recommendations_per_subscriber=4)
    daily = model.daily(work)
    assert daily[("rec_match", "wru", "dynamodb:PutItem")] == pytest.approx(2 * work.rec_items)
    assert 5_000 < work.rec_items < 4 * 5_000  # one item per subscriber and stream batch
    assert daily[("rec_mail", "calls", "email:SendEmail")] == pytest.approx(5_000)
    assert work.profile_changes_per_day == pytest.approx(50)
    # Half the subscribers mail recommendations instead of keyword matches: same SES bill.
    keyword = cost.estimate(cost.Workload(10_000), model, PRICES)
    assert cost.estimate(work, model, PRICES).ses == pytest.approx(keyword.ses)


def test_lambda_time_is_paperbells_own_time_plus_a_wait_per_call():
    daily = {("mail", "handler_s", ""): 10.0, ("mail", "aws_s", ""): 8.0,
             ("mail", "calls", "dynamodb:GetItem"): 100.0,
             ("mail", "calls", "email:SendEmail"): 10.0,
             ("mail", "calls", "sqs:ReceiveMessage"): 50.0,  # the event source's, not ours
             ("plan", "handler_s", ""): 1.0}  # counted before calls were clocked
    expected = (10 - 8) * 3.5 + 100 * cost.DEFAULT_CALL_LATENCY_S \
        + 10 * cost.CALL_LATENCY_S["email"] + 1.0 * 3.5
    assert cost.billed_seconds(daily, 3.5) == pytest.approx(expected)


def test_the_kms_key_and_traces_are_on_the_bill():
    counts = copy.deepcopy(COUNTS)
    counts["kms_keys"] = 1
    counts["published_metrics"] = [["paperbell", "DigestsFailed", "service=paperbell"]]
    model = cost.Model.from_counts(counts)
    assert model.custom_metrics == 3  # two emitted on the day, one published by default
    items = {i.service: i.usd_month
             for i in cost.estimate(cost.Workload(10_000), model, PRICES).items}
    assert items["KMS key"] == pytest.approx(1.00)
    assert items["X-Ray traces"] > 0


def test_the_index_batching_window_is_the_templates():
    from pathlib import Path

    from paperbell_dev.local.template import load_template

    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml")
    events = template["Resources"]["IndexFunction"]["Properties"]["Events"]
    window = events["SubscriberChanges"]["Properties"]["MaximumBatchingWindowInSeconds"]
    assert window == cost.INDEX_BATCHING_WINDOW_S


def test_the_match_batch_size_is_the_templates():
    from pathlib import Path

    from paperbell_dev.local.template import load_template

    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml")
    assert template["Parameters"]["MatchBatchSize"]["Default"] == cost.MATCH_BATCH


def test_match_items_are_one_per_subscriber_and_stream_batch_with_a_match():
    """A keyword subscriber's matches of one stream batch are one item: the scrape's
    batch holds nearly all of them; the re-reads' few late papers add a fraction."""
    one_batch = cost.Workload(10_000, late_paper_share=0)
    assert one_batch.match_invocations == 1
    assert one_batch.match_items == pytest.approx(10_000 * (1 - math.exp(-5)))
    default = cost.Workload(10_000)
    assert default.match_invocations == 1 + cost.REFRESHES_PER_DAY
    assert one_batch.match_items < default.match_items < 10_000 * 1.3
    # Small batches spread the matches: more items, never more than matches.
    small = cost.Workload(10_000, match_batch_size=100, late_paper_share=0)
    assert default.match_items < small.match_items < small.matches_per_day


def test_match_item_bytes_follow_the_papers_per_item():
    storage = {"DeliveriesTable:matches": {"avg_bytes": 300.0, "avg_papers": 5,
                                           "paper_bytes": 40.0}}
    work = cost.Workload(1000, late_paper_share=0)
    per_item = work.matches_per_day / work.match_items
    assert cost.match_bytes_per_day(work, storage) == pytest.approx(
        work.match_items * (300 + (per_item - 5) * 40 + cost.ITEM_OVERHEAD))
    # Counts from before the batch items: an item per match.
    old = {"DeliveriesTable:match": {"avg_bytes": 300.0}}
    assert cost.match_bytes_per_day(work, old) == work.matches_per_day * 400
