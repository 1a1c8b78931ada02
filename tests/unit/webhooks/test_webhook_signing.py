"""Standard Webhooks signing, checked against an independent reference verifier."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperbell.webhooks import signing
from paperbell.webhooks.signing import (
    WebhookSecretError,
    WebhookVerificationError,
    generate_secret,
    sign_headers,
    verify,
)

# Known-answer vector from the Standard Webhooks reference libraries.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_PAYLOAD = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def reference_verify(secret: str, headers: dict[str, str], payload: bytes, now: int) -> bool:
    """Written from the spec, sharing no code with paperbell.webhooks.signing."""
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > 5 * 60:
        return False
    to_sign = msg_id.encode() + b"." + timestamp.encode() + b"." + payload
    expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()
    for versioned in headers["webhook-signature"].split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


def test_known_vector() -> None:
    headers = sign_headers(VECTOR_SECRET, VECTOR_ID, VECTOR_PAYLOAD, timestamp=VECTOR_TS)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TS),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert reference_verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD.encode(), VECTOR_TS)
    verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD.encode(), now=VECTOR_TS)
    verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD, now=VECTOR_TS + 299)


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=2000), ts=st.integers(min_value=0, max_value=2**33))
def test_reference_verifier_accepts_our_signatures(body: bytes, ts: int) -> None:
    secret = generate_secret()
    headers = sign_headers(secret, "msg_abc", body, timestamp=ts)
    assert reference_verify(secret, headers, body, ts)
    verify(secret, headers, body, now=ts)


def test_generate_secret_format() -> None:
    secrets = {generate_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret[6:], validate=True)) == 32
    with pytest.raises(ValueError):
        generate_secret(8)


def test_message_ids_are_unique() -> None:
    ids = {signing.new_message_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("msg_") for i in ids)


def test_default_timestamp_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing.time, "time", lambda: 1_700_000_000.7)
    assert sign_headers(VECTOR_SECRET, "m", b"{}")["webhook-timestamp"] == "1700000000"


@pytest.fixture
def signed() -> tuple[dict[str, str], bytes]:
    body = VECTOR_PAYLOAD.encode()
    return sign_headers(VECTOR_SECRET, VECTOR_ID, body, timestamp=VECTOR_TS), body


def test_tampered_body_refused(signed: tuple[dict[str, str], bytes]) -> None:
    headers, _ = signed
    with pytest.raises(WebhookVerificationError, match="no matching"):
        verify(VECTOR_SECRET, headers, b'{"test": 2432232315}', now=VECTOR_TS)


def test_tampered_timestamp_refused(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    headers = {**headers, "webhook-timestamp": str(VECTOR_TS + 1)}
    with pytest.raises(WebhookVerificationError, match="no matching"):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS)


def test_tampered_id_refused(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    headers = {**headers, "webhook-id": "msg_other"}
    with pytest.raises(WebhookVerificationError):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS)


@pytest.mark.parametrize("delta", [301, 3600, 10**6])
def test_old_timestamp_refused(signed: tuple[dict[str, str], bytes], delta: int) -> None:
    headers, body = signed
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS + delta)


def test_future_timestamp_refused(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    with pytest.raises(WebhookVerificationError, match="future"):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS - 301)


def test_tolerance_is_configurable(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    verify(VECTOR_SECRET, headers, body, now=VECTOR_TS + 1000, tolerance=1000)
    with pytest.raises(WebhookVerificationError):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS + 10, tolerance=5)


def test_wrong_secret_refused(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    with pytest.raises(WebhookVerificationError):
        verify(generate_secret(), headers, body, now=VECTOR_TS)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_refused(signed: tuple[dict[str, str], bytes], missing: str) -> None:
    headers, body = signed
    headers = {k: v for k, v in headers.items() if k != missing}
    with pytest.raises(WebhookVerificationError, match=missing):
        verify(VECTOR_SECRET, headers, body, now=VECTOR_TS)


@pytest.mark.parametrize("ts", ["abc", "-5", "1e9", "", "١٢٣"])
def test_non_integer_timestamp_refused(signed: tuple[dict[str, str], bytes], ts: str) -> None:
    headers, body = signed
    with pytest.raises(WebhookVerificationError, match="integer"):
        verify(VECTOR_SECRET, {**headers, "webhook-timestamp": ts}, body, now=VECTOR_TS)


def test_header_names_are_case_insensitive(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    verify(VECTOR_SECRET, {k.title(): v for k, v in headers.items()}, body, now=VECTOR_TS)


def test_multiple_signatures(signed: tuple[dict[str, str], bytes]) -> None:
    headers, body = signed
    other = sign_headers(generate_secret(), VECTOR_ID, body, timestamp=VECTOR_TS)
    combined = f"v2,abc {other['webhook-signature']} {headers['webhook-signature']}"
    verify(VECTOR_SECRET, {**headers, "webhook-signature": combined}, body, now=VECTOR_TS)
    only_bad = f"v2,{VECTOR_SIGNATURE[3:]} {other['webhook-signature']}"
    with pytest.raises(WebhookVerificationError):
        verify(VECTOR_SECRET, {**headers, "webhook-signature": only_bad}, body, now=VECTOR_TS)


def test_comparison_is_constant_time(
    signed: tuple[dict[str, str], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    headers, body = signed
    verify(VECTOR_SECRET, headers, body, now=VECTOR_TS)
    assert calls


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_not base64!", "whsec_@@@@"])
def test_bad_secret(secret: str) -> None:
    with pytest.raises(WebhookSecretError):
        sign_headers(secret, "msg_1", b"{}", timestamp=1)


def test_message_id_with_whitespace_rejected() -> None:
    with pytest.raises(ValueError):
        sign_headers(VECTOR_SECRET, "msg 1\r\nX: y", b"{}", timestamp=1)
