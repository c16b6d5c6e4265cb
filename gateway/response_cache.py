"""A response cache for identical requests.

An answer is kept only when every piece of ENOVIA data behind it came from the in-process
cache (so its freshness is CACHED, never LIVE or STALE) and it holds no error; it is replayed
only while each of those cache entries is still the one the cache holds, within its time to
live. A replay is then exactly what executing the operation again would answer, at a fraction
of the cost. `actuality` with `maxAge: 0` always asks ENOVIA, so it is never replayed; nor is
anything on a Redis cache (whose entries another replica may replace or invalidate).

Requests are keyed by their raw body (POST only, small bodies only) and their Accept-Language
(which labels follow): the same bytes are the same operation, variables and extensions, so
nothing needs parsing to find a replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache

from loaders import ResourceStore, Stamp


class Provenance:
    """Where one request's data came from, as far as the response cache cares: the cache
    entries behind it, while every value was a cache hit (`RequestLoaders(observe=note)`);
    None from the first value that was not, or once anything else went into the answer
    (`spoil`: the health field)."""

    __slots__ = ("stamps",)

    def __init__(self) -> None:
        self.stamps: list[Stamp] | None = []

    def note(self, stamp: Stamp | None) -> None:
        if stamp is None:
            self.stamps = None
        elif self.stamps is not None:
            self.stamps.append(stamp)

    def spoil(self) -> None:
        self.stamps = None


#: Bodies longer than this are not kept: a key is the body itself.
MAX_KEY_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Replay:
    body: bytes  # the encoded answer, `{"data": ...}`
    operation_name: str | None
    # Stamps are plain tuples of strings and floats, which CPython's cycle collector stops
    # tracking, where it would walk every named tuple on each full collection. A thousand
    # kept answers of 100 documents hold 200,000 stamps: as named tuples they made each full
    # collection take about 50 ms, the executed 100-document query's p99.
    stamps: tuple[Stamp, ...]


class ResponseCache:
    """At most `max_entries` answers and `max_bytes` of keys and answers, least recently used
    dropped first."""

    def __init__(self, store: ResourceStore, *, max_entries: int, max_bytes: int) -> None:
        self._store = store
        self._max_entries = max_entries
        # Each answer with its size (key and body): bounded in bytes here, in entries by `put`.
        self._kept: LRUCache[bytes, tuple[Replay, int]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda kept: kept[1]
        )

    @staticmethod
    def key(body: bytes, accept_language: str = "") -> bytes | None:
        if not 0 < len(body) <= MAX_KEY_BYTES:
            return None
        return body + b"\x00" + accept_language.encode() if accept_language else body

    def get(self, key: bytes) -> Replay | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        replay = kept[0]
        if not self._store.still_current(replay.stamps):
            del self._kept[key]
            return None
        return replay

    def put(
        self, key: bytes, data: dict[str, Any], operation_name: str | None, stamps: list[Stamp]
    ) -> bytes | None:
        """Keeps the answer `{"data": data}` for `key`; returns its encoding when kept (the
        bytes the answer is sent as), else None."""
        if not stamps:
            return None  # nothing from ENOVIA behind it (introspection...): not worth keeping
        body = orjson.dumps({"data": data})
        size = len(key) + len(body)
        if size > self._kept.maxsize:
            return None
        kept = self._kept
        kept.pop(key, None)  # a replaced answer makes room before anything else is dropped
        kept[key] = (Replay(body, operation_name, tuple(stamps)), size)
        while len(kept) > self._max_entries:
            kept.popitem()
        return body

    @property
    def size_in_bytes(self) -> int:
        return int(self._kept.currsize)

    def __len__(self) -> int:
        return len(self._kept)
