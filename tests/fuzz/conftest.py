"""Fuzz session summary: how many generated inputs each target ran, and the total."""

from __future__ import annotations

from typing import Any

from fuzz_support import COUNTS, EXAMPLES, OUTCOMES


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not COUNTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz inputs executed")
    width = max(len(name) for name in COUNTS)
    for name in sorted(COUNTS):
        write(f"{name:<{width}}  {COUNTS[name]:>9,}")
    write(f"{'total':<{width}}  {sum(COUNTS.values()):>9,}")
    write(f"(PAPERBELL_FUZZ_EXAMPLES={EXAMPLES} per test)")
    for name in sorted({target for target, _ in OUTCOMES}):
        seen = sorted((what, n) for (t, what), n in OUTCOMES.items() if t == name)
        write(f"{name} outcomes: " + ", ".join(f"{what}: {n}" for what, n in seen))
