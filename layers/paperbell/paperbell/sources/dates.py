"""Feed dates (RFC 822 for RSS, ISO 8601 / RFC 3339 for Atom, JSON Feed, HF) -> aware UTC.

Why a cache: an arXiv daily feed repeats one ``pubDate`` on every one of its hundreds of
items, and RFC 822 parsing in the standard library is comparatively slow. Why UTC and
timezone-aware always: ``Paper.published`` is compared across sources and stored as
ISO text; a naive datetime would silently mean "local time of some Lambda".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

# "2026-05-10", "2026-05-10T12:00:00Z", "2026-05-10 12:00:00.123+02:00", "...+0200"
_ISO_RE = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


@lru_cache(maxsize=256)
def parse_date(value: str | None) -> datetime | None:
    """Best-effort parse of any feed date; ``None`` when missing or unreadable.

    A missing or broken date never makes an item unreadable: papers without dates
    are still papers.
    """
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    if text[0].isdigit():
        parsed = _parse_iso(text)
        if parsed is not None:
            return parsed
    return _parse_rfc822(text)


def _parse_iso(text: str) -> datetime | None:
    match = _ISO_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        parsed = datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0), micro,
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset_min = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        if offset_min >= 24 * 60:
            return None
        sign = 1 if zone[0] == "+" else -1
        try:
            parsed -= sign * timedelta(minutes=offset_min)
        except OverflowError:
            return None
    return parsed


def _parse_rfc822(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
