import pytest

from paperbell.tokens import TokenError, make_token, verify_token

KEY = b"k" * 32


def test_round_trip_returns_the_subscriber():
    token = make_token(KEY, "manage", "sub_123", now=1000)
    assert verify_token(KEY, token, "manage", now=1001) == "sub_123"


def test_forged_token_is_refused():
    token = make_token(KEY, "unsubscribe", "sub_123")
    purpose, _sid, expiry, mac = token.split(".")
    other = make_token(KEY, "unsubscribe", "sub_999").split(".")[1]
    with pytest.raises(TokenError, match="signature"):
        verify_token(KEY, f"{purpose}.{other}.{expiry}.{mac}", "unsubscribe")
    with pytest.raises(TokenError, match="signature"):
        verify_token(b"another key", token, "unsubscribe")


def test_wrong_purpose_and_expired_tokens_are_refused():
    token = make_token(KEY, "confirm", "sub_1", now=0)
    with pytest.raises(TokenError, match="not 'manage'"):
        verify_token(KEY, token, "manage", now=1)
    with pytest.raises(TokenError, match="expired"):
        verify_token(KEY, token, "confirm", now=10**9)


@pytest.mark.parametrize("bad", ["", "a.b.c", "manage..0.", "x" * 500, "a.b.c.d.e"])
def test_malformed_tokens_are_refused(bad):
    with pytest.raises(TokenError):
        verify_token(KEY, bad, "manage")


def test_unsubscribe_tokens_do_not_expire():
    token = make_token(KEY, "unsubscribe", "sub_1", now=0)
    assert verify_token(KEY, token, "unsubscribe", now=10**10) == "sub_1"
