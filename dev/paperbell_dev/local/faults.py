"""Inject AWS API faults into the local pipeline (botocore ``before-send`` hooks).

A fault answers a request the way AWS would refuse it - an HTTP error response with
the service's error code - before it reaches moto, so botocore's real retry logic, the
project's error classification and the event-source retries all run as in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from paperbell import aws


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class Fault:
    """Fail the first ``times`` calls of ``service.operation`` with ``code``."""

    service: str  # botocore event name of the service: "sesv2", "dynamodb", "sqs", ...
    operation: str  # e.g. "SendEmail", "PutItem"
    code: str  # e.g. "TooManyRequestsException", "ThrottlingException"
    times: int = 1
    status: int = 400
    message: str = "injected fault"
    only_if: Any = None  # optional predicate(request) -> bool
    injected: int = field(default=0, init=False)

    def response(self, request: Any) -> AWSResponse:
        body = json.dumps({"__type": self.code, "message": self.message}).encode()
        headers = HTTPHeaders()
        headers["x-amzn-ErrorType"] = self.code
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, self.status, headers, _Body(body))

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.injected >= self.times:
            return None
        if self.only_if is not None and not self.only_if(request):
            return None
        self.injected += 1
        response = self.response(request)
        # botocore calls every before-send handler; an in-process moto stubber after
        # this one would still execute the request. A URL no emulator serves makes it
        # step aside, so the injected refusal is the only thing that happens.
        request.url = "https://fault-injected.invalid/"
        return response


def ses_throttling(times: int) -> Fault:
    """SES refusing the first ``times`` sends for the account's maximum send rate."""
    return Fault(
        "sesv2",
        "SendEmail",
        "TooManyRequestsException",
        times=times,
        status=429,
        message="Maximum sending rate exceeded.",
    )


class FaultInjector:
    """``with FaultInjector(Fault(...), ...) as faults:`` - active for clients made inside."""

    def __init__(self, *faults: Fault):
        self.faults = list(faults)

    def __enter__(self) -> FaultInjector:
        aws.reset_clients()
        events = aws.session().events
        for fault in self.faults:
            events.register(f"before-send.{fault.service}.{fault.operation}", fault)  # type: ignore[arg-type]
        return self

    def __exit__(self, *exc: object) -> None:
        events = aws.session().events
        for fault in self.faults:
            events.unregister(f"before-send.{fault.service}.{fault.operation}", fault)  # type: ignore[arg-type]
        aws.reset_clients()

    @property
    def injected(self) -> int:
        return sum(f.injected for f in self.faults)
