"""Issue 7's SSRF matrix: every destination it names is refused by ``check_url``, as a
literal, in IPv4-mapped IPv6 form, in decimal/octal/hex spellings, and as a DNS name
that resolves to it (resolver injected, no network). The detailed cases live in
tests/unit/webhooks/test_webhook_ssrf.py; this is the promise in one table."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from paperbell.webhooks.ssrf import UnsafeURLError, check_url

# (what the issue names, an address inside it)
MATRIX = [
    ("loopback 127.0.0.0/8", "127.0.0.1"),
    ("loopback ::1", "::1"),
    ("private 10.0.0.0/8", "10.1.2.3"),
    ("private 172.16.0.0/12", "172.16.0.1"),
    ("private 172.16.0.0/12 (top)", "172.31.255.254"),
    ("private 192.168.0.0/16", "192.168.1.1"),
    ("cloud metadata 169.254.169.254", "169.254.169.254"),
    ("unique local fd00::/8", "fd00::1"),
    ("unique local fd00::/8 (EC2 metadata v6)", "fd00:ec2::254"),
    ("IPv4-mapped loopback", "::ffff:127.0.0.1"),
    ("IPv4-mapped metadata", "::ffff:169.254.169.254"),
    ("IPv4-mapped private", "::ffff:10.0.0.1"),
]
# Other spellings of 127.0.0.1 / 169.254.169.254 that some URL parsers accept.
SPELLINGS = [
    "2130706433",  # decimal 127.0.0.1
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "127.1",  # short form
    "017700000001",
    "2852039166",  # decimal 169.254.169.254
    "0251.0376.0251.0376",
    "0xa9fea9fe",
]


def resolves_to(address: str) -> Callable[[str, int], Iterable[str]]:
    return lambda host, port: [address]


def url_for(address: str) -> str:
    return f"https://[{address}]/hook" if ":" in address else f"https://{address}/hook"


@pytest.mark.parametrize(("what", "address"), MATRIX, ids=[m[0] for m in MATRIX])
def test_literal_addresses_are_refused(what, address):
    with pytest.raises(UnsafeURLError):
        check_url(url_for(address), resolver=resolves_to("93.184.216.34"))


@pytest.mark.parametrize(("what", "address"), MATRIX, ids=[m[0] for m in MATRIX])
def test_dns_names_resolving_into_the_matrix_are_refused(what, address):
    with pytest.raises(UnsafeURLError):
        check_url("https://hooks.example.org/hook", resolver=resolves_to(address))
    # one bad address among good ones is enough to refuse (DNS rebinding)
    with pytest.raises(UnsafeURLError):
        check_url("https://hooks.example.org/hook",
                  resolver=lambda host, port: ["93.184.216.34", address])


@pytest.mark.parametrize("host", SPELLINGS)
def test_decimal_octal_and_hex_spellings_are_refused(host):
    with pytest.raises(UnsafeURLError):
        check_url(f"https://{host}/hook", resolver=resolves_to("93.184.216.34"))


def test_a_public_destination_is_allowed():
    assert [str(a) for a in check_url("https://hooks.example.org/x",
                                      resolver=resolves_to("93.184.216.34"))] == ["93.184.216.34"]
