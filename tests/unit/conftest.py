"""Fixtures shared by the unit tests of several packages (sources, recommend)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class FakeTime:
    """Monotonic clock and sleep that only move when told to (no real waiting)."""

    now: float = 1000.0
    wall: float = 1_800_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.wall + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
