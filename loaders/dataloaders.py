"""Per-request dataloaders: each ENOVIA resource has one value per request, loaded once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from opentelemetry.trace import Tracer

from enovia import Document, Revision, RevisionList, Upstream, UpstreamUnavailable
from loaders.keys import Kind
from loaders.results import Loaded
from loaders.store import ResourceStore, Stamp

V = TypeVar("V")
M = TypeVar("M", Document, Revision, RevisionList)

RevisionKey = tuple[str, str]


class _Loader(DataLoader):  # type: ignore[type-arg]
    """An aiodataloader whose batch runs each key's load concurrently (ENOVIA has no batch
    endpoint), with each failure kept to its own key. With a `tracer`, each batch has a span
    (`loader.batch <kind>`, with `loader.kind` and `loader.batch_size`), the parent of the
    ENOVIA calls it makes."""

    def __init__(
        self, load_one: Callable[[Any], Awaitable[Any]], kind: Kind, tracer: Tracer | None
    ) -> None:
        super().__init__()
        self._load_one = load_one
        self._kind = kind
        self._tracer = tracer

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[Any]:
        if self._tracer is None:
            return await asyncio.gather(*map(self._load_one, keys), return_exceptions=True)
        kind = self._kind.value
        with self._tracer.start_as_current_span(
            f"loader.batch {kind}",
            attributes={"loader.kind": kind, "loader.batch_size": len(keys)},
        ):
            return await asyncio.gather(*map(self._load_one, keys), return_exceptions=True)


class RequestLoaders:
    """The dataloaders of one GraphQL request; made in the request's context, never shared.

    Each resource (a document, one of its revisions, its latest released revision) is loaded
    at most once per request and has one value in the whole answer: the freshest any field
    asks for. So that the first field to ask already loads it fresh enough, the request's
    strictest `maxAge` per document is declared up front (`require_max_age`), before any load;
    the document itself takes it only where a verdict's field asks for it, so that a scan's
    document card stays cached while its verdict asks ENOVIA.

    `document`, `revision` and `latest` return futures. What the in-process cache holds
    fresh enough is there at once (an already resolved future: no task, no wait); anything
    else starts loading on the next loop turn, together with every other load requested
    meanwhile, so a resolver can ask for what its children will need before it waits for its
    own data: one ENOVIA round trip.

    `observe`, when given, is told where each value came from: the cache entry's stamp of a
    value the cache held (`ResourceStore.still_current` tells later whether it still holds
    it), None for a value that had to be fetched or cannot be checked so.

    `offline`, when given, says why ENOVIA is known to be unreachable (a watcher's poll just
    failed): nothing is fetched, and a value the cache cannot give fresh enough is its STALE
    entry, or `UpstreamUnavailable` with that reason.

    `tracer`, when given, traces each batch of loads (see `_Loader`); None: tracing is off.
    """

    def __init__(
        self,
        store: ResourceStore,
        upstream: Upstream,
        *,
        observe: Callable[[Stamp | None], None] | None = None,
        offline: str | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._store = store
        self._upstream = upstream
        self._observe = observe
        self._offline = offline
        self._tracer = tracer
        # Made at the first miss of their kind: a request the cache answers whole makes none.
        self._loaders: dict[Kind, _Loader] = {}
        #: Each resource asked for, and the future of its one value in this request.
        self._asked: dict[tuple[Kind, object], asyncio.Future[Any]] = {}
        self._max_ages: dict[str, float] = {}
        self._document_max_ages: dict[str, float] = {}
        #: When this request began, on the store's timeline: what the data may be as old as
        #: is measured from here.
        self.began = store.now()

    def require_max_age(self, uid: str, max_age: float, *, document: bool = False) -> None:
        """Document `uid`'s revisions and latest released revision (and the document itself,
        with `document`) are loaded at most `max_age` seconds old in this request (declared
        before loading any)."""
        _narrow(self._max_ages, uid, max_age)
        if document:
            _narrow(self._document_max_ages, uid, max_age)

    def document(self, uid: str, max_age: float | None = None) -> asyncio.Future[Loaded[Document]]:
        """Document `uid`; `max_age` narrows what may be loaded when this is the request's
        first ask for it (after that, the request has its one value)."""
        if max_age is not None and (Kind.DOCUMENT, uid) not in self._asked:
            _narrow(self._document_max_ages, uid, max_age)
        return self._load(Kind.DOCUMENT, uid, uid, None)

    def revision(self, uid: str, label: str) -> asyncio.Future[Loaded[Revision]]:
        return self._load(Kind.REVISION, (uid, label), uid, label)

    def latest(self, uid: str) -> asyncio.Future[Loaded[Revision]]:
        return self._load(Kind.LATEST, uid, uid, None)

    def revisions(self, uid: str) -> asyncio.Future[Loaded[RevisionList]]:
        """Every revision of document `uid`, oldest first (`UnsupportedByUpstream` where the
        upstream cannot list them)."""
        return self._load(Kind.REVISIONS, uid, uid, None)

    def _max_age(self, kind: Kind, uid: str) -> float | None:
        ages = self._document_max_ages if kind is Kind.DOCUMENT else self._max_ages
        return ages.get(uid)

    def _load(self, kind: Kind, key: object, uid: str, label: str | None) -> asyncio.Future[Any]:
        asked = self._asked.get((kind, key))
        if asked is not None:
            return asked
        hit = self._store.peek(kind, uid, label, self._max_age(kind, uid), self.began)
        if hit is not None:
            # What the cache holds fresh enough is the value now: no loader, no batch.
            loaded, stamp = hit
            if self._observe is not None:
                self._observe(stamp)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(loaded)
        else:
            if self._observe is not None:
                self._observe(None)
            future = _quiet(self._loader(kind).load(key))
        self._asked[(kind, key)] = future
        return future

    def _loader(self, kind: Kind) -> _Loader:
        loader = self._loaders.get(kind)
        if loader is None:
            loaders: dict[Kind, Callable[[Any], Awaitable[Any]]] = {
                Kind.DOCUMENT: self._document,
                Kind.REVISION: self._revision,
                Kind.LATEST: self._latest_revision,
                Kind.REVISIONS: self._revision_list,
            }
            load_one = loaders[kind]
            loader = self._loaders[kind] = _Loader(load_one, kind, self._tracer)
        return loader

    async def _document(self, uid: str) -> Loaded[Document]:
        return await self._from_store(Kind.DOCUMENT, uid, None, self._upstream.get_document)

    async def _revision(self, key: RevisionKey) -> Loaded[Revision]:
        uid, label = key
        return await self._from_store(
            Kind.REVISION, uid, label, lambda _: self._upstream.get_revision(uid, label)
        )

    async def _latest_revision(self, uid: str) -> Loaded[Revision]:
        return await self._from_store(Kind.LATEST, uid, None, self._upstream.get_latest_revision)

    async def _revision_list(self, uid: str) -> Loaded[RevisionList]:
        return await self._from_store(Kind.REVISIONS, uid, None, self._list_revisions)

    async def _list_revisions(self, uid: str) -> RevisionList:
        return RevisionList(revisions=tuple(await self._upstream.list_revisions(uid)))

    async def _from_store(
        self, kind: Kind, uid: str, label: str | None, fetch: Callable[[str], Awaitable[M]]
    ) -> Loaded[M]:
        return await self._store.load(
            kind,
            uid,
            label,
            (lambda: fetch(uid)) if self._offline is None else self._unreachable,
            max_age=self._max_age(kind, uid),
            began=self.began,
        )

    async def _unreachable(self) -> Any:
        raise UpstreamUnavailable(self._offline or "ENOVIA is unreachable")


def _narrow(max_ages: dict[str, float], uid: str, max_age: float) -> None:
    held = max_ages.get(uid)
    max_ages[uid] = max_age if held is None else min(held, max_age)


def _quiet(future: asyncio.Future[V]) -> asyncio.Future[V]:
    """A load started ahead may end unread (its parent failed): mark its error as seen."""
    future.add_done_callback(_consume)
    return future


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
