"""Fixtures shared by the integration tests on the local pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from paperbell import clock

#: Where ``frozen`` starts unless the test module sets its own ``SCRAPED_AT``.
SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch, request) -> Iterator[list[datetime]]:
    """Controlled time: tests move ``moment[0]``; every service reads it via clock. It
    starts at the test module's ``SCRAPED_AT`` (when its scrape runs)."""
    moment = [getattr(request.module, "SCRAPED_AT", SCRAPED_AT)]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    yield moment


@pytest.fixture
def no_sdk_sleep(monkeypatch):
    """botocore's retry backoff without the waiting (the retries still happen)."""
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda seconds: None)


@pytest.fixture
def tick_day(pipeline, frozen) -> Callable[[datetime], None]:
    """``tick_day(start)``: the planner, then the mailer, every hour of the 24 after
    ``start``, with the clock at each tick."""

    def run(start: datetime) -> None:
        for hour in range(1, 25):
            tick = start.replace(minute=0) + timedelta(hours=hour)
            frozen[0] = tick
            pipeline.plan(tick)
            pipeline.mail()

    return run
