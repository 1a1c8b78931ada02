"""HttpFetcher against a local http.server: retries, Retry-After, caps, timeouts, 304."""

from __future__ import annotations

import gzip
from email.utils import formatdate

import pytest

from paperbell import __version__
from paperbell.errors import FeedError
from paperbell.sources import HttpFetcher
from paperbell.sources.fetcher import HttpStatusError
from paperbell.sources.politeness import HostRateLimiter

from .conftest import FakeTime, LocalServer, Reply, Seen


def test_plain_get_sends_user_agent_and_accept(server: LocalServer, fetcher: HttpFetcher
                                               ) -> None:
    server.routes["/feed"] = Reply(200, b"<rss/>", {"Content-Type": "application/rss+xml",
                                                    "ETag": '"v1"'})
    response = fetcher.get(server.url("/feed"))
    assert response.status == 200 and response.body == b"<rss/>"
    assert response.etag == '"v1"' and response.content_type == "application/rss+xml"
    headers = server.seen[0].headers
    assert headers["user-agent"].startswith(f"paperbell/{__version__} (+")
    assert "application/rss+xml" in headers["accept"]
    assert "gzip" in headers["accept-encoding"]
    assert fetcher.requests == 1


def test_user_agent_is_configurable() -> None:
    assert HttpFetcher(contact_url="mailto:ops@example.org").user_agent == (
        f"paperbell/{__version__} (+mailto:ops@example.org)"
    )
    assert HttpFetcher(user_agent="custom/1").user_agent == "custom/1"


def test_conditional_get_and_304(server: LocalServer, fetcher: HttpFetcher) -> None:
    def route(request: Seen) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, b"body", {"ETag": '"v1"', "Last-Modified": "Mon, 04 May 2026 "
                                    "09:30:00 GMT"})

    server.routes["/feed"] = route
    first = fetcher.get(server.url("/feed"))
    assert not first.not_modified and first.last_modified == "Mon, 04 May 2026 09:30:00 GMT"
    second = fetcher.get(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""
    assert server.seen[1].headers["if-modified-since"] == "Mon, 04 May 2026 09:30:00 GMT"


def test_gzip_is_decoded(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/gz"] = Reply(200, gzip.compress(b"<rss>" + b"x" * 1000 + b"</rss>"),
                                 {"Content-Encoding": "gzip"})
    assert fetcher.get(server.url("/gz")).body.startswith(b"<rss>xxx")


def test_retries_500_with_backoff_then_succeeds(server: LocalServer, fetcher: HttpFetcher,
                                                fake_time: FakeTime) -> None:
    server.routes["/flaky"] = [Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, b"ok")]
    response = fetcher.get(server.url("/flaky"))
    assert response.body == b"ok" and response.attempts == 3
    assert fetcher.requests == 3
    # equal jitter with rng()=0.5: 0.75 * 1s, then 0.75 * 2s
    assert fake_time.sleeps == [0.75, 1.5]


def test_429_honours_retry_after_seconds(server: LocalServer, fetcher: HttpFetcher,
                                         fake_time: FakeTime) -> None:
    server.routes["/limited"] = [Reply(429, b"slow down", {"Retry-After": "7"}),
                                 Reply(200, b"ok")]
    assert fetcher.get(server.url("/limited")).body == b"ok"
    assert fake_time.sleeps == [7.0]


def test_503_honours_retry_after_http_date(server: LocalServer, fetcher: HttpFetcher,
                                           fake_time: FakeTime) -> None:
    when = formatdate(fake_time.wall_clock() + 12, usegmt=True)
    server.routes["/busy"] = [Reply(503, b"", {"Retry-After": when}), Reply(200, b"ok")]
    assert fetcher.get(server.url("/busy")).body == b"ok"
    assert fake_time.sleeps == [pytest.approx(12.0, abs=1.0)]


def test_retry_after_beyond_the_limit_gives_up(server: LocalServer, fetcher: HttpFetcher,
                                               fake_time: FakeTime) -> None:
    server.routes["/limited"] = Reply(429, b"", {"Retry-After": "3600"})
    with pytest.raises(FeedError, match=r"HTTP 429.*retry after 3600s"):
        fetcher.get(server.url("/limited"))
    assert fake_time.sleeps == []


