"""SSRF guard for subscriber-supplied webhook URLs (no HTTP here, only DNS).

A webhook URL is chosen by a subscriber, so without a guard paperbell could be made to
POST to the cloud metadata service or to anything inside the VPC. :func:`check_url`
parses the URL strictly, resolves the host and refuses unless *every* address it
resolves to is a public unicast address. The sender then connects to one of exactly
these addresses (it pins the connection), so a DNS answer that changes between the
check and the connect (DNS rebinding) cannot redirect the request.

What is refused:

* schemes other than https (http only with ``allow_http``, for local mode);
* userinfo (``https://good@127.0.0.1``), backslashes, whitespace and control characters,
  percent-encoded or otherwise invalid host names, hosts ending in a dot;
* IP literals in any spelling but canonical dotted-quad / bracketed IPv6: decimal
  (``2130706433``), octal (``0177.0.0.1``), hex (``0x7f.1``), short forms (``127.1``),
  fullwidth digits (normalized by IDNA first, then checked);
* private (10/8, 172.16/12, 192.168/16, fc00::/7 incl. fd00::/8), loopback, link-local
  (169.254/16, fe80::/10), cloud metadata (169.254.169.254, fd00:ec2::254,
  100.100.100.200, 168.63.129.16), CGNAT (100.64/10), multicast, reserved,
  unspecified, documentation and benchmarking ranges, broadcast;
* IPv6 addresses that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
  IPv4-compatible, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``,
  Teredo) are judged by the embedded IPv4 address.

``allow_loopback`` (local mode only) lets 127.0.0.0/8 and ::1 through, nothing else.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from paperbell.errors import PaperbellError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# resolver(host, port) -> the addresses (as strings) the host resolves to.
Resolver = Callable[[str, int], Iterable[str]]

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (looks public, is not)
    )
)

_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo is handled before this)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local, includes fd00::/8 and fd00:ec2::254
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_LOOPBACK = (ipaddress.IPv4Network("127.0.0.0/8"), ipaddress.IPv6Network("::1/128"))

_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_CANONICAL_V4_RE = re.compile(rf"^(?:{_OCTET}\.){{3}}{_OCTET}$")
_NUMERIC_LABEL_RE = re.compile(r"^(?:\d+|0x[0-9a-f]*)$")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class UnsafeURLError(PaperbellError):
    """A webhook URL is malformed or points somewhere paperbell must not send to."""


class HostResolutionError(UnsafeURLError):
    """The host could not be resolved right now (possibly transient, unlike its parent)."""


@dataclass(frozen=True, slots=True)
class CheckedURL:
    """A URL that passed the guard, with the exact addresses the sender may connect to."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host, IPv6 literals without brackets
    port: int
    addresses: tuple[IPAddress, ...]


