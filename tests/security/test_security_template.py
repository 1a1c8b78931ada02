"""What the checkov suppressions in template.yaml rely on, checked so they stay true.

checkov (``make scan``) runs on every ``make test``; the checks it cannot see, or that
the template skips with a reason, are pinned here: every queue is encrypted (SSE-SQS),
every table has point-in-time recovery, every asynchronously invoked function keeps its
failures in an alarmed queue, the HTTP API writes an access log, and every skip says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _of(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == kind}


def _ref(value: Any) -> str:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise AssertionError(f"not a reference: {value!r}")


def test_every_checkov_skip_says_why():
    skips = 0
    for name, resource in RESOURCES.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips += 1
            assert str(skip.get("id", "")).startswith("CKV"), (name, skip)
            assert len(str(skip.get("comment", ""))) > 20, f"{name} {skip['id']}: say why"
    assert skips  # the walk finds the template's decisions


@pytest.mark.parametrize("name", sorted(_of("AWS::SQS::Queue")))
def test_every_queue_is_encrypted_at_rest(name):
    props = RESOURCES[name]["Properties"]
    assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId"), name


@pytest.mark.parametrize("name", sorted(_of("AWS::DynamoDB::Table")))
def test_every_table_has_point_in_time_recovery(name):
    props = RESOURCES[name]["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def _alarmed_queues() -> set[str]:
    found = set()
    for alarm in _of("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/SQS" and props.get("AlarmActions"):
            for dimension in props.get("Dimensions", []):
                if dimension["Name"] == "QueueName":
                    found.add(_ref(dimension["Value"]))
    return found


def _failure_destinations(name: str) -> set[str]:
    """Every queue a function's failures can land in: async OnFailure, scheduler DLQs,
    event-source OnFailure destinations, and the redrive target of a queue it reads."""
    props = RESOURCES[name]["Properties"]
    found = set()
    on_failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {})
    if "OnFailure" in on_failure:
        found.add(_ref(on_failure["OnFailure"]["Destination"]))
    for event in props.get("Events", {}).values():
        event_props = event.get("Properties", {})
        if "DeadLetterConfig" in event_props:
            found.add(_ref(event_props["DeadLetterConfig"]["Arn"]))
        destination = event_props.get("DestinationConfig", {}).get("OnFailure")
        if destination:
            found.add(_ref(destination["Destination"]))
        if event["Type"] == "SQS":
            queue = RESOURCES[_ref(event_props["Queue"])]["Properties"]
            found.add(_ref(queue["RedrivePolicy"]["deadLetterTargetArn"]))
    return found


@pytest.mark.parametrize("name", sorted(_of("AWS::Serverless::Function")))
def test_failures_of_every_non_http_function_land_in_an_alarmed_queue(name):
    events = RESOURCES[name]["Properties"].get("Events", {}).values()
    kinds = {event["Type"] for event in events}
    if kinds <= {"HttpApi"}:
        return  # synchronous: the caller sees the error
    destinations = _failure_destinations(name)
    assert destinations, f"{name}: where do its failed runs go?"
    assert destinations <= _alarmed_queues(), f"{name}: {destinations - _alarmed_queues()}"
    if kinds & {"ScheduleV2", "SNS"}:  # invoked asynchronously
        assert "EventInvokeConfig" in RESOURCES[name]["Properties"], name
    for event in events:
        if event["Type"] == "ScheduleV2":
            assert "DeadLetterConfig" in event["Properties"], (name, event)


def test_http_api_writes_an_access_log():
    (api,) = _of("AWS::Serverless::HttpApi").values()
    settings = api["Properties"]["AccessLogSettings"]
    group = RESOURCES[_ref(settings["DestinationArn"])]
    assert group["Type"] == "AWS::Logs::LogGroup" and "RetentionInDays" in group["Properties"]
    assert "$context.status" in settings["Format"]


def test_topics_use_a_key_their_publishers_may_use():
    """alias/aws/sns cannot be opened to SES or CloudWatch: topics they publish to use
    the template's own key, whose policy names both services."""
    for name, topic in _of("AWS::SNS::Topic").items():
        key = RESOURCES[_ref(topic["Properties"]["KmsMasterKeyId"])]
        services: set[str] = set()
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            service = statement.get("Principal", {}).get("Service", [])
            services.update(service if isinstance(service, list) else [service])
        assert {"ses.amazonaws.com", "cloudwatch.amazonaws.com"} <= services, name
