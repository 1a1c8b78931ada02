"""Fault-injection suite: each test records one row of the table `make faults` prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Row:
    scenario: str
    faults: str
    injected: int
    papers_lost: int
    mails_lost: int
    duplicates: int
    note: str = ""


ROWS: list[Row] = []


@pytest.fixture
def record():
    def add(
        scenario: str, faults: str, injected: int, lost: tuple[int, int, int], note: str = ""
    ) -> None:
        ROWS.append(Row(scenario, faults, injected, *lost, note))

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not ROWS:
        return
    header = ("scenario", "faults injected", "n", "papers lost", "mails lost", "duplicates")
    rows = [
        (
            r.scenario,
            r.faults,
            str(r.injected),
            str(r.papers_lost),
            str(r.mails_lost),
            str(r.duplicates),
        )
        for r in ROWS
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    terminalreporter.write_sep("=", "fault injection: end state vs a fault-free run")
    terminalreporter.write_line(line)
    terminalreporter.write_line("-+-".join("-" * w for w in widths))
    for row in rows:
        terminalreporter.write_line(
            " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
        )
    for r in ROWS:
        if r.note:
            terminalreporter.write_line(f"note - {r.scenario}: {r.note}")
