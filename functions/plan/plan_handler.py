"""PlanFunction: hourly; queues one digest job per subscriber due this hour."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import scheduled_time
from paperbell.observability import logger, metrics, tracer
from paperbell.services.planning import plan_digests


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return plan_digests(scheduled_time(event)).as_dict()

