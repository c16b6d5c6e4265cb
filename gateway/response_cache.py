"""A response cache for identical operations with identical variables.

An answer is kept only when every piece of ENOVIA data behind it came from the in-process
cache (so its freshness is CACHED, never LIVE or STALE) and it holds no error; it is replayed
only while each of those cache entries is still the one the cache holds, within its time to
live. A replay is then exactly what executing the operation again would answer, at a fraction
of the cost. `actuality` with `maxAge: 0` always asks ENOVIA, so it is never replayed; nor is
anything on a Redis cache (whose entries another replica may replace or invalidate).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

from loaders import ResourceStore, Stamp


@dataclass(frozen=True, slots=True)
class _Kept:
    data: dict[str, Any]
    stamps: tuple[Stamp, ...]


class ResponseCache:
    """At most `max_entries` answers, least recently used dropped first."""

    def __init__(self, store: ResourceStore, max_entries: int = 1000) -> None:
        self._store = store
        self._max_entries = max_entries
        self._kept: OrderedDict[bytes, _Kept] = OrderedDict()

    @staticmethod
    def key(query: str, operation_name: str | None, variables: Any) -> bytes | None:
        try:
            return orjson.dumps((query, operation_name, variables), option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None

    def get(self, key: bytes) -> dict[str, Any] | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        if not self._store.still_current(kept.stamps):
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return kept.data

    def put(self, key: bytes, data: dict[str, Any], stamps: list[Stamp]) -> None:
        if not stamps:
            return  # nothing from ENOVIA behind it (introspection...): not worth keeping
        self._kept[key] = _Kept(data, tuple(stamps))
        self._kept.move_to_end(key)
        while len(self._kept) > self._max_entries:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
