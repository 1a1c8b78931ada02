"""IndexFunction: subscriber changes (stream) and a nightly rebuild -> S3 match index."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import subscriber_changes
from paperbell.observability import logger, metrics, tracer
from paperbell.services.indexing import update_index


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return update_index(subscriber_changes(event))

