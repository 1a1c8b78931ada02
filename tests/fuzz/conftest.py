"""Fuzz session summary: how many generated inputs each target ran, and the total.

``PAPERBELL_FUZZ_MIN_TOTAL=100000`` (what ``make fuzz`` sets) fails the session when
fewer inputs than that were executed, so the promised volume cannot silently shrink.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from fuzz_support import COUNTS, EXAMPLES, OUTCOMES


def _min_total() -> int:
    raw = os.environ.get("PAPERBELL_FUZZ_MIN_TOTAL", "").strip()
    return int(raw) if raw.isdigit() else 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    wanted = _min_total()
    if wanted and exitstatus == 0 and sum(COUNTS.values()) < wanted:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not COUNTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz inputs executed")
    width = max(len(name) for name in COUNTS)
    for name in sorted(COUNTS):
        write(f"{name:<{width}}  {COUNTS[name]:>9,}")
    total = sum(COUNTS.values())
    write(f"{'total':<{width}}  {total:>9,}")
    write(f"(PAPERBELL_FUZZ_EXAMPLES={EXAMPLES} per test)")
    for name in sorted({target for target, _ in OUTCOMES}):
        seen = sorted((what, n) for (t, what), n in OUTCOMES.items() if t == name)
        write(f"{name} outcomes: " + ", ".join(f"{what}: {n}" for what, n in seen))
    wanted = _min_total()
    if wanted and total < wanted:
        write(f"FAILED: {total:,} inputs executed, PAPERBELL_FUZZ_MIN_TOTAL is {wanted:,}",
              red=True)
