"""IAM least privilege, read from template.yaml: every function may hold exactly the
permissions in ``EXPECTED`` (policy template or action, resource) and nothing else; no
statement anywhere in the template uses a ``*`` action or a ``*`` resource.

Changing a function's permissions means changing this table, on purpose, in review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}

SES_IDENTITY = "identity/${SenderAddress}"
SES_CONFIG_SET = "configuration-set/${DigestConfigurationSet}"
SEND_MAIL = {
    (action, resource)
    for action in ("ses:SendEmail", "ses:SendRawEmail")
    for resource in (SES_IDENTITY, SES_CONFIG_SET)
}
#: Readers of the shared trending snapshot (written by the scraper).
TRENDING_READ = {("s3:GetObject", "${IndexBucket}/trending/*"), ("s3:ListBucket", "${IndexBucket}")}

EXPECTED: dict[str, set[tuple[str, str]]] = {
    # Papers and source state, plus the shared trending snapshot it keeps (read and
    # replace that prefix only; ListBucket so a missing snapshot reads as 404).
    "ScrapeFunction": {
        ("DynamoDBCrudPolicy", "PapersTable"),
        ("DynamoDBCrudPolicy", "SourcesTable"),
        ("s3:GetObject", "${IndexBucket}/trending/*"),
        ("s3:PutObject", "${IndexBucket}/trending/*"),
        ("s3:ListBucket", "${IndexBucket}"),
    },
    "MatchFunction": {
        ("DynamoDBReadPolicy", "SubscribersTable"),
        ("DynamoDBCrudPolicy", "DeliveriesTable"),
        ("SQSSendMessagePolicy", "MatchFailureQueue"),
        ("SQSSendMessagePolicy", "DigestQueue"),
        ("S3ReadPolicy", "IndexBucket"),  # the match-index snapshot
    },
    # Rebuilds the match-index snapshot from the subscribers: read and replace that one
    # object (ListBucket only so a missing snapshot reads as 404, not 403).
    "IndexFunction": {
        ("DynamoDBReadPolicy", "SubscribersTable"),
        ("s3:GetObject", "${IndexBucket}/match-index/*"),
        ("s3:PutObject", "${IndexBucket}/match-index/*"),
        ("s3:ListBucket", "${IndexBucket}"),
    },
    "PlanFunction": {
        ("DynamoDBCrudPolicy", "DeliveriesTable"),
        ("SQSSendMessagePolicy", "DigestQueue"),
    },
    "MailFunction": {
        ("DynamoDBReadPolicy", "PapersTable"),
        ("DynamoDBReadPolicy", "SubscribersTable"),
        ("DynamoDBCrudPolicy", "DeliveriesTable"),
        ("DynamoDBCrudPolicy", "IdempotencyTable"),
        ("AWSSecretsManagerGetSecretValuePolicy", "TokenSecret"),
        *SEND_MAIL,
        *TRENDING_READ,  # the trending section
    },
    "FeedbackFunction": {
        ("DynamoDBCrudPolicy", "SubscribersTable"),
    },
    # Subscribe/manage/delete + rate-limit counters (Subscribers), delete-my-data and the
    # feed (Deliveries), the preview (Papers, read only), signing links (TokenSecret) and
    # the confirmation mail (SES, sender identity + configuration set only).
    "ApiFunction": {
        ("DynamoDBCrudPolicy", "SubscribersTable"),
        ("DynamoDBCrudPolicy", "DeliveriesTable"),
        ("DynamoDBReadPolicy", "PapersTable"),
        ("AWSSecretsManagerGetSecretValuePolicy", "TokenSecret"),
        *SEND_MAIL,
        *TRENDING_READ,  # the subscribe page's list, /trending.xml|json
    },
}


def _logical_id(value: Any) -> str:
    """``!Ref X`` / ``!GetAtt X.Attr`` -> X; ``!Sub 'arn:...:identity/${P}'`` -> the tail."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        return str(text).rsplit(":", 1)[-1]
    return str(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(policy template or action, resource) pairs of one function's ``Policies``."""
    pairs: set[tuple[str, str]] = set()
    for policy in _as_list(function["Properties"].get("Policies", [])):
        assert isinstance(policy, dict), f"managed policy by name is too broad: {policy!r}"
        if "Statement" in policy:
            for statement in _as_list(policy["Statement"]):
                assert statement.get("Effect") == "Allow", statement
                assert "NotAction" not in statement and "NotResource" not in statement
                for action in _as_list(statement["Action"]):
                    for resource in _as_list(statement["Resource"]):
                        pairs.add((str(action), _logical_id(resource)))
            continue
        ((template_name, args),) = policy.items()
        assert isinstance(args, dict) and len(args) == 1, (template_name, args)
        pairs.add((template_name, _logical_id(next(iter(args.values())))))
    return pairs


def test_every_function_is_in_the_expectation_table():
    assert set(FUNCTIONS) == set(EXPECTED), "add the new function's permissions to EXPECTED"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_permissions_are_exactly_what_its_job_needs(name):
    props = FUNCTIONS[name]["Properties"]
    assert "Role" not in props, f"{name}: a custom role escapes this check"
    assert not props.get("ManagedPolicyArns"), f"{name}: managed policies are too broad"
    extra = granted(FUNCTIONS[name]) - EXPECTED[name]
    missing = EXPECTED[name] - granted(FUNCTIONS[name])
    assert not extra, f"{name} has more than its job needs: {sorted(extra)}"
    assert not missing, f"{name} lost a permission it needs: {sorted(missing)}"


def test_no_global_policies_roles_or_iam_resources():
    function_globals = TEMPLATE.get("Globals", {}).get("Function", {})
    assert not {"Policies", "Role", "ManagedPolicyArns"} & set(function_globals)
    iam = [k for k, v in RESOURCES.items() if str(v["Type"]).startswith("AWS::IAM::")]
    assert not iam, f"explicit IAM resources need an expectation here: {iam}"


def _statements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            found.append(node)
        for value in node.values():
            found.extend(_statements(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_statements(value))
    return found


def test_no_statement_anywhere_has_a_wildcard_action_resource_or_principal():
    statements = _statements(RESOURCES)
    assert statements  # the walk finds the function and topic policies
    for statement in statements:
        for action in _as_list(statement.get("Action", [])):
            assert "*" not in str(action), statement
        for resource in _as_list(statement.get("Resource", [])):
            assert resource != "*" and not str(resource).endswith(":*"), statement
        principal = statement.get("Principal")
        if principal is not None:
            assert principal != "*" and principal != {"AWS": "*"}, statement
            if "Service" in principal:  # a service principal must be pinned to us
                assert "Condition" in statement, statement
