"""Reading the flat binary snapshots (match index, recommendation profiles) in one way.

Why shared: both snapshots are a header followed by raw arrays and byte blobs, written in
the writer's byte order. One reader checks every read against the end of the data, so a
truncated or padded object is refused with the same clear ``ValueError`` everywhere.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence
from typing import Any

__all__ = ["SnapshotReader", "live_slots"]


class SnapshotReader:
    """Sequential reads from ``data`` after its header; ``what`` names it in errors."""

    __slots__ = ("_data", "_pos", "_swap", "_view", "what")

    def __init__(self, data: bytes, start: int, order: int, what: str) -> None:
        self._data = data
        self._view = memoryview(data)
        self._pos = start
        self._swap = order != (0 if sys.byteorder == "little" else 1)
        self.what = what

    def take(self, nbytes: int) -> memoryview:
        if self._pos + nbytes > len(self._data):
            raise ValueError(f"truncated {self.what} snapshot")
        chunk = self._view[self._pos : self._pos + nbytes]
        self._pos += nbytes
        return chunk

    def arr(self, code: str, count: int) -> array[Any]:
        a = array(code)
        a.frombytes(self.take(a.itemsize * count))
        if self._swap:
            a.byteswap()
        return a

    def check_end(self) -> None:
        if self._pos != len(self._data):
            raise ValueError(f"corrupt {self.what} snapshot (trailing bytes)")


def live_slots(ids: bytes, offsets: Sequence[int], flags: Sequence[int], deleted: int
               ) -> dict[str, int]:
    """id -> slot for every slot whose flags lack ``deleted``: the reverse lookup both
    indexes build on first need from their ids blob and offsets (not stored in the
    snapshot, whose loads only need the forward direction)."""
    return {
        ids[offsets[i] : offsets[i + 1]].decode(): i
        for i in range(len(flags))
        if not flags[i] & deleted
    }
