"""Shared helpers for the matching tests: papers built from the copied fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperbell.models import Paper

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "matching"


def make_paper(title: str = "", abstract: str = "", **kw: object) -> Paper:
    return Paper(id=str(kw.pop("id", "p1")), title=title, abstract=abstract, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seed_papers() -> list[Paper]:
    """The 20 papers of the seed page (title line, abstract line, after the header)."""
    lines = (FIXTURES / "trending-papers-page.txt").read_text(encoding="utf-8").splitlines()
    body = lines[2:]
    body[0] = body[0].removeprefix("Subscribe")
    return [
        Paper(id=f"s{i}", title=body[i].strip(), abstract=body[i + 1].strip(), source="hf")
        for i in range(0, len(body) - 1, 2)
    ]
