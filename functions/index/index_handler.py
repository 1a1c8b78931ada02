"""IndexFunction: subscriber changes (stream) and a nightly rebuild -> S3 match index."""

# First: paperbell pauses the garbage collector for the cold start and defers
# Powertools' catalogues (paperbell/coldstart.py, paperbell/lazy_packages.py).
from paperbell import coldstart

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import subscriber_changes
from paperbell.observability import logger, metrics, tracer
from paperbell.services.indexing import update_index


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return update_index(subscriber_changes(event))


coldstart.loaded()  # last: this module and all it imports are loaded
