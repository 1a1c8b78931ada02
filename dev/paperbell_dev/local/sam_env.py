"""The ``--env-vars`` file for ``sam local invoke``: every function's template
environment, resolved against a local AWS (a moto server) the container can reach.

Generated, not hand-written, so it can never drift from template.yaml (a test compares
the committed events/env.json with this function's output).
"""

from __future__ import annotations

import json
from typing import Any

from paperbell_dev.local.stack import LocalStack, bucket_name

DEFAULT_CONTAINER_ENDPOINT = "http://host.docker.internal:5000"
#: Local link-signing key: sam local has no deployed secret (documented, not a secret).
LOCAL_TOKEN_KEY = "local-development-key-not-for-production"
#: Where the bundled feeds are in a ``sam local`` container: scripts/sam_local/declare_env.py
#: copies them into the built ScrapeFunction (mounted at /var/task). Opt-in: only the env
#: file names this folder, the template and the layer never do.
SAM_LOCAL_FEEDS_DIR = "/var/task/demo_feeds"


def queue_url(endpoint: str, name: str) -> str:
    from paperbell_dev.local.stack import ACCOUNT_ID

    return f"{endpoint.rstrip('/')}/{ACCOUNT_ID}/{name}"


def sam_env_vars(stack: LocalStack, endpoint: str = DEFAULT_CONTAINER_ENDPOINT) -> dict[str, Any]:
    """{"Parameters": shared variables, "<FunctionId>": its own} for ``--env-vars``."""
    stack.physical = {}
    for lid in stack.resources("AWS::DynamoDB::Table"):
        name = f"{stack.stack_name}-{lid}"
        stack.physical[lid] = {"Ref": name, "Arn": name, "StreamArn": name}
    for lid in stack.resources("AWS::SQS::Queue"):
        name = f"{stack.stack_name}-{lid}"
        url = queue_url(endpoint, name)
        stack.physical[lid] = {"Ref": url, "QueueUrl": url, "QueueName": name, "Arn": name}
    for lid in stack.resources("AWS::S3::Bucket"):
        name = bucket_name(stack.stack_name, lid)
        stack.physical[lid] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}
    for lid in stack.resources("AWS::SES::ConfigurationSet"):
        stack.physical[lid] = {"Ref": f"{stack.stack_name}-{lid}"}
    for lid in stack.resources("AWS::SecretsManager::Secret"):
        stack.physical[lid] = {"Ref": "", "Arn": ""}  # PAPERBELL_TOKEN_KEY is used instead
    shared = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": stack.region,
        "PAPERBELL_TOKEN_KEY": LOCAL_TOKEN_KEY,
        "PAPERBELL_LOCAL_FEEDS": SAM_LOCAL_FEEDS_DIR,
    }
    result: dict[str, Any] = {"Parameters": shared}
    for lid in stack.functions():
        result[lid] = stack.function_environment(lid)
    return result


def render_env_file(stack: LocalStack, endpoint: str = DEFAULT_CONTAINER_ENDPOINT) -> str:
    return json.dumps(sam_env_vars(stack, endpoint), indent=2, sort_keys=True) + "\n"


def default_env_file_text() -> str:
    """events/env.json as committed: the local pipeline's parameters and stack name."""
    from paperbell_dev.local.pipeline import LOCAL_SENDER, LOCAL_SITE

    stack = LocalStack(parameters={"SenderAddress": LOCAL_SENDER, "SiteUrl": LOCAL_SITE})
    return render_env_file(stack)


def write_default_env_file() -> None:
    """Regenerate events/env.json next to template.yaml."""
    from paperbell_dev.local.template import find_template

    (find_template().parent / "events" / "env.json").write_text(
        default_env_file_text(), encoding="utf-8"
    )
