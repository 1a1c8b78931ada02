"""MatchFunction: papers-stream INSERTs -> pending matches (partial batch failures)."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.observability import logger, metrics
from paperbell.services.matching import process_papers_stream


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_papers_stream(event, context)
