"""The SAM template promises what the issues ask for (read with the project's loader)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperbell_dev.local.stack import LocalStack
from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


def test_papers_table_has_a_stream_and_the_match_function_reads_only_inserts():
    assert RESOURCES["PapersTable"]["Properties"]["StreamSpecification"]["StreamViewType"]
    (event,) = FUNCTIONS["MatchFunction"]["Properties"]["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "DynamoDB"
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert {"BatchSize", "MaximumRetryAttempts"} <= set(props)
    assert props["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert patterns == [{"eventName": ["INSERT"]}]


def test_scrape_and_plan_run_on_schedules_given_as_parameters():
    for name, event_name, parameter in (
        ("ScrapeFunction", "Daily", "ScrapeSchedule"),
        ("ScrapeFunction", "TrendingRefresh", "TrendingRefreshSchedule"),
        ("PlanFunction", "Hourly", "PlanSchedule"),
    ):
        event = FUNCTIONS[name]["Properties"]["Events"][event_name]
        assert event["Type"] == "ScheduleV2"
        assert event["Properties"]["ScheduleExpression"] == {"Ref": parameter}
    assert TEMPLATE["Parameters"]["ScrapeSchedule"]["Default"].startswith("cron(")
    refresh = FUNCTIONS["ScrapeFunction"]["Properties"]["Events"]["TrendingRefresh"]
    assert json.loads(refresh["Properties"]["Input"])["refresh"] == "trending"


def test_every_function_is_python311_with_a_log_group_and_a_unique_handler_module():
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.11"
    modules = set()
    for name, function in FUNCTIONS.items():
        log_group = RESOURCES[f"{name}LogGroup"]["Properties"]
        assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        module = function["Properties"]["Handler"].split(".")[0]
        assert (ROOT / function["Properties"]["CodeUri"] / f"{module}.py").is_file()
        modules.add(module)
    assert len(modules) == len(FUNCTIONS)


def _statements(policy: object) -> list[dict]:
    if isinstance(policy, dict) and "Statement" in policy:
        return list(policy["Statement"])
    return []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_policies_are_least_privilege(name):
    """SAM policy templates scoped to one resource each, or explicit narrow statements."""
    for policy in FUNCTIONS[name]["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"{name}: managed policy names are too broad: {policy}"
        for statement in _statements(policy):
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            assert all("*" not in action for action in actions), f"{name}: wildcard action"
            assert statement["Resource"] != "*", f"{name}: wildcard resource"
        if not _statements(policy):
            ((template_name, args),) = policy.items()
            assert template_name.endswith("Policy")
            assert all(value not in ("*", "") for value in args.values())


def test_no_parameter_default_looks_like_a_secret():
    for name in TEMPLATE["Parameters"]:
        lowered = name.lower()
        assert not any(word in lowered for word in ("secret", "password", "token", "key")), name


def test_environment_resolves_to_local_resources():
    stack = LocalStack(ROOT / "template.yaml", parameters={"SenderAddress": "a@b.org"})
    stack.physical = {
        lid: {
            "Ref": f"local-{lid}",
            "Arn": f"arn:{lid}",
            "StreamArn": "s",
            "QueueUrl": "u",
            "QueueName": "q",
        }
        for lid in RESOURCES
    }
    env = stack.function_environment("MailFunction")
    assert env["PAPERS_TABLE"] == "local-PapersTable"
    assert env["SENDER_ADDRESS"] == "a@b.org"
    assert env["REPLY_TO_ADDRESS"] == ""  # Fn::If on an empty parameter
    assert env["SOURCES"] == TEMPLATE["Parameters"]["Sources"]["Default"]


def test_committed_sam_env_file_matches_the_template():
    from paperbell_dev.local.sam_env import default_env_file_text

    committed = (ROOT / "events" / "env.json").read_text(encoding="utf-8")
    assert committed == default_env_file_text(), "regenerate events/env.json (see README)"
