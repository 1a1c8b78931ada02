"""FeedbackFunction: SES bounce/complaint notifications (SNS) -> suppress/unsubscribe."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import sns_messages
from paperbell.observability import logger, metrics, tracer
from paperbell.services.feedback import apply_feedback


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return apply_feedback(sns_messages(event))

