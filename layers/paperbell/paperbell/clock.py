"""The one place paperbell asks for the time.

Why: delivery hours, digest dates and expiries all depend on "now"; tests and the
local pipeline replace this function to move through a simulated day instead of
waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
