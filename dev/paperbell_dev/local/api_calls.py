"""Count every AWS API call the code makes, by service and operation.

Registered as a botocore ``before-call`` hook on the shared session, so it sees the
calls of every client and resource paperbell creates (tests assert "zero writes";
the cost model multiplies these counts by prices).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from paperbell import aws

WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)


class ApiCallCounter:
    """``with ApiCallCounter() as calls: ...`` then ``calls.count("dynamodb", "PutItem")``."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.active = False

    def _record(self, model: Any, **_: Any) -> None:
        if self.active:
            self.calls[(model.service_model.endpoint_prefix, model.name)] += 1

    def __enter__(self) -> ApiCallCounter:
        aws.reset_clients()  # clients copy the session's hooks when they are created
        self.active = True
        aws.session().events.register("before-call", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        # Clients made inside the block keep a copy of the hook: stop counting, and let
        # later code get fresh clients without it.
        self.active = False
        aws.session().events.unregister("before-call", self._record)
        aws.reset_clients()

    def count(self, service: str, operation: str | None = None) -> int:
        return sum(
            n
            for (svc, op), n in self.calls.items()
            if svc == service and (operation is None or op == operation)
        )

    def dynamodb_writes(self) -> int:
        return sum(
            n for (svc, op), n in self.calls.items() if svc == "dynamodb" and op in WRITE_OPERATIONS
        )

    def reset(self) -> None:
        self.calls.clear()
