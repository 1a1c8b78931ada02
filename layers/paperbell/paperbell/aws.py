"""boto3 clients with the retry policy the project relies on.

Why not plain ``boto3.client``: the default ``legacy`` retry mode retries throttling only
a few times; paperbell configures ``standard`` mode with more attempts so DynamoDB and SES
throttling is absorbed by the SDK (issue: "configured, not default"). Clients are cached
per process (cold start cost paid once) and honour ``AWS_ENDPOINT_URL`` for local runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=20,
)


@cache
def session() -> boto3.session.Session:
    """One boto3 session per process: clients share credentials and event hooks."""
    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """A cached low-level client for ``service`` (dynamodb, sesv2, sqs, ...)."""
    return session().client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]


@cache
def table(name: str) -> Any:
    """A cached DynamoDB Table resource (the resource API handles type marshalling)."""
    return dynamodb_resource().Table(name)


def reset_clients() -> None:
    """Forget cached clients (tests switch between moto backends and endpoints)."""
    session.cache_clear()
    client.cache_clear()
    table.cache_clear()
    dynamodb_resource.cache_clear()


@cache
def dynamodb_resource() -> Any:
    """The DynamoDB service resource (batch_get_item with plain Python types)."""
    return session().resource("dynamodb", config=RETRY_CONFIG)


class CurrentClient:
    """Stands for :func:`client` of one service, looked up at each call.

    For objects created once at module level that take a boto3 client - Powertools'
    idempotency persistence layer in the mail handler: in Lambda this is the one cached
    client, made at the first call rather than at import (client creation loads the
    service model, which would add to every cold import); under local emulation and in
    tests, which swap endpoints and event hooks with :func:`reset_clients`, it follows
    the swap instead of keeping a stale client.
    """

    def __init__(self, service: str):
        self.service = service

    def __getattr__(self, name: str) -> Any:
        if name == "meta":
            # Powertools reads ``meta`` only to tag its user agent; a real client would
            # have to be created for that at import time.
            raise AttributeError(name)
        return getattr(client(self.service), name)
