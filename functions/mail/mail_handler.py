"""MailFunction: digest jobs from SQS -> one SES mail each, exactly once."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.observability import logger, metrics
from paperbell.services.digests import process_digest_jobs


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_digest_jobs(event, context)
