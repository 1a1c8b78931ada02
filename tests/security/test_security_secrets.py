"""Secrets never reach a log line: webhook secrets, the link-signing key, link tokens.

Checks the reprs that logging would print, the shared Powertools Logger itself (its
stdout captured), the API end to end with DEBUG logging, and the template's parameter
defaults (tests/unit/core/test_template.py checks parameter *names*; this checks values).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperbell.models import Subscriber
from paperbell.observability import logger

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAxMjM="
TOKEN_KEY = "token-key-that-must-never-be-logged-0123456789"


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the shared Powertools Logger writes, at DEBUG."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    previous_stream = handler.setStream(buffer)
    previous_level = logger.log_level
    logger.setLevel("DEBUG")
    try:
        yield buffer
    finally:
        logger.setLevel(previous_level)
        handler.setStream(previous_stream)  # type: ignore[arg-type]


def hook_subscriber() -> Subscriber:
    return Subscriber(id="sub_hook", email="", queries=("RoPE",),
                      webhook_url="https://hooks.example.org/in", webhook_secret=WEBHOOK_SECRET)


def test_a_subscribers_repr_and_str_leave_out_the_webhook_secret():
    subscriber = hook_subscriber()
    assert WEBHOOK_SECRET not in repr(subscriber)
    assert WEBHOOK_SECRET not in str(subscriber)
    assert "webhook_url='https://hooks.example.org/in'" in repr(subscriber)  # still useful


def test_the_web_dependencies_repr_leaves_out_the_token_key():
    from paperbell.config import Settings
    from paperbell.services.context import RequestContext

    assert TOKEN_KEY not in repr(RequestContext(config=Settings(), key=TOKEN_KEY.encode()))


def test_logging_a_subscriber_never_prints_its_secret(captured_logs, monkeypatch):
    monkeypatch.setenv("PAPERBELL_TOKEN_KEY", TOKEN_KEY)
    subscriber = hook_subscriber()
    logger.debug(subscriber)
    logger.info("delivering", extra={"subscriber": subscriber, "subscribers": [subscriber]})
    logger.append_keys(subscriber=subscriber)
    try:
        logger.warning("with appended keys")
    finally:
        logger.remove_keys(["subscriber"])
    try:
        raise RuntimeError(f"failed for {subscriber!r}")
    except RuntimeError:
        logger.exception("delivery failed")
    output = captured_logs.getvalue()
    assert output.count("\n") >= 4  # the lines were written (and captured)
    for line in output.splitlines():
        json.loads(line)  # structured, one JSON object a line
    assert "sub_hook" in output
    assert WEBHOOK_SECRET not in output
    assert TOKEN_KEY not in output


def test_the_api_logs_no_secret_key_or_token_end_to_end(pipeline, captured_logs):
    pytest.importorskip("paperbell.web.app", reason="the web API is not there yet")
    from paperbell import aws
    from paperbell_dev.local.server import http_event

    arn = pipeline.stack.function_environment("ApiFunction")["TOKEN_SECRET_ARN"]
    key = str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    pipeline.scrape()

    def call(method: str, path: str, body: object = None, **headers: str) -> dict:
        raw = json.dumps(body).encode() if body is not None else b""
        if raw:
            headers.setdefault("content-type", "application/json")
        event = http_event(method, path, headers=headers, body=raw, source_ip="203.0.113.9")
        result = pipeline.invoker.invoke("ApiFunction", event)
        assert result["statusCode"] < 500, result
        return result

    created = json.loads(call("POST", "/api/webhooks", {
        "url": "https://93.184.215.14/in", "queries": ["RoPE"], "mode": "instant"})["body"])
    secrets = [created["secret"], created["manage_token"]]
    bearer = f"Bearer {created['manage_token']}"
    rotated = json.loads(call("POST", f"/api/webhooks/{created['id']}/rotate",
                              authorization=bearer)["body"])
    secrets.append(rotated["secret"])
    call("POST", "/subscriptions", {"email": "ada@example.org", "queries": ["RoPE"]})
    call("GET", "/manage", authorization=bearer)
    call("POST", "/api/webhooks/sub_other/rotate", authorization=bearer)  # refused: 403
    call("DELETE", f"/api/webhooks/{created['id']}", authorization=bearer)

    logged = captured_logs.getvalue() + pipeline.invoker.output.getvalue()
    assert logged.strip(), "nothing was logged: the capture is broken"
    assert key not in logged
    for value in secrets:
        assert value not in logged
        assert value.removeprefix("whsec_") not in logged


SECRET_LOOKING = [
    re.compile(r"^whsec_"),  # a webhook secret
    re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$"),  # an AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"^[A-Za-z0-9+/=_-]{32,}$"),  # a long random-looking token
]


def test_no_parameter_default_value_looks_like_a_secret_and_the_key_is_generated():
    from paperbell_dev.local.template import load_template

    template = load_template(ROOT / "template.yaml")
    for name, parameter in template["Parameters"].items():
        default = str(parameter.get("Default", ""))
        assert not any(p.search(default) for p in SECRET_LOOKING), (name, default)
    secrets = {k: v for k, v in template["Resources"].items()
               if v["Type"] == "AWS::SecretsManager::Secret"}
    assert secrets, "the link-signing key should live in Secrets Manager"
    for name, resource in secrets.items():
        props = resource["Properties"]
        assert "SecretString" not in props, f"{name}: a literal secret in the template"
        assert "GenerateSecretString" in props, name
