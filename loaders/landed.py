"""What this process's last fetches brought back, for the requests that were waiting for them."""

from __future__ import annotations

from collections import OrderedDict

from loaders.cache import CacheEntry


class RecentlyLanded:
    """The last entry this process fetched from ENOVIA per cache key, the most recent
    `max_keys` keys at most.

    A request that asks for data "now" (`maxAge: 0`) may share a fetch that was in flight
    when it arrived: that is single flight. It may as well share one that landed between its
    arrival and its lookup (a burst keeps the event loop busy for longer than ENOVIA takes to
    answer): such an entry came from ENOVIA after the request was made, exactly what a fetch
    of its own would give, so it is as live as one. Only this process's own fetches are kept,
    all stamped by one clock: an entry from another replica (whose clock may be off) never
    counts as fetched "after" anything here.
    """

    def __init__(self, max_keys: int = 1024) -> None:
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._max_keys = max_keys

    def put(self, cache_key: str, entry: CacheEntry) -> None:
        self._entries[cache_key] = entry
        self._entries.move_to_end(cache_key)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)

    def since(self, cache_key: str, asked_at: float) -> CacheEntry | None:
        """The entry fetched for `cache_key` at or after `asked_at`, if the last one was."""
        entry = self._entries.get(cache_key)
        if entry is None or entry.fetched_at < asked_at:
            return None
        return entry

    def forget(self, *prefixes: str) -> None:
        """Drop the entries whose keys start with any of `prefixes`."""
        for cache_key in [key for key in self._entries if key.startswith(prefixes)]:
            del self._entries[cache_key]
