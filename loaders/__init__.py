"""Getting ENOVIA data for a request: per-request dataloaders over a shared cache.

A request's resolvers ask its `RequestLoaders`; they ask the process's `ResourceStore`, which
answers from the cache (memory or Redis) while the data is fresh enough for the request,
coalesces identical fetches in flight (single flight), and serves a stale entry, labelled as
such, when ENOVIA fails. Every stamp is read from one `Timeline`.
"""

from loaders.cache import Cache, CacheEntry, CacheUnavailable
from loaders.dataloaders import RequestLoaders
from loaders.factory import create_cache, create_watch_bus
from loaders.keys import Kind
from loaders.memory_cache import MemoryCache
from loaders.results import Absence, Freshness, Loaded, document_deleted, worst
from loaders.single_flight import SingleFlight
from loaders.store import ResourceStore, Stamp, StoreSettings
from loaders.timeline import Timeline
from loaders.watch import Check, Resource, Watch, Watches

__all__ = [
    "Absence",
    "Cache",
    "CacheEntry",
    "CacheUnavailable",
    "Check",
    "Freshness",
    "Kind",
    "Loaded",
    "MemoryCache",
    "RequestLoaders",
    "Resource",
    "ResourceStore",
    "SingleFlight",
    "Stamp",
    "StoreSettings",
    "Timeline",
    "Watch",
    "Watches",
    "create_cache",
    "create_watch_bus",
    "document_deleted",
    "worst",
]
