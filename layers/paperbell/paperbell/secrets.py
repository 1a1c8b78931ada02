"""The link-signing key, from Secrets Manager (deployed) or the environment (local).

The template creates the secret with a generated value (no secret in any default);
Powertools Parameters caches it for five minutes so a warm container reads it once.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from paperbell.errors import ConfigError

_CACHE_SECONDS = 300


@cache
def _provider() -> Any:
    """One provider per container: its cache is what keeps reads at one per 5 minutes."""
    from aws_lambda_powertools.utilities import parameters

    from paperbell import aws

    return parameters.SecretsProvider(boto3_client=aws.client("secretsmanager"))


def token_key() -> bytes:
    """The HMAC key for link tokens."""
    arn = os.environ.get("TOKEN_SECRET_ARN")
    if arn:
        value = _provider().get(arn, max_age=_CACHE_SECONDS)
        if not value:
            raise ConfigError(f"secret {arn} is empty")
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    local = os.environ.get("PAPERBELL_TOKEN_KEY")
    if local:
        return local.encode("utf-8")
    raise ConfigError("no link-signing key: set TOKEN_SECRET_ARN (deployed) or PAPERBELL_TOKEN_KEY")


def reset_secret_cache() -> None:
    """Forget the provider (local runs switch AWS endpoints between invocations)."""
    _provider.cache_clear()
