"""Per-request dataloaders: each distinct ENOVIA resource is asked for once per request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader

from gateway.enovia import Document, EnoviaClient, Revision
from loaders.loaded import Loaded
from loaders.store import KEY_SEPARATOR, Kind, ResourceStore, Stamp

K = TypeVar("K")
V = TypeVar("V")

#: `max_age` in a key: None means "the kind's time to live".
DocumentKey = str
RevisionKey = tuple[str, str, float | None]
LatestKey = tuple[str, float | None]


class _Loader(DataLoader):  # type: ignore[type-arg]
    """An aiodataloader whose batch runs each key's load concurrently (ENOVIA has no batch
    endpoint), with each failure kept to its own key."""

    def __init__(self, load_one: Callable[[Any], Awaitable[Any]]) -> None:
        super().__init__()
        self._load_one = load_one

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[Any]:
        return await asyncio.gather(*map(self._load_one, keys), return_exceptions=True)


class RequestLoaders:
    """The dataloaders of one GraphQL request; made in the request's context, never shared.

    `document`, `revision` and `latest` return futures. What the in-process cache holds
    within its time to live is there at once (an already resolved future: no task, no wait);
    anything else starts loading on the next loop turn, together with every other load
    requested meanwhile, so a resolver can ask for what its children will need before it
    waits for its own data: one ENOVIA round trip.
    """

    def __init__(self, store: ResourceStore, client: EnoviaClient) -> None:
        self._store = store
        self._client = client
        self._documents = _Loader(self._document)
        self._revisions = _Loader(self._revision)
        self._latest = _Loader(self._latest_revision)
        self._asked: set[tuple[Kind, object]] = set()
        #: When this request was made: a fetch that landed since is as live as its own.
        self._asked_at = store.now()
        #: The cache entries this request's answers came from, while all were cache hits;
        #: None once anything had to be fetched (or was not from the store at all).
        self.stamps: list[Stamp] | None = []

    def document(self, uid: str) -> asyncio.Future[Loaded[Document]]:
        return self._load(self._documents, Kind.DOCUMENT, uid, uid, None)

    def revision(
        self, uid: str, label: str, max_age: float | None = None
    ) -> asyncio.Future[Loaded[Revision]]:
        store_key = f"{uid}{KEY_SEPARATOR}{label}"
        return self._load(self._revisions, Kind.REVISION, (uid, label, max_age), store_key, max_age)

    def latest(self, uid: str, max_age: float | None = None) -> asyncio.Future[Loaded[Revision]]:
        return self._load(self._latest, Kind.LATEST, (uid, max_age), uid, max_age)

    def _load(
        self, loader: _Loader, kind: Kind, key: object, store_key: str, max_age: float | None
    ) -> asyncio.Future[Any]:
        if (kind, key) in self._asked:
            return loader.load(key)
        self._asked.add((kind, key))
        hit = self._store.peek(kind, store_key, max_age)
        if hit is not None:
            loaded, stamp = hit
            if self.stamps is not None:
                self.stamps.append(stamp)
            loader.prime(key, loaded)
            return loader.load(key)
        self.stamps = None
        return _quiet(loader.load(key))

    def not_from_the_store(self) -> None:
        """This request's answer depends on something besides cached ENOVIA data."""
        self.stamps = None

    async def _document(self, uid: DocumentKey) -> Loaded[Document]:
        return await self._store.load(
            Kind.DOCUMENT, uid, lambda: self._client.get_document(uid), asked_at=self._asked_at
        )

    async def _revision(self, key: RevisionKey) -> Loaded[Revision]:
        uid, label, max_age = key
        return await self._store.load(
            Kind.REVISION,
            f"{uid}{KEY_SEPARATOR}{label}",
            lambda: self._client.get_revision(uid, label),
            max_age=max_age,
            asked_at=self._asked_at,
        )

    async def _latest_revision(self, key: LatestKey) -> Loaded[Revision]:
        uid, max_age = key
        return await self._store.load(
            Kind.LATEST,
            uid,
            lambda: self._client.get_latest_revision(uid),
            max_age=max_age,
            asked_at=self._asked_at,
        )


def _quiet(future: asyncio.Future[V]) -> asyncio.Future[V]:
    """A load started ahead may end unread (its parent failed): mark its error as seen."""
    future.add_done_callback(_consume)
    return future


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
