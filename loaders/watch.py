"""Watching ENOVIA resources for subscribers: one poll per resource per interval, however many
subscribers (and, with a shared bus, replicas) watch it.

A subscriber registers the resources its answer depends on (`Watches.watch`) and is told each
time a re-check of one of its documents lands (`Watch.next`): it then builds its answer again
from the cache, which the poll has just refreshed. A resource is polled every `interval`
seconds while anyone watches it, through the store with `maxAge` 0, so that what is watched is
also kept warm for queries (refresh-ahead). The polls that fall due together go out together:
one loop turn, so an upstream with batch calls batches them. Each resource keeps the phase of
its first watcher, so resources watched at different moments do not bunch.

Which process polls a resource is the bus's to say (`loaders.watch_bus`): in memory, this one;
on Redis, the replica that holds the resource's lease, which then tells every replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import structlog

from enovia import Upstream, deadline_after
from loaders.dataloaders import RequestLoaders
from loaders.keys import Kind, cache_key
from loaders.results import Freshness, Loaded
from loaders.store import ResourceStore

logger = structlog.get_logger("gateway.watch")

#: Resources falling due within this share of the interval of each other are polled together.
GROUPING = 0.1


class Resource(NamedTuple):
    """One watched ENOVIA resource: document `uid`'s document, latest released revision,
    list of revisions, or revision `label`."""

    kind: Kind
    uid: str
    label: str | None = None

    @property
    def key(self) -> str:
        return cache_key(self.kind, self.uid, self.label)


@dataclass(frozen=True, slots=True)
class Check:
    """A re-check of document `uid`'s watched resources landed. `answered` is False when
    ENOVIA did not answer it (unreachable, failing, or too slow): the cache then holds
    nothing newer than before."""

    uid: str
    answered: bool


class WatchBus(Protocol):
    """Who polls what, and how the outcome reaches every process that watches."""

    async def open(
        self,
        deliver: Callable[[Sequence[Check]], None],
        recheck: Callable[[Sequence[str]], None],
    ) -> None:
        """Start listening: `deliver` gets the checks other processes publish, `recheck`
        the documents another process was told changed."""
        ...

    async def leases(self, keys: Sequence[str], ttl: float) -> set[str]:
        """The keys this process is to poll now: it holds their lease for `ttl` seconds."""
        ...

    async def release(self, keys: Sequence[str]) -> None:
        """Give up the leases of `keys` (nobody here watches them any more)."""
        ...

    async def publish(self, checks: Sequence[Check]) -> None:
        """Tell the other processes (this one is told directly)."""
        ...

    async def recheck(self, uids: Sequence[str]) -> None:
        """Tell the other processes that these documents changed (an invalidation)."""
        ...

    async def close(self) -> None: ...


class WatchCounters(Protocol):
    def watch_polls(self, outcome: str, count: int) -> None:
        """`count` resources were polled; `outcome` is "ok" or "failed"."""
        ...

    def watched(self, resources: int, polled_here: int) -> None:
        """How many resources this process watches, and polls itself (holds the lease of)."""
        ...


class Watch:
    """One subscriber's interest: the checks of its documents since it last looked. When it
    falls behind, only the newest check of each document is kept: an answer is built from
    the cache as it is now, so the older ones would change nothing."""

    def __init__(self, watches: Watches, resources: tuple[Resource, ...]) -> None:
        self._watches = watches
        self.resources = resources
        self.uids = frozenset(resource.uid for resource in resources)
        self._pending: dict[str, Check] = {}
        self._arrived = asyncio.Event()
        self._closed = False

    async def next(self) -> list[Check]:
        """The checks that landed since the last call, waiting for one."""
        await self._arrived.wait()
        self._arrived.clear()
        checks = list(self._pending.values())
        self._pending.clear()
        return checks

    def close(self) -> None:
        """Stop watching (idempotent): a resource nobody else watches is no longer polled."""
        if not self._closed:
            self._closed = True
            self._watches._release(self)

    def _tell(self, check: Check) -> None:
        self._pending[check.uid] = check
        self._arrived.set()


@dataclass(slots=True)
class _Watched:
    """A resource this process watches: by how many subscribers, when it is next due (on
    the monotonic clock), and what its last poll here found."""

    due: float
    watchers: int = 0
    polled_here: bool = False
    answered: bool | None = None
    seen: object = None

    def saw(self, answered: bool, seen: object) -> bool:
        """Note a poll's outcome (`seen`: the value and absence ENOVIA gave); whether it is
        news: another value, or ENOVIA stopped or started answering."""
        news = answered != self.answered or (answered and seen != self.seen)
        self.answered = answered
        if answered:
            self.seen = seen
        return news


class Watches:
    """The watched resources of one process, and the task that polls them.

    `clock` (monotonic seconds) is for tests.
    """

    def __init__(
        self,
        store: ResourceStore,
        upstream: Upstream,
        bus: WatchBus,
        *,
        interval: float,
        counters: WatchCounters | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._upstream = upstream
        self._bus = bus
        self.interval = interval
        self._counters = counters
        self._clock = clock
        self._watched: dict[Resource, _Watched] = {}
        self._subscribers: dict[str, set[Watch]] = {}
        self._wake = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None
        self._polls: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        await self._bus.open(self._deliver, self._recheck_here)
        self._scheduler = asyncio.create_task(self._schedule(), name="watch-scheduler")

    async def close(self) -> None:
        tasks = [task for task in (self._scheduler, *self._polls) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._bus.release([resource.key for resource in self._watched])
        await self._bus.close()

    def watch(self, resources: Iterable[Resource]) -> Watch:
        """Start watching `resources` for one subscriber; `Watch.close` when done. A resource
        new to this process is first due one interval from now: the subscriber's first answer
        is loaded by the subscriber itself."""
        watch = Watch(self, tuple(dict.fromkeys(resources)))
        due = self._clock() + self.interval
        for resource in watch.resources:
            watched = self._watched.get(resource)
            if watched is None:
                watched = self._watched[resource] = _Watched(due)
            watched.watchers += 1
        for uid in watch.uids:
            self._subscribers.setdefault(uid, set()).add(watch)
        self._report()
        self._wake.set()
        return watch

    async def recheck(self, uids: Sequence[str]) -> None:
        """These documents changed (an invalidation): poll what is watched of them now, here
        and in every process, and tell their subscribers."""
        self._recheck_here(uids)
        await self._bus.recheck(uids)

    @property
    def resources(self) -> int:
        """How many resources this process watches."""
        return len(self._watched)

    def _release(self, watch: Watch) -> None:
        for uid in watch.uids:
            subscribers = self._subscribers.get(uid)
            if subscribers is not None:
                subscribers.discard(watch)
                if not subscribers:
                    del self._subscribers[uid]
        dropped: list[str] = []
        for resource in watch.resources:
            watched = self._watched.get(resource)
            if watched is None:
                continue
            watched.watchers -= 1
            if watched.watchers <= 0:
                del self._watched[resource]
                if watched.polled_here:
                    dropped.append(resource.key)
        if dropped:
            # Another process that still watches them takes the leases over at once.
            self._spawn(self._bus.release(dropped))
        self._report()

    def _deliver(self, checks: Sequence[Check]) -> None:
        for check in checks:
            for watch in self._subscribers.get(check.uid, ()):
                watch._tell(check)

    def _recheck_here(self, uids: Sequence[str]) -> None:
        wanted = set(uids)
        due = [resource for resource in self._watched if resource.uid in wanted]
        # Polled now: the next poll is one interval from now (together, in one batch).
        next_due = self._clock() + self.interval
        for resource in due:
            self._watched[resource].due = next_due
        if due:
            self._spawn(self._poll(due, force=True))

    async def _schedule(self) -> None:
        """Poll the resources that fall due, each batch in a task of its own, and sleep
        until the next is due (or a new resource is watched)."""
        window = self.interval * GROUPING
        while True:
            now = self._clock()
            due = [r for r, watched in self._watched.items() if watched.due <= now + window]
            for resource in due:
                self._watched[resource].due = now + self.interval
            if due:
                self._spawn(self._poll(due))
            upcoming = min((watched.due for watched in self._watched.values()), default=None)
            self._wake.clear()
            wait = None if upcoming is None else max(0.0, upcoming - self._clock())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _poll(self, due: Sequence[Resource], *, force: bool = False) -> None:
        """Poll the resources whose lease this process holds, all in one go, then tell every
        process which documents changed (all of them with `force`) and whether ENOVIA
        answered."""
        # Twice the interval: the holder renews it every interval, and a holder that is gone
        # is replaced within two.
        held = await self._bus.leases([resource.key for resource in due], 2 * self.interval)
        polled = [resource for resource in due if resource.key in held]
        for resource in due:
            watched = self._watched.get(resource)
            if watched is not None:
                watched.polled_here = resource.key in held
        self._report()
        if not polled:
            return
        loaders = RequestLoaders(self._store, self._upstream)
        for resource in polled:
            loaders.require_max_age(resource.uid, 0, document=True)
        # A poll must not outlast its interval: the next one would overlap it.
        with deadline_after(self.interval):
            outcomes = await asyncio.gather(
                *(_load(loaders, resource) for resource in polled), return_exceptions=True
            )
        answered: dict[str, bool] = {}
        news: set[str] = set()
        failed = 0
        for resource, outcome in zip(polled, outcomes, strict=True):
            ok = isinstance(outcome, Loaded) and outcome.freshness is not Freshness.STALE
            failed += not ok
            answered[resource.uid] = answered.get(resource.uid, True) and ok
            seen = (outcome.value, outcome.absence) if isinstance(outcome, Loaded) else None
            watched = self._watched.get(resource)
            if watched is not None and watched.saw(ok, seen):
                news.add(resource.uid)
        if self._counters is not None:
            self._counters.watch_polls("ok", len(polled) - failed)
            if failed:
                self._counters.watch_polls("failed", failed)
        if failed:
            logger.info("watch.poll_failed", resources=len(polled), failed=failed)
        # Subscribers hear of a document when a watched resource of it changed, or ENOVIA
        # stopped or started answering (or when told it changed): an unchanged poll would
        # only make each of them build the same answer again.
        checks = [Check(uid, ok) for uid, ok in answered.items() if force or uid in news]
        if checks:
            self._deliver(checks)
            await self._bus.publish(checks)

    def _spawn(self, work: Any) -> None:
        # In a context of its own: a poll an invalidation starts is not part of that request
        # (its deadline, its request id).
        task = asyncio.create_task(work, context=contextvars.Context())
        self._polls.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._polls.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("watch.poll_crashed", error=repr(task.exception()))

    def _report(self) -> None:
        if self._counters is not None:
            here = sum(watched.polled_here for watched in self._watched.values())
            self._counters.watched(len(self._watched), here)


def _load(loaders: RequestLoaders, resource: Resource) -> asyncio.Future[Loaded[Any]]:
    kind, uid, label = resource
    if kind is Kind.DOCUMENT:
        return loaders.document(uid)
    if kind is Kind.LATEST:
        return loaders.latest(uid)
    if kind is Kind.REVISIONS:
        return loaders.revisions(uid)
    assert label is not None
    return loaders.revision(uid, label)
