"""Logger and Metrics, created once for the whole package (cookbook style).

Every module logs through this Logger so one correlation id (set by the handler)
follows a paper from scrape to mail; Metrics is a singleton in Powertools, so
creating it here and in handlers would be the same object anyway.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="paperbell")
metrics = Metrics(namespace="paperbell", service="paperbell")
