"""IndexFunction: subscriber changes (stream) and a nightly rebuild -> S3 match index."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.observability import logger, metrics
from paperbell.services.indexing import index_from_event


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return index_from_event(event)
