"""Fuzz the Standard Webhooks verifier: only its own errors, and no forged message passes."""

from __future__ import annotations

from fuzz_support import FUZZ, count, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.webhooks.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    WebhookSecretError,
    WebhookVerificationError,
    sign_headers,
    verify,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_800_000_000
any_text = wild_text(80)
secrets_ = st.one_of(st.just(SECRET), st.sampled_from(["", "whsec_", "whsec_====", "whsec_é",
                                                       "bm90IGEgc2VjcmV0", "whsec_AA"]),
                     any_text)
timestamps = st.one_of(st.integers(NOW - 1000, NOW + 1000).map(str),
                       st.sampled_from(["", " ", "-1", "1e9", "١٢٣", "0x10", "9" * 20]),
                       any_text)
signatures = st.one_of(
    st.lists(st.one_of(st.sampled_from(["v1,", "v1,AAAA", "v2,x", ",", "v1", "v1,é"]),
                       any_text), max_size=4).map(" ".join),
    any_text,
)
header_names = st.sampled_from([HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE,
                                "Webhook-Id", "WEBHOOK-SIGNATURE", "x"])


@FUZZ
@given(
    secret=secrets_,
    headers=st.dictionaries(header_names, st.one_of(timestamps, signatures, any_text),
                            max_size=4),
    body=st.one_of(st.binary(max_size=100), any_text),
)
def test_garbage_requests_raise_only_webhook_errors(
    secret: str, headers: dict[str, str], body: bytes | str
) -> None:
    count("webhooks: verify garbage")
    try:
        verify(secret, headers, body, now=NOW)
    except (WebhookVerificationError, WebhookSecretError) as exc:
        assert str(exc).strip()
        return
    raise AssertionError(f"unsigned garbage verified: {headers!r}")


@FUZZ
@given(
    msg_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                   max_size=20),
    body=st.binary(max_size=200),
    tampered_body=st.binary(max_size=200),
    offset=st.integers(-300, 300),
)
def test_signed_requests_verify_and_tampered_ones_do_not(
    msg_id: str, body: bytes, tampered_body: bytes, offset: int
) -> None:
    count("webhooks: sign/tamper")
    headers = sign_headers(SECRET, msg_id, body, timestamp=NOW + offset)
    verify(SECRET, headers, body, now=NOW)
    if tampered_body != body:
        try:
            verify(SECRET, headers, tampered_body, now=NOW)
        except WebhookVerificationError:
            pass
        else:
            raise AssertionError("a tampered body verified")
    for other in ("whsec_" + "QUJD" * 8,):
        try:
            verify(other, headers, body, now=NOW)
        except WebhookVerificationError:
            pass
        else:
            raise AssertionError("another key verified the signature")
