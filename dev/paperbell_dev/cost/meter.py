"""Measure what a run costs in DynamoDB capacity units, not just in API calls.

``UsageMeter`` extends :class:`paperbell_dev.local.api_calls.ApiCallCounter` (the same
botocore hooks): besides counting calls by (service, operation) it estimates the
read/write request units each DynamoDB call consumes from the bytes it moves.

How the units are estimated (DynamoDB on-demand rules, approximated):
- A write costs ceil(item size / 1 KB) WRU. PutItem: the size of the item sent.
  UpdateItem/DeleteItem: the size of the item last written under that key in this run
  (else 1 WRU). BatchWriteItem: the sum over its items.
- A global secondary index is written only for items that hold ALL its key attributes
  (a sparse index): a put that creates an entry costs the index 1 WRU, a put or update
  that changes an entry's key costs 2 (delete + insert), one that removes the entry 1,
  and a write that leaves the entry's key alone nothing (the indexes here are KEYS_ONLY,
  so nothing else is projected). The meter remembers which items it saw written into
  which index; an item written before the meter started counts as not indexed.
- A read costs ceil(bytes returned / 4 KB) RRU, halved when eventually consistent;
  BatchGetItem rounds per item, as DynamoDB does.
- An item's size is the length of its JSON encoding without type descriptors, close to
  DynamoDB's "attribute names + values" rule (a slight over-estimate).
Conditional writes that fail still consume a write; the meter counts them too.

It also clocks every call (``call_seconds``: from botocore's before-call to its
after-call, i.e. the in-process moto time plus the SDK's own work), so the cost model
can take the time paperbell itself spends out of a handler's measured time, instead of
billing moto's CPU as Lambda time.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping
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
    indexes: one set per index (a single set is one index)."""

    def __init__(
        self, gsi_keys: Mapping[str, set[str] | Iterable[set[str]]] | None = None
    ) -> None:
        super().__init__()
        self.gsi_keys: dict[str, list[frozenset[str]]] = {}
        for name, keys in (gsi_keys or {}).items():
            sets = [keys] if keys and all(isinstance(k, str) for k in keys) else list(keys)
            self.gsi_keys[name] = [frozenset(s) for s in sets]  # type: ignore[arg-type]
        self.wru: Counter[tuple[str, str]] = Counter()
        self.rru: dict[tuple[str, str], float] = {}
        self._sizes: dict[tuple[str, str], int] = {}
        #: item -> (index number -> that index's key values) for items in an index
        self._entries: dict[tuple[str, str], dict[int, str]] = {}
        #: Seconds spent inside AWS calls (moto + botocore), summed over every call.
        self.call_seconds = 0.0

    def __enter__(self) -> UsageMeter:
        super().__enter__()
        events = aws.session().events
        events.register("before-call.dynamodb", self._before_dynamodb)
        events.register("after-call.dynamodb", self._after_dynamodb)
        events.register_first("before-call", self._start_clock)
        events.register_last("after-call", self._stop_clock)
        return self

    def __exit__(self, *exc: object) -> None:
        events = aws.session().events
        events.unregister("before-call.dynamodb", self._before_dynamodb)
        events.unregister("after-call.dynamodb", self._after_dynamodb)
        events.unregister("before-call", self._start_clock)
        events.unregister("after-call", self._stop_clock)
        super().__exit__(*exc)

    def reset(self) -> None:
        super().reset()
        self.wru.clear()
        self.rru.clear()
        self.call_seconds = 0.0

    # -- clock -------------------------------------------------------------------------
    @staticmethod
    def _start_clock(context: Any = None, **_: Any) -> None:
        if isinstance(context, dict):
            context["paperbell_started"] = time.perf_counter()

    def _stop_clock(self, context: Any = None, **_: Any) -> None:
        if isinstance(context, dict) and "paperbell_started" in context:
            self.call_seconds += time.perf_counter() - context.pop("paperbell_started")

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

    def _index_entries(self, table: str, item: Mapping[str, Any]) -> dict[int, str]:
        """The index entries an item with these attributes has: index -> key values."""
        return {
            n: json.dumps([_plain(item[k]) for k in sorted(keys)])
            for n, keys in enumerate(self.gsi_keys.get(table, []))
            if all(k in item for k in keys)
        }

    @staticmethod
    def _entry_writes(old: Mapping[int, str], new: Mapping[int, str]) -> int:
        """Index writes to go from the entries ``old`` to ``new``."""
        writes = 0
        for n in set(old) | set(new):
            if n in old and n in new:
                writes += 2 if old[n] != new[n] else 0
            else:
                writes += 1
        return writes

    def _put_index_writes(self, keyset: tuple[str, str] | None, table: str,
                          item: Mapping[str, Any]) -> int:
        new = self._index_entries(table, item)
        old = self._entries.get(keyset, {}) if keyset else {}
        if keyset:
            self._entries[keyset] = new
        return self._entry_writes(old, new)

    def _update_index_writes(self, table: str, key: tuple[str, str], expression: str,
                             names: Mapping[str, str]) -> int:
        """An UpdateItem: the indexes whose key attributes the expression names. A REMOVE
        (or a SET of an entry not seen yet) is one write, a SET of an entry's key two."""
        spelled = {v for k, v in names.items() if k in expression}
        removed = expression.partition("REMOVE")[2]
        old = self._entries.get(key, {})
        new = dict(old)
        writes = 0
        for n, keys in enumerate(self.gsi_keys.get(table, [])):
            touched = {a for a in keys if a in expression or a in spelled}
            if not touched:
                continue
            if any(a in removed for a in touched):
                writes += 1 if n in old else 0
                new.pop(n, None)
            else:
                writes += 2 if n in old else 1
                new[n] = "?"  # the new key value is in the expression values
        self._entries[key] = new
        return writes

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
            units = write_units(size) + self._put_index_writes(keyset, table, item)
        elif op == "UpdateItem":
            key = self._key(table, body.get("Key", {}))
            units = write_units(self._sizes.get(key, 1))
            names = body.get("ExpressionAttributeNames", {}) or {}
            units += self._update_index_writes(
                table, key, str(body.get("UpdateExpression", "")), names
            )
        elif op == "DeleteItem":
            key = self._key(table, body.get("Key", {}))
            units = write_units(self._sizes.get(key, 1))
            units += len(self._entries.pop(key, {}))
        elif op == "BatchWriteItem":
            for name, requests in (body.get("RequestItems") or {}).items():
                for request in requests:
                    item = (request.get("PutRequest") or {}).get("Item")
                    if item:
                        keyset = self._key_of(name, item)
                        units += write_units(item_size(item))
                        units += self._put_index_writes(keyset, name, item)
                        continue
                    delete_key = self._key(
                        name, (request.get("DeleteRequest") or {}).get("Key") or {}
                    )
                    units += write_units(self._sizes.get(delete_key, 1))
                    units += len(self._entries.pop(delete_key, {}))
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
