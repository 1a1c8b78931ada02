from datetime import UTC, date, datetime

import pytest

from paperbell.errors import ConfigError
from paperbell.scheduling import digest_date_for, next_delivery_slot, recent_slots


@pytest.mark.parametrize(
    ("now", "hour", "tz", "expected"),
    [
        (datetime(2026, 11, 27, 6, 31, tzinfo=UTC), 8, "UTC", "2026-11-27T08"),
        (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 8, "UTC", "2026-11-28T08"),  # strictly after
        (datetime(2026, 11, 27, 6, 31, tzinfo=UTC), 7, "Europe/Berlin", "2026-11-28T06"),
        (datetime(2026, 11, 27, 6, 31, tzinfo=UTC), 9, "America/New_York", "2026-11-27T14"),
        (datetime(2026, 11, 27, 6, 31, tzinfo=UTC), 8, "Asia/Tokyo", "2026-11-27T23"),
        (datetime(2026, 11, 27, 6, 31, tzinfo=UTC), 8, "Asia/Kolkata", "2026-11-28T02"),
        # DST: Berlin is UTC+2 in summer, so 07:00 local is 05:00 UTC.
        (datetime(2026, 7, 1, 4, 0, tzinfo=UTC), 7, "Europe/Berlin", "2026-07-01T05"),
    ],
)
def test_next_delivery_slot_is_the_local_hour_in_utc(now, hour, tz, expected):
    assert next_delivery_slot(hour, tz, now) == expected


def test_digest_date_is_the_subscribers_local_date():
    assert digest_date_for("2026-11-27T23", "Asia/Tokyo") == date(2026, 11, 28)
    assert digest_date_for("2026-11-27T23", "UTC") == date(2026, 11, 27)


def test_recent_slots_cover_the_lookback_window_newest_first():
    slots = recent_slots(datetime(2026, 11, 27, 8, 0, 5, tzinfo=UTC), 3)
    assert slots == ["2026-11-27T08", "2026-11-27T07", "2026-11-27T06"]


def test_unknown_timezone_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Base'"):
        next_delivery_slot(8, "Mars/Base", datetime.now(UTC))
