"""Sample papers of known topics (the arXiv stand-in is tests/arxiv_stand_in.py)."""

from __future__ import annotations

import pytest

from paperbell.models import Paper
from paperbell_dev.bench.recommend_eval import labelled_pool


def topic_papers() -> dict[str, list[Paper]]:
    """The evaluation's labelled papers as ``Paper`` objects with arXiv-style ids."""
    out: dict[str, list[Paper]] = {}
    for i, p in enumerate(labelled_pool()):
        paper = Paper(id=f"2601.{10000 + i}", title=p.title, abstract=p.abstract)
        out.setdefault(p.topic, []).append(paper)
    return out


@pytest.fixture(scope="session")
def topics() -> dict[str, list[Paper]]:
    return topic_papers()
