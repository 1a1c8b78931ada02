"""Local IAM: every AWS call a function makes in a local run is checked against what
template.yaml grants that function.

Why: moto accepts any call, so without this a handler could start using an action or a
table its role does not have, pass every local test and fail with ``AccessDenied`` only
once deployed. Here the template's inline policy statements are resolved exactly as
CloudFormation would (the local stack's ARNs) and each boto3 call is mapped to the IAM
action(s) and resource ARN(s) AWS evaluates for it. A call that is not granted fails as
AWS would (``AccessDeniedException``) and is also recorded, so the invocation raises
``PermissionNotGranted`` even when the code under test swallowed the error. The calls
that were granted are kept too, so a test can see what each function really uses.

Only inline ``Statement`` policies are understood: SAM policy templates hide their
actions, and the project grants none (tests/security/test_security_iam.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

import botocore.client
from botocore.exceptions import ClientError

from paperbell.errors import ConfigError

#: (action, resource ARN) - one permission AWS evaluates for a call.
Permission = tuple[str, str]

_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
#: botocore service names whose IAM action prefix differs.
_IAM_PREFIX = {"sesv2": "ses"}
#: Operations whose IAM action has another name than the operation.
_RENAMED = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
}


class PermissionNotGranted(AssertionError):
    """A function used AWS permissions that template.yaml does not grant it."""


@dataclass(frozen=True)
class Grant:
    """One allowed (action pattern, resource pattern) pair of a function's role."""

    action: str
    resource: str

    def allows(self, permission: Permission) -> bool:
        action, resource = permission
        return fnmatchcase(action.lower(), self.action.lower()) and fnmatchcase(
            resource, self.resource
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_grants(stack: Any, logical_id: str) -> list[Grant]:
    """The function's inline policy statements, resolved against the local stack."""
    props = stack.template["Resources"][logical_id].get("Properties", {})
    grants: list[Grant] = []
    for policy in _as_list(props.get("Policies", [])):
        if not (isinstance(policy, dict) and "Statement" in policy):
            raise ConfigError(
                f"{logical_id}: only inline policy statements can be checked locally, "
                f"not {policy!r}"
            )
        for statement in _as_list(stack.resolve(policy["Statement"])):
            if statement.get("Effect") != "Allow" or "Condition" in statement:
                raise ConfigError(f"{logical_id}: unsupported statement {statement!r}")
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    grants.append(Grant(str(action), str(resource)))
    return grants


# -- what AWS evaluates for one call ---------------------------------------------------
def _sender_identity(params: dict[str, Any]) -> str:
    sender = str(params.get("FromEmailAddress") or "")
    if not sender:
        raw = params.get("Content", {}).get("Raw", {}).get("Data", b"")
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        sender = str(BytesHeaderParser().parsebytes(data).get("From", ""))
    return parseaddr(sender)[1]


def required_permissions(
    service: str, operation: str, params: dict[str, Any], *, region: str, account: str
) -> list[Permission]:
    """The (action, resource ARN) pairs IAM checks for ``operation`` with ``params``."""
    prefix = _IAM_PREFIX.get(service, service)
    action = _RENAMED.get((service, operation), f"{prefix}:{operation}")
    if service == "dynamodb":
        base = f"arn:aws:dynamodb:{region}:{account}:table/"
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(action, base + name) for name in params.get("RequestItems", {})]
        if operation in ("TransactWriteItems", "TransactGetItems"):
            found: list[Permission] = []
            for item in params.get("TransactItems", []):
                for kind, body in item.items():
                    found.append((_TRANSACT_ACTIONS[kind], base + str(body["TableName"])))
            return found
        arn = base + str(params.get("TableName", "*"))
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
        return [(action, arn)]
    if service == "sqs":
        if "QueueUrl" in params:
            name = urlsplit(str(params["QueueUrl"])).path.rstrip("/").rsplit("/", 1)[-1]
        else:
            name = str(params.get("QueueName", "*"))
        return [(action, f"arn:aws:sqs:{region}:{account}:{name}")]
    if service == "s3":
        bucket = str(params.get("Bucket", "*"))
        if action == "s3:ListBucket":
            return [(action, f"arn:aws:s3:::{bucket}")]
        return [(action, f"arn:aws:s3:::{bucket}/{params.get('Key', '*')}")]
    if service == "secretsmanager":
        return [(action, str(params.get("SecretId", "*")))]
    if service in ("sesv2", "ses") and operation in ("SendEmail", "SendRawEmail"):
        base = f"arn:aws:ses:{region}:{account}:"
        found = [(action, base + "identity/" + _sender_identity(params))]
        if params.get("ConfigurationSetName"):
            found.append((action, base + "configuration-set/" + params["ConfigurationSetName"]))
        return found
    return [(action, "*")]


