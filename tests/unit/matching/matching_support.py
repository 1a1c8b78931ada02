"""Helpers shared by the matching tests (imported by module name, like rendering_support)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from paperbell.models import Paper

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "matching"


def make_paper(title: str = "", abstract: str = "", **kw: Any) -> Paper:
    """A Paper with defaults for everything matching does not look at."""
    return Paper(id=str(kw.pop("id", "p1")), title=title, abstract=abstract, **kw)


def seed_papers() -> list[Paper]:
    """The 20 papers of the seed page (title line, abstract line, after the header)."""
    lines = (FIXTURES / "trending-papers-page.txt").read_text(encoding="utf-8").splitlines()
    body = lines[2:]
    body[0] = body[0].removeprefix("Subscribe")
    return [
        Paper(id=f"s{i}", title=body[i].strip(), abstract=body[i + 1].strip(), source="hf")
        for i in range(0, len(body) - 1, 2)
    ]
