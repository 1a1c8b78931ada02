"""Fuzz link tokens: any garbage is a TokenError, and a forged token never verifies."""

from __future__ import annotations

from fuzz_support import FUZZ, count, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.tokens import PURPOSES, TokenError, make_token, verify_token

KEY = b"fuzz-key-0123456789abcdef"
OTHER_KEY = b"another-key-0123456789abcdef"
purposes = st.sampled_from(sorted(PURPOSES)) | st.text(max_size=12)
# Lone surrogates too: JSON bodies and API Gateway paths can carry "\ud800".
any_text = wild_text(120)
token_like = st.lists(
    st.one_of(st.sampled_from(["feed", "manage", "confirm", "unsubscribe", "", "0",
                               "99999999999999999999", "-1", "c3ViXzE", "====", "é"]),
              any_text),
    min_size=1, max_size=6,
).map(".".join)


@FUZZ
@given(token=st.one_of(any_text, token_like), purpose=purposes, now=st.floats(0, 2e10))
def test_garbage_tokens_raise_only_token_error(token: str, purpose: str, now: float) -> None:
    count("tokens: garbage")
    try:
        subscriber_id = verify_token(KEY, token, purpose, now=now)
    except TokenError as exc:
        assert str(exc)
        return
    # Only a token this key made can verify; random text never carries a valid MAC.
    raise AssertionError(f"garbage verified as {subscriber_id!r}: {token!r}")


@FUZZ
@given(
    purpose=st.sampled_from(sorted(PURPOSES)),
    subscriber_id=st.text(min_size=1, max_size=40),
    other_id=st.text(min_size=1, max_size=40),
    part=st.integers(0, 3),
    replacement=st.text(alphabet="ABCDEFabcdef0123456789-_=.", max_size=40),
)
def test_forged_tokens_never_verify(
    purpose: str, subscriber_id: str, other_id: str, part: int, replacement: str
) -> None:
    count("tokens: forged")
    now = 1_800_000_000.0
    genuine = make_token(KEY, purpose, subscriber_id, now=now)
    assert verify_token(KEY, genuine, purpose, now=now) == subscriber_id
    pieces = genuine.split(".")
    pieces[part] = replacement
    forged = ".".join(pieces)
    candidates = [forged, make_token(OTHER_KEY, purpose, subscriber_id, now=now)]
    if other_id != subscriber_id:  # another subscriber's id under the old signature
        swapped = make_token(KEY, purpose, other_id, now=now).split(".")
        swapped[3] = genuine.split(".")[3]
        candidates.append(".".join(swapped))
    for token in candidates:
        if token == genuine:
            continue
        try:
            result = verify_token(KEY, token, purpose, now=now)
        except TokenError:
            continue
        # A changed token may only verify if it still says the same thing (e.g. base64
        # padding variations that decode identically) and it must name the same person.
        assert result == subscriber_id, (token, result)
