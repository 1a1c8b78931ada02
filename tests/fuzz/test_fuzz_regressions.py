"""Inputs the fuzzers found that once escaped as uncaught exceptions (kept as plain tests,
so they run in every `make test` whatever the random seed)."""

from __future__ import annotations

import pytest

from paperbell.errors import SourceSpecError
from paperbell.sources import parse_source_spec
from paperbell.tokens import TokenError, verify_token


@pytest.mark.parametrize("token", ["a.\ud800.b.c", "feed.\udfff.0.x", "é.é.é.é", "\ud800"])
def test_a_token_with_lone_surrogates_or_non_ascii_is_a_token_error(token):
    # was: UnicodeEncodeError from computing the MAC of the payload
    with pytest.raises(TokenError):
        verify_token(b"key", token, "feed")


@pytest.mark.parametrize("spec", ["~\x00", "~\ud800", "~\ud800/x.xml", "/a\x00b.xml",
                                  "arxiv-api:\ud800", "rss:https://\ud800/"])
def test_a_source_spec_with_nul_or_lone_surrogates_is_a_source_spec_error(spec):
    # was: ValueError (embedded null byte) / UnicodeEncodeError from os.path.expanduser
    with pytest.raises(SourceSpecError):
        parse_source_spec(spec)


@pytest.mark.parametrize("name", ["Europe", "America", "a" * 5000])
def test_a_timezone_that_is_a_tzdata_directory_or_too_long_is_a_config_error(name):
    # was: IsADirectoryError / OSError(ENAMETOOLONG) from ZoneInfo, a 500 from the API
    from paperbell.errors import ConfigError
    from paperbell.scheduling import zone

    with pytest.raises(ConfigError):
        zone(name)


@pytest.mark.parametrize(
    ("email", "hour"),
    [("\ud800@example.org", 8), ("ada@example.org", float("nan")),
     ("ada@example.org", float("inf")), ("ada@example.org", "x"), ("ada@example.org", "²"),
     ("ada@example.org", "9" * 5000), ("ada@example.org", True)],
)
def test_new_subscriber_rejects_unencodable_addresses_and_non_numeric_hours(email, hour):
    # was: UnicodeEncodeError (hashing the address) / ValueError, OverflowError, TypeError
    # (an absent hour, None, means the default 8, as "hour": null does in the JSON API)
    from paperbell.errors import RequestError
    from paperbell.services.subscriptions import new_subscriber

    with pytest.raises(RequestError):
        new_subscriber(email, ["RoPE"], delivery_hour=hour)


@pytest.mark.parametrize(
    ("path", "body", "is_base64"),
    [("/api/webhooks", "7aCA", True),  # base64 of b"\xed\xa0\x80": not UTF-8
     ("/subscriptions", "/w==", True),  # b"\xff"
     ("/subscriptions", "a", True)],  # not base64 at all
)
def test_a_body_that_is_not_utf8_text_is_a_400_not_a_crash(pipeline, path, body, is_base64):
    # was: UnicodeDecodeError / binascii.Error from decoded_body, an uncaught 500
    from paperbell_dev.local.server import http_event

    event = http_event("POST", path, headers={"content-type": "application/json"}, body=b"{}")
    event["body"], event["isBase64Encoded"] = body, is_base64
    result = pipeline.invoker.invoke("ApiFunction", event)
    assert result["statusCode"] == 400
    assert "UTF-8" in result["body"]