# -- the guard -------------------------------------------------------------------------
@dataclass
class FunctionCalls:
    """What one function asked for during a local run."""

    used: set[Permission] = field(default_factory=set)
    denied: set[Permission] = field(default_factory=set)


class IamGuard:
    """Checks each boto3 call made while a function runs against that function's role."""

    def __init__(self, stack: Any):
        self.stack = stack
        self.grants = {lid: function_grants(stack, lid) for lid in stack.functions()}
        self.calls: dict[str, FunctionCalls] = {lid: FunctionCalls() for lid in self.grants}

    @contextmanager
    def running(self, logical_id: str) -> Iterator[None]:
        """Attribute the calls made inside the block to ``logical_id``; raise
        PermissionNotGranted afterwards if any of them was not granted."""
        _install()
        previous = getattr(_state, "running", None)
        entry = (self, logical_id)
        _state.running = entry
        with _lock:
            _active.append(entry)
        denied_before = set(self.calls[logical_id].denied)
        try:
            yield
        finally:
            _state.running = previous
            with _lock:
                _active.remove(entry)
        new = self.calls[logical_id].denied - denied_before
        if new:
            raise PermissionNotGranted(self.explain(logical_id, new))

    @staticmethod
    def explain(logical_id: str, denied: set[Permission]) -> str:
        listed = "; ".join(f"{a} on {r}" for a, r in sorted(denied))
        return (
            f"{logical_id} called AWS with permissions template.yaml does not grant it: "
            f"{listed}. Add them to the function's Policies (inline Statement, exact "
            f"resource) and to EXPECTED in tests/security/test_security_iam.py."
        )

    def check(self, logical_id: str, client: Any, operation: str, params: dict[str, Any]) -> None:
        """Record the call's permissions; raise AccessDeniedException for one not granted."""
        from paperbell_dev.local.stack import ACCOUNT_ID

        needed = required_permissions(
            client.meta.service_model.service_name,
            operation,
            params,
            region=client.meta.region_name or self.stack.region,
            account=ACCOUNT_ID,
        )
        calls = self.calls[logical_id]
        for permission in needed:
            if any(grant.allows(permission) for grant in self.grants[logical_id]):
                calls.used.add(permission)
                continue
            calls.denied.add(permission)
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDeniedException",
                        "Message": f"local IAM: {logical_id} is not granted "
                        f"{permission[0]} on {permission[1]}",
                    }
                },
                operation,
            )


# One function runs per thread; a handler's own worker threads have no entry of their
# own, so they are attributed to the function when exactly one is running.
_state = threading.local()
_active: list[tuple[IamGuard, str]] = []
_lock = threading.Lock()
_installed = False


def _running() -> tuple[IamGuard, str] | None:
    own: tuple[IamGuard, str] | None = getattr(_state, "running", None)
    if own is not None:
        return own
    with _lock:
        running = set(_active)
    return running.pop() if len(running) == 1 else None


def _install() -> None:
    """Wrap botocore's single call path once per process."""
    global _installed
    if _installed:
        return
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        running = _running()
        if running is not None:  # test setup and tooling run under no role
            guard, logical_id = running
            guard.check(logical_id, self, operation_name, api_params)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = _make_api_call  # type: ignore[attr-defined]
    _installed = True
