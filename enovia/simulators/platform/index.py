"""The search index: what `documents/search` finds, lagging behind the documents.

3DSpace's full-text index is fed asynchronously, so a search reflects the objects as they
were some time ago. The index keeps, for each name (case-folded), the history of what it
held: `(since, hits)` versions stamped with the monotonic clock. A search made `lag` seconds
behind reads, for each name, the last version that was already there `lag` seconds ago.
A hit is the object's JSON as it was indexed, so a stale hit also shows stale data.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Final

# One indexed object: its `data` entry of the documents envelope, never changed once made.
Hit = Mapping[str, object]
Hits = tuple[Hit, ...]

# Versions kept per name: a name changed more often than this forgets its oldest states
# (a search lagging further back then sees the oldest one kept).
HISTORY_LIMIT: Final = 64
# Versions loaded with the store were there "forever": any lag still sees them.
_ALWAYS: Final = -math.inf


def name_key(name: str) -> str:
    """The index's key for *name*: search ignores case."""
    return name.casefold()


class SearchIndex:
    """Hits by case-folded name, each with its history; `clock` is monotonic seconds.

    Not thread-safe: use it from the server's event loop.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._history: dict[str, list[tuple[float, Hits]]] = {}
        # Every key, sorted, for prefix searches by bisection.
        self._keys: list[str] = []

    def load(self, entries: Mapping[str, Hits]) -> None:
        """Forget everything; index *entries* (key → hits) as having always been there."""
        self._history = {key: [(_ALWAYS, hits)] for key, hits in entries.items() if hits}
        self._keys = sorted(self._history)

    def knows(self, key: str) -> bool:
        """Whether *key* ever had a version (even one with no hits now)."""
        return key in self._history

    def seed(self, key: str, hits: Hits) -> None:
        """*key*, new to the index, has always held *hits* (the GEN family: it existed before
        anything about it was recorded). No-op when *key* has a history or *hits* is empty."""
        if key in self._history or not hits:
            return
        self._history[key] = [(_ALWAYS, hits)]
        bisect.insort(self._keys, key)

    def record(self, key: str, hits: Hits) -> None:
        """*key* holds *hits* from now on."""
        history = self._history.get(key)
        if history is None:
            history = self._history[key] = []
            bisect.insort(self._keys, key)
        history.append((self._clock(), hits))
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]
            # The oldest kept version now stands for everything before it.
            history[0] = (_ALWAYS, history[0][1])

    def prefix(self, prefix: str, lag: float) -> list[Hit]:
        """Every hit of a name starting with *prefix* (case-folded), as of *lag* seconds ago;
        in name order."""
        at = self._clock() - lag
        start = bisect.bisect_left(self._keys, prefix)
        hits: list[Hit] = []
        for key in self._keys[start:]:
            if not key.startswith(prefix):
                break
            hits.extend(self._at(key, at))
        return hits

    def exact(self, key: str, lag: float) -> Hits:
        """The hits of exactly *key*, as of *lag* seconds ago."""
        return self._at(key, self._clock() - lag)

    def scan(self, lag: float) -> Iterator[Hit]:
        """Every hit, as of *lag* seconds ago, in name order (for free-text search)."""
        at = self._clock() - lag
        for key in self._keys:
            yield from self._at(key, at)

    def _at(self, key: str, at: float) -> Hits:
        history = self._history.get(key, ())
        found: Hits = ()
        for since, hits in history:
            if since > at:
                break
            found = hits
        return found
