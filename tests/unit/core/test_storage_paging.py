"""storage/paging.py: the one DynamoDB pagination loop follows LastEvaluatedKey to the end
and stops asking when the caller stops reading."""

from __future__ import annotations

from typing import Any

from paperbell.storage import paging


class FakeScan:
    """Three pages of two items, like a scan answering 1 MB at a time."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(dict(kwargs))
        start = int(kwargs.get("ExclusiveStartKey", {}).get("n", 0))
        page: dict[str, Any] = {"Items": [{"n": start}, {"n": start + 1}], "ScannedCount": 2}
        if start + 2 < 6:
            page["LastEvaluatedKey"] = {"n": start + 2}
        return page


def test_items_follow_every_page_and_keep_the_callers_arguments():
    scan = FakeScan()
    assert [i["n"] for i in paging.items(scan, FilterExpression="f")] == [0, 1, 2, 3, 4, 5]
    assert [c.get("ExclusiveStartKey") for c in scan.calls] == [None, {"n": 2}, {"n": 4}]
    assert all(c["FilterExpression"] == "f" for c in scan.calls)


def test_a_caller_that_stops_early_makes_no_further_request():
    scan = FakeScan()
    for page in paging.pages(scan):
        if page["Items"][0]["n"] >= 2:
            break
    assert len(scan.calls) == 2
