"""DynamoDB pagination, written once: every scan and query loop in storage/ uses it.

Why one helper: a scan or query answers at most 1 MB per call and says where to go on
with ``LastEvaluatedKey``; forgetting that silently drops items. Repositories pass the
bound ``table.scan`` / ``table.query`` and their keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Page = dict[str, Any]


def pages(call: Callable[..., Page], **kwargs: Any) -> Iterator[Page]:
    """Every response page of ``call(**kwargs)``, following ``LastEvaluatedKey``.

    The caller may stop early (a capped preview scan does); no request is made for a
    page nobody asks for."""
    while True:
        response = call(**kwargs)
        yield response
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        kwargs["ExclusiveStartKey"] = last_key


def items(call: Callable[..., Page], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of every page of ``call(**kwargs)``."""
    for page in pages(call, **kwargs):
        yield from page.get("Items", [])
