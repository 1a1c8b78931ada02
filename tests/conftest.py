"""Shared test setup.

moto is imported before anything creates a boto3 client, fake credentials and a region
are set so nothing can reach real AWS, and every function folder is put on sys.path so
one pytest run can import all handler modules (their names are unique).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import moto  # noqa: F401 - must be imported before any boto3 client exists
import pytest

from paperbell_dev.local.pipeline import isolate_from_real_aws

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

isolate_from_real_aws()
os.environ["SAM_CLI_TELEMETRY"] = "0"

for function_dir in sorted((ROOT / "functions").iterdir()):
    if function_dir.is_dir():
        sys.path.insert(0, str(function_dir))


@pytest.fixture
def pipeline() -> Iterator[object]:
    """The template deployed on in-process moto, functions driven by their event sources."""
    from paperbell_dev.local.pipeline import LocalPipeline

    with LocalPipeline(ROOT / "template.yaml") as running:
        yield running


@pytest.fixture
def demo_subscribers() -> list:
    from paperbell.services.subscriptions import load_subscribers_file
    from paperbell_dev.demo_data import demo_subscribers_path

    return load_subscribers_file(demo_subscribers_path())


@pytest.fixture
def arxiv_api() -> Iterator[object]:
    """A loopback stand-in for the arXiv export API (tests/arxiv_stand_in.py)."""
    from arxiv_stand_in import running_arxiv_api

    yield from running_arxiv_api()
