"""MailFunction: digest jobs from SQS -> one SES mail each, exactly once."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell import aws
from paperbell.config import settings
from paperbell.lambda_events import digest_job
from paperbell.models import DigestJob
from paperbell.observability import logger, metrics, tracer
from paperbell.services.digests import IDEMPOTENCY_SECONDS, send_digest

processor = BatchProcessor(event_type=EventType.SQS)
persistence = DynamoDBPersistenceLayer(
    table_name=settings().idempotency_table, boto3_client=aws.CurrentClient("dynamodb")
)
idempotency = IdempotencyConfig(
    event_key_jmespath="[subscriber_id, slot]",  # not receive_count: a redelivery is a replay
    expires_after_seconds=IDEMPOTENCY_SECONDS,
    raise_on_no_idempotency_key=True,
)


@idempotent_function(data_keyword_argument="job", persistence_store=persistence, config=idempotency)
def send_once(job: DigestJob) -> dict[str, Any]:
    return send_digest(job, config=settings())


def send_record(record: SQSRecord) -> None:
    outcome = send_once(job=digest_job(record))
    logger.info("digest job done", extra=outcome)


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=send_record, processor=processor, context=context
    )

