"""ScrapeFunction: scheduled; reads every configured feed and writes new papers once."""

from paperbell import coldstart  # first: see paperbell/coldstart.py, lazy_packages.py

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paperbell.lambda_events import requested_sources, trending_refresh
from paperbell.observability import logger, metrics, tracer
from paperbell.services.scrape import run_scrape

tracer.patch(modules=("requests",))  # this function's work is outbound HTTP: trace it


@coldstart.loaded  # outermost: the handler is the module's last statement
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_scrape(
        requested_sources(event), refresh_trending=trending_refresh(event)
    ).as_dict()