def default_resolver(host: str, port: int) -> list[str]:
    """All addresses ``getaddrinfo`` returns for ``host`` (TCP), scope ids stripped."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _V4_COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_blocked(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` must not be contacted, or ``None`` when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "IPv6 address with a scope id"
        inner = _embedded_v4(ip)
        if inner is not None:
            reason = why_blocked(inner, allow_loopback=allow_loopback)
            return f"embeds {inner}: {reason}" if reason else None
    if allow_loopback and any(ip in net for net in _LOOPBACK if net.version == ip.version):
        return None
    if ip in METADATA_ADDRESSES:
        return "cloud metadata address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_private:
        return "private address"
    blocked = _BLOCKED_V4 if isinstance(ip, ipaddress.IPv4Address) else _BLOCKED_V6
    if ip.is_reserved or any(ip in net for net in blocked):
        return "reserved or special-purpose address"
    if not ip.is_global:
        return "not a globally routable address"
    return None


def _parse_host(netloc_host: str) -> tuple[str, IPAddress | None]:
    """ASCII host and, when the host is an IP literal, the address. Raises if unsafe."""
    if netloc_host.startswith("["):
        if not netloc_host.endswith("]"):
            raise UnsafeURLError("malformed IPv6 literal")
        literal = netloc_host[1:-1]
        if "%" in literal:
            raise UnsafeURLError("IPv6 zone ids are not allowed")
        try:
            return literal.lower(), ipaddress.IPv6Address(literal)
        except ValueError as exc:
            raise UnsafeURLError("malformed IPv6 literal") from exc
    if not netloc_host:
        raise UnsafeURLError("URL has no host")
    if netloc_host.endswith("."):
        raise UnsafeURLError("host names ending in a dot are not allowed")
    try:
        # IDNA (2003, as browsers' UTS-46 mapping) also folds fullwidth digits and
        # ideographic full stops, so "１２７。０。０。１" is judged as 127.0.0.1 below.
        host = netloc_host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise UnsafeURLError("host name is not valid IDNA") from exc
    if host.endswith("."):
        raise UnsafeURLError("host names ending in a dot are not allowed")
    labels = host.split(".")
    if _NUMERIC_LABEL_RE.match(labels[-1]):
        # WHATWG URL parsers treat a host ending in a number as IPv4 and accept
        # decimal/octal/hex/short spellings; inet_aton does too. Only the canonical
        # dotted quad is accepted so that every parser agrees on the address.
        if not _CANONICAL_V4_RE.match(host):
            raise UnsafeURLError(f"non-canonical IP address spelling {host!r}")
        return host, ipaddress.IPv4Address(host)
    if len(host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise UnsafeURLError(f"invalid host name {host!r}")
    return host, None


def check(
    url: str,
    *,
    allow_http: bool = False,
    allow_loopback: bool = False,
    resolver: Resolver | None = None,
) -> CheckedURL:
    """Validate ``url`` and resolve its host; raise :class:`UnsafeURLError` if unsafe."""
    if not isinstance(url, str) or not url:
        raise UnsafeURLError("webhook URL is empty")
    if len(url) > 2048:
        raise UnsafeURLError("webhook URL is longer than 2048 characters")
    if _FORBIDDEN_CHARS.search(url):
        raise UnsafeURLError("webhook URL contains whitespace, control characters or '\\'")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeURLError(f"malformed webhook URL: {exc}") from exc
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_http else ("https",)
    if scheme not in allowed:
        raise UnsafeURLError(f"webhook URL scheme must be {' or '.join(allowed)}, not {scheme!r}")
    netloc = parts.netloc
    if "@" in netloc:
        raise UnsafeURLError("webhook URLs must not contain user info ('user@host')")
    host_part, port_part = netloc, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise UnsafeURLError("malformed IPv6 literal")
        host_part, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise UnsafeURLError("malformed host")
        port_part = rest[1:]
    elif ":" in netloc:
        host_part, _, port_part = netloc.rpartition(":")
        if ":" in host_part:
            raise UnsafeURLError("malformed host")
    if port_part:
        if not port_part.isascii() or not port_part.isdigit() or not 0 < int(port_part) < 65536:
            raise UnsafeURLError(f"invalid port {port_part!r}")
        port = int(port_part)
    else:
        port = 443 if scheme == "https" else 80
    host, literal = _parse_host(host_part)

    if literal is not None:
        raw_addresses: list[str] = [str(literal)]
    else:
        resolve = resolver or default_resolver
        try:
            raw_addresses = list(resolve(host, port))
        except (OSError, UnicodeError) as exc:
            raise HostResolutionError(f"cannot resolve {host!r}: {exc}") from exc
        if not raw_addresses:
            raise HostResolutionError(f"{host!r} resolves to no address")

    addresses: list[IPAddress] = []
    for raw in raw_addresses:
        try:
            ip = ipaddress.ip_address(raw)
        except ValueError as exc:
            raise UnsafeURLError(f"{host!r} resolved to a non-address {raw!r}") from exc
        reason = why_blocked(ip, allow_loopback=allow_loopback)
        if reason:
            where = f"{host!r} resolves to {ip}" if literal is None else f"address {ip}"
            raise UnsafeURLError(f"{where} is refused ({reason})")
        if ip not in addresses:
            addresses.append(ip)
    return CheckedURL(url=url, scheme=scheme, host=host, port=port, addresses=tuple(addresses))


def check_url(
    url: str,
    *,
    allow_http: bool = False,
    allow_loopback: bool = False,
    resolver: Resolver | None = None,
) -> list[IPAddress]:
    """The public addresses ``url`` resolves to; raise :class:`UnsafeURLError` if any
    address (or the URL itself) is unsafe. See the module docstring for the rules."""
    checked = check(url, allow_http=allow_http, allow_loopback=allow_loopback, resolver=resolver)
    return list(checked.addresses)
