"""The SSRF guard: every non-public destination is refused, in every spelling."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from paperbell.webhooks.ssrf import (
    HostResolutionError,
    UnsafeURLError,
    check,
    check_url,
    why_blocked,
)


def fixed(*addresses: str) -> Callable[[str, int], Iterable[str]]:
    def resolver(host: str, port: int) -> Iterable[str]:
        return list(addresses)

    return resolver


PUBLIC = fixed("93.184.216.34")

BLOCKED_LITERALS = [
    # loopback
    "https://127.0.0.1/hook",
    "https://127.255.255.254/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    # RFC 1918
    "https://10.0.0.1/",
    "https://10.255.255.255/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.0.1/",
    "https://192.168.255.255/",
    # link-local and cloud metadata
    "https://169.254.169.254/latest/meta-data/",
    "https://169.254.170.2/v2/credentials",
    "https://169.254.1.1/",
    "https://[fe80::1]/",
    "https://[fd00:ec2::254]/",
    "https://100.100.100.200/",
    "https://168.63.129.16/",
    # unique local fc00::/7 and fd00::/8
    "https://[fd00::1]/",
    "https://[fd12:3456:789a::1]/",
    "https://[fc00::1]/",
    # IPv4-mapped / compatible / NAT64 / 6to4 / Teredo wrapping private addresses
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::127.0.0.1]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b:1::a00:1]/",
    "https://[2002:a00:1::]/",
    "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",
    # unspecified, multicast, reserved, CGNAT, broadcast, documentation
    "https://0.0.0.0/",
    "https://[::]/",
    "https://224.0.0.1/",
    "https://[ff02::1]/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://100.64.0.1/",
    "https://192.0.2.1/",
    "https://198.18.0.1/",
    "https://[2001:db8::1]/",
    # non-canonical IPv4 spellings (WHATWG / inet_aton would read them as loopback)
    "https://2130706433/",
    "https://0177.0.0.1/",
    "https://0x7f.1/",
    "https://0x7f000001/",
    "https://127.1/",
    "https://127.0.1/",
    "https://017700000001/",
    "https://0x7f.0x0.0x0.0x1/",
    "https://00127.0.0.1/",
    "https://167772161/",  # 10.0.0.1
    "https://2852039166/",  # 169.254.169.254
    "https://１２７．０．０．１/",  # fullwidth digits and dots (IDNA maps them)
    "https://１２７。０。０。１/",
]


@pytest.mark.parametrize("url", BLOCKED_LITERALS)
def test_blocked_literals(url: str, network_fence: Any) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url, resolver=PUBLIC)
    assert network_fence.refused == []  # refused without any DNS or connect


@pytest.mark.parametrize(
    "url",
    [
        "https://good.example@127.0.0.1/",
        "https://good.example:pw@127.0.0.1/",
        "https://good.example@evil.example/",
        "https://@good.example/",
        "https://good.example\\@127.0.0.1/",
        "https://good.example\\.127.0.0.1/",
        "https://localhost./",
        "https://good.example./",
        "https://good.example../",
        "https://good.example /",
        "https://good.example\t/",
        "https://good\x00.example/",
        "https://%31%32%37.0.0.1/",
        "https://good.example:0/",
        "https://good.example:65536/",
        "https://good.example:8a/",
        "https://[::1/",
        "https://[fe80::1%25eth0]/",
        "https:///path",
        "https://",
        "https://-bad-.example/",
        "https://" + "a" * 64 + ".example/",
        "http://good.example/",
        "ftp://good.example/",
        "file:///etc/passwd",
        "gopher://good.example/",
        "javascript:alert(1)",
        "//good.example/",
        "good.example/hook",
        "",
    ],
)
def test_malformed_or_tricky_urls(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url, resolver=PUBLIC)


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("::1",),
        ("10.1.2.3",),
        ("172.20.0.5",),
        ("192.168.1.1",),
        ("169.254.169.254",),
        ("fd00:ec2::254",),
        ("fd00::1",),
        ("::ffff:127.0.0.1",),
        ("::ffff:10.0.0.1",),
        ("64:ff9b::c0a8:101",),
        ("0.0.0.0",),
        ("224.0.0.251",),
        ("fe80::1%eth0",),
        # every address must be public: one bad answer among good ones is refused
        ("93.184.216.34", "10.0.0.1"),
        ("2606:4700::1111", "::1"),
        ("not-an-ip",),
    ],
)
def test_dns_names_resolving_to_blocked_addresses(addresses: tuple[str, ...]) -> None:
    with pytest.raises(UnsafeURLError):
        check_url("https://hooks.example.com/x", resolver=fixed(*addresses))


def test_monkeypatched_system_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"evil.example": "169.254.169.254", "good.example": "93.184.216.34"}

    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    assert check_url("https://good.example/") == [ipaddress.ip_address("93.184.216.34")]
    with pytest.raises(UnsafeURLError, match="metadata"):
        check_url("https://evil.example/")
    with pytest.raises(HostResolutionError):
        check_url("https://nowhere.example/")


def test_resolution_failures() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise OSError("SERVFAIL")

    with pytest.raises(HostResolutionError, match="SERVFAIL"):
        check_url("https://good.example/", resolver=broken)
    with pytest.raises(HostResolutionError):
        check_url("https://good.example/", resolver=fixed())


def test_public_urls_pass() -> None:
    assert check_url("https://hooks.example.com/a?b=c#d", resolver=PUBLIC) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    assert check_url("https://8.8.8.8/") == [ipaddress.ip_address("8.8.8.8")]
    assert check_url("HTTPS://[2606:4700:4700::1111]:8443/x") == [
        ipaddress.ip_address("2606:4700:4700::1111")
    ]
    both = check_url(
        "https://dual.example/",
        resolver=fixed("93.184.216.34", "2606:2800:220:1::", "93.184.216.34"),
    )
    assert [str(a) for a in both] == ["93.184.216.34", "2606:2800:220:1::"]


def test_check_details() -> None:
    seen: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        seen.append((host, port))
        return ["93.184.216.34"]

    checked = check("https://Bücher.Example:8443/p", resolver=resolver)
    assert checked.host == "xn--bcher-kva.example"
    assert checked.port == 8443
    assert seen == [("xn--bcher-kva.example", 8443)]
    assert check("http://a.example/", allow_http=True, resolver=resolver).port == 80


def test_local_mode() -> None:
    assert check_url("http://127.0.0.1:8080/", allow_http=True, allow_loopback=True)
    assert check_url("https://[::1]/", allow_loopback=True)
    assert check_url(
        "http://localhost/",
        allow_http=True,
        allow_loopback=True,
        resolver=fixed("127.0.0.1", "::1"),
    )
    # Local mode opens loopback only; the rest of the matrix stays closed.
    for url in [
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://[fd00::1]/",
        "http://2130706433/",
    ]:
        with pytest.raises(UnsafeURLError):
            check_url(url, allow_http=True, allow_loopback=True)
    with pytest.raises(UnsafeURLError, match="scheme"):
        check_url("http://127.0.0.1/", allow_loopback=True)


def test_why_blocked_public() -> None:
    assert why_blocked(ipaddress.ip_address("1.1.1.1")) is None
    assert why_blocked(ipaddress.ip_address("2a00:1450:4001:80b::200e")) is None
    assert "metadata" in str(why_blocked(ipaddress.ip_address("169.254.169.254")))
