"""Which counts become CloudWatch custom metrics, and where the others go (issue 15).

Every custom metric costs $0.30 a month, so by default only the counts an alarm
watches are published; the rest are one ``counts`` log line per invocation."""

from __future__ import annotations

import json
from pathlib import Path

from paperbell import observability
from paperbell.observability import ALARMED_METRICS, published_metrics
from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template(ROOT / "template.yaml")


def _custom_metric_alarms() -> dict[str, str]:
    return {
        name: r["Properties"]["MetricName"]
        for name, r in TEMPLATE["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("Namespace") == "paperbell"
    }


def test_every_alarm_on_a_custom_metric_watches_a_published_one():
    default = TEMPLATE["Parameters"]["PublishedMetrics"]["Default"]
    watched = set(_custom_metric_alarms().values())
    assert watched <= published_metrics(default)
    assert watched == ALARMED_METRICS  # nothing published that no alarm needs


def test_the_alarmed_failures_are_queue_messages_not_custom_metrics():
    """$0.30 a month per custom metric: the two alarmed failures (a rejected digest, a
    source failing 3 runs in a row) are one message each on a queue, and one alarm
    watches that queue's free AWS/SQS metric."""
    resources = TEMPLATE["Resources"]
    assert _custom_metric_alarms() == {} and not ALARMED_METRICS
    assert published_metrics(TEMPLATE["Parameters"]["PublishedMetrics"]["Default"]) == set()
    props = resources["FailureReportAlarm"]["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("AWS/SQS", "NumberOfMessagesSent")
    assert props["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailureReportQueue", "QueueName"]}}]
    assert "SourceFailingAlarm" not in resources and "DigestsFailedAlarm" not in resources
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env[observability.PUBLISHED_METRICS_ENV] == {"Ref": "PublishedMetrics"}


def test_the_published_names_parse():
    assert published_metrics("") == ALARMED_METRICS
    assert published_metrics(" DigestsSent , Matches") == {"DigestsSent", "Matches"}
    assert published_metrics("all") is None


def test_no_handler_publishes_a_cold_start_metric():
    for handler in (ROOT / "functions").glob("*/*_handler.py"):
        assert "capture_cold_start_metric" not in handler.read_text(encoding="utf-8"), handler


def _run(monkeypatch, capsys, published: str | None) -> tuple[list[dict], list[dict]]:
    if published is None:
        monkeypatch.delenv(observability.PUBLISHED_METRICS_ENV, raising=False)
    else:
        monkeypatch.setenv(observability.PUBLISHED_METRICS_ENV, published)
    metrics = observability.metrics
    logged: list[dict] = []
    monkeypatch.setattr(observability.logger, "info",
                        lambda msg, extra=None: logged.append({"message": msg, **extra}))

    @metrics.log_metrics
    def handler(event: dict, context: object) -> None:
        metrics.add_metric(name="DigestsSent", unit="Count", value=1)
        metrics.add_metric(name="DigestsSent", unit="Count", value=2)
        metrics.add_metric(name="DigestsFailed", unit="Count", value=1)

    handler({}, None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    emf = [line for line in lines if "_aws" in line]
    counts = [line for line in logged if line["message"] == "counts"]
    return emf, counts


def test_by_default_no_count_is_a_metric_and_all_are_one_log_line(monkeypatch, capsys):
    emf, counts = _run(monkeypatch, capsys, None)
    assert emf == []
    assert [line["counts"] for line in counts] == [{"DigestsFailed": 1, "DigestsSent": 3}]


def test_a_chosen_count_is_published_and_the_rest_logged(monkeypatch, capsys):
    emf, counts = _run(monkeypatch, capsys, "DigestsFailed")
    (blob,) = emf
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == ["DigestsFailed"]
    assert [line["counts"] for line in counts] == [{"DigestsSent": 3}]


def test_all_publishes_every_count_as_before(monkeypatch, capsys):
    emf, counts = _run(monkeypatch, capsys, "all")
    (blob,) = emf
    names = {m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"DigestsSent", "DigestsFailed"} and blob["DigestsSent"] == [1.0, 2.0]
    assert counts == []
