"""Measure what a run costs in DynamoDB capacity units, not just in API calls.

``UsageMeter`` extends :class:`paperbell_dev.local.api_calls.ApiCallCounter` (the same
botocore hooks): besides counting calls by (service, operation) it estimates the
read/write request units each DynamoDB call consumes from the bytes it moves.

How the units are estimated (DynamoDB on-demand rules, approximated):
- A write costs ceil(item size / 1 KB) WRU. PutItem: the size of the item sent.
  UpdateItem/DeleteItem: the size of the item last written under that key in this run
  (else 1 WRU). BatchWriteItem: the sum over its items.
- A write that adds, changes or removes a global secondary index key costs the index
  one more write per index (the indexes here are KEYS_ONLY, so 1 WRU each).
- A read costs ceil(bytes returned / 4 KB) RRU, halved when eventually consistent;
  BatchGetItem rounds per item, as DynamoDB does.
- An item's size is the length of its JSON encoding without type descriptors, close to
  DynamoDB's "attribute names + values" rule (a slight over-estimate).
Conditional writes that fail still consume a write; the meter counts them too.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from paperbell import aws
from paperbell_dev.local.api_calls import ApiCallCounter

_TYPE_KEYS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


def _plain(value: Any) -> Any:
    """A DynamoDB wire value ({"S": "x"}) or a plain value, as plain JSON data."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind in _TYPE_KEYS:
                if kind == "M":
                    return {k: _plain(v) for k, v in inner.items()}
                if kind == "L":
                    return [_plain(v) for v in inner]
                if kind in {"SS", "NS", "BS"}:
                    return [str(v) for v in inner]
                return str(inner) if kind in {"N", "B"} else inner
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset, list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def item_size(item: Mapping[str, Any]) -> int:
    """Approximate DynamoDB item size in bytes."""
    return len(json.dumps(_plain(item), separators=(",", ":"), ensure_ascii=False).encode())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


class UsageMeter(ApiCallCounter):
    """Calls by (service, operation), plus DynamoDB WRU/RRU by operation.

    ``gsi_keys`` maps a table name to the key attributes of its global secondary
    indexes (a write touching one costs the index a write too)."""

    def __init__(self, gsi_keys: Mapping[str, set[str]] | None = None) -> None:
        super().__init__()
        self.gsi_keys = {k: set(v) for k, v in (gsi_keys or {}).items()}
        self.wru: Counter[tuple[str, str]] = Counter()
        self.rru: dict[tuple[str, str], float] = {}
        self._sizes: dict[tuple[str, str], int] = {}

    def __enter__(self) -> UsageMeter:
        super().__enter__()
        aws.session().events.register("before-call.dynamodb", self._before_dynamodb)
        aws.session().events.register("after-call.dynamodb", self._after_dynamodb)
        return self

    def __exit__(self, *exc: object) -> None:
        aws.session().events.unregister("before-call.dynamodb", self._before_dynamodb)
        aws.session().events.unregister("after-call.dynamodb", self._after_dynamodb)
        super().__exit__(*exc)

    def reset(self) -> None:
        super().reset()
        self.wru.clear()
        self.rru.clear()

    # -- hooks -----------------------------------------------------------------------
    @staticmethod
    def _body(params: Mapping[str, Any]) -> dict[str, Any]:
        body = params.get("body") or b"{}"
        try:
            data = json.loads(body)
        except (TypeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _key(self, table: str, key: Mapping[str, Any]) -> tuple[str, str]:
        return table, json.dumps(_plain(key), sort_keys=True)

    def _gsi_writes(self, table: str, touched: set[str]) -> int:
        return 1 if self.gsi_keys.get(table, set()) & touched else 0

    def _before_dynamodb(
        self, model: Any, params: Mapping[str, Any], context: Any = None, **_: Any
    ) -> None:
        op = model.name
        body = self._body(params)
        if isinstance(context, dict):  # the same dict reaches the after-call hook
            context["paperbell_consistent"] = bool(body.get("ConsistentRead"))
        table = str(body.get("TableName", ""))
        units = 0
        if op == "PutItem":
            item = body.get("Item", {})
            size = item_size(item)
            keyset = self._key_of(table, item)
            if keyset is not None:
                self._sizes[keyset] = size
            units = write_units(size) + self._gsi_writes(table, set(item))
        elif op in {"UpdateItem", "DeleteItem"}:
            key = self._key(table, body.get("Key", {}))
            units = write_units(self._sizes.get(key, 1))
            expression = str(body.get("UpdateExpression", ""))
            names = body.get("ExpressionAttributeNames", {}) or {}
            touched = {a for a in self.gsi_keys.get(table, set()) if a in expression}
            touched |= {v for k, v in names.items() if k in expression}
            if op == "DeleteItem":
                touched = set(self.gsi_keys.get(table, set()))
            units += self._gsi_writes(table, touched)
        elif op == "BatchWriteItem":
            for name, requests in (body.get("RequestItems") or {}).items():
                for request in requests:
                    item = (request.get("PutRequest") or {}).get("Item")
                    delete_key = (request.get("DeleteRequest") or {}).get("Key") or {}
                    size = (
                        item_size(item)
                        if item
                        else self._sizes.get(self._key(name, delete_key), 1)
                    )
                    units += write_units(size) + self._gsi_writes(
                        name, set(item) if item else set(self.gsi_keys.get(name, set()))
                    )
        if units:
            self.wru[("dynamodb", op)] += units

    def _key_of(self, table: str, item: Mapping[str, Any]) -> tuple[str, str] | None:
        # The key attributes are not in the request; the tables here use these names.
        for names in (
            ("subscriber_id", "sk"),
            ("paper_id",),
            ("subscriber_id",),
            ("id",),
            ("source", "record"),
        ):
            if all(n in item for n in names):
                return self._key(table, {n: item[n] for n in names})
        return None

    def _after_dynamodb(self, model: Any, parsed: Mapping[str, Any], **kwargs: Any) -> None:
        op = model.name
        if op not in {"GetItem", "BatchGetItem", "Query", "Scan"}:
            return
        context = kwargs.get("context")
        consistent = (
            bool(context.get("paperbell_consistent")) if isinstance(context, dict) else False
        )
        units = 0.0
        if op == "GetItem":
            item = parsed.get("Item")
            units = read_units(item_size(item) if item else 0, consistent=consistent)
        elif op == "BatchGetItem":
            for items in (parsed.get("Responses") or {}).values():
                units += sum(read_units(item_size(i), consistent=False) for i in items)
            units = max(units, 0.5)
        else:  # Query/Scan: rounded over the whole page
            size = sum(item_size(i) for i in parsed.get("Items", []))
            units = read_units(size, consistent=consistent)
        self.rru[("dynamodb", op)] = self.rru.get(("dynamodb", op), 0.0) + units
