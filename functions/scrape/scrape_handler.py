"""ScrapeFunction: scheduled; reads every configured feed and writes new papers once."""

# First: paperbell pauses the garbage collector for the cold start and defers
# Powertools' catalogues (paperbell/coldstart.py, paperbell/lazy_packages.py).
from paperbell import coldstart

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import requested_sources, trending_refresh
from paperbell.observability import logger, metrics, tracer
from paperbell.services.scrape import run_scrape

tracer.patch(modules=("requests",))  # this function's work is outbound HTTP: trace it


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_scrape(
        requested_sources(event), refresh_trending=trending_refresh(event)
    ).as_dict()


coldstart.loaded()  # last: this module and all it imports are loaded
