"""Logger, Metrics and Tracer, each created once for the whole runtime package.

Why one module: every service logs through the same Logger, so the correlation id a
handler sets follows a paper from scrape to mail, and every handler decorates with the
same three objects. The names are not written here: template.yaml sets
``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_METRICS_NAMESPACE`` for every function
(Globals), and Powertools reads them. Only where they are unset - the developer CLI,
unit tests that import a service directly - does :data:`LOCAL_NAME` stand in, so
metrics can still be serialized there.

Why not every count is a CloudWatch metric: each custom metric costs $0.30 a month,
which at 10k subscribers is more than the rest of the stack besides SES (issue 15). So
the services count everything through ``metrics.add_metric`` as before, and
:class:`SelectiveEMFProvider` publishes as EMF metrics only the names in
``PAPERBELL_PUBLISHED_METRICS`` (the template's ``PublishedMetrics`` parameter; by
default :data:`ALARMED_METRICS`, which is empty: the alarmed failures are reports on a
queue whose free AWS/SQS metric the alarm watches; ``all`` publishes every count).
The other counts of an invocation are written as one ``counts`` log line
(``{"message": "counts", "counts": {"DigestsSent": 3, ...}}``), which Logs Insights
sums for free (docs/operations.md). Cold starts are in every log line (``cold_start``)
and in Lambda's REPORT line (``Init Duration``), so no ColdStart metric is published.

The Tracer exists because the template turns on ``Tracing: Active``. It patches only
botocore (every AWS call becomes a subsegment) instead of every library the X-Ray SDK
knows, which would import them all at cold start; the scrape handler, the one function
whose work is outbound HTTP, adds ``requests`` itself. Outside Lambda (no
``LAMBDA_TASK_ROOT``) and under ``sam local`` Powertools disables tracing by itself.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

#: Stands in for the template's names where the variables are unset (not in Lambda).
LOCAL_NAME = "paperbell"
#: Modules the X-Ray SDK patches in every function: the AWS SDK, nothing else.
TRACED_MODULES = ("botocore",)
#: The counts an alarm watches (template.yaml), published when nothing else is asked:
#: none since issue 15 - the alarmed failures are messages on FailureReportQueue, whose
#: free AWS/SQS metric FailureReportAlarm watches (services/failure_reports.py), not
#: $0.30-a-month metrics.
ALARMED_METRICS: frozenset[str] = frozenset()
PUBLISHED_METRICS_ENV = "PAPERBELL_PUBLISHED_METRICS"

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or LOCAL_NAME
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or LOCAL_NAME


def published_metrics(value: str | None = None) -> frozenset[str] | None:
    """The metric names to publish (None: all), from ``PAPERBELL_PUBLISHED_METRICS``:
    a comma-separated list, ``all``, or unset/empty for :data:`ALARMED_METRICS`."""
    raw = os.environ.get(PUBLISHED_METRICS_ENV, "") if value is None else value
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    if "all" in names:
        return None
    return names or ALARMED_METRICS


class SelectiveEMFProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider that publishes only the chosen metric names; every
    other count is summed per invocation and logged once, when Powertools flushes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.logged_counts: dict[str, float] = {}

    def add_metric(self, name: str, unit: Any, value: float, resolution: Any = 60) -> None:
        chosen = published_metrics()  # read per call: the local pipeline sets it per invoke
        if chosen is None or name in chosen:
            super().add_metric(name=name, unit=unit, value=value, resolution=resolution)
        else:
            self.logged_counts[name] = self.logged_counts.get(name, 0) + value

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if self.logged_counts:
            counts = {k: int(v) if float(v).is_integer() else v
                      for k, v in sorted(self.logged_counts.items())}
            logger.info("counts", extra={"counts": counts})
            self.logged_counts.clear()
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)

    def clear_metrics(self) -> None:
        super().clear_metrics()
        self.logged_counts.clear()


logger = Logger(service=SERVICE)
# Powertools' documented way to bring a provider: ``Metrics(provider=...)``; every
# Metrics method then delegates to it (this module's one Metrics is the only one).
metrics = Metrics(provider=SelectiveEMFProvider(namespace=NAMESPACE, service=SERVICE))
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
