"""IAM least privilege, read from template.yaml.

Three checks keep the roles honest:

1. ``EXPECTED`` is the per-function table of (action, resource) pairs. A function's
   inline policy statements must grant exactly these: a broadened grant (another action,
   a whole table instead of an index, a bucket instead of a key prefix) fails here, and so
   does a grant that silently disappears. Only inline ``Statement`` policies are allowed:
   SAM policy templates (``DynamoDBCrudPolicy``, ``S3ReadPolicy``, ...) hide their actions.
2. Local runs enforce the same roles (``paperbell_dev.local.iam``): every boto3 call a
   handler makes in a local invocation is mapped to the IAM action(s) and ARN(s) AWS
   evaluates, and one that the template does not grant fails as ``AccessDenied`` would.
   So every integration, e2e, fault and fuzz test also proves "granted enough".
3. A scenario runs every function's main paths and checks that each grant is either
   used there or listed in ``NOT_EXERCISED_HERE`` with the reason it is still needed.

Changing a function's permissions means changing this table, on purpose, in review;
docs/operations.md ("What each function may do") says the same in words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


def _pairs(resource: str, *actions: str) -> set[tuple[str, str]]:
    return {(action, resource) for action in actions}


SEND_MAIL = (
    _pairs("ses:identity/${SenderAddress}", "ses:SendEmail")
    | _pairs("ses:identity/${Domain}", "ses:SendEmail")  # the sender's domain identity
    | _pairs("ses:configuration-set/${DigestConfigurationSet}", "ses:SendEmail")
)
SIGNING_KEY = _pairs("TokenSecret", "secretsmanager:GetSecretValue")
RUN_FAILURES = _pairs("InvocationFailureQueue", "sqs:SendMessage")
#: The shared trending snapshot (issue 15): the scraper keeps it, Mail and Api read it;
#: ListBucket so that a missing snapshot reads as 404, not 403.
TRENDING_READ = _pairs("IndexBucket/trending/*", "s3:GetObject") | _pairs(
    "IndexBucket", "s3:ListBucket"
)

EXPECTED: dict[str, set[tuple[str, str]]] = {
    "ScrapeFunction": (
        _pairs("PapersTable", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        | _pairs("SourcesTable", "dynamodb:GetItem", "dynamodb:PutItem")
        | RUN_FAILURES
        | _pairs("FailureReportQueue", "sqs:SendMessage")  # a failing source's report
        | TRENDING_READ
        | _pairs("IndexBucket/trending/*", "s3:PutObject")
    ),
    "MatchFunction": (
        _pairs("SubscribersTable", "dynamodb:BatchGetItem", "dynamodb:Scan")
        # a stream batch's match and candidate items and due markers (batched), an
        # instant match (conditional put; a redelivered one queries the partition)
        | _pairs("DeliveriesTable", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
                 "dynamodb:PutItem", "dynamodb:Query")
        | _pairs("DigestQueue", "sqs:SendMessage")
        | _pairs("MatchFailureQueue", "sqs:SendMessage")
        | _pairs("IndexBucket/match-index/*", "s3:GetObject")
        | _pairs("IndexBucket", "s3:ListBucket")
    ),
    "IndexFunction": (
        _pairs("SubscribersTable", "dynamodb:Scan")
        # liked papers read from arXiv are written back to the subscriber (services/likes)
        | _pairs("SubscribersTable", "dynamodb:UpdateItem")
        # profiles' frequencies (scan); liked papers named by id (batch-get)
        | _pairs("PapersTable", "dynamodb:Scan", "dynamodb:BatchGetItem")
        | _pairs("IndexBucket/match-index/*", "s3:GetObject", "s3:PutObject")
        | _pairs("IndexBucket", "s3:ListBucket")
        | RUN_FAILURES
    ),
    "PlanFunction": (
        # Query on the table: a repeated tick confirms a due subscriber is undelivered.
        _pairs("DeliveriesTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")
        | _pairs("DeliveriesTable/index/by-due-slot", "dynamodb:Query")
        | _pairs("DigestQueue", "sqs:SendMessage")
        | RUN_FAILURES
    ),
    "MailFunction": (
        _pairs("PapersTable", "dynamodb:BatchGetItem")
        | _pairs("SubscribersTable", "dynamodb:GetItem", "dynamodb:UpdateItem")
        | _pairs(
            "DeliveriesTable",
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        | _pairs(
            "IdempotencyTable",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        | SEND_MAIL
        | SIGNING_KEY
        | TRENDING_READ
        | _pairs("FailureReportQueue", "sqs:SendMessage")  # a rejected digest's report
    ),
    "FeedbackFunction": (
        _pairs("SubscribersTable", "dynamodb:GetItem", "dynamodb:UpdateItem")
        | _pairs("SubscribersTable/index/by-email", "dynamodb:Query")
        | RUN_FAILURES
    ),
    "ApiFunction": (
        _pairs(
            "SubscribersTable",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        | _pairs("SubscribersTable/index/by-email", "dynamodb:Query")  # existing address
        | _pairs(
            "DeliveriesTable",
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
            "dynamodb:PutItem",  # the planner's tick of a trending subscriber
            "dynamodb:DeleteItem",  # ... cleared when they pause, leave or switch
        )
        | _pairs("PapersTable", "dynamodb:BatchGetItem", "dynamodb:Scan")
        | SEND_MAIL
        | SIGNING_KEY
        | TRENDING_READ
    ),
}

#: Grants the local scenario below does not use, each with why it is still needed.
NOT_EXERCISED_HERE: dict[tuple[str, str, str], str] = {
    **{
        (fn, "sqs:SendMessage", "InvocationFailureQueue"): "Lambda's async OnFailure "
        "destination (and IndexFunction's stream OnFailure) sends with the function's role"
        for fn in ("ScrapeFunction", "IndexFunction", "PlanFunction", "FeedbackFunction")
    },
    ("PlanFunction", "dynamodb:Query", "DeliveriesTable"): "the hour's due markers, and on "
    "a repeated tick of an hour already planned a due subscriber's partition "
    "(tests/integration/test_planner_recheck.py)",
    ("MatchFunction", "sqs:SendMessage", "MatchFailureQueue"): "the papers stream's "
    "OnFailure destination, sent by Lambda with the function's role",
    ("MatchFunction", "s3:ListBucket", "IndexBucket"): "a missing snapshot must read as "
    "404 (no index yet), which S3 only answers to a caller that may list",
    **{
        (fn, "s3:ListBucket", "IndexBucket"): "same: 404, not 403, before the first "
        "(match-index or trending) snapshot"
        for fn in ("IndexFunction", "ScrapeFunction", "MailFunction", "ApiFunction")
    },
    ("MailFunction", "s3:GetObject", "IndexBucket/trending/*"): "digests of trending "
    "subscribers read the ranked list (tests/e2e/test_trending_pipeline.py)",
    ("MatchFunction", "dynamodb:Query", "DeliveriesTable"): "a redelivered stream record "
    "finds its match already recorded and reads the subscriber's partition: consumed by a "
    "ledger item, or still pending (tests/integration/test_delivery_state.py)",
    ("ScrapeFunction", "sqs:SendMessage", "FailureReportQueue"): "a source failing 3 runs "
    "in a row is reported (tests/e2e/test_sources_pipeline.py)",
    ("MailFunction", "sqs:SendMessage", "FailureReportQueue"): "a permanently rejected "
    "digest is reported (tests/integration/test_delivery.py)",
    ("MailFunction", "dynamodb:UpdateItem", "DeliveriesTable"): "a job's last attempt "
    "before the dead-letter queue keeps the items it read for a redrive (expires_at)",
    ("MatchFunction", "dynamodb:Scan", "SubscribersTable"): "fallback while no snapshot "
    "exists yet (a fresh stack)",
    ("MailFunction", "dynamodb:GetItem", "IdempotencyTable"): "Powertools reads a record "
    "back when a concurrent duplicate races the conditional put",
    ("MailFunction", "dynamodb:DeleteItem", "IdempotencyTable"): "Powertools deletes the "
    "in-progress record when a send raises, so SQS can retry",
    ("MailFunction", "dynamodb:DeleteItem", "DeliveriesTable"): "a due subscriber whose "
    "pending matches all expired: the tick is cleared",
    ("MailFunction", "dynamodb:UpdateItem", "SubscribersTable"): "a webhook that keeps "
    "failing is marked on its subscriber",
    ("MailFunction", "ses:SendEmail", "ses:identity/${Domain}"): "SES authorizes against "
    "the domain identity when the domain, not the address, is verified",
    ("ApiFunction", "ses:SendEmail", "ses:identity/${Domain}"): "same as MailFunction",
    ("ApiFunction", "dynamodb:DeleteItem", "SubscribersTable"): "DELETE of a webhook "
    "subscriber / delete my data",
    ("ApiFunction", "dynamodb:BatchWriteItem", "DeliveriesTable"): "delete my data removes "
    "the subscriber's pending matches and ledger",
    ("ApiFunction", "dynamodb:BatchGetItem", "PapersTable"): "the subscriber's feed",
    ("ApiFunction", "dynamodb:Query", "DeliveriesTable"): "the subscriber's feed",
    ("ApiFunction", "secretsmanager:GetSecretValue", "TokenSecret"): "signing links",
    ("ApiFunction", "s3:GetObject", "IndexBucket/trending/*"): "the subscribe page's "
    "trending list and /trending.xml|json",
    ("ApiFunction", "dynamodb:PutItem", "DeliveriesTable"): "confirming a trending "
    "subscriber puts them on the planner (tick)",
    ("ApiFunction", "dynamodb:DeleteItem", "DeliveriesTable"): "a keyword-only, paused or "
    "instant subscriber has no tick: it is cleared",
}


# -- reading the template ---------------------------------------------------------------
_ARN_PREFIX = re.compile(
    r"^arn:\$\{AWS::Partition\}:(?P<service>[a-z0-9-]+):(\$\{AWS::Region\})?:"
    r"(\$\{AWS::AccountId\})?:?"
)


def resource_label(value: Any) -> str:
    """A template resource expression as the short label ``EXPECTED`` uses:
    ``!GetAtt T.Arn`` -> ``T``; ``!Sub ${T.Arn}/index/I`` -> ``T/index/I``;
    ``!Sub arn:...:s3:::${B}/p/*`` -> ``B/p/*``; SES ARNs -> ``ses:identity/...``."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn", value
        return str(logical)
    if isinstance(value, str) and value.startswith("arn:"):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = str(sub if isinstance(sub, str) else sub[0])
        match = _ARN_PREFIX.match(text)
        service = match.group("service") if match else ""
        rest = text[match.end() :] if match else text
        rest = re.sub(r"\$\{([A-Za-z0-9]+)\.Arn\}", r"\1", rest)
        if service in ("s3", ""):
            return re.sub(r"\$\{([A-Za-z0-9]+)\}", r"\1", rest)
        return f"{service}:{rest}"
    raise AssertionError(f"unsupported resource expression {value!r}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, resource label) pairs of one function's inline policy statements."""
    pairs: set[tuple[str, str]] = set()
    for policy in _as_list(function["Properties"].get("Policies", [])):
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, (
            f"only inline statements are allowed (SAM policy templates and managed "
            f"policies hide what they grant): {policy!r}"
        )
        for statement in _as_list(policy["Statement"]):
            assert statement.get("Effect") == "Allow", statement
            assert "NotAction" not in statement and "NotResource" not in statement
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    pairs.add((str(action), resource_label(resource)))
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


def test_a_broadened_grant_is_caught():
    """The comparison itself can fail: a whole-table grant where an index was meant,
    and a SAM policy template, are both refused."""
    broad = {
        "Properties": {
            "Policies": [
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "dynamodb:Query",
                            "Resource": {"Fn::GetAtt": ["SubscribersTable", "Arn"]},
                        }
                    ]
                }
            ]
        }
    }
    assert granted(broad) - EXPECTED["FeedbackFunction"] == {
        ("dynamodb:Query", "SubscribersTable")
    }
    with pytest.raises(AssertionError, match="only inline statements"):
        granted({"Properties": {"Policies": [{"DynamoDBCrudPolicy": {"TableName": "X"}}]}})


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
    # Key policies are checked below: there "Resource: *" means "this key".
    statements = _statements({k: v for k, v in RESOURCES.items() if v["Type"] != "AWS::KMS::Key"})
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


def test_key_policies_give_admin_only_to_the_account_and_use_only_to_pinned_services():
    keys = [v for v in RESOURCES.values() if v["Type"] == "AWS::KMS::Key"]
    assert keys
    for key in keys:
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            principal = statement["Principal"]
            if "AWS" in principal:  # the key policy default: IAM decides within the account
                assert principal["AWS"] == {
                    "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
                }, statement
                continue
            assert set(_as_list(statement["Action"])) <= {"kms:GenerateDataKey", "kms:Decrypt"}
            assert "Condition" in statement, statement


# -- the roles enforced in local runs ---------------------------------------------------
def test_a_call_outside_the_role_fails_like_access_denied(pipeline):
    """ScrapeFunction may not read subscribers: locally that is AccessDenied, and the
    invocation fails even if the handler swallowed the error."""
    from botocore.exceptions import ClientError

    from paperbell import aws
    from paperbell_dev.local.iam import PermissionNotGranted

    invoker = pipeline.invoker
    table = pipeline.table_name("SubscribersTable")
    denied: list[str] = []
    expected = pytest.raises(PermissionNotGranted, match=r"dynamodb:Scan on .*SubscribersTable")
    with expected, invoker.iam.running("ScrapeFunction"):
        try:
            aws.table(table).scan()
        except ClientError as exc:
            denied.append(exc.response["Error"]["Code"])
    assert denied == ["AccessDeniedException"]
    with invoker.iam.running("IndexFunction"):  # IndexFunction may scan subscribers
        aws.table(table).scan()


def _label(stack: Any, arn: str) -> str:
    """A local ARN back to the label EXPECTED uses (physical names -> logical ids)."""
    names = {}
    for logical, values in stack.physical.items():
        if arn in values.values():
            return str(logical)
        for key in ("Ref", "QueueName"):
            if key in values:
                names[values[key].rsplit("/", 1)[-1].rsplit(":", 1)[-1]] = logical
    ses = re.match(r"arn:aws:ses:[^:]+:\d+:(identity|configuration-set)/(.+)$", arn)
    if ses:
        kind, name = ses.groups()
        if kind == "configuration-set":
            return f"ses:configuration-set/${{{names.get(name, name)}}}"
        return "ses:identity/${SenderAddress}" if "@" in name else "ses:identity/${Domain}"
    tail = re.sub(r"^arn:aws:[a-z0-9-]+:[^:]*:[^:]*:(table/)?", "", arn)
    first, _, rest = tail.partition("/")
    logical = names.get(first, first)
    for prefix in ("match-index/", "trending/"):
        if rest.startswith(prefix):
            rest = prefix + "*"
    return f"{logical}/{rest}" if rest else logical


def test_every_grant_is_used_by_its_function_or_says_why_not(pipeline, demo_subscribers):
    """A day of the whole pipeline (scrape, index, match, plan, mail; digest and instant
    subscribers), a bounce, the API's sample request, a sign-up and a preview: every
    call was granted (the local role enforces it), and every grant was used or is in
    NOT_EXERCISED_HERE."""
    from paperbell.services.subscriptions import new_subscriber
    from paperbell_dev.local.server import http_event

    instant = new_subscriber("instant@example.org", ["model OR learning"], mode="instant")
    pipeline.add_subscribers([*demo_subscribers, instant])
    pipeline.run_day()
    pipeline.invoker.invoke("IndexFunction", pipeline.event("index.json"))
    pipeline.invoker.invoke("FeedbackFunction", pipeline.event("feedback.json"))
    pipeline.invoker.invoke("ApiFunction", pipeline.event("api.json"))
    body = json.dumps({"email": "grace@example.org", "queries": ["RoPE"], "hour": 7})
    headers = {"content-type": "application/json"}
    for event in (
        http_event("POST", "/subscriptions", headers=headers, body=body.encode()),
        http_event("GET", "/preview", query="queries=RoPE"),
    ):
        assert pipeline.invoker.invoke("ApiFunction", event)["statusCode"] < 300, event
    calls = pipeline.invoker.iam.calls
    for name, expected in EXPECTED.items():
        assert not calls[name].denied, (name, calls[name].denied)
        used = {(action, _label(pipeline.stack, arn)) for action, arn in calls[name].used}
        assert used <= expected, f"{name} used what EXPECTED lacks: {sorted(used - expected)}"
        unexplained = {
            pair for pair in expected - used if (name, *pair) not in NOT_EXERCISED_HERE
        }
        assert not unexplained, (
            f"{name} is granted {sorted(unexplained)} but the scenario never used it: "
            "remove the grant, or say in NOT_EXERCISED_HERE why it is needed"
        )


# -- what SAM itself adds when it builds the roles ---------------------------------------
#: AWS managed policies SAM attaches by itself, per function: basic logging and X-Ray
#: everywhere, plus what Lambda needs to poll a function's stream or queue.
SAM_MANAGED = {
    "AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
}
SAM_POLLING = {
    "MatchFunction": {"AWSLambdaDynamoDBExecutionRole"},
    "IndexFunction": {"AWSLambdaDynamoDBExecutionRole"},
    "MailFunction": {"AWSLambdaSQSQueueExecutionRole"},
}


#: Where SAM may add a send permission of its own (failure destinations).
FAILURE_QUEUES = {"InvocationFailureQueue", "MatchFailureQueue"}


def _translated() -> dict[str, Any]:
    """template.yaml through SAM's own translator (what CloudFormation deploys), with
    placeholder code locations; no AWS call is made."""
    import copy

    from samtranslator.translator.transform import transform

    class ManagedPolicies:
        def load(self) -> dict[str, str]:
            names = SAM_MANAGED | set().union(*SAM_POLLING.values())
            return {name: f"arn:aws:iam::aws:policy/{name}" for name in names}

    template = copy.deepcopy(TEMPLATE)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = f"s3://placeholder/{props[key].strip('/')}.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        translated: dict[str, Any] = transform(
            template, {"SenderAddress": "digest@example.org"}, ManagedPolicies()
        )
    return translated


def test_sam_adds_only_logging_tracing_polling_and_failure_destinations():
    """The deployed roles: our statements, the managed policies SAM always adds (their
    names only, never a wider one), and SAM's own grants for failure destinations
    (``Type: SQS``), which may only send to the alarmed failure queues."""
    resources = _translated()["Resources"]
    for name in FUNCTIONS:
        role = resources[f"{name}Role"]["Properties"]
        managed = {str(arn).rsplit("/", 1)[-1] for arn in role.get("ManagedPolicyArns", [])}
        assert managed == SAM_MANAGED | SAM_POLLING.get(name, set()), (name, managed)
        for policy in role.get("Policies", []):
            if policy["PolicyName"] == f"{name}RolePolicy0":
                continue  # our inline statements, pinned by EXPECTED above
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"]), policy
                assert resource_label(statement["Resource"]) in FAILURE_QUEUES, policy


def test_schedules_may_only_invoke_their_function_and_dead_letter():
    resources = _translated()["Resources"]
    schedules = {k: v for k, v in resources.items() if v["Type"] == "AWS::Scheduler::Schedule"}
    assert schedules
    for name, schedule in schedules.items():
        target = schedule["Properties"]["Target"]
        assert resource_label(target["DeadLetterConfig"]["Arn"]) == "InvocationFailureQueue"
        role = resources[f"{name}Role"]["Properties"]
        assert not role.get("ManagedPolicyArns"), name
        pairs = {
            (str(statement["Action"]), resource_label(statement["Resource"]))
            for policy in role["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
        }
        function = resource_label(target["Arn"])
        assert pairs == {
            ("lambda:InvokeFunction", function),
            ("sqs:SendMessage", "InvocationFailureQueue"),
        }, (name, pairs)
