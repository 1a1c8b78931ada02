"""Delivery hours in the subscriber's timezone, as UTC "slots" (pure, no I/O).

A slot is the UTC hour "YYYY-MM-DDTHH" at which a digest is due. The hourly planner
asks "who is due in this slot?"; the match function stamps each pending match with
the subscriber's next slot. Using UTC slots makes DST and half-hour zones the matcher's
problem once, instead of the planner's every hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperbell.errors import ConfigError
from paperbell.models import Subscriber

SLOT_FORMAT = "%Y-%m-%dT%H"


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; a clear error for an unknown one."""
    try:
        return ZoneInfo(name)
    # OSError: "Europe" is a directory of tzdata, a very long name is too long a path.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ConfigError(
            f"unknown timezone {name!r} (use an IANA name like Europe/Berlin)"
        ) from exc


def slot_of(moment: datetime) -> str:
    """The UTC hour slot containing ``moment``."""
    return moment.astimezone(UTC).strftime(SLOT_FORMAT)


def parse_slot(slot: str) -> datetime:
    return datetime.strptime(slot, SLOT_FORMAT).replace(tzinfo=UTC)


def next_delivery_slot(
    hour: int, timezone: str, now: datetime, *, weekday: int | None = None
) -> str:
    """The first UTC slot strictly after ``now`` when it is ``hour``:00 in ``timezone``
    (and, for weekly digests, the local ``weekday``: 0 = Monday)."""
    tz = zone(timezone)
    local_now = now.astimezone(tz)
    for day_offset in range(0, 9):
        day = local_now.date() + timedelta(days=day_offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        candidate = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
        if candidate.astimezone(UTC) > now.astimezone(UTC):
            return slot_of(candidate)
    raise ConfigError(f"no delivery hour {hour} found in {timezone}")  # pragma: no cover


def needs_tick(subscriber: Subscriber) -> bool:
    """Whether the planner must find this subscriber at their hour without any match:
    trending subscribers (their papers come from the shared trending list, not from
    pending matches) and mail subscribers who asked for a note on empty days.

    Not subscribers with liked papers, even likes-only ones: their candidate
    recommendations carry the next slot (``rec#`` items on the same sparse index, see
    services/recommending.py), so the planner finds them exactly on the days something
    was recommended, and a tick would only queue a job (and write a ledger item) every
    day to send nothing. The empty-day note still comes through ``notify_empty``.

    It lives here, not in services/subscriptions.py (which re-exports it), because the
    mail function asks it for every digest: importing the sign-up use cases (validation,
    likes, recommendation inputs, rate limits) for it cost the mail function's cold
    start ~20 ms that no digest uses (BENCHMARKS.md, "Cold start")."""
    if subscriber.status != "active" or subscriber.mode == "instant":
        return False
    return subscriber.wants_trending or (subscriber.notify_empty and not subscriber.webhook_url)


def next_slot_for(subscriber: Subscriber, now: datetime) -> str:
    """The subscriber's next digest slot: daily at their hour, or weekly on their day."""
    weekday = subscriber.weekday if subscriber.mode == "weekly" else None
    return next_delivery_slot(
        subscriber.delivery_hour, subscriber.timezone, now, weekday=weekday
    )


def digest_date_for(slot: str, timezone: str) -> date:
    """The subscriber's local calendar date of a delivery slot (the digest's date)."""
    return parse_slot(slot).astimezone(zone(timezone)).date()


def recent_slots(scheduled: datetime, lookback_hours: int) -> list[str]:
    """This hour's slot and the ``lookback_hours - 1`` before it (catch up missed runs)."""
    top = scheduled.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [slot_of(top - timedelta(hours=k)) for k in range(max(1, lookback_hours))]
