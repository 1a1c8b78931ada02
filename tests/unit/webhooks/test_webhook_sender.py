"""The sender against a local scripted server: retries, timeouts, redirects, SSRF."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from paperbell.errors import DeliveryError
from paperbell.webhooks.sender import WebhookSender, parse_retry_after
from paperbell.webhooks.signing import generate_secret, sign_headers, verify

from .conftest import Reply, ScriptedServer

SECRET = generate_secret()
BODY = b'{"type":"paperbell.digest","version":1}'


def headers(msg_id: str = "msg_fixed123") -> dict[str, str]:
    return sign_headers(SECRET, msg_id, BODY)


def make_sender(sleeps: list[float] | None = None, **kw: Any) -> WebhookSender:
    options: dict[str, Any] = {
        "timeout": 2.0,
        "max_attempts": 4,
        "sleep": (sleeps.append if sleeps is not None else lambda s: None),
        "allow_http": True,
        "allow_loopback": True,
        "rng": lambda: 0.5,
    }
    options.update(kw)
    return WebhookSender(**options)


def test_success_first_try(server: ScriptedServer) -> None:
    server.script = [Reply(204, body=b"")]
    assert make_sender().deliver(server.url + "/hook", BODY, headers()) == 204
    (received,) = server.requests
    assert received.method == "POST" and received.path == "/hook"
    assert received.body == BODY
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["User-Agent"].startswith("paperbell-webhooks/")
    verify(SECRET, received.headers, received.body)


def test_500_then_200_retries_with_same_id(server: ScriptedServer) -> None:
    server.script = [Reply(500), Reply(502), Reply(200)]
    sleeps: list[float] = []
    assert make_sender(sleeps).deliver(server.url, BODY, headers("msg_retry1")) == 200
    assert len(server.requests) == 3
    assert {r.headers["webhook-id"] for r in server.requests} == {"msg_retry1"}
    assert {r.body for r in server.requests} == {BODY}
    assert sleeps == [0.75, 1.5]  # exponential, equal jitter with rng=0.5


def test_backoff_has_jitter_and_cap() -> None:
    values = iter([0.0, 1.0, 0.0, 1.0, 0.3])
    sender = make_sender(backoff_base=1.0, backoff_max=4.0, rng=lambda: next(values))
    assert [sender._backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 2.0, 2.0, 4.0, 2.6]


def test_410_is_permanent(server: ScriptedServer) -> None:
    server.script = [Reply(410, body=b"gone for good")]
    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as info:
        make_sender(sleeps).deliver(server.url, BODY, headers())
    assert info.value.permanent is True
    assert "410" in str(info.value) and "gone for good" in str(info.value)
    assert len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_other_4xx_permanent(server: ScriptedServer, status: int) -> None:
    server.script = [Reply(status)]
    with pytest.raises(DeliveryError) as info:
        make_sender().deliver(server.url, BODY, headers())
    assert info.value.permanent and len(server.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_retryable_statuses_exhaust_to_transient_error(server: ScriptedServer, status: int) -> None:
    server.script = [Reply(status)]
    with pytest.raises(DeliveryError) as info:
        make_sender(max_attempts=3).deliver(server.url, BODY, headers())
    assert info.value.permanent is False
    assert len(server.requests) == 3
    assert getattr(info.value, "attempts", None) == 3


def test_retry_after_honoured(server: ScriptedServer) -> None:
    server.script = [Reply(429, {"Retry-After": "7"}), Reply(503, {"Retry-After": "0"}), Reply()]
    sleeps: list[float] = []
    assert make_sender(sleeps).deliver(server.url, BODY, headers()) == 200
    assert sleeps == [7.0, 0.0]


def test_huge_retry_after_gives_up_transiently(server: ScriptedServer) -> None:
    server.script = [Reply(429, {"Retry-After": "3600"})]
    with pytest.raises(DeliveryError) as info:
        make_sender(max_retry_after=60).deliver(server.url, BODY, headers())
    assert info.value.permanent is False
    assert getattr(info.value, "retry_after", None) == 3600
    assert len(server.requests) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_hanging_server_times_out_and_retries(server: ScriptedServer) -> None:
    server.script = [Reply(hang=True), Reply(200)]
    sleeps: list[float] = []
    assert make_sender(sleeps, timeout=0.3).deliver(server.url, BODY, headers("msg_h")) == 200
    assert len(server.requests) == 2 and len(sleeps) == 1
    assert [r.headers["webhook-id"] for r in server.requests] == ["msg_h", "msg_h"]


def test_always_hanging_exhausts(server: ScriptedServer) -> None:
    server.script = [Reply(hang=True)]
    with pytest.raises(DeliveryError) as info:
        make_sender(timeout=(0.5, 0.2), max_attempts=2).deliver(server.url, BODY, headers())
    assert info.value.permanent is False and "timeout" in str(info.value).lower()


def test_connection_refused_retries() -> None:
    srv = ScriptedServer()
    url = srv.url
    srv.close()  # nothing listens on this port any more
    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as info:
        make_sender(sleeps, max_attempts=3).deliver(url, BODY, headers())
    assert info.value.permanent is False and len(sleeps) == 2


def test_resign_per_attempt_keeps_id(server: ScriptedServer) -> None:
    server.script = [Reply(500), Reply(200)]
    assert make_sender().deliver(server.url, BODY, {"webhook-id": "msg_keep"}, secret=SECRET) == 200
    for received in server.requests:
        assert received.headers["webhook-id"] == "msg_keep"
        verify(SECRET, received.headers, received.body)


def test_response_body_is_capped(server: ScriptedServer) -> None:
    server.script = [Reply(400, body=b"x" * 2_000_000)]
    with pytest.raises(DeliveryError) as info:
        make_sender(max_response_bytes=1024).deliver(server.url, BODY, headers())
    assert len(str(info.value)) < 400


# ------------------------------------------------------------------------- redirects


def test_follows_redirect_with_same_post(server: ScriptedServer) -> None:
    server.script = [
        Reply(308, {"Location": "/second"}),
        Reply(302, {"Location": "http://127.0.0.1:{port}/third"}),
        Reply(200),
    ]
    assert make_sender().deliver(server.url + "/first", BODY, headers("msg_r")) == 200
    assert [r.path for r in server.requests] == ["/first", "/second", "/third"]
    assert all(r.method == "POST" and r.body == BODY for r in server.requests)
    assert {r.headers["webhook-id"] for r in server.requests} == {"msg_r"}


def test_too_many_redirects(server: ScriptedServer) -> None:
    server.script = [Reply(307, {"Location": "/again"})]
    with pytest.raises(DeliveryError, match="redirects") as info:
        make_sender().deliver(server.url, BODY, headers())
    assert info.value.permanent is True
    assert len(server.requests) == 4  # the original plus 3 followed redirects


def test_redirect_without_location(server: ScriptedServer) -> None:
    server.script = [Reply(302)]
    with pytest.raises(DeliveryError) as info:
        make_sender().deliver(server.url, BODY, headers())
    assert info.value.permanent


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/hook",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://167772161/",
        "http://user@10.0.0.1/",
        "http://internal.example/",  # resolves to 10.0.0.7 (see resolver below)
        "http://mixed.example/",  # one public and one private answer
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/",
    ],
)
def test_redirect_to_unsafe_target_refused_before_connecting(
    server: ScriptedServer, network_fence: Any, location: str
) -> None:
    answers = {
        "internal.example": ["10.0.0.7"],
        "mixed.example": ["93.184.216.34", "192.168.0.10"],
    }

    def resolver(host: str, port: int) -> Iterable[str]:
        return answers[host]

    server.script = [Reply(302, {"Location": location})]
    with pytest.raises(DeliveryError, match="unsafe redirect target") as info:
        make_sender(resolver=resolver).deliver(server.url, BODY, headers())
    assert info.value.permanent is True
    assert len(server.requests) == 1
    assert network_fence.refused == []  # never connected (nor resolved) elsewhere


def test_https_only_outside_local_mode(server: ScriptedServer, network_fence: Any) -> None:
    with pytest.raises(DeliveryError, match="scheme") as info:
        WebhookSender(sleep=lambda s: None).deliver(server.url, BODY, headers())
    assert info.value.permanent and server.requests == [] and network_fence.refused == []


def test_loopback_refused_outside_local_mode(server: ScriptedServer) -> None:
    sender = WebhookSender(sleep=lambda s: None, allow_http=True)
    with pytest.raises(DeliveryError, match="loopback") as info:
        sender.deliver(server.url, BODY, headers())
    assert info.value.permanent and server.requests == []


def test_dns_name_is_pinned_to_checked_address(server: ScriptedServer) -> None:
    """The resolver's answer is the address connected to; Host keeps the name."""
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    url = f"http://hooks.paperbell.test:{server.port}/in"
    assert make_sender(resolver=resolver).deliver(url, BODY, headers()) == 200
    assert calls == ["hooks.paperbell.test"]  # resolved once, by the guard only
    assert server.requests[0].headers["Host"] == f"hooks.paperbell.test:{server.port}"


def test_dns_name_resolving_privately_refused(network_fence: Any) -> None:
    with pytest.raises(DeliveryError) as info:
        WebhookSender(sleep=lambda s: None, resolver=lambda h, p: ["10.1.1.1"]).deliver(
            "https://hooks.example.com/x", BODY, headers()
        )
    assert info.value.permanent and network_fence.refused == []


def test_dns_failure_is_transient(network_fence: Any) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise OSError("temporary failure in name resolution")

    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as info:
        make_sender(sleeps, resolver=resolver, max_attempts=2).deliver(
            "https://hooks.example.com/x", BODY, headers()
        )
    assert info.value.permanent is False and len(sleeps) == 1


def test_invalid_max_attempts() -> None:
    with pytest.raises(ValueError):
        WebhookSender(max_attempts=0)
