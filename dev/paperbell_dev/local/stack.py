"""Create the template's tables, queues and secret on a local AWS (moto) and resolve
each function's environment exactly as CloudFormation would.

The tables are created from the template's own properties (keys, indexes, stream),
never from a second hand-written copy, so what the tests exercise is what deploys.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperbell import aws
from paperbell.errors import ConfigError
from paperbell_dev.local.template import find_template, load_template

ACCOUNT_ID = "123456789012"
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "BillingMode",
)


def bucket_name(stack_name: str, logical_id: str) -> str:
    """S3 names are lower case; the local stack's bucket for a template resource."""
    return f"{stack_name}-{logical_id}".lower()


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    timeout: int
    memory: int
    events: dict[str, Any] = field(default_factory=dict)


class LocalStack:
    """The template deployed onto whatever AWS endpoint boto3 points at (moto)."""

    def __init__(
        self,
        template_path: str | Path | None = None,
        *,
        stack_name: str = "paperbell-local",
        parameters: dict[str, str] | None = None,
        region: str = "us-east-1",
    ):
        self.template_path = Path(template_path) if template_path else find_template()
        self.root = self.template_path.parent
        self.template = load_template(self.template_path)
        self.stack_name = stack_name
        self.region = region
        self.parameters = self._parameter_values(parameters or {})
        self.physical: dict[str, dict[str, str]] = {}

    # -- parameters & intrinsic functions --------------------------------------------
    def _parameter_values(self, overrides: dict[str, str]) -> dict[str, str]:
        declared = self.template.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        if unknown:
            raise ConfigError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, str] = {}
        for name, spec in declared.items():
            if name in overrides:
                values[name] = str(overrides[name])
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise ConfigError(f"template parameter {name} has no default; pass a value")
        return values

    def _condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        """Evaluate Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Not, Fn::Equals, Fn::Join,
        Fn::Split and Fn::Select."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                return self._get_att(arg[0], arg[1])
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self._condition(name) else no)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Join":
                return str(arg[0]).join(str(self.resolve(v)) for v in arg[1])
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(str(arg[0]))
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Condition":
                return self._condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self._pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        if name in self.template["Resources"]:
            return f"{self.stack_name}-{name}"  # not emulated locally (functions, layer)
        raise ConfigError(f"template references unknown name {name!r}")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.physical[logical_id][attribute]
        except KeyError as exc:
            raise ConfigError(f"no local value for {logical_id}.{attribute}") from exc

    def _sub(self, arg: Any) -> str:
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        import re

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(self.resolve(extra[name]))
            if "." in name:
                logical, attribute = name.split(".", 1)
                return self._get_att(logical, attribute)
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", repl, text)

    # -- resources -------------------------------------------------------------------
    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            lid: res for lid, res in self.template["Resources"].items() if res.get("Type") == kind
        }

    def deploy(self) -> LocalStack:
        """Create every table, queue and secret; idempotent per stack name."""
        self._create_tables()
        self._create_queues()
        self._create_secrets()
        self._create_buckets()
        self._create_topics()
        self._create_configuration_sets()
        self._verify_sender()
        return self

    def _create_tables(self) -> None:
        ddb = aws.client("dynamodb")
        existing = set(ddb.list_tables().get("TableNames", []))
        for lid, res in self.resources("AWS::DynamoDB::Table").items():
            props = self.resolve(res.get("Properties", {}))
            name = props.get("TableName") or f"{self.stack_name}-{lid}"
            kwargs = {k: props[k] for k in _TABLE_KEYS if k in props}
            if "StreamSpecification" in kwargs:
                kwargs["StreamSpecification"] = {
                    "StreamEnabled": True,
                    **props["StreamSpecification"],
                }
            if name not in existing:
                ddb.create_table(TableName=name, **kwargs)
                ttl = props.get("TimeToLiveSpecification")
                if ttl and ttl.get("Enabled"):
                    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            described = ddb.describe_table(TableName=name)["Table"]
            self.physical[lid] = {
                "Ref": name,
                "Arn": described["TableArn"],
                "StreamArn": described.get("LatestStreamArn", ""),
            }

    def _create_queues(self) -> None:
        sqs = aws.client("sqs")
        queues = self.resources("AWS::SQS::Queue")
        # Queues without a redrive policy first: a redrive target must exist beforehand.
        ordered = sorted(
            queues.items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {})
        )
        for lid, res in ordered:
            raw = res.get("Properties", {})
            name = raw.get("QueueName") or f"{self.stack_name}-{lid}"
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            self.physical[lid] = {
                "Ref": url,
                "QueueUrl": url,
                "QueueName": name,
                "Arn": attrs["Attributes"]["QueueArn"],
            }
            props = self.resolve(raw)
            settable = {}
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
                if key in props:
                    settable[key] = str(props[key])
            if "RedrivePolicy" in props:
                settable["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            if settable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)

    def _create_secrets(self) -> None:
        sm = aws.client("secretsmanager")
        for lid, res in self.resources("AWS::SecretsManager::Secret").items():
            props = self.resolve(res.get("Properties", {}))
            name = props.get("Name") or f"{self.stack_name}-{lid}"
            generate = props.get("GenerateSecretString", {})
            alphabet = string.ascii_letters + string.digits
            if not generate.get("ExcludePunctuation"):
                alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
            value = "".join(
                secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32)))
            )
            try:
                arn = sm.create_secret(Name=name, SecretString=value)["ARN"]
            except sm.exceptions.ResourceExistsException:
                arn = sm.describe_secret(SecretId=name)["ARN"]
            self.physical[lid] = {"Ref": arn, "Arn": arn, "Id": arn}

    def _create_buckets(self) -> None:
        s3 = aws.client("s3")
        for lid in self.resources("AWS::S3::Bucket"):
            name = bucket_name(self.stack_name, lid)
            with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
                s3.create_bucket(Bucket=name)
            self.physical[lid] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}

    def _create_topics(self) -> None:
        sns = aws.client("sns")
        for lid in self.resources("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=f"{self.stack_name}-{lid}")["TopicArn"]
            self.physical[lid] = {"Ref": arn, "TopicArn": arn, "TopicName": arn.rsplit(":", 1)[1]}

    def _create_configuration_sets(self) -> None:
        ses = aws.client("ses")
        for lid in self.resources("AWS::SES::ConfigurationSet"):
            name = f"{self.stack_name}-{lid}"
            with contextlib.suppress(ses.exceptions.ConfigurationSetAlreadyExistsException):
                ses.create_configuration_set(ConfigurationSet={"Name": name})
            self.physical[lid] = {"Ref": name}

    def _verify_sender(self) -> None:
        sender = self.parameters.get("SenderAddress")
        if sender:
            aws.client("ses").verify_email_identity(EmailAddress=sender)

    # -- functions -------------------------------------------------------------------
    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.template.get("Globals", {}).get("Function", {})
        specs = {}
        for lid, res in self.resources("AWS::Serverless::Function").items():
            props = res.get("Properties", {})
            specs[lid] = FunctionSpec(
                logical_id=lid,
                code_uri=self.root / str(props["CodeUri"]),
                handler=str(props["Handler"]),
                timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
                memory=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                events=props.get("Events", {}),
            )
        return specs

    def outputs(self) -> dict[str, str]:
        """The template's Outputs that resolve locally (queue URLs, table names, ...);
        those naming resources the local stack does not emulate are left out."""
        found = {}
        for name, spec in self.template.get("Outputs", {}).items():
            try:
                found[name] = str(self.resolve(spec["Value"]))
            except ConfigError:
                continue
        return found

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals + the function's own variables, every intrinsic resolved."""
        globals_ = self.template.get("Globals", {}).get("Function", {})
        own = self.template["Resources"][logical_id].get("Properties", {})
        merged = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **own.get("Environment", {}).get("Variables", {}),
        }
        return {k: str(self.resolve(v)) for k, v in merged.items()}

    def event_properties(self, function_id: str, event_type: str) -> dict[str, Any]:
        """The (resolved) properties of the function's first event of ``event_type``."""
        for event in self.functions()[function_id].events.values():
            if event.get("Type") == event_type:
                return dict(self.resolve(event.get("Properties", {})))
        raise ConfigError(f"{function_id} has no {event_type} event in the template")

    def logical_id_for_arn(self, arn: str) -> str:
        for lid, values in self.physical.items():
            if arn in values.values():
                return lid
        raise ConfigError(f"no local resource has ARN {arn}")

    def env_file(self) -> dict[str, dict[str, str]]:
        """``sam local invoke --env-vars`` content: each function's resolved environment."""
        return {lid: self.function_environment(lid) for lid in self.functions()}
