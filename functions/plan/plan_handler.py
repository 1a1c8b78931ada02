"""PlanFunction: hourly; queues one digest job per subscriber due this hour."""

# First: paperbell pauses the garbage collector for the cold start and defers
# Powertools' catalogues (paperbell/coldstart.py, paperbell/lazy_packages.py).
from paperbell import coldstart

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import scheduled_time
from paperbell.observability import logger, metrics, tracer
from paperbell.services.planning import plan_digests


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return plan_digests(scheduled_time(event)).as_dict()


coldstart.loaded()  # last: this module and all it imports are loaded
