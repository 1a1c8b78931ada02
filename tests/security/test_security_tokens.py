"""Link tokens: forged, expired, wrong-purpose and other subscribers' tokens are refused,
both by ``paperbell.tokens`` and by the API routes that take them."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperbell.tokens import PURPOSES, TokenError, make_token, verify_token

KEY = b"security-test-key-0123456789abcdef"
NOW = 1_800_000_000.0


def tamper_mac(token: str) -> str:
    head, _, mac = token.rpartition(".")
    return f"{head}.{('A' if mac[0] != 'A' else 'B')}{mac[1:]}"


def swap_subscriber(token: str, other: str) -> str:
    purpose, _sid, expiry, mac = token.split(".")
    other_sid = make_token(KEY, purpose, other, now=NOW).split(".")[1]
    return f"{purpose}.{other_sid}.{expiry}.{mac}"


def extend_expiry(token: str) -> str:
    purpose, sid, _expiry, mac = token.split(".")
    return f"{purpose}.{sid}.0.{mac}"  # 0 would mean "never expires"


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_forgeries_are_refused(purpose):
    genuine = make_token(KEY, purpose, "sub_ada", now=NOW)
    assert verify_token(KEY, genuine, purpose, now=NOW) == "sub_ada"
    forged = [
        tamper_mac(genuine),
        swap_subscriber(genuine, "sub_eve"),
        make_token(b"attacker-key", purpose, "sub_ada", now=NOW),
        genuine.replace(purpose, "feed" if purpose != "feed" else "manage", 1),
    ]
    if purpose in ("confirm", "manage"):
        forged.append(extend_expiry(genuine))
    for token in forged:
        with pytest.raises(TokenError):
            verify_token(KEY, token, purpose, now=NOW)


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_wrong_purpose_is_refused(purpose):
    token = make_token(KEY, purpose, "sub_ada", now=NOW)
    for other in PURPOSES - {purpose}:
        with pytest.raises(TokenError):
            verify_token(KEY, token, other, now=NOW)


@pytest.mark.parametrize("purpose", ["confirm", "manage"])
def test_expired_tokens_are_refused(purpose):
    token = make_token(KEY, purpose, "sub_ada", now=NOW, ttl=60)
    assert verify_token(KEY, token, purpose, now=NOW + 59) == "sub_ada"
    with pytest.raises(TokenError, match="expired"):
        verify_token(KEY, token, purpose, now=NOW + 61)


# -- the same through the API ------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]


def test_the_api_refuses_forged_expired_wrong_purpose_and_other_subscribers_tokens(pipeline):
    pytest.importorskip("paperbell.web.app", reason="the web API is not there yet")
    from paperbell import aws
    from paperbell.models import Subscriber
    from paperbell.webhooks.signing import generate_secret
    from paperbell_dev.local.server import http_event

    arn = pipeline.stack.function_environment("ApiFunction")["TOKEN_SECRET_ARN"]
    key = str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]).encode()
    pipeline.add_subscribers([
        Subscriber(id="sub_ada", email="ada@example.org", queries=("RoPE",)),
        Subscriber(id="sub_hook", email="", queries=("RoPE",), webhook_url="https://h.example.org/",
                   webhook_secret=generate_secret()),
        Subscriber(id="sub_eve", email="", queries=("RoPE",), webhook_url="https://e.example.org/",
                   webhook_secret=generate_secret()),
    ])

    def call(method: str, path: str, query: str = "", headers: dict | None = None) -> int:
        event = http_event(method, path, query=query, headers=headers or {})
        return int(pipeline.invoker.invoke("ApiFunction", event)["statusCode"])

    good = make_token(key, "manage", "sub_ada")
    assert call("GET", "/manage", f"token={good}") == 200
    refused = {
        "forged": tamper_mac(good),
        "other key": make_token(b"attacker", "manage", "sub_ada"),
        "expired": make_token(key, "manage", "sub_ada", ttl=-10),
        "wrong purpose": make_token(key, "confirm", "sub_ada"),  # wrong for all three
        "subscriber swapped": swap_subscriber(make_token(key, "manage", "sub_ada"), "sub_eve"),
    }
    for what, token in refused.items():
        assert call("GET", "/manage", f"token={token}") == 403, what
        assert call("POST", "/unsubscribe", f"token={token}") == 403, what
        assert call("GET", f"/feed/{token}") == 403, what
    # Another webhook's own valid manage token cannot rotate or delete this webhook.
    eve = make_token(key, "manage", "sub_eve")
    bearer = {"authorization": f"Bearer {eve}"}
    assert call("POST", "/api/webhooks/sub_hook/rotate", headers=bearer) == 403
    assert call("DELETE", "/api/webhooks/sub_hook", headers=bearer) == 403
    assert call("POST", "/api/webhooks/sub_hook/rotate") == 401
    own = {"authorization": f"Bearer {make_token(key, 'manage', 'sub_hook')}"}
    assert call("POST", "/api/webhooks/sub_hook/rotate", headers=own) == 200
