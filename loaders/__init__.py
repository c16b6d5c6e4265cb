"""Getting ENOVIA data for a request: per-request dataloaders over a shared cache.

A request's resolvers ask its `RequestLoaders`; they ask the process's `ResourceStore`, which
answers from the cache (memory or Redis) within the time to live, coalesces identical fetches
in flight (single flight), and serves a stale entry, labelled as such, when ENOVIA fails.
"""

from loaders.cache import Cache, CacheEntry, MemoryCache, create_cache
from loaders.dataloaders import RequestLoaders
from loaders.loaded import Absence, Freshness, Loaded, worst
from loaders.single_flight import SingleFlight
from loaders.store import Kind, ResourceStore, Stamp, StoreSettings

__all__ = [
    "Absence",
    "Cache",
    "CacheEntry",
    "Freshness",
    "Kind",
    "Loaded",
    "MemoryCache",
    "RequestLoaders",
    "ResourceStore",
    "SingleFlight",
    "Stamp",
    "StoreSettings",
    "create_cache",
    "worst",
]
