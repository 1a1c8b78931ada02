"""A quiet local pipeline (``paperbell demo``, the tests) keeps the functions' Powertools
log lines in the invoker's captured output, off the terminal, however early the runtime
logger was created (it keeps the ``sys.stdout`` of that moment)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from paperbell.observability import logger  # created before the pipeline, as the CLI does
from paperbell_dev.local.pipeline import LocalPipeline

ROOT = Path(__file__).resolve().parents[2]


def test_function_logs_are_captured_not_printed(capfd) -> None:
    stream = logger.registered_handler.stream
    with LocalPipeline(ROOT / "template.yaml", quiet=True) as pipeline:
        pipeline.plan(datetime(2026, 12, 1, 8, tzinfo=UTC))
        captured = pipeline.invoker.output.getvalue()
    printed = capfd.readouterr().out
    assert "digests planned" in captured
    assert '"level"' not in printed
    assert logger.registered_handler.stream is stream  # restored after each invocation
