"""Logger, Metrics and Tracer, each created once for the whole runtime package.

Why one module: every service logs through the same Logger, so the correlation id a
handler sets follows a paper from scrape to mail, and every handler decorates with the
same three objects. The names are not written here: template.yaml sets
``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_METRICS_NAMESPACE`` for every function
(Globals), and Powertools reads them. Only where they are unset - the developer CLI,
unit tests that import a service directly - does :data:`LOCAL_NAME` stand in, so
metrics can still be serialized there.

The Tracer exists because the template turns on ``Tracing: Active``. It patches only
botocore (every AWS call becomes a subsegment) instead of every library the X-Ray SDK
knows, which would import them all at cold start; the scrape handler, the one function
whose work is outbound HTTP, adds ``requests`` itself. Outside Lambda (no
``LAMBDA_TASK_ROOT``) and under ``sam local`` Powertools disables tracing by itself.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

#: Stands in for the template's names where the variables are unset (not in Lambda).
LOCAL_NAME = "paperbell"
#: Modules the X-Ray SDK patches in every function: the AWS SDK, nothing else.
TRACED_MODULES = ("botocore",)

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or LOCAL_NAME
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or LOCAL_NAME

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