def test_retries_are_exhausted(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/down"] = Reply(503, b"maintenance")
    with pytest.raises(HttpStatusError) as info:
        fetcher.get(server.url("/down"))
    assert info.value.status == 503 and info.value.body == b"maintenance"
    assert str(info.value).startswith("HTTP 503 Service Unavailable for http://127.0.0.1")
    assert fetcher.requests == 4  # 1 + max_retries


def test_404_is_not_retried(server: LocalServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(HttpStatusError, match="HTTP 404") as info:
        fetcher.get(server.url("/missing"))
    assert info.value.status == 404 and fetcher.requests == 1


def test_read_timeout(server: LocalServer, fake_time: FakeTime) -> None:
    server.routes["/slow"] = Reply(200, b"late", delay=1.0)
    with HttpFetcher(read_timeout=0.2, max_retries=1, sleep=fake_time.sleep,
                     clock=fake_time.clock) as fetcher, pytest.raises(FeedError,
                                                                      match="timed out"):
        fetcher.get(server.url("/slow"))
    assert fetcher.requests == 2


def test_connection_refused_is_a_feed_error(fake_time: FakeTime) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with HttpFetcher(max_retries=1, sleep=fake_time.sleep, clock=fake_time.clock) as fetcher, \
            pytest.raises(FeedError, match=r"could not connect to 127\.0\.0\.1"):
        fetcher.get(f"http://127.0.0.1:{port}/feed")
    assert len(fake_time.sleeps) == 1


def test_size_cap_with_content_length(server: LocalServer, fake_time: FakeTime) -> None:
    server.routes["/big"] = Reply(200, b"x" * 5000)
    with HttpFetcher(max_bytes=1000, sleep=fake_time.sleep) as fetcher, \
            pytest.raises(FeedError, match="over the 1000-byte limit"):
        fetcher.get(server.url("/big"))


def test_size_cap_while_streaming(server: LocalServer, fake_time: FakeTime) -> None:
    server.routes["/big"] = Reply(200, b"x" * 300_000, no_length=True)
    with HttpFetcher(max_bytes=100_000, sleep=fake_time.sleep) as fetcher, \
            pytest.raises(FeedError, match="exceeds the 100000-byte limit; stopped reading"):
        fetcher.get(server.url("/big"))


def test_size_cap_applies_to_decompressed_size(server: LocalServer, fake_time: FakeTime
                                               ) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    server.routes["/bomb"] = Reply(200, bomb, {"Content-Encoding": "gzip"})
    with HttpFetcher(max_bytes=500_000, sleep=fake_time.sleep) as fetcher, \
            pytest.raises(FeedError, match="byte limit"):
        fetcher.get(server.url("/bomb"))


def test_truncated_body_is_retried_then_reported(server: LocalServer, fetcher: HttpFetcher
                                                 ) -> None:
    server.routes["/cut"] = Reply(200, b"<rss>" + b"x" * 5000, truncate_to=100)
    with pytest.raises(FeedError, match="truncated response"):
        fetcher.get(server.url("/cut"))
    assert fetcher.requests == 4


def test_truncated_body_then_complete(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/cut"] = [Reply(200, b"x" * 5000, truncate_to=10), Reply(200, b"whole")]
    assert fetcher.get(server.url("/cut")).body == b"whole"


def test_arxiv_politeness_spaces_requests(server: LocalServer, fake_time: FakeTime) -> None:
    server.routes["/a"] = Reply(200, b"a")
    with HttpFetcher(polite_domains=("127.0.0.1",), polite_interval=3.0,
                     sleep=fake_time.sleep, clock=fake_time.clock) as fetcher:
        fetcher.get(server.url("/a"))
        fetcher.get(server.url("/a"))
        fake_time.now += 1.0
        fetcher.get(server.url("/a"))
    assert fake_time.sleeps == [3.0, 2.0]


def test_unlisted_hosts_are_not_slowed(server: LocalServer, fetcher: HttpFetcher,
                                       fake_time: FakeTime) -> None:
    server.routes["/a"] = Reply(200, b"a")
    for _ in range(3):
        fetcher.get(server.url("/a"))
    assert fake_time.sleeps == []


def test_rate_limiter_groups_subdomains(fake_time: FakeTime) -> None:
    limiter = HostRateLimiter(["arxiv.org"], 3.0, clock=fake_time.clock, sleep=fake_time.sleep)
    assert limiter.bucket("export.arxiv.org") == limiter.bucket("rss.arxiv.org") == "arxiv.org"
    assert limiter.bucket("notarxiv.org") is None
    limiter.done("rss.arxiv.org")
    assert limiter.wait("export.arxiv.org") == 3.0
    assert limiter.wait("huggingface.co") == 0.0
