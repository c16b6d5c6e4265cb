"""Getting ENOVIA data for a request: per-request dataloaders over a shared cache.

A request's resolvers ask its `RequestLoaders`; they ask the process's `ResourceStore`, which
answers from the cache (memory or Redis) while the data is fresh enough for the request,
coalesces identical fetches in flight (single flight), and serves a stale entry, labelled as
such, when ENOVIA fails. Every stamp is read from one `Timeline`.
"""

from loaders.cache import Cache, CacheEntry, CacheUnavailable
from loaders.dataloaders import RequestLoaders
from loaders.factory import create_cache
from loaders.keys import Kind
from loaders.memory_cache import MemoryCache
from loaders.results import Absence, Freshness, Loaded, document_deleted, worst
from loaders.single_flight import SingleFlight
from loaders.store import ResourceStore, Stamp, StoreSettings
from loaders.timeline import Timeline

__all__ = [
    "Absence",
    "Cache",
    "CacheEntry",
    "CacheUnavailable",
    "Freshness",
    "Kind",
    "Loaded",
    "MemoryCache",
    "RequestLoaders",
    "ResourceStore",
    "SingleFlight",
    "Stamp",
    "StoreSettings",
    "Timeline",
    "create_cache",
    "document_deleted",
    "worst",
]
