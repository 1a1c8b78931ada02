"""FeedbackFunction: SES bounce/complaint notifications (SNS) -> suppress/unsubscribe."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.observability import logger, metrics
from paperbell.services.feedback import feedback_from_event


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return feedback_from_event(event)
