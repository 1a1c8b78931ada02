"""ApiFunction: the subscriber pages and JSON API (API Gateway HTTP API, payload v2)."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.observability import logger, metrics, tracer
from paperbell.web.app import handle


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
# Responses carry manage tokens and webhook secrets: never copy them into X-Ray.
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, context)

