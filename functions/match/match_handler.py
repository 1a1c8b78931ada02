"""MatchFunction: papers-stream INSERTs -> pending matches (partial batch failures)."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import streamed_paper
from paperbell.observability import logger, metrics, tracer
from paperbell.services.matching import PaperMatcher

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    matcher = PaperMatcher()  # one index lookup per batch

    def match_record(record: DynamoDBRecord) -> None:
        new = streamed_paper(record)
        if new is not None:
            matcher.match(new.paper, scrape_run=new.scrape_run)

    response = process_partial_response(
        event=event, record_handler=match_record, processor=processor, context=context
    )
    matcher.flush()  # the batch's matches: one item per subscriber (raises: batch retried)
    return response
